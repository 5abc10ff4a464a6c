"""One workspace as the services see it (:class:`Workspace`): its datasets, the snapshot it serves, and the hot
reload that swaps in the model version and dataset the service database names.

Which model version a workspace serves is decided by the database (``store.active_model``): a training job run by
the worker process, or an activation through the API, changes it, and every server process notices within
``settings.refresh_seconds`` and swaps the new models in (warmed with the recent requests, ``api.http.warming``)
while it keeps answering from the old ones.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from api.http.datasets import DatasetStore
from api.http.snapshot import Snapshot
from api.http.warming import PinnedWorkspace, RecentRequests, warm_up_models

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from advisor.data import Dataset
    from advisor.kpis.measures import MeasureCache
    from api.http.cache import ResultCache
    from api.http.datasets import DatasetCache
    from api.http.observability import Metrics
    from api.http.scheduling import ComputeSlots
    from api.settings import Settings
    from api.store import Store
    from models.drivers import DriverModelSet
    from models.registry import ModelVersion

log = logging.getLogger("kpi_advisor.api")


class ProcessState(Protocol):
    """What a :class:`Workspace` uses of the state its server process shares between workspaces
    (``api.http.state.AppState`` is one; typed here so that this module does not import the state that creates it).
    """

    settings: Settings
    store: Store
    cache: ResultCache
    measures: MeasureCache
    derived: ResultCache
    compute_slots: ComputeSlots
    metrics: Metrics
    dataset_cache: DatasetCache

    def llm(self) -> BaseChatModel | None:
        """The process's chat model, or None."""
        ...

    def forget_keys(self) -> None:
        """Drop the process's API-key cache (after a revocation)."""
        ...


