"""Resource limits of the service (issue 17), with the limits lowered: headers, tokens and the key cache, bodies,
problem+json for limits, compact crash logs with keep-alive kept, uploads (ids, quota, stale folders, abandoned
validation), the dataset memory budget, readiness without a worker, no server paths in job responses."""

from __future__ import annotations

import dataclasses
import http.client
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from advisor.data.limits import LimitExceeded
from api.http import manage
from api.http.datasets import (
    DatasetCache,
    DatasetStore,
    UploadError,
    UploadQuota,
    remove_stale_uploads,
)
from api.http.keycache import KeyCache
from api.http.validation import summarise
from api.store import JobRecord, Store

serving = sys.modules["kpi_api_serving"]

HEADER_LIMIT = 4096
BODY_LIMIT = 256 * 1024


def small_upload(world: Any, rows: int = 150) -> list[tuple[str, bytes]]:
    """The first ``rows`` days x campaigns of the world's campaign table: a valid one-table data folder."""
    lines = (world.data / "campaign_daily.csv").read_text().splitlines()
    return [("campaign_daily.csv", ("\n".join(lines[: rows + 1]) + "\n").encode())]


def crash_routes(app: FastAPI) -> None:
    """Routes that fail the ways the issue found: an unhandled error with a long message, a limit."""

    def boom() -> None:
        raise RuntimeError("x" * 100_000)

    def limit() -> None:
        raise LimitExceeded("campaign_daily", "max_columns", 500, 12_000, "12000 columns; at most 500", column=None)

    app.add_api_route("/test/boom", boom)
    app.add_api_route("/test/limit", limit)


@dataclass
class Env:
    client: TestClient
    app: FastAPI
    admin: str
    analyst: str
    quota_analyst: str  # of workspace "quota", whose uploads fill its quota
    settings: Any


