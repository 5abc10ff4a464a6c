"""Prometheus metrics of one app (its own registry): requests, model latency, jobs and the active model versions.

Series (all prefixed ``kpi_advisor_``):

- ``http_requests_total{method,route,status}`` and ``http_request_duration_seconds{method,route}`` — by route
  template (``/v1/jobs/{job_id}``), never the raw path (``MetricsMiddleware``);
- ``model_seconds{operation}`` — wall time of model calls (seconds): ``with metrics.time_model("forecast"): ...``;
- ``job_duration_seconds{kind,status}`` — wall time of finished training jobs (seconds, started → finished), built
  at scrape time from every finished job in the database (``finished_jobs``), so every web process reports the
  same histogram;
- ``jobs{status}`` — jobs per status over all workspaces, read from the service database at scrape time;
- ``active_model_info{workspace,version}`` — 1 for each workspace's active model version, read at scrape time.

The database-backed series come from callables (``metrics.watch_store(job_counts, active_models, finished_jobs)``),
so this module needs no database. A failing callable (database down) logs a warning and drops its series from that scrape
instead of failing ``/metrics``.

Several web processes (``kpi-advisor serve --workers N``): ``serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at an empty
folder before the processes start; the request and model-call series then live in files there (prometheus_client's
multiprocess mode) and a scrape, whichever process answers it, sums them over all processes. The database-backed
series are read once per scrape and are not per process.
"""

from __future__ import annotations

import bisect
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MODEL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
JOB_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0)
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")  # api.store.JOB_STATUSES, always exported

JobCounts = Callable[[], Mapping[tuple[str, str], int]]
"""``() -> {(workspace, status): count}`` — ``api.store.Store.job_counts``."""
ActiveModels = Callable[[], Mapping[str, str]]
"""``() -> {workspace: active version}`` — see ``active_models_of``."""
FinishedJobs = Callable[[], Iterable[tuple[str, str, str, float]]]
"""``() -> [(job id, kind, final status, seconds from start to finish)]`` — see ``finished_jobs_of``."""

log = logging.getLogger("kpi_advisor.metrics")


class StoreCollector(Collector):
    """Gauges computed from the service database on each scrape (jobs by status, active model per workspace)."""

    def __init__(self, job_counts: JobCounts | None, active_models: ActiveModels | None = None) -> None:
        self.job_counts = job_counts
        self.active_models = active_models

    def describe(self) -> Iterable[Metric]:
        # no database query at registration time
        return []

    def collect(self) -> Iterable[Metric]:
        if self.job_counts is not None:
            try:
                counts = self.job_counts()
            except Exception as exc:  # the database may be down: keep /metrics answering
                log.warning("metrics: job counts unavailable: %s", exc)
            else:
                yield _jobs_gauge(counts)
        if self.active_models is not None:
            try:
                active = self.active_models()
            except Exception as exc:
                log.warning("metrics: active model versions unavailable: %s", exc)
            else:
                info = GaugeMetricFamily(
                    "kpi_advisor_active_model_info",
                    "Active model version per workspace (value 1)",
                    labels=("workspace", "version"),
                )
                for workspace, version in sorted(active.items()):
                    info.add_metric((workspace, version), 1.0)
                yield info


def _jobs_gauge(counts: Mapping[tuple[str, str], int]) -> GaugeMetricFamily:
    """Sum ``{(workspace, status): n}`` over workspaces; every known status is exported, 0 when absent."""
    by_status = dict.fromkeys(JOB_STATUSES, 0)
    for (_workspace, status), n in counts.items():
        by_status[status] = by_status.get(status, 0) + int(n)
    gauge = GaugeMetricFamily("kpi_advisor_jobs", "Training jobs by status, all workspaces", labels=("status",))
    for status, n in by_status.items():
        gauge.add_metric((status,), float(n))
    return gauge


def active_models_of(store: Any) -> ActiveModels:
    """``{workspace: version}`` of a store with ``workspaces()`` and ``active_model(ws) -> record | None``."""

    def read() -> dict[str, str]:
        out: dict[str, str] = {}
        for workspace in store.workspaces():
            record = store.active_model(workspace)
            if record is not None:
                out[workspace] = record.version
        return out

    return read


