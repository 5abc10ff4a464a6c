"""What a server process holds: the service database (:class:`api.store.Store`), one :class:`Workspace` per
workspace (its datasets and the snapshot of its served models), a result cache and the KPI precomputations.

A workspace's snapshot (dataset + models) is immutable and swapped whole. Which model version a workspace serves is
decided by the database (``store.active_model``): a training job run by the worker process, or an activation
through the API, changes it, and every server process notices within ``settings.refresh_seconds`` and swaps the new
models in while it keeps answering from the old ones.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.kpis.measures import MeasureCache
from api.http.datasets import DatasetCache, DatasetStore
from api.http.keycache import KeyCache
from api.settings import DEFAULT_WORKSPACE, Settings
from api.store import ApiKeyInfo, Store
from api.store.keys import well_formed

log = logging.getLogger("kpi_advisor.api")

KEY_CACHE_SECONDS = 10.0  # a revoked key stops working within this many seconds in every process


class NotReadyError(RuntimeError):
    """The workspace has no dataset or no trained models yet; the message says what to do."""


@dataclass(frozen=True)
class Snapshot:
    """Everything a request reads, swapped as a whole.

    workspace: its name; dataset_id / dataset: the active dataset (``advisor.data.Dataset``) or None; bundle: the
    served ``models.response.ResponseBundle`` or None; model_version: its registry version; models_dir: the
    registry it comes from; drivers: driver models for diagnostics (``models.drivers.DriverModelSet``) or None;
    problems: why something is missing.
    """

    workspace: str = DEFAULT_WORKSPACE
    dataset_id: str | None = None
    dataset: Any = None
    bundle: Any = None
    model_version: str | None = None
    drivers: Any = None
    problems: tuple[str, ...] = ()
    models_dir: Path | None = None

    @property
    def ready(self) -> bool:
        return self.dataset is not None and self.bundle is not None

    def key(self) -> tuple[str, str, str]:
        """Cache key part: the workspace, the data fingerprint and the model version this snapshot answers from."""
        fp = self.dataset.fingerprint if self.dataset is not None else ""
        return self.workspace, fp, self.model_version or ""


class ResultCache:
    """Thread-safe LRU of finished results keyed by (operation, snapshot key, canonical request), single-flight.

    Results are deterministic for a given workspace, data fingerprint, model version and request (fixed seeds), so
    a repeated question is answered from memory; retraining changes the key. Identical requests that arrive while
    the first one is being computed wait for it instead of computing it again (after a model switch every
    dashboard asks the same questions at once).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, Future[Any]] = {}
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
            pending = self._pending.get(key)
            if pending is None:
                self.misses += 1
                mine: Future[Any] = Future()
                self._pending[key] = mine
        if pending is not None:
            return pending.result()  # the same request is being computed: share its result (or its error)
        try:
            value = compute()  # outside the lock: other requests go on
        except BaseException as exc:
            with self._lock:
                del self._pending[key]
            mine.set_exception(exc)
            raise
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            del self._pending[key]
        mine.set_result(value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: Latency allowance of each kind of computation (seconds): a waiting computation's deadline is its arrival plus
#: its allowance, and the free slot goes to the earliest deadline. Short interactive requests (a KPI table, a
#: forecast) thus overtake a queued diagnosis, which can afford to wait longer, and nothing waits forever: a long
#: computation's deadline comes round as time passes. The values are the latency goals of the load benchmark
#: (``benchmarks/api_load.py``): 100 ms for KPI tables and forecasts, 300 ms for a diagnosis.
COMPUTE_ALLOWANCE_SECONDS: dict[str, float] = {
    "kpis": 0.1, "scorecard": 0.1, "forecast": 0.1, "diagnose": 0.3, "customers": 0.3, "advise": 1.0,
    "optimize": 2.0,
}
DEFAULT_ALLOWANCE_SECONDS = 1.0
#: Kinds that take seconds (a budget optimisation runs hundreds of forecasts; advise may run one): they have a lane
#: of their own, so that a KPI table shares the CPU with a running optimisation instead of queueing behind it.
LONG_KINDS = frozenset({"optimize", "advise"})


class _DeadlineQueue:
    """``n`` slots given to waiting computations earliest deadline first (ties in arrival order)."""

    def __init__(self, n: int, allowance: dict[str, float]) -> None:
        self.allowance = allowance
        self._free = n
        self._waiting: list[tuple[float, int]] = []  # heap of (deadline, arrival number)
        self._arrivals = itertools.count()
        self._cond = threading.Condition()

    def acquire(self, kind: str) -> None:
        entry = (time.monotonic() + self.allowance.get(kind, DEFAULT_ALLOWANCE_SECONDS), next(self._arrivals))
        with self._cond:
            heapq.heappush(self._waiting, entry)
            try:
                while not (self._free > 0 and self._waiting[0] == entry):
                    self._cond.wait()
            except BaseException:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
                self._cond.notify_all()
                raise
            heapq.heappop(self._waiting)
            self._free -= 1
            if self._free > 0 and self._waiting:
                self._cond.notify_all()  # the next in line may take another free slot

    def release(self) -> None:
        with self._cond:
            self._free += 1
            self._cond.notify_all()


class ComputeSlots:
    """At most ``n`` computations at once in this process (``n`` = 0: no limit) per lane; ``with slots(kind):``
    waits for a slot. Kinds in ``long_kinds`` (:data:`LONG_KINDS`: optimisations, advise) have their own lane of
    ``n`` slots, so a seconds-long optimisation does not hold up KPI tables; the others share the interactive lane.
    In a lane, waiting computations get a free slot earliest deadline first (arrival + the kind's allowance in
    ``allowance``, seconds; :data:`COMPUTE_ALLOWANCE_SECONDS`), ties in arrival order. Re-entrant per thread: a
    computation that starts another (a service calling a service, advise running a diagnosis) keeps its slot.

    The request work is CPU-bound Python (pandas, numpy, LightGBM, SHAP): threads beyond the cores do not add
    throughput, they contend for the GIL and multiply the CPU each request costs; waiting for a slot costs
    nothing."""

    def __init__(
        self, n: int, allowance: dict[str, float] | None = None, long_kinds: frozenset[str] = LONG_KINDS
    ) -> None:
        self.n = n
        self.long_kinds = long_kinds
        allowance = COMPUTE_ALLOWANCE_SECONDS if allowance is None else allowance
        self._lanes = {lane: _DeadlineQueue(n, allowance) for lane in ("interactive", "long")}
        self._local = threading.local()

    def lane(self, kind: str) -> str:
        """``"long"`` or ``"interactive"``: the lane computations of ``kind`` queue in."""
        return "long" if kind in self.long_kinds else "interactive"

    @contextmanager
    def __call__(self, kind: str = "") -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if self.n <= 0 or depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        lane = self._lanes[self.lane(kind)]
        lane.acquire(kind)
        self._local.depth = 1
        try:
            yield
        finally:
            self._local.depth = 0
            lane.release()


class AppState:
    """The process-wide service state shared by the REST routers and the MCP tools."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.database_url)
        self.cache = ResultCache(settings.cache_size)
        # request-independent work per loaded table and diagnosed scope (not a result cache): KPI precomputations,
        # to-date aggregates, scope rows, feature matrices, driver predictions and SHAP values
        self.measures = MeasureCache(size=2048)
        # request-independent model work per snapshot (e.g. CLV by channel, a scope's customer value), always on
        self.derived = ResultCache(256)
        self.compute_slots = ComputeSlots(settings.compute_concurrency)
        self.dataset_cache = DatasetCache(settings.dataset_cache_bytes)  # loaded datasets, bounded by bytes
        self._workspaces: dict[str, Workspace] = {}
        self._lock = threading.Lock()
        self._keys: KeyCache[ApiKeyInfo] = KeyCache(ttl_seconds=KEY_CACHE_SECONDS)
        self._llm: tuple[Any] | None = None
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
        """The key behind ``token`` (None: unknown, malformed or revoked), cached for ``KEY_CACHE_SECONDS``; a
        malformed token is refused before the cache (``api.http.keycache``)."""
        if not well_formed(token):
            return None
        return self._keys.get_or_load(token, self.store.authenticate)

    def forget_keys(self) -> None:
        """Drop the key cache (after a revocation in this process)."""
        self._keys.clear()

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

    def shutdown(self) -> None:
        self.store.dispose()


class Workspace:
    """One workspace as the services see it: its datasets, its served snapshot, the shared caches.

    The services take a ``Workspace`` as ``state``; nothing here is visible to another workspace.
    """

    def __init__(self, app: AppState, name: str) -> None:
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
        self._snapshot = Snapshot(name, problems=("starting",))
        self._loaded = False
        self._attempted: tuple[str | None, str | None] | None = None  # what the last load was asked to serve
        self._checked = 0.0
        self._load_lock = threading.Lock()
        self._recent: OrderedDict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = OrderedDict()
        self._recent_lock = threading.Lock()

    def llm(self) -> Any:
        return self.app.llm()

    # ------------------------------------------------------------------ warming a new snapshot

    def remember(self, key: str, call: Callable[..., Any], *args: Any) -> None:
        """Note a request (``call(workspace, *args)``) so that a newly activated model is warmed with it before it
        is served: after a retraining every dashboard asks its questions again at once."""
        if self.settings.warm_requests <= 0:
            return
        with self._recent_lock:
            self._recent[key] = (call, args)
            self._recent.move_to_end(key)
            while len(self._recent) > self.settings.warm_requests:
                self._recent.popitem(last=False)

    def _warm(self, snap: Snapshot) -> int:
        """Answer the remembered requests from ``snap`` (not served yet) into the result cache, newest first, within
        ``settings.warm_seconds``; returns how many were answered. Requests meanwhile go on with the old snapshot."""
        with self._recent_lock:
            calls = list(reversed(self._recent.values()))
        pinned = PinnedWorkspace(self, snap)
        deadline = time.monotonic() + self.settings.warm_seconds
        done = 0
        for call, args in calls:
            if time.monotonic() > deadline:
                break
            try:
                call(pinned, *args)
                done += 1
            except Exception:  # a question the new models cannot answer is answered (as an error) when asked
                continue
        return done

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
        """The current snapshot; :class:`NotReadyError` when the dataset or the models are missing."""
        snap = self.snapshot
        if dataset and snap.dataset is None:
            raise NotReadyError("no dataset is loaded: upload one with POST /v1/datasets")
        if models and snap.bundle is None:
            raise NotReadyError("no trained models are served: start training with POST /v1/train, then poll the job")
        return snap

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
        dataset = bundle = drivers = None
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
        _warm_up(drivers)
        snap = Snapshot(
            self.name, ds_id if dataset is not None else None, dataset, bundle,
            version if bundle is not None else None, drivers, tuple(problems), models_dir,
        )
        if warm and snap.ready and self._snapshot.ready:
            t0 = time.monotonic()
            n = self._warm(snap)
            log.info("workspace %s: warmed %d recent requests on models %s in %.1f s", self.name, n, version, time.monotonic() - t0)
        self._snapshot = snap
        self._attempted = wanted
        self._loaded = True
        self._checked = time.monotonic()
        log.info("workspace %s serves dataset=%s models=%s problems=%s", self.name, snap.dataset_id, snap.model_version, problems)
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

    # ------------------------------------------------------------------ audit

    def record_advice(self, key_id: str | None, route: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Append advice served to the workspace's audit log (never fails the request)."""
        snap = self._snapshot
        try:
            self.store.record_advice(self.name, key_id, route, request, response, snap.model_version, snap.dataset_id)
        except Exception:
            log.exception("workspace %s: could not write the audit log for %s", self.name, route)


class PinnedWorkspace:
    """A view of a :class:`Workspace` that answers from a given snapshot (used to warm a snapshot before it is
    served); everything else is the workspace's."""

    def __init__(self, workspace: Workspace, snap: Snapshot) -> None:
        self._workspace = workspace
        self.snapshot = snap

    def __getattr__(self, name: str) -> Any:
        return getattr(self._workspace, name)

    def remember(self, *_: Any) -> None:
        return None

    require = Workspace.require


def _warm_up(drivers: Any) -> None:
    """Do the one-off work of the request paths before serving: import the modules the services import lazily and
    build each driver model's SHAP explainer (importing ``shap`` alone takes seconds; the explainers are cached
    on the models), so that the first diagnose is as fast as the next ones."""
    import advisor.diagnostics  # noqa: F401
    import models.plan
    import models.response.forecast  # noqa: F401

    for model in getattr(drivers, "models", {}).values():
        model.explainer()
