"""The training worker end to end: train, kill mid-fit, cancel, graceful stop (real child processes)."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import psutil
import pytest

pytestmark = pytest.mark.slow

WS = "acme"


def _running_with_progress(service: Any, job_id: str) -> Any:
    job = service.store.job(WS, job_id)
    assert job.status in ("queued", "running"), f"job ended early: {job.status} {job.error}"
    return job if job.status == "running" and job.progress > 0 else None


@pytest.mark.timeout(180)
def test_run_once_trains_records_and_activates(service: Any) -> None:
    from api.worker import Worker
    from models.registry import Registry

    job = service.submit()
    worker = Worker(service.settings, service.store, heartbeat_seconds=0.5)
    final = worker.run_once()
    assert final is not None and final.id == job.id
    assert final.status == "succeeded", final.error
    assert final.progress == pytest.approx(1.0)
    version = final.result["model_version"]
    assert final.result["dataset"] == "demo" and final.result["active"] is True
    assert version in Registry(service.settings.models_root(WS)).list()
    active = service.store.active_model(WS)
    assert active is not None and active.version == version and active.dataset_id == "demo"
    assert set(active.metrics) >= {"response", "drivers"}
    assert worker.child is None


@pytest.mark.timeout(180)
def test_killed_worker_leaves_the_active_model_and_no_orphan(service: Any, wait_for: Any) -> None:
    before = service.publish_directly()
    proc = service.start_worker()
    try:
        job = service.submit()
        wait_for("the job to run with progress", lambda: _running_with_progress(service, job.id))
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the worker runs the job in a child process"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"orphan processes left: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(2.5)  # let the last heartbeat age
    assert service.store.active_model(WS).version == before
    assert service.store.job(WS, job.id).status == "running"
    failed = service.store.fail_stale_jobs(1.0)
    assert [j.id for j in failed] == [job.id]
    record = service.store.job(WS, job.id)
    assert record.status == "failed" and "stopped responding" in (record.error or "")
    again = service.start_worker("--once")
    assert again.wait(120) == 0
    record = service.store.job(WS, job.id)
    assert record.status == "failed" and record.worker_id == failed[0].worker_id
    active = service.store.active_model(WS)
    assert active.version == before
    assert [m.version for m in service.store.model_versions(WS) if m.active] == [before]


@pytest.mark.timeout(180)
def test_cancel_stops_a_running_job_within_seconds(service: Any, wait_for: Any) -> None:
    from api.worker import Worker

    before = service.publish_directly()
    job = service.submit()
    worker = Worker(service.settings, service.store, heartbeat_seconds=0.5, kill_after_seconds=2.0)
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(worker.run_once()), daemon=True)
    thread.start()
    wait_for("the job to run with progress", lambda: _running_with_progress(service, job.id))
    child = worker.child
    assert child is not None and child.pid is not None
    pid = child.pid
    t0 = time.monotonic()
    service.store.request_cancel(WS, job.id)
    thread.join(30)
    elapsed = time.monotonic() - t0
    assert not thread.is_alive()
    assert elapsed < 5.0, f"cancel took {elapsed:.1f} s"
    assert done[0].status == "cancelled"
    assert service.store.job(WS, job.id).status == "cancelled"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert service.store.active_model(WS).version == before


@pytest.mark.timeout(240)
def test_sigterm_requeues_the_job_and_a_new_worker_finishes_it(service: Any, wait_for: Any) -> None:
    from api.worker import Worker

    job = service.submit()
    proc = service.start_worker()
    try:
        wait_for("the job to run with progress", lambda: _running_with_progress(service, job.id))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    record = service.store.job(WS, job.id)
    assert record.status == "queued", (record.status, record.error)
    assert service.store.active_model(WS) is None
    final = Worker(service.settings, service.store).run_once()
    assert final is not None and final.id == job.id and final.status == "succeeded", final
    assert service.store.active_model(WS).version == final.result["model_version"]
