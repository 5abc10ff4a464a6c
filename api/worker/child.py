"""The training child process: runs one job with its own database connection, then exits.

Started by ``api.worker.process.Worker`` with the multiprocessing ``spawn`` context, so a cancel can stop a
Prophet/LightGBM fit hard (SIGTERM, then SIGKILL) and its memory is returned to the system after every job. The
child dies with the worker (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` plus a parent-pid watch), so a killed worker never
leaves a fit running that publishes later. Exit code 0: the job was finished (succeeded/failed) or abandoned;
anything else: the parent marks the job failed.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.worker.train_job import JobAbandonedError, ModelsRoot, run_train_job

if TYPE_CHECKING:
    from advisor.data.limits import DataLimits
    from api.settings import Settings
    from api.store import JobRecord, Store

log = logging.getLogger("kpi_advisor.worker")

JobRunner = Callable[[ModelsRoot, "Store", "JobRecord", Callable[[str, float], None]], dict[str, Any]]
RUNNERS: dict[str, JobRunner] = {"train": run_train_job}
"""Job kind → function ``(settings, store, job, progress) -> JSON-ready result``."""

PR_SET_PDEATHSIG = 1
PARENT_WATCH_SECONDS = 0.5


@dataclass(frozen=True)
class ChildConfig:
    """The settings a job's child needs (plain values: the child never imports the web app).

    ``workspace_models``: the model registry folder of the job's workspace (``Settings.models_root``);
    ``limits``: the data limits uploads were accepted under (``Settings.data_limits()``).
    """

    database_url: str
    workspace: str
    workspace_models: Path
    log_json: bool
    log_level: str
    limits: DataLimits

    @classmethod
    def for_job(cls, settings: Settings, workspace: str) -> ChildConfig:
        return cls(settings.database_url, workspace, Path(settings.models_root(workspace)), settings.log_json,
                   settings.log_level, settings.data_limits())

    def data_limits(self) -> DataLimits:
        return self.limits

    def models_root(self, workspace: str) -> Path:
        if workspace != self.workspace:
            raise ValueError(f"this job runs for workspace {self.workspace!r}, not {workspace!r}")
        return self.workspace_models


def die_with_parent(parent_pid: int) -> None:
    """Get SIGKILL when the parent dies (Linux prctl), and watch ``getppid()`` every 0.5 s as a fallback."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl: the watch below still works
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(70)

    def watch() -> None:
        while True:
            time.sleep(PARENT_WATCH_SECONDS)
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="kpi-advisor-parent-watch", daemon=True).start()


class ThrottledProgress:
    """``progress(message, fraction)`` that writes to the job row at most once per ``interval`` seconds (the
    first call and fraction 1.0 always); write errors are logged, never raised (progress is informative)."""

    def __init__(self, store: Store, job_id: str, interval: float = 0.5) -> None:
        self.store, self.job_id, self.interval = store, job_id, interval
        self._last = -float("inf")

    def __call__(self, message: str, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last < self.interval and fraction < 1.0:
            return
        self._last = now
        try:
            self.store.update_progress(self.job_id, message, fraction)
        except Exception:  # a busy database must not fail the fit
            log.warning("job %s: could not record progress", self.job_id, exc_info=True)


def run_job(settings: ModelsRoot, store: Store, job: JobRecord) -> str:
    """Run ``job`` and record its end (succeeded/failed) in the store; returns that status, or ``"abandoned"``
    when the job stopped being ours (nothing published; the parent records the outcome)."""
    runner = RUNNERS.get(job.kind)
    if runner is None:
        store.finish_job(job.id, "failed", error=f"unknown job kind {job.kind!r}; expected one of {sorted(RUNNERS)}")
        return "failed"
    progress = ThrottledProgress(store, job.id)
    try:
        result = runner(settings, store, job, progress)
    except JobAbandonedError as exc:
        log.info("job %s abandoned: %s", job.id, exc, extra={"job_id": job.id, "workspace": job.workspace})
        return "abandoned"
    except Exception as exc:
        log.exception("job %s failed", job.id, extra={"job_id": job.id, "workspace": job.workspace})
        store.finish_job(job.id, "failed", error=str(exc) or type(exc).__name__)
        return "failed"
    progress("done", 1.0)
    store.finish_job(job.id, "succeeded", result=result)
    return "succeeded"


def child_main(config: ChildConfig, job: JobRecord, parent_pid: int) -> None:
    """Entry point of the child process (picklable arguments only)."""
    from api.store import Store
    from api.worker.logs import configure_child

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the worker, which stops us and requeues the job
    os.setpgid(0, 0)  # own process group: a stop also reaches the fit's helper processes (Stan)
    die_with_parent(parent_pid)
    configure_child(config.log_json, config.log_level)
    store = Store(config.database_url)
    try:
        run_job(config, store, job)
    finally:
        store.dispose()
