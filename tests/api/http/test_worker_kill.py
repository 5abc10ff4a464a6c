"""Killing the training worker mid-fit: the server keeps serving the previous model and reports the job failed."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

PLAN = {"start": "2026-11-01", "end": "2026-11-07", "spend": {}}


@pytest.fixture()
def live(world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    own = serving.copy_world(world, tmp_path_factory.mktemp("kill-world"))
    with serving.app_in_process(own, tmp_path_factory.mktemp("kill-service"), job_stale_seconds=3.0) as running:
        yield running


@pytest.mark.slow
def test_killed_worker_leaves_the_previous_model_serving(live: Any) -> None:
    from api.worker.supervisor import WorkerProcess

    worker = WorkerProcess(live.settings, poll_seconds=0.2)
    worker.start()
    try:
        with live.client() as c:
            before = c.post("/v1/forecast", json=PLAN).json()
            assert before["model_version"] == "v0001"
            job = c.post("/v1/train", json={"seed": 3}).json()
            deadline = time.monotonic() + 180
            while not (job["status"] == "running" and job["progress"] > 0):
                assert job["status"] in {"queued", "running"} and time.monotonic() < deadline, job
                time.sleep(0.2)
                job = c.get(f"/v1/jobs/{job['id']}").json()
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGKILL)  # mid-fit: no chance to clean up
            worker.proc.wait(10)  # type: ignore[union-attr]

            deadline = time.monotonic() + 60
            while job["status"] == "running":
                assert time.monotonic() < deadline, job
                assert c.post("/v1/forecast", json=PLAN).json()["model_version"] == "v0001"
                time.sleep(0.5)
                job = c.get(f"/v1/jobs/{job['id']}").json()
            assert job["status"] == "failed" and "stopped responding" in job["error"]
            assert "previous model is still served" in job["error"]
            models = c.get("/v1/models").json()["models"]
            assert [(m["version"], m["active"]) for m in models] == [("v0001", True)]
            after = c.post("/v1/forecast", json=PLAN).json()
            assert after["model_version"] == "v0001" and after["total"] == before["total"]
    finally:
        worker.stop(5)