def finished_jobs_of(store: Any) -> FinishedJobs:
    """Every finished job of a store with ``finished_job_durations()`` (``api.store.Store``)."""
    return store.finished_job_durations  # type: ignore[no-any-return]


class _JobDurations(Collector):
    """The job-duration histogram, rebuilt from the finished jobs on each scrape (no state in the process)."""

    def __init__(self) -> None:
        self.finished_jobs: FinishedJobs | None = None

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        family = HistogramMetricFamily("kpi_advisor_job_duration_seconds",
                                       "Training job wall time from start to finish (seconds)", labels=("kind", "status"))
        finished: list[tuple[str, str, str, float]] = []
        if self.finished_jobs is not None:
            try:
                finished = list(self.finished_jobs())
            except Exception as exc:
                log.warning("metrics: finished jobs unavailable: %s", exc)
                return
        groups: dict[tuple[str, str], list[float]] = {}
        for _job_id, kind, status, seconds in finished:
            groups.setdefault((kind, status), []).append(max(0.0, float(seconds)))
        for (kind, status), values in sorted(groups.items()):
            values.sort()
            buckets = [(str(float(b)), float(bisect.bisect_right(values, b))) for b in JOB_BUCKETS]
            buckets.append(("+Inf", float(len(values))))
            family.add_metric((kind, status), buckets, sum(values))
        yield family


class Metrics:
    """Request counters, latency histograms, model and job timings; ``registry`` is what ``/metrics`` exports.

    With the ``PROMETHEUS_MULTIPROC_DIR`` environment variable set before prometheus_client is first imported
    (``kpi-advisor serve --workers N`` does it), the counters and histograms are kept in files in that folder and
    ``registry`` sums every process's files on each scrape. Without it, they live in this object's own registry.
    """

    def __init__(self) -> None:
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self.registry = CollectorRegistry()
        own = None if self.multiprocess_dir else self.registry
        if self.multiprocess_dir:
            multiprocess.MultiProcessCollector(self.registry, path=self.multiprocess_dir)
        self.requests = Counter(
            "kpi_advisor_http_requests_total", "HTTP requests", ("method", "route", "status"), registry=own
        )
        self.latency = Histogram(
            "kpi_advisor_http_request_duration_seconds",
            "HTTP request latency (seconds)",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self.model_seconds = Histogram(
            "kpi_advisor_model_seconds",
            "Wall time of model calls by operation (seconds)",
            ("operation",),
            buckets=MODEL_BUCKETS,
            registry=own,
        )
        self._job_durations = _JobDurations()
        self.registry.register(self._job_durations)
        self._store_collector: StoreCollector | None = None

    @contextmanager
    def time_model(self, operation: str) -> Iterator[None]:
        """Observe the wall time of the ``with`` body (seconds, also when it raises) under ``operation``.

        Operations in use: forecast, optimize, diagnose, kpis, scorecard, advise — keep the set small and fixed.
        """
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.model_seconds.labels(operation).observe(time.perf_counter() - t0)

    def watch_store(
        self,
        job_counts: JobCounts | None,
        active_models: ActiveModels | None = None,
        finished_jobs: FinishedJobs | None = None,
    ) -> None:
        """Export ``kpi_advisor_jobs{status}``, ``kpi_advisor_active_model_info`` and job durations from these.

        Typical: ``metrics.watch_store(store.job_counts, active_models_of(store), finished_jobs_of(store))``.
        Calling it again replaces the previous sources.
        """
        if self._store_collector is not None:
            self.registry.unregister(self._store_collector)
        self._store_collector = StoreCollector(job_counts, active_models)
        self.registry.register(self._store_collector)
        self._job_durations.finished_jobs = finished_jobs


def worker_problem(app_state: Any, settings: Any) -> str | None:
    """Why the training worker this server is meant to run is not alive (None: it is, or none is configured).

    ``app_state``: the FastAPI ``app.state`` (``worker``: the ``WorkerProcess`` the app started itself);
    ``settings.worker_status_file``: the status ``kpi-advisor serve`` writes for its web processes."""
    worker = getattr(app_state, "worker", None)
    if worker is not None:
        reason: str | None = worker.readiness()
        return reason
    if getattr(settings, "worker_status_file", None) is not None:
        from api.worker.supervisor import worker_readiness

        return worker_readiness(settings.worker_status_file)
    return None