@pytest.fixture(scope="module")
def env(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from api.server import create_app

    root = tmp_path_factory.mktemp("limits")
    cfg = serving.service_settings(
        world, root, max_body_bytes=BODY_LIMIT, max_header_bytes=HEADER_LIMIT, max_datasets_per_workspace=2,
    )
    store = Store(cfg.database_url)
    store.upgrade()
    _, admin = store.create_key("default", "admin", "tests")
    _, analyst = store.create_key("default", "analyst", "tests")
    _, quota_analyst = store.create_key("quota", "analyst", "tests")
    store.dispose()
    app = create_app(cfg, mcp=False)
    crash_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Env(client, app, admin, analyst, quota_analyst, cfg)


# ---------------------------------------------------------------------------------------------- headers and tokens


def test_huge_headers_get_431_before_authentication(env: Env) -> None:
    r = env.client.get("/v1/datasets", headers={"X-API-Key": "kpia_" + "ab" * 500_000})
    assert r.status_code == 431 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["rule"] == "max_header_bytes" and r.json()["limit"] == HEADER_LIMIT


def test_malformed_tokens_never_reach_the_key_cache(env: Env) -> None:
    cache = env.app.state.advisor._keys
    before = len(cache)
    for n in range(50):
        r = env.client.get("/v1/datasets", headers={"X-API-Key": f"kpia_{n:03d}" + "f" * 3000})
        assert r.status_code == 401 and "malformed" in r.json()["detail"]
    r = env.client.get("/v1/datasets", headers={"Authorization": "Bearer " + "x" * 3000})
    assert r.status_code == 401
    assert len(cache) == before
    assert env.client.get("/v1/datasets", headers={"X-API-Key": env.admin}).status_code == 200
    assert len(cache) == before + 1  # a well-formed key is cached


def test_key_cache_is_lru_bounded_with_a_time_to_live() -> None:
    now = [0.0]
    cache: KeyCache[str] = KeyCache(size=3, ttl_seconds=10, clock=lambda: now[0])
    loads: list[str] = []

    def load(token: str) -> str:
        loads.append(token)
        return token.upper()

    for t in ("a", "b", "c", "a", "d"):  # "a" refreshed, so "b" is dropped for "d"
        assert cache.get_or_load(t, load) == t.upper()
    assert len(cache) == 3 and loads == ["a", "b", "c", "d"]
    cache.get_or_load("b", load)
    assert loads[-1] == "b"
    now[0] = 11.0  # expired: looked up again
    cache.get_or_load("d", load)
    assert loads[-1] == "d" and len(cache) == 3


# ---------------------------------------------------------------------------------------------- bodies and errors


def test_a_chunked_body_over_the_limit_gets_413(env: Env) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"campaign_daily.csv\"\r\n\r\n"
        for _ in range(BODY_LIMIT // 8192 + 4):
            yield b"x" * 8192

    r = env.client.post(
        "/v1/datasets", content=chunks(),
        headers={"X-API-Key": env.analyst, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413 and r.json()["rule"] == "max_body_bytes"


def test_limit_exceeded_is_a_413_naming_table_column_rule_and_limit(env: Env) -> None:
    r = env.client.get("/test/limit")
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["table"], body.get("column"), body["rule"], body["limit"], body["actual"]) == (
        "campaign_daily", None, "max_columns", 500, 12_000)
    assert body["type"] == "/problems/limit-exceeded"


def test_an_unhandled_error_logs_one_compact_line(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="kpi_advisor.api"):
        r = env.client.get("/test/boom")
    assert r.status_code == 500 and r.json()["type"] == "/problems/internal" and "xxx" not in r.text
    lines = [rec for rec in caplog.records if rec.name == "kpi_advisor.api" and rec.levelno >= logging.ERROR]
    assert len(lines) == 1 and lines[0].exc_info is None
    text = lines[0].getMessage()
    assert "RuntimeError" in text and "test_limits.py" in text and len(text) < 1000


def test_an_unhandled_error_keeps_the_connection_alive(world: Any, tmp_path: Path) -> None:
    import uvicorn

    from api.server import create_app

    app = create_app(serving.service_settings(world, tmp_path), mcp=False)
    crash_routes(app)
    with _uvicorn(app) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/test/boom")
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        assert first.status == 500 and not first.will_close
        conn.request("GET", "/healthz")
        second = conn.getresponse()
        assert second.status == 200 and conn.sock is sock  # the same connection answered
        conn.close()
    del uvicorn


# ---------------------------------------------------------------------------------------------- uploads


def test_dataset_ids_are_anchored(env: Env, world: Any) -> None:
    for bad in ("ok-id\n", "ok-id\r\n", "../x", "Upper", "-lead"):
        r = env.client.post(
            "/v1/datasets", files=[("files", small_upload(world, 5)[0])], data={"dataset_id": bad},
            headers={"X-API-Key": env.analyst},
        )
        assert r.status_code == 422 and r.json()["type"] == "/problems/invalid-upload", bad
    assert not [p for p in env.settings.uploads_root("default").glob("*") if "\n" in p.name]


def test_the_upload_quota_answers_413_over_http(env: Env, world: Any) -> None:
    codes = []
    for n in range(3):  # the quota is 2 datasets
        r = env.client.post(
            "/v1/datasets", files=[("files", small_upload(world)[0])], data={"dataset_id": f"q{n}"},
            headers={"X-API-Key": env.quota_analyst},
        )
        codes.append(r.status_code)
    assert codes == [201, 201, 413]
    assert r.json()["rule"] == "max_uploads" and r.json()["limit"] == 2 and r.json()["table"] == "datasets"


def test_validation_errors_come_back_from_the_validation_processes(env: Env, world: Any) -> None:
    name, content = small_upload(world, 20)[0]
    lines = content.decode().splitlines()
    cells = lines[3].split(",")
    cells[3] = "-5"  # negative spend
    bad = "\n".join([*lines[:3], ",".join(cells), *lines[4:]]) + "\n"
    r = env.client.post("/v1/datasets", files=[("files", (name, bad.encode()))], data={"dataset_id": "bad-spend"},
                        headers={"X-API-Key": env.analyst})
    assert r.status_code == 422 and r.json()["type"] == "/problems/invalid-data"
    assert any(e["table"] == "campaign_daily" and e["column"] == "spend" for e in r.json()["errors"])


def test_limit_errors_cross_the_process_boundary() -> None:
    from api.http.validation import _raise

    fields = LimitExceeded("orders", "max_rows", 10, 11, "orders has more than 10 rows", column=None).to_dict()
    with pytest.raises(LimitExceeded) as raised:
        _raise("limit", fields)
    assert raised.value.to_dict() == fields
    with pytest.raises(RecursionError):
        _raise("error", ("RecursionError", "too deep"))


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'service.db'}")
    st.upgrade()
    st.ensure_workspace("acme")
    yield st
    st.dispose()


def test_quota_in_bytes_is_checked_before_anything_is_written(store: Store, world: Any, tmp_path: Path) -> None:
    files = small_upload(world)
    size = sum(len(c) for _, c in files)
    datasets = DatasetStore(store, "acme", tmp_path / "up", quota=UploadQuota(10, int(size * 1.5)), validator=summarise)
    datasets.upload(files, "first")
    with pytest.raises(LimitExceeded) as raised:
        datasets.upload(files, "second")
    assert raised.value.rule == "max_upload_bytes" and raised.value.limit == int(size * 1.5)
    assert raised.value.actual is not None and raised.value.actual >= 2 * size
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == ["first"] and datasets.ids() == ["first"]


def test_an_abandoned_upload_stores_nothing(store: Store, world: Any, tmp_path: Path) -> None:
    gone = threading.Event()
    gone.set()
    datasets = DatasetStore(store, "acme", tmp_path / "up", validator=summarise)
    with pytest.raises(UploadError, match="abandoned"):
        datasets.upload(small_upload(world), "late", gone)
    assert list((tmp_path / "up").iterdir()) == [] and datasets.ids() == []


def test_stale_upload_folders_are_removed_when_a_workspace_opens(store: Store, tmp_path: Path) -> None:
    up = tmp_path / "up"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [up / f".upload-{dead.pid}-abc", up / ".upload-legacy"]
    live_other = up / f".upload-{os.getppid()}-busy"  # another live process uploading right now
    for folder in (*stale, live_other):
        folder.mkdir(parents=True)
        (folder / "campaign_daily.csv").write_text("date\n")
    DatasetStore(store, "acme", up)
    assert [p.exists() for p in stale] == [False, False] and live_other.exists()
    old = time.time() - 2 * 24 * 3600
    os.utime(live_other, (old, old))
    assert remove_stale_uploads(up) == [live_other]  # a day old: its process is not uploading it any more


def test_loaded_datasets_are_kept_within_a_byte_budget(store: Store, world: Any, tmp_path: Path) -> None:
    from api.http.validation import dataset_bytes

    cache = DatasetCache(max_bytes=1000)
    fake = [SimpleNamespace(name=str(i)) for i in range(4)]
    cache.put("a", fake[0], 400)  # type: ignore[arg-type]
    cache.put("b", fake[1], 400)  # type: ignore[arg-type]
    assert cache.get("a") is fake[0]  # "a" used: "b" is dropped first
    cache.put("c", fake[2], 400)  # type: ignore[arg-type]
    assert "b" not in cache and "a" in cache and "c" in cache and cache.bytes == 800
    cache.put("huge", fake[3], 5000)  # type: ignore[arg-type]
    assert "huge" not in cache and cache.bytes == 800
    datasets = DatasetStore(store, "acme", tmp_path / "up", cache=DatasetCache(10**9), validator=summarise)
    _, summary = datasets.upload(small_upload(world), "one")
    assert len(datasets.cache) == 0  # validated elsewhere: loaded in this process when first used
    ds = datasets.get("one")
    assert datasets.cache.bytes == dataset_bytes(ds) == summary.memory_bytes > 0
    assert datasets.get("one") is ds
    tight = DatasetStore(store, "acme", tmp_path / "up", cache=DatasetCache(dataset_bytes(ds) - 1))
    assert tight.get("one") is not tight.get("one")  # over the budget: loaded, served, not kept
    assert isinstance(tight.get("one").campaign_daily, pd.DataFrame)


def test_the_server_stops_within_its_timeout_while_an_upload_is_validated(
    world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from api.http import datasets
    from api.server import create_app

    entered, release = threading.Event(), threading.Event()

    def stuck(folder: Path, limits: Any) -> Any:  # an upload whose validation would run for minutes (a bomb)
        entered.set()
        release.wait(120)
        raise UploadError("released by the test")

    monkeypatch.setattr(datasets, "check_upload", stuck)
    cfg = serving.service_settings(world, tmp_path)
    store = Store(cfg.database_url)
    store.upgrade()
    _, analyst = store.create_key("default", "analyst", "tests")
    store.dispose()
    answers: list[object] = []

    def upload(port: int) -> None:
        try:
            answers.append(httpx.post(f"http://127.0.0.1:{port}/v1/datasets", files=[("files", small_upload(world)[0])],
                                      headers={"X-API-Key": analyst}, timeout=60).status_code)
        except httpx.HTTPError as exc:
            answers.append(exc)

    try:
        with _uvicorn(create_app(cfg, mcp=False), graceful_seconds=1) as port:
            client = threading.Thread(target=upload, args=(port,), daemon=True)
            client.start()
            assert entered.wait(60), "the upload did not reach validation"
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200  # still responsive
        # leaving the block stopped the server (graceful timeout 1 s) while the validation still runs
        client.join(30)
        assert answers and answers[0] != 201
    finally:
        release.set()


# ---------------------------------------------------------------------------------------------- readiness, paths


def test_readyz_is_503_while_the_worker_is_down(env: Env) -> None:
    assert env.client.get("/readyz").status_code == 200  # no worker configured (worker=False)

    class DeadWorker:
        def readiness(self) -> str:
            return "worker process 123 exited with code -9; restarting in 2.0 s"

    env.app.state.worker = DeadWorker()
    try:
        r = env.client.get("/readyz")
        assert r.status_code == 503 and "exited with code -9" in r.json()["detail"]
    finally:
        del env.app.state.worker


def test_job_responses_show_no_server_paths(env: Env) -> None:
    root = str(Path(env.settings.models_dir).resolve())
    t = datetime.now(UTC)
    job = JobRecord(
        id="j1", workspace="default", kind="train", status="failed", progress=1.0,
        message=f"publishing to {root}/v0002", params={}, error=f"[Errno 28] No space left: '{root}/v0002'",
        result={"model_version": "v0002", "registry_root": root, "dataset": "default"},
        created_at=t, started_at=t, finished_at=t, heartbeat_at=t, worker_id="w", cancel_requested=False,
    )
    state = SimpleNamespace(settings=env.settings, name="default")
    doc = manage.job_dict(job, state)  # type: ignore[arg-type]
    assert "registry_root" not in doc["result"] and doc["result"]["model_version"] == "v0002"
    assert root not in repr(doc) and "<server>/v0002" in doc["error"]


def test_revoking_the_last_admin_key_over_http_is_409(env: Env) -> None:
    with TestClient(env.app) as client:
        keys = client.get("/v1/keys", headers={"X-API-Key": env.admin}).json()["keys"]
        admin_id = next(k["id"] for k in keys if k["role"] == "admin" and k["revoked_at"] is None)
        r = client.delete(f"/v1/keys/{admin_id}", headers={"X-API-Key": env.admin})
    assert r.status_code == 409 and r.json()["type"] == "/problems/last-admin-key"


# ---------------------------------------------------------------------------------------------- helpers


class _uvicorn:
    """Serve ``app`` with uvicorn in a thread on a free loopback port (``with _uvicorn(app) as port``); leaving
    the block stops it (graceful timeout ``graceful_seconds``) and checks the server thread ended."""

    def __init__(self, app: FastAPI, graceful_seconds: int = 5) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                                    timeout_graceful_shutdown=graceful_seconds))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        return int(self.sock.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.sock.close()
        assert not self.thread.is_alive(), "the server did not stop"


def test_csv_and_nesting_errors_are_4xx_with_a_rule() -> None:
    import csv

    from api.http.errors import problem_of

    status, _, _, detail, extra = problem_of(csv.Error("field larger than field limit (131072)"))  # type: ignore[misc]
    assert (status, extra["rule"]) == (422, "max_field_chars") and "too long" in detail
    status, _, _, _, extra = problem_of(RecursionError("maximum recursion depth exceeded"))  # type: ignore[misc]
    assert (status, extra["rule"]) == (413, "max_depth")


def test_a_validation_process_has_a_hard_memory_bound(tmp_path: Path) -> None:
    """A valid table too large for the bound (2M distinct rows) fails inside the validation process at its memory
    bound, as a 4xx error naming the allocation, not in the web process (without the bound it validates)."""
    import numpy as np

    from advisor.data import DataValidationError
    from advisor.data.limits import DEFAULT_LIMITS
    from api.http.validation import ValidationPool

    campaigns, days = 2000, 1000
    dates = pd.date_range("2020-01-01", periods=days, freq="D").strftime("%Y-%m-%d").to_numpy()
    ids = np.array([f"c-{i:04d}" for i in range(campaigns)])
    rows = campaigns * days
    frame = pd.DataFrame({"date": np.repeat(dates, campaigns), "campaign_id": np.tile(ids, days),
                          "channel": np.full(rows, "search"), "spend": np.full(rows, 1.0),
                          "impressions": np.full(rows, 10), "clicks": np.full(rows, 1),
                          "conversions": np.full(rows, 0.0), "revenue": np.full(rows, 0.0)})
    frame.to_parquet(tmp_path / "campaign_daily.parquet", compression="zstd")
    pool = ValidationPool(1, memory_bytes=400 * 2**20)
    try:
        with pytest.raises((DataValidationError, LimitExceeded)) as raised:  # regular rows: expansion not capped here
            pool.check(tmp_path, dataclasses.replace(DEFAULT_LIMITS, max_expansion=10**6))
    finally:
        pool.close()
    error = raised.value
    assert getattr(error, "rule", None) == "max_validation_memory" or "alloc" in str(error) or "memory" in str(error)
