"""``Worker``: claims queued jobs from the service database and runs each in a child process.

The parent heartbeats the job every ``heartbeat_seconds``; when the heartbeat is refused (cancel requested, or the
job was marked failed as stale) it stops the child (SIGTERM, SIGKILL after ``kill_after_seconds``). On a graceful
stop (``stop`` event, set by SIGTERM/SIGINT in ``api.worker.main``) it stops the child and puts the job back in the
queue, so a restart loses nothing. Every ``sweep_seconds`` it marks jobs of dead workers failed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from api.worker.child import RUNNERS, ChildConfig, child_main

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from api.settings import Settings
    from api.store import JobRecord, Store

log = logging.getLogger("kpi_advisor.worker")

JOIN_SLICE_SECONDS = 0.2
"""How often the parent looks at the child, the stop event and the heartbeat clock while a job runs."""


def exit_message(code: int) -> str:
    """The job error for a child that ended without finishing its job (``code``: ``Process.exitcode``)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"training process exited with code {code}: killed by {name}{hint}; start the job again"
    if code == 0:
        return "training process exited without finishing the job; start the job again"
    return f"training process exited with code {code}; see the worker log and start the job again"


class Worker:
    """Runs jobs of ``kinds`` (default: every kind the child knows) one at a time.

    ``poll_seconds``: wait between claims when the queue is empty; ``heartbeat_seconds``: heartbeat period while a
    job runs (keep it well under ``settings.job_stale_seconds``); ``sweep_seconds``: period of
    ``store.fail_stale_jobs``; ``kill_after_seconds``: SIGTERM → SIGKILL delay when stopping a child.
    Children are started with multiprocessing ``spawn``: a script that runs a ``Worker`` itself needs the usual
    ``if __name__ == "__main__":`` guard (``kpi-advisor worker`` and ``python -m api.worker`` have it).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        worker_id: str | None = None,
        poll_seconds: float = 1.0,
        heartbeat_seconds: float = 2.0,
        sweep_seconds: float = 10.0,
        kill_after_seconds: float = 5.0,
        kinds: tuple[str, ...] | None = None,
    ) -> None:
        if not 0 < heartbeat_seconds < settings.job_stale_seconds:
            raise ValueError(
                f"heartbeat_seconds ({heartbeat_seconds}) must be above 0 and below job_stale_seconds "
                f"({settings.job_stale_seconds}), else running jobs are failed as stale; lower it or raise "
                "KPI_ADVISOR_JOB_STALE_SECONDS"
            )
        self.settings, self.store = settings, store
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.poll_seconds, self.heartbeat_seconds = poll_seconds, heartbeat_seconds
        self.sweep_seconds, self.kill_after_seconds = sweep_seconds, kill_after_seconds
        self.kinds = tuple(kinds) if kinds is not None else tuple(sorted(RUNNERS))
        self._ctx = multiprocessing.get_context("spawn")
        self._next_sweep = 0.0
        self.stop_event = threading.Event()
        self.child: BaseProcess | None = None
        """The running child process (None between jobs); tests read its pid."""

    def run(self, stop: threading.Event | None = None) -> None:
        """Claim and run jobs until ``stop`` (default ``self.stop_event``) is set."""
        stop = stop or self.stop_event
        log.info("worker %s started (kinds %s)", self.worker_id, ",".join(self.kinds), extra={"worker_id": self.worker_id})
        while not stop.is_set():
            self._sweep()
            job = self._claim()
            if job is None:
                stop.wait(self.poll_seconds)
                continue
            self._execute(job, stop)
        log.info("worker %s stopped", self.worker_id, extra={"worker_id": self.worker_id})

    def run_once(self, stop: threading.Event | None = None) -> JobRecord | None:
        """Claim one queued job and run it to its end; returns the job's final record (None: queue empty)."""
        self._sweep(force=True)
        job = self._claim()
        return None if job is None else self._execute(job, stop or self.stop_event)

    def _claim(self) -> JobRecord | None:
        try:
            return self.store.claim_job(self.worker_id, self.kinds)
        except Exception:  # database briefly unavailable: try again at the next poll
            log.warning("worker %s: could not claim a job", self.worker_id, exc_info=True)
            return None

    def _sweep(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_seconds
        try:
            for job in self.store.fail_stale_jobs(self.settings.job_stale_seconds):
                log.warning("job %s of workspace %s failed: its worker %s stopped responding", job.id, job.workspace,
                            job.worker_id, extra=_fields(job))
        except Exception:
            log.warning("worker %s: could not check for stale jobs", self.worker_id, exc_info=True)

    def _execute(self, job: JobRecord, stop: threading.Event) -> JobRecord:
        t0 = time.monotonic()
        log.info("job %s (%s) of workspace %s started", job.id, job.kind, job.workspace, extra=_fields(job))
        proc = self._ctx.Process(
            target=child_main,
            args=(ChildConfig.for_job(self.settings, job.workspace), job, os.getpid()),
            name=f"kpi-advisor-job-{job.id}",
            daemon=True,
        )
        proc.start()
        self.child = proc
        outcome = "exited"
        next_beat = time.monotonic() + self.heartbeat_seconds
        try:
            while True:
                proc.join(JOIN_SLICE_SECONDS)
                if proc.exitcode is not None:
                    break
                if stop.is_set():
                    outcome = "stopping"
                    self._stop_child(proc)
                    break
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.heartbeat_seconds
                    if not self._heartbeat(job):
                        outcome = "refused"
                        self._stop_child(proc)
                        break
                    self._sweep()
        finally:
            if proc.exitcode is None:  # an exception above: never leave the fit running
                self._stop_child(proc)
            self.child = None
        final = self._settle(job, proc.exitcode if proc.exitcode is not None else -signal.SIGKILL, outcome)
        proc.close()
        duration = time.monotonic() - t0
        log.info("job %s of workspace %s %s in %.1f s", job.id, job.workspace, final.status, duration,
                 extra={**_fields(final), "duration_s": round(duration, 3)})
        return final

    def _heartbeat(self, job: JobRecord) -> bool:
        try:
            return self.store.heartbeat(job.id, self.worker_id)
        except Exception:  # keep the fit; a long outage ends in fail_stale_jobs
            log.warning("job %s: heartbeat failed", job.id, exc_info=True, extra=_fields(job))
            return True

    def _stop_child(self, proc: BaseProcess) -> None:
        """SIGTERM to the child's process group (child + Stan helpers), SIGKILL after ``kill_after_seconds``."""
        for sig, wait in ((signal.SIGTERM, self.kill_after_seconds), (signal.SIGKILL, 10.0)):
            if proc.exitcode is not None:
                return
            assert proc.pid is not None
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):  # not yet its own group leader
                os.kill(proc.pid, sig)
            proc.join(wait)

    def _settle(self, job: JobRecord, code: int, outcome: str) -> JobRecord:
        """Record how the job ended when the child did not (stopped, cancelled, crashed)."""
        from api.store import JobStateError

        try:
            if outcome == "stopping":
                return self.store.requeue_job(job.id, "the worker stopped; the job waits for the next worker")
            current = self.store.job(job.workspace, job.id)
            if current.status != "running" or current.worker_id != self.worker_id:
                return current  # finished by the child, or failed as stale by another worker
            if current.cancel_requested:
                return self.store.finish_job(job.id, "cancelled", error="cancelled on request; the active model is unchanged")
            return self.store.finish_job(job.id, "failed", error=exit_message(code))
        except JobStateError:  # the child finished it at the last moment
            return self.store.job(job.workspace, job.id)


def _fields(job: JobRecord) -> dict[str, Any]:
    return {"job_id": job.id, "workspace": job.workspace, "kind": job.kind, "status": job.status,
            "worker_id": job.worker_id}
