"""POST /v1/train runs in the worker process, publishes a new version and the server swaps the served models."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by conftest.py


@pytest.fixture(scope="module")
def train_url(world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """A server with its training worker process, on a private copy of the world (training adds versions)."""
    own = serving.copy_world(world, tmp_path_factory.mktemp("train-world"))
    with serving.app_in_process(own, tmp_path_factory.mktemp("train-service"), worker=True) as live:
        yield live, own.models


def test_training_job_publishes_and_swaps(train_url: tuple[Any, Path]) -> None:
    live, models = train_url
    with live.client() as c:
        before = c.post("/v1/forecast", json={"start": "2026-11-01", "end": "2026-11-07", "spend": {}}).json()
        assert before["model_version"] == "v0001"
        r = c.post("/v1/train", json={"seed": 1})
        assert r.status_code == 202
        job = r.json()
        assert job["status"] in {"queued", "running"} and job["kind"] == "train"
        deadline = time.monotonic() + 240
        while job["status"] in {"queued", "running"}:
            assert time.monotonic() < deadline, job
            time.sleep(0.5)
            job = c.get(f"/v1/jobs/{job['id']}").json()
        assert job["status"] == "succeeded", job
        assert job["result"]["model_version"] == "v0002" and job["progress"] == 1.0
        assert (models / "v0002" / "manifest.json").is_file()
        listed = c.get("/v1/models").json()["models"]
        assert [m["version"] for m in listed] == ["v0002", "v0001"]
        assert [m["active"] for m in listed] == [True, False]
        deadline = time.monotonic() + 120  # the server warms v0002 with the recent requests, then serves it
        while (after := c.post("/v1/forecast", json={"start": "2026-11-01", "end": "2026-11-07", "spend": {}}).json())[
            "model_version"
        ] != "v0002":
            assert time.monotonic() < deadline, after
            time.sleep(0.5)
        old = c.post(
            "/v1/forecast", json={"start": "2026-11-01", "end": "2026-11-07", "spend": {}, "model_version": "v0001"}
        )
        assert old.status_code == 200 and old.json()["total"] == before["total"]


def test_training_an_unknown_dataset_is_404(train_url: tuple[Any, Path]) -> None:
    with train_url[0].client() as c:
        r = c.post("/v1/train", json={"dataset": "nope"})
        assert r.status_code == 404 and "default" in r.json()["detail"]
