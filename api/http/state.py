"""What the service holds in memory: the served dataset and models (one immutable snapshot, swapped atomically
after retraining), the uploaded datasets, a small result cache, the per-table KPI precomputations
(``advisor.kpis.measures.MeasureCache``) and the background jobs."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from advisor.kpis.measures import MeasureCache
from api.http.datasets import DatasetStore
from api.http.jobs import JobStore
from api.http.settings import Settings

log = logging.getLogger("kpi_advisor.api")


class NotReadyError(RuntimeError):
    """The service has no dataset or no trained models yet; the message says what to do."""


@dataclass(frozen=True)
class Snapshot:
    """Everything a request reads, swapped as a whole.

    dataset_id / dataset: the active dataset (``advisor.data.Dataset``) or None; bundle: the served
    ``models.response.ResponseBundle`` or None; model_version: its registry version; drivers: driver models for
    diagnostics (``models.drivers.DriverModelSet``) or None; problems: why something is missing.
    """

    dataset_id: str | None = None
    dataset: Any = None
    bundle: Any = None
    model_version: str | None = None
    drivers: Any = None
    problems: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.dataset is not None and self.bundle is not None

    def key(self) -> tuple[str, str]:
        """Cache key part: the data fingerprint and model version this snapshot answers from."""
        fp = self.dataset.fingerprint if self.dataset is not None else ""
        return fp, self.model_version or ""


class ResultCache:
    """Thread-safe LRU of finished results keyed by (snapshot key, operation, canonical request).

    Results are deterministic for a given data fingerprint, model version and request (fixed seeds), so a
    repeated question is answered from memory; retraining changes the key.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if self.size <= 0:
            return compute()
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = compute()  # outside the lock: other requests go on; a duplicate computation is harmless
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class AppState:
    """The service state shared by the REST routers and the MCP tools."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.datasets = DatasetStore(settings.data_dir, settings.datasets_dir)
        self.jobs = JobStore()
        self.cache = ResultCache(settings.cache_size)
        self.measures = MeasureCache()  # request-independent KPI work per loaded table (not a result cache)
        self._snapshot = Snapshot(problems=("starting",))
        self._swap_lock = threading.Lock()
        self._llm: tuple[Any] | None = None

    def llm(self) -> Any:
        """The chat model configured by ``KPI_ADVISOR_LLM_*`` (``advisor.narrative``), or None; built once."""
        if self._llm is None:
            from advisor.narrative import chat_model_from_settings

            try:
                self._llm = (chat_model_from_settings(),)
            except (ImportError, ValueError) as exc:
                log.warning("LLM not available (%s); the built-in narrator answers", exc)
                self._llm = (None,)
        return self._llm[0]

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def require(self, *, models: bool = False, dataset: bool = True) -> Snapshot:
        """The current snapshot; :class:`NotReadyError` when the dataset or the models are missing."""
        snap = self._snapshot
        if dataset and snap.dataset is None:
            raise NotReadyError("no dataset is loaded: upload one with POST /v1/datasets, or set KPI_ADVISOR_DATA_DIR")
        if models and snap.bundle is None:
            raise NotReadyError("no trained models are served: start training with POST /v1/train, then poll the job")
        return snap

    def load(self, dataset_id: str | None = None) -> Snapshot:
        """Load the dataset (default: the current or ``default``) and the latest models, then swap them in."""
        from models.registry import Registry, RegistryError
        from models.response import ResponseBundle

        ds_id = dataset_id or self._snapshot.dataset_id or "default"
        problems: list[str] = []
        dataset = bundle = version = drivers = None
        try:
            dataset = self.datasets.get(ds_id)
        except (LookupError, ValueError) as exc:
            problems.append(f"dataset {ds_id!r}: {exc}")
        try:
            mv = Registry(self.settings.models_dir).latest()
            bundle = ResponseBundle.load(self.settings.models_dir, mv.version)
            version = mv.version
            drivers = self._drivers(mv, dataset)
        except (RegistryError, KeyError, ValueError, OSError) as exc:
            problems.append(f"models: {exc}")
        _warm_up(drivers)
        snap = Snapshot(ds_id if dataset is not None else None, dataset, bundle, version, drivers, tuple(problems))
        with self._swap_lock:
            self._snapshot = snap
        self.cache.clear()
        log.info("serving dataset=%s models=%s problems=%s", snap.dataset_id, version, problems)
        return snap

    def _drivers(self, mv: Any, dataset: Any) -> Any:
        """Driver models stored with the version, else (``fit_drivers``) fitted now on the dataset, else None."""
        from models.drivers import driver_models_from_files

        files = mv.texts("drivers/")
        if files:
            return driver_models_from_files(files)
        if dataset is None or not self.settings.fit_drivers:
            return None
        from training.drivers import train_driver_models

        return train_driver_models(dataset.campaign_daily)


def _warm_up(drivers: Any) -> None:
    """Do the one-off work of the request paths before serving: import the modules the services import lazily and
    build each driver model's SHAP explainer (importing ``shap`` alone takes seconds; the explainers are cached
    on the models), so that the first diagnose is as fast as the next ones."""
    import advisor.diagnostics  # noqa: F401
    import models.plan
    import models.response.forecast  # noqa: F401

    for model in getattr(drivers, "models", {}).values():
        model.explainer()
