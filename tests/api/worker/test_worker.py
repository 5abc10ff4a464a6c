"""The training worker end to end: train, kill mid-fit, cancel, graceful stop (real child processes)."""

from __future__ import annotations

import signal
import threading
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
def test_run_once_trains_records_and_activates(demo_service: Any) -> None:
    from api.worker import Worker
    from models.registry import Registry

    job = demo_service.submit()
    worker = Worker(demo_service.settings, demo_service.store, heartbeat_seconds=0.5)
    final = worker.run_once()
    assert final is not None and final.id == job.id
    assert final.status == "succeeded", final.error
    assert final.progress == pytest.approx(1.0)
    version = final.result["model_version"]
    assert final.result["dataset"] == "demo" and final.result["active"] is True
    assert version in Registry(demo_service.settings.models_root(WS)).list()
    active = demo_service.store.active_model(WS)
    assert active is not None and active.version == version and active.dataset_id == "demo"
    assert set(active.metrics) >= {"response", "drivers"}
    assert worker.child is None


@pytest.mark.timeout(180)
def test_killed_worker_leaves_the_active_model_and_no_orphan(demo_service: Any, wait_for: Any) -> None:
    from api.worker import Worker

    before = demo_service.publish_directly()
    proc = demo_service.start_worker()
    try:
        job = demo_service.submit()
        wait_for("the job to run with progress", lambda: _running_with_progress(demo_service, job.id))
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the worker runs the job in a child process"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"orphan processes left: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()
    assert demo_service.store.active_model(WS).version == before
    assert demo_service.store.job(WS, job.id).status == "running"  # nobody has noticed yet
    failed = wait_for("the job's last heartbeat to be 1 s old", lambda: demo_service.store.fail_stale_jobs(1.0))
    assert [j.id for j in failed] == [job.id]
    record = demo_service.store.job(WS, job.id)
    assert record.status == "failed" and "stopped responding" in (record.error or "")
    assert Worker(demo_service.settings, demo_service.store).run_once() is None  # a new worker: nothing to pick
    record = demo_service.store.job(WS, job.id)
    assert record.status == "failed" and record.worker_id == failed[0].worker_id
    active = demo_service.store.active_model(WS)
    assert active.version == before
    assert [m.version for m in demo_service.store.model_versions(WS) if m.active] == [before]


@pytest.mark.timeout(180)
def test_cancel_stops_a_running_job_within_seconds(demo_service: Any, wait_for: Any) -> None:
    from api.worker import Worker

    before = demo_service.publish_directly()
    job = demo_service.submit()
    worker = Worker(demo_service.settings, demo_service.store, heartbeat_seconds=0.5, kill_after_seconds=2.0)
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(worker.run_once()), daemon=True)
    thread.start()
    wait_for("the job to run with progress", lambda: _running_with_progress(demo_service, job.id))
    child = worker.child
    assert child is not None and child.pid is not None
    pid = child.pid
    demo_service.store.request_cancel(WS, job.id)
    thread.join(10)  # heartbeat 0.5 s + kill after 2 s: a bound, not a measurement
    assert not thread.is_alive(), "the cancelled job still runs 10 s after the cancel request"
    assert done[0].status == "cancelled"
    assert demo_service.store.job(WS, job.id).status == "cancelled"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert demo_service.store.active_model(WS).version == before


@pytest.mark.timeout(240)
def test_sigterm_requeues_the_job_and_a_new_worker_finishes_it(demo_service: Any, wait_for: Any) -> None:
    from api.worker import Worker, WorkerProcess, job_durations

    job = demo_service.submit()
    server_worker = WorkerProcess(demo_service.settings, poll_seconds=0.2)  # how the server runs one
    server_worker.start()
    try:
        assert server_worker.alive
        wait_for("the job to run with progress", lambda: _running_with_progress(demo_service, job.id))
        assert server_worker.stop(timeout=20) == 0
        assert not server_worker.alive
    finally:
        if server_worker.alive and server_worker.proc is not None:
            server_worker.proc.kill()
    record = demo_service.store.job(WS, job.id)
    assert record.status == "queued", (record.status, record.error)
    assert demo_service.store.active_model(WS) is None
    final = Worker(demo_service.settings, demo_service.store).run_once()
    assert final is not None and final.id == job.id and final.status == "succeeded", final
    assert demo_service.store.active_model(WS).version == final.result["model_version"]
    [duration] = job_durations(demo_service.store, WS)
    assert duration.job_id == job.id and duration.status == "succeeded" and duration.seconds > 0
