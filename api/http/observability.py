"""Prometheus metrics of one app (its own registry): requests, model latency, jobs and the active model versions.

Series (all prefixed ``kpi_advisor_``):

- ``http_requests_total{method,route,status}`` and ``http_request_duration_seconds{method,route}`` — by route
  template (``/v1/jobs/{job_id}``), never the raw path (``MetricsMiddleware``);
- ``model_seconds{operation}`` — wall time of model calls (seconds): ``with metrics.time_model("forecast"): ...``;
- ``job_duration_seconds{kind,status}`` — wall time of finished training jobs (seconds, started → finished): fed
  at scrape time from the database (``finished_jobs``; each job counted once per web process) or by
  ``observe_job``;
- ``jobs{status}`` — jobs per status over all workspaces, read from the service database at scrape time;
- ``active_model_info{workspace,version}`` — 1 for each workspace's active model version, read at scrape time.

The database-backed series come from callables (``metrics.watch_store(job_counts, active_models, finished_jobs)``),
so this module needs no database. A failing callable (database down) logs a warning and drops its series from that scrape
instead of failing ``/metrics``.

With ``kpi-advisor serve --workers N`` (N > 1) every web process has its own registry; a scrape sees one of them.
Scale with one web process per container when exact request counts matter.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
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


def finished_jobs_of(store: Any, limit: int = 50) -> FinishedJobs:
    """Finished jobs among the ``limit`` newest of every workspace of a store (``workspaces()``, ``jobs(ws, n)``)."""

    def read() -> list[tuple[str, str, str, float]]:
        out = []
        for workspace in store.workspaces():
            for job in store.jobs(workspace, limit):
                if job.started_at is not None and job.finished_at is not None:
                    seconds = (job.finished_at - job.started_at).total_seconds()
                    out.append((job.id, job.kind, job.status, max(0.0, seconds)))
        return out

    return read


class _JobDurations(Collector):
    """Yields the job-duration histogram after observing the jobs that finished since the last scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        self.metrics.feed_finished_jobs()
        yield from self.metrics.job_duration.collect()


class Metrics:
    """Request counters, latency histograms, model and job timings in their own registry (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kpi_advisor_http_requests_total", "HTTP requests", ("method", "route", "status"), registry=self.registry
        )
        self.latency = Histogram(
            "kpi_advisor_http_request_duration_seconds",
            "HTTP request latency (seconds)",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.model_seconds = Histogram(
            "kpi_advisor_model_seconds",
            "Wall time of model calls by operation (seconds)",
            ("operation",),
            buckets=MODEL_BUCKETS,
            registry=self.registry,
        )
        self.job_duration = Histogram(
            "kpi_advisor_job_duration_seconds",
            "Training job wall time from start to finish (seconds)",
            ("kind", "status"),
            buckets=JOB_BUCKETS,
            registry=None,  # collected through _JobDurations, which first observes newly finished jobs
        )
        self.registry.register(_JobDurations(self))
        self._store_collector: StoreCollector | None = None
        self._finished_jobs: FinishedJobs | None = None
        self._seen_jobs: set[str] = set()
        self._jobs_lock = threading.Lock()

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

    def observe_job(self, kind: str, status: str, seconds: float) -> None:
        """Record a finished job's wall time (seconds) with its final status."""
        self.job_duration.labels(kind, status).observe(max(0.0, seconds))

    def feed_finished_jobs(self) -> None:
        """Observe each job of ``finished_jobs`` not observed yet (called at scrape time)."""
        if self._finished_jobs is None:
            return
        try:
            finished = list(self._finished_jobs())
        except Exception as exc:
            log.warning("metrics: finished jobs unavailable: %s", exc)
            return
        with self._jobs_lock:
            for job_id, kind, status, seconds in finished:
                if job_id not in self._seen_jobs:
                    self._seen_jobs.add(job_id)
                    self.observe_job(kind, status, seconds)

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
        self._finished_jobs = finished_jobs
