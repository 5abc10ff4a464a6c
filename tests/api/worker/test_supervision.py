"""Supervision of the training worker: a SIGKILLed worker is replaced (with backoff), a new one takes the queued
jobs, and readiness says "not ready" while none is alive."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.worker.supervisor import WorkerProcess, worker_readiness


def _exit_reason(status: Path) -> str | None:
    """The not-ready reason once the supervisor has recorded a worker's exit (None before)."""
    reason = worker_readiness(status)
    return reason if reason is not None and "exited with code" in reason else None


def test_a_killed_worker_is_replaced_and_takes_the_queued_jobs(
    service: Any, tmp_path: Path, wait_for: Callable[..., Any]
) -> None:
    settings = service.settings.model_copy(update={"worker_restart_min_seconds": 1.5, "worker_restart_max_seconds": 3.0})
    status = tmp_path / "worker.json"
    assert worker_readiness(status) == "the training worker has not started yet"
    worker = WorkerProcess(settings, poll_seconds=0.2, status_file=status, check_seconds=0.1)
    worker.start()
    try:
        first = worker.pid
        assert first is not None and worker_readiness(status) is None and worker.readiness() is None
        os.kill(first, signal.SIGKILL)
        # "worker process N is gone" may come first (reaped, status not yet written): wait for the supervisor's word
        reason = wait_for("the supervisor to record the dead worker's exit", lambda: _exit_reason(status), timeout=30)
        assert f"worker process {first} exited with code -9" in reason and "restarting in 1.5 s" in reason
        assert worker.readiness() is not None and not worker.alive
        job = service.submit()  # queued while no worker runs
        wait_for("a new worker", lambda: worker.alive and worker.pid != first and worker_readiness(status) is None,
                 timeout=60)
        assert worker.restarts == 1
        second = worker.pid
        claimed = wait_for("the new worker to claim the queued job",
                           lambda: (j := service.store.job("acme", job.id)).status != "queued" and j, timeout=120)
        assert claimed.worker_id is not None and f"-{second}-" in claimed.worker_id
        os.kill(second, signal.SIGKILL)  # dies again: the wait doubles
        reason = wait_for("the second death", lambda: _exit_reason(status), timeout=30)
        assert "restarting in 3.0 s" in reason
    finally:
        worker.stop(10)
    assert not worker.alive and worker_readiness(status) == "the server is stopping"
