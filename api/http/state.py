"""What a server process holds (:class:`AppState`): the settings, the service database (:class:`api.store.Store`),
one :class:`~api.http.workspace.Workspace` per workspace, the result cache, the compute slots, the KPI
precomputations, the chat model and the API-key cache.

The parts live in their own modules: ``api.http.cache`` (:class:`ResultCache`), ``api.http.scheduling``
(:class:`ComputeSlots`), ``api.http.snapshot`` (:class:`Snapshot`, :class:`NotReadyError`), ``api.http.workspace``
(:class:`Workspace`: loading and hot reload), ``api.http.warming`` (recent requests, :class:`PinnedWorkspace`) and
``api.llm`` (the chat model). Their names are re-exported here for the routers and services.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from api.http.cache import ResultCache
from api.http.datasets import DatasetCache
from api.http.keycache import KeyCache
from api.http.scheduling import ComputeSlots
from api.http.snapshot import NotReadyError, Snapshot
from api.http.warming import PinnedWorkspace
from api.http.workspace import Workspace
from api.llm import SharedChatModel
from api.settings import Settings
from api.store import ApiKeyInfo, Store
from api.store.keys import well_formed

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from advisor.kpis.measures import MeasureCache

__all__ = [
    "AppState", "ComputeSlots", "NotReadyError", "PinnedWorkspace", "ResultCache", "Snapshot",
    "Workspace",
]


class AppState:
    """The process-wide service state shared by the REST routers and the MCP tools."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        from advisor.kpis.measures import MeasureCache  # pandas: loaded when a server is built, not on import

        self.settings = settings
        self.store = store or Store(settings.database_url)
        self.cache = ResultCache(settings.cache_size)
        # request-independent work per loaded table and diagnosed scope (not a result cache): KPI precomputations,
        # to-date aggregates, scope rows, feature matrices, driver predictions and SHAP values
        self.measures: MeasureCache = MeasureCache(size=2048)
        # request-independent model work per snapshot (e.g. CLV by channel, a scope's customer value), always on
        self.derived = ResultCache(256)
        self.compute_slots = ComputeSlots(settings.compute_concurrency)
        self.dataset_cache = DatasetCache(settings.dataset_cache_bytes)  # loaded datasets, bounded by bytes
        self._chat_model = SharedChatModel(settings)
        self._workspaces: dict[str, Workspace] = {}
        self._lock = threading.Lock()
        self._keys: KeyCache[ApiKeyInfo] = KeyCache(ttl_seconds=settings.key_cache_seconds)
        from api.http.observability import Metrics

        self.metrics = Metrics()  # Prometheus registry of this process (requests, model calls, jobs)

    def start(self) -> None:
        """Migrate the database, register the configured data folder and CLI-trained models of the ``default``
        workspace, and load every workspace's snapshot (called once, in the app's lifespan)."""
        from api.http.bootstrap import bootstrap_default_workspace

        self.store.upgrade()
        bootstrap_default_workspace(self.settings, self.store)
        for name in self.store.workspaces():
            self.workspace(name)

    def workspace(self, name: str) -> Workspace:
        """The state of workspace ``name``, created and loaded on first use."""
        with self._lock:
            ws = self._workspaces.get(name)
            if ws is None:
                ws = self._workspaces[name] = Workspace(self, name)
        ws.ensure_loaded()
        return ws

    def workspaces(self) -> list[Workspace]:
        with self._lock:
            return list(self._workspaces.values())

    def authenticate(self, token: str) -> ApiKeyInfo | None:
        """The key behind ``token`` (None: unknown, malformed or revoked), cached for
        ``settings.key_cache_seconds``; a malformed token is refused before the cache (``api.http.keycache``)."""
        if not well_formed(token):
            return None
        return self._keys.get_or_load(token, self.store.authenticate)

    def forget_keys(self) -> None:
        """Drop the key cache (after a revocation in this process)."""
        self._keys.clear()

    def llm(self) -> BaseChatModel | None:
        """The chat model configured by ``settings.llm_*`` (``KPI_ADVISOR_LLM_*``), or None; built once."""
        return self._chat_model.get()

    def shutdown(self) -> None:
        self.store.dispose()
