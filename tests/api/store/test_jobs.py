"""The job queue on both backends: claiming, heartbeats, cancellation, requeue, stale jobs, state checks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.store import JOB_STATUSES, JobNotOwnedError, JobRecord, JobStateError, Store, UnknownJobError


def _running(store: Store, worker: str = "w1") -> JobRecord:
    submitted = store.submit_job("acme", "train", {"dataset": "ds1"})
    job = store.claim_job(worker)
    assert job is not None and job.id == submitted.id
    return job


def test_submit_and_read(store: Store) -> None:
    job = store.submit_job("acme", "train", {"dataset": "ds1", "horizon": 30})
    assert job.status == "queued" and job.progress == 0.0 and job.params == {"dataset": "ds1", "horizon": 30}
    assert len(job.id) == 12 and job.result is None and job.worker_id is None and not job.cancel_requested
    assert store.job("acme", job.id) == job
    later = store.submit_job("acme", "train", {})
    assert [j.id for j in store.jobs("acme")] == [later.id, job.id]  # newest first
    assert [j.id for j in store.jobs("acme", limit=1)] == [later.id]
    with pytest.raises(UnknownJobError, match="GET /v1/jobs"):
        store.job("acme", "nope")


def test_claim_takes_the_oldest_and_sets_running(store: Store) -> None:
    first = store.submit_job("acme", "train", {"n": 1})
    store.submit_job("beta", "train", {"n": 2})
    job = store.claim_job("worker-1")
    assert job is not None and job.id == first.id and job.status == "running" and job.worker_id == "worker-1"
    assert job.started_at is not None and job.heartbeat_at == job.started_at
    assert store.claim_job("worker-2") is not None
    assert store.claim_job("worker-2") is None


def test_claim_filters_by_kind(store: Store) -> None:
    store.submit_job("acme", "train", {})
    other = store.submit_job("acme", "backtest", {})
    job = store.claim_job("w", kinds=("backtest",))
    assert job is not None and job.id == other.id
    assert store.claim_job("w", kinds=("backtest",)) is None


def test_two_workers_never_claim_the_same_job(store: Store, second) -> None:
    submitted = {store.submit_job("acme" if i % 2 else "beta", "train", {"i": i}).id for i in range(20)}
    claimed: Counter[str] = Counter()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(st: Store, name: str) -> None:
        try:
            barrier.wait()
            while (job := st.claim_job(name)) is not None:
                claimed[job.id] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(second(), f"w{i}")) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert set(claimed) == submitted and set(claimed.values()) == {1}
    assert store.job_counts() == {("acme", "running"): 10, ("beta", "running"): 10}


def test_heartbeat_and_progress(store: Store) -> None:
    job = _running(store)
    assert store.heartbeat(job.id, "w1")
    assert not store.heartbeat(job.id, "someone-else")
    assert not store.heartbeat("nope", "w1")
    store.update_progress(job.id, "fitting response models", 1.7)
    now = store.job("acme", job.id)
    assert now.progress == 1.0 and now.message == "fitting response models"
    assert now.heartbeat_at is not None and job.heartbeat_at is not None and now.heartbeat_at >= job.heartbeat_at
    store.update_progress(job.id, "going back", -3)
    assert store.job("acme", job.id).progress == 0.0


def test_heartbeat_false_after_cancel(store: Store) -> None:
    job = _running(store)
    flagged = store.request_cancel("acme", job.id)
    assert flagged.status == "running" and flagged.cancel_requested
    assert store.heartbeat(job.id, "w1") is False
    done = store.finish_job(job.id, "cancelled")
    assert done.status == "cancelled" and done.finished_at is not None
    assert store.heartbeat(job.id, "w1") is False


def test_request_cancel_queued_and_finished(store: Store) -> None:
    queued = store.submit_job("acme", "train", {})
    cancelled = store.request_cancel("acme", queued.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at is not None
    assert store.claim_job("w1") is None  # a cancelled job is never claimed
    with pytest.raises(JobStateError, match="already cancelled"):
        store.request_cancel("acme", queued.id)
    job = _running(store)
    store.finish_job(job.id, "succeeded", result={"version": "v0001"})
    with pytest.raises(JobStateError, match="already succeeded"):
        store.request_cancel("acme", job.id)


def test_finish_success_and_failure(store: Store) -> None:
    job = _running(store)
    done = store.finish_job(job.id, "succeeded", result={"version": "v0002", "metrics": {"mape": 0.1}})
    assert done.status == "succeeded" and done.progress == 1.0 and done.result == {"version": "v0002",
                                                                                   "metrics": {"mape": 0.1}}
    failed = store.finish_job(_running(store).id, "failed", error="the data has no spend column")
    assert failed.status == "failed" and failed.error == "the data has no spend column" and failed.result is None


def test_finish_from_wrong_state(store: Store) -> None:
    queued = store.submit_job("acme", "train", {})
    with pytest.raises(JobStateError, match="only a running job"):
        store.finish_job(queued.id, "succeeded")
    with pytest.raises(JobStateError, match="use one of"):
        store.finish_job(queued.id, "running")
    assert store.finish_job(queued.id, "cancelled").status == "cancelled"
    with pytest.raises(JobStateError, match="is cancelled"):
        store.finish_job(queued.id, "failed", error="x")
    with pytest.raises(UnknownJobError):
        store.finish_job("nope", "failed")


def test_requeue(store: Store) -> None:
    job = _running(store)
    store.update_progress(job.id, "half way", 0.5)
    back = store.requeue_job(job.id, "worker shutting down")
    assert back.status == "queued" and back.worker_id is None and back.started_at is None and back.progress == 0
    assert "worker shutting down" in back.message
    assert not store.heartbeat(job.id, "w1")  # the old worker must stop
    again = store.claim_job("w2")
    assert again is not None and again.id == job.id and again.worker_id == "w2"
    with pytest.raises(JobStateError, match="only a running job"):
        store.requeue_job(store.submit_job("acme", "train", {}).id, "x")


def test_requeue_of_a_cancel_requested_job_cancels_it(store: Store) -> None:
    job = _running(store)
    store.request_cancel("acme", job.id)
    assert store.requeue_job(job.id, "shutdown").status == "cancelled"


def _age_heartbeat(store: Store, job_id: str, seconds: float) -> None:
    """Move the job's last heartbeat ``seconds`` into the past (what a silent worker looks like after that long)."""
    from api.store.records import now
    from api.store.tables import Job

    with store.engine.begin() as conn:
        conn.execute(sa.update(Job).where(Job.id == job_id).values(heartbeat_at=now() - timedelta(seconds=seconds)))