class Workspace:
    """One workspace as the services see it: its datasets, its served snapshot, the process's shared caches.

    The services take a ``Workspace`` as ``state``; nothing here is visible to another workspace.
    """

    def __init__(self, app: ProcessState, name: str) -> None:
        self.app = app
        self.name = name
        self.settings = app.settings
        self.store = app.store
        self.cache = app.cache
        self.measures = app.measures
        self.derived = app.derived
        self.compute_slots = app.compute_slots
        self.metrics = app.metrics
        self.models_dir = app.settings.models_root(name)
        self.datasets = DatasetStore.of(app.settings, app.store, name, app.dataset_cache)
        self.recent = RecentRequests(app.settings.warm_requests, app.settings.warm_seconds)
        self._snapshot = Snapshot(name, problems=("starting",))
        self._loaded = False
        self._attempted: tuple[str | None, str | None] | None = None  # what the last load was asked to serve
        self._checked = 0.0
        self._load_lock = threading.Lock()

    def llm(self) -> BaseChatModel | None:
        """The process's chat model (``AppState.llm``), or None."""
        return self.app.llm()

    def remember(self, key: str, call: Callable[..., Any], *args: Any) -> None:
        """Note a request (``call(workspace, *args)``) so that a newly activated model is warmed with it before it
        is served (:class:`api.http.warming.RecentRequests`)."""
        self.recent.remember(key, call, *args)

    # ------------------------------------------------------------------ the served snapshot

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot; at most every ``refresh_seconds`` also checks the database for a newly activated
        model or a new dataset and swaps it in (in a background thread; requests go on with the old one)."""
        now = time.monotonic()
        if now - self._checked >= self.settings.refresh_seconds:
            self._checked = now
            try:
                wanted = self._wanted()
            except Exception as exc:  # the database is unreachable: keep serving what is loaded
                log.warning("workspace %s: cannot check the active model (%s)", self.name, exc)
            else:
                if wanted != self._attempted:
                    threading.Thread(target=self._reload_quietly, name=f"reload-{self.name}", daemon=True).start()
        return self._snapshot

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.load()

    def refresh(self) -> Snapshot:
        """Load now if the database names another model version or dataset than the one served."""
        if self._wanted() != self._attempted:
            return self.load()
        return self._snapshot

    def require(self, *, models: bool = False, dataset: bool = True) -> Snapshot:
        """The current snapshot; :class:`~api.http.snapshot.NotReadyError` when the dataset or the models are
        missing."""
        return self.snapshot.require(models=models, dataset=dataset)

    def _wanted(self) -> tuple[str | None, str | None]:
        """(dataset id, model version) the database says this workspace serves: the active model and the dataset it
        was trained on, else no model and the newest dataset."""
        active = self.store.active_model(self.name)
        if active is not None and active.dataset_id is not None:
            return active.dataset_id, active.version
        rows = self.store.datasets(self.name)
        return (rows[-1].id if rows else None), (active.version if active is not None else None)

    def _reload_quietly(self) -> None:
        if not self._load_lock.acquire(blocking=False):
            return  # a load is running; the next check sees what it loaded
        try:
            self._load_locked(warm=True)
        except Exception:
            log.exception("workspace %s: reload failed; the previous snapshot is still served", self.name)
        finally:
            self._load_lock.release()

    def load(self) -> Snapshot:
        """Load the dataset and models the database names for this workspace and swap them in."""
        with self._load_lock:
            return self._load_locked()

    def _load_locked(self, *, warm: bool = False) -> Snapshot:
        from models.registry import Registry, RegistryError
        from models.response import ResponseBundle

        problems: list[str] = []
        dataset: Dataset | None = None
        bundle: ResponseBundle | None = None
        drivers: DriverModelSet | None = None
        models_dir: Path | None = None
        ds_id, version = wanted = self._wanted()
        if ds_id is not None:
            try:
                dataset = self.datasets.get(ds_id)
            except (LookupError, ValueError) as exc:
                problems.append(f"dataset {ds_id!r}: {exc}")
        else:
            problems.append("no dataset: upload one with POST /v1/datasets")
        if version is not None:
            record = self.store.active_model(self.name)
            models_dir = Path(record.registry_root) if record is not None else self.models_dir
            try:
                bundle = ResponseBundle.load(models_dir, version)
                drivers = self._drivers(Registry(models_dir).load(version), dataset)
            except (RegistryError, KeyError, ValueError, OSError) as exc:
                problems.append(f"models {version}: {exc}")
                bundle = None
        else:
            problems.append("no trained models: start training with POST /v1/train")
        warm_up_models(drivers)
        snap = Snapshot(
            self.name, ds_id if dataset is not None else None, dataset, bundle,
            version if bundle is not None else None, drivers, tuple(problems), models_dir,
        )
        if warm and snap.ready and self._snapshot.ready:
            t0 = time.monotonic()
            n = self.recent.warm(PinnedWorkspace(self, snap))
            log.info("workspace %s: warmed %d recent requests on models %s in %.1f s", self.name, n, version,
                     time.monotonic() - t0)
        self._snapshot = snap
        self._attempted = wanted
        self._loaded = True
        self._checked = time.monotonic()
        log.info("workspace %s serves dataset=%s models=%s problems=%s", self.name, snap.dataset_id,
                 snap.model_version, problems)
        return snap

    def _drivers(self, mv: ModelVersion, dataset: Dataset | None) -> DriverModelSet | None:
        """Driver models stored with the version, else (``fit_drivers``) fitted now on the dataset, else None."""
        from models.drivers import driver_models_from_files

        files = mv.texts("drivers/")
        if files:
            return driver_models_from_files(files)
        if dataset is None or not self.settings.fit_drivers:
            return None
        from training.drivers import train_driver_models

        return train_driver_models(dataset.campaign_daily)

    # ------------------------------------------------------------------ audit

    def record_advice(self, key_id: str | None, route: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Append advice served to the workspace's audit log (never fails the request)."""
        snap = self._snapshot
        try:
            self.store.record_advice(self.name, key_id, route, request, response, snap.model_version, snap.dataset_id)
        except Exception:
            log.exception("workspace %s: could not write the audit log for %s", self.name, route)