def test_fail_stale_jobs(store: Store) -> None:
    stale = _running(store, "w1")
    fresh = _running(store, "w2")
    assert store.fail_stale_jobs(600) == []
    _age_heartbeat(store, stale.id, 3600)  # w1 silent for an hour, w2 beat just now
    failed = store.fail_stale_jobs(600)
    assert [j.id for j in failed] == [stale.id]
    assert failed[0].status == "failed" and failed[0].finished_at is not None
    assert failed[0].error is not None and "stopped responding" in failed[0].error and "start the job again" in failed[0].error
    assert store.job("acme", stale.id).status == "failed"
    assert not store.heartbeat(stale.id, "w1")
    assert store.heartbeat(fresh.id, "w2")
    with pytest.raises(JobStateError):
        store.finish_job(stale.id, "succeeded")  # a late worker cannot overwrite the failure


def test_job_counts(store: Store) -> None:
    assert store.job_counts() == {}
    first = store.submit_job("acme", "train", {})
    store.submit_job("acme", "train", {})
    claimed = store.claim_job("w1")
    assert claimed is not None and claimed.id == first.id  # the oldest
    store.submit_job("beta", "train", {})
    counts = store.job_counts()
    assert counts == {("acme", "running"): 1, ("acme", "queued"): 1, ("beta", "queued"): 1}
    assert {status for _, status in counts} <= set(JOB_STATUSES)


_CLAIMER = """
import sys, time
from pathlib import Path
from typing import Any
from api.store import Store
st = Store(sys.argv[1])
st.upgrade()  # both processes migrate at once as well
go = Path(sys.argv[3])
Path(f"{go}.{sys.argv[2]}").touch()  # ready
while not go.exists():
    time.sleep(0.005)
ids = []
while (job := st.claim_job(sys.argv[2])) is not None:
    ids.append(job.id)
    st.finish_job(job.id, "succeeded", result={"by": sys.argv[2]})
print(" ".join(ids))
st.dispose()
"""


@pytest.mark.slow
def test_two_processes_share_the_queue(store: Store, tmp_path: Path) -> None:
    """A web server and a worker are separate processes: the queue must hold across processes too."""
    import subprocess
    import sys

    submitted = {store.submit_job("acme", "train", {"i": i}).id for i in range(30)}
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _CLAIMER, store.url, f"proc{i}", str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    deadline = time.monotonic() + 120
    while not all(Path(f"{go}.proc{i}").exists() for i in range(2)) and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.touch()  # both start claiming at the same moment, after their imports
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    claimed = [job_id for out, _ in outputs for job_id in out.split()]
    assert sorted(claimed) == sorted(submitted)  # every job exactly once
    assert store.job_counts() == {("acme", "succeeded"): 30}


def _record(store: Store, job: JobRecord, worker: str, version: str = "v0002") -> None:
    store.add_model_version("acme", version, "/models/acme", "ds1", "fp", {}, activate=True, owner=(job.id, worker))


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (lambda store, job: store.request_cancel("acme", job.id), "cancel requested"),
        (lambda store, job: store.finish_job(job.id, "failed", error="stale"), "now failed"),
        (lambda store, job: store.requeue_job(job.id, "stopping"), "now queued"),
    ],
    ids=["cancelled", "failed-as-stale", "requeued"],
)
def test_a_job_that_is_no_longer_ours_records_no_model(store: Store, spoil: Any, expected: str) -> None:
    store.add_model_version("acme", "v0001", "/models/acme", "ds1", "fp", {}, activate=True)
    job = _running(store, "w1")
    spoil(store, job)
    with pytest.raises(JobNotOwnedError, match=expected):
        _record(store, job, "w1", version="v0002")
    assert store.active_model("acme").version == "v0001"  # type: ignore[union-attr]
    assert [m.version for m in store.model_versions("acme")] == ["v0001"]


def test_recording_a_model_for_a_running_job_of_this_worker(store: Store) -> None:
    store.add_model_version("acme", "v0001", "/models/acme", "ds1", "fp", {}, activate=True)
    job = _running(store, "w1")
    with pytest.raises(JobNotOwnedError, match="no longer run by worker w2"):
        _record(store, job, "w2")
    _record(store, job, "w1")  # still ours: recorded and active
    assert store.active_model("acme").version == "v0002"  # type: ignore[union-attr]
