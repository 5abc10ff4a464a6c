"""Operations: JSON logs with request ids, Prometheus metrics, graceful shutdown of `kpi-advisor serve`, Docker files."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from prometheus_client import generate_latest

from api.http.logs import add_request_logging, is_safe_request_id
from api.http.middleware import MetricsMiddleware
from api.http.observability import Metrics
from api.logs import ACCESS_LOGGER, configure_logging
from api.settings import Settings

REPO = Path(__file__).resolve().parents[3]
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture()
def log_stream() -> Iterator[io.StringIO]:
    """Configure JSON logging into a buffer; restore the logging set-up afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    handler = configure_logging(Settings(log_json=True, log_level="INFO"), stream=stream)
    yield stream
    root.removeHandler(handler)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _mini_app(metrics: Metrics) -> FastAPI:
    """A two-route app with our middleware stack, as ``create_app`` wires it."""
    app = FastAPI()

    @app.get("/v1/items/{item_id}")
    def item(item_id: str, request: Request) -> dict[str, str]:
        if ws := request.headers.get("x-test-workspace"):
            request.state.principal = SimpleNamespace(workspace=ws, key_id="k1", role="viewer")
        logging.getLogger("kpi_advisor.test").info("inside the route")
        with metrics.time_model("forecast"):
            time.sleep(0.01)
        return {"id": item_id}

    @app.get("/metrics")
    def metrics_route() -> Any:
        from fastapi import Response

        return Response(generate_latest(metrics.registry), media_type="text/plain")

    app.add_middleware(MetricsMiddleware, metrics=metrics)
    add_request_logging(app)
    return app


def test_json_log_line_carries_the_response_request_id(log_stream: io.StringIO) -> None:
    client = TestClient(_mini_app(Metrics()))
    response = client.get("/v1/items/a1?secret=x")
    assert response.status_code == 200
    rid = response.headers["X-Request-ID"]
    assert HEX32.match(rid)
    lines = _lines(log_stream)
    access = [line for line in lines if line["logger"] == ACCESS_LOGGER]
    assert len(access) == 1, "one access line per request"
    line = access[0]
    assert line["request_id"] == rid
    assert {"timestamp", "level", "logger", "message"} <= set(line)
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["route"], line["status"]) == ("GET", "/v1/items/a1", "/v1/items/{item_id}", 200)
    assert 10.0 <= line["duration_ms"] < 5000.0  # the route sleeps 10 ms
    assert "secret" not in json.dumps(line), "the query string stays out of the log"
    inside = [entry for entry in lines if entry["logger"] == "kpi_advisor.test"]
    assert inside and inside[0]["request_id"] == rid, "logs written inside the (threadpool) route carry the id"


def test_incoming_request_id_is_echoed_and_unsafe_ones_replaced(log_stream: io.StringIO) -> None:
    client = TestClient(_mini_app(Metrics()))
    kept = client.get("/v1/items/b", headers={"X-Request-ID": "lb-7f3a:42.x_1"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a:42.x_1"
    replaced = client.get("/v1/items/b", headers={"X-Request-ID": 'evil" {"level": "CRITICAL"}'})
    assert HEX32.match(replaced.headers["X-Request-ID"])
    ids = [line["request_id"] for line in _lines(log_stream) if line["logger"] == ACCESS_LOGGER]
    assert ids == ["lb-7f3a:42.x_1", replaced.headers["X-Request-ID"]]
    assert not is_safe_request_id("x" * 129) and is_safe_request_id("x" * 128)


def test_access_log_names_the_workspace_of_the_caller(log_stream: io.StringIO) -> None:
    client = TestClient(_mini_app(Metrics()))
    client.get("/v1/items/c", headers={"x-test-workspace": "acme"})
    client.get("/v1/items/c")
    access = [line for line in _lines(log_stream) if line["logger"] == ACCESS_LOGGER]
    assert access[0]["workspace"] == "acme"
    assert "workspace" not in access[1]


def test_text_logs_keep_the_request_id() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        configure_logging(Settings(log_json=False, log_level="WARNING"), stream=stream)
        logging.getLogger(ACCESS_LOGGER).info("hidden at WARNING")
        configure_logging(Settings(log_json=False, log_level="INFO"), stream=stream)  # replaces, never stacks
        response = TestClient(_mini_app(Metrics())).get("/v1/items/d", headers={"X-Request-ID": "abc-1"})
        assert response.status_code == 200
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    text = stream.getvalue()
    assert "hidden" not in text
    access = [line for line in text.splitlines() if ACCESS_LOGGER in line]
    assert len(access) == 1 and "[abc-1]" in access[0] and "GET /v1/items/d 200" in access[0]
    with pytest.raises(ValueError, match="log level"):
        configure_logging(Settings(log_level="LOUD"))


def test_metrics_text_has_model_job_and_store_series() -> None:
    metrics = Metrics()
    counts = {("a", "queued"): 2, ("b", "queued"): 1, ("a", "failed"): 1}
    finished = [("j1", "train", "succeeded", 42.0), ("j2", "train", "failed", 3.0)]
    metrics.watch_store(lambda: counts, lambda: {"a": "v0002", "b": "v0001"}, lambda: finished)
    client = TestClient(_mini_app(metrics))
    client.get("/v1/items/z1")
    client.get("/v1/items/z2")
    client.get("/metrics")
    finished.append(("j3", "train", "succeeded", 700.0))
    text = client.get("/metrics").text  # j1 and j2 again: each job is counted once
    assert 'kpi_advisor_model_seconds_count{operation="forecast"} 2.0' in text
    total = float(re.search(r'kpi_advisor_model_seconds_sum\{operation="forecast"\} (\S+)', text).group(1))  # type: ignore[union-attr]
    assert total >= 0.02
    assert 'kpi_advisor_jobs{status="queued"} 3.0' in text  # summed over workspaces
    assert 'kpi_advisor_jobs{status="failed"} 1.0' in text
    assert 'kpi_advisor_jobs{status="running"} 0.0' in text  # every status is exported
    assert "workspace" not in "".join(line for line in text.splitlines() if line.startswith("kpi_advisor_jobs{"))
    assert 'kpi_advisor_active_model_info{version="v0002",workspace="a"} 1.0' in text
    assert 'kpi_advisor_job_duration_seconds_count{kind="train",status="succeeded"} 2.0' in text
    assert 'kpi_advisor_job_duration_seconds_sum{kind="train",status="succeeded"} 742.0' in text
    assert 'kpi_advisor_job_duration_seconds_bucket{kind="train",le="60.0",status="succeeded"} 1.0' in text
    assert 'kpi_advisor_job_duration_seconds_count{kind="train",status="failed"} 1.0' in text
    assert 'kpi_advisor_http_requests_total{method="GET",route="/v1/items/{item_id}",status="200"} 2.0' in text
    assert "/v1/items/z1" not in text, "the route label is the template, not the raw path"


def test_metrics_survive_a_failing_store() -> None:
    def broken() -> dict[tuple[str, str], int]:
        raise ConnectionError("database is down")

    metrics = Metrics()
    metrics.watch_store(broken, broken, broken)  # type: ignore[arg-type]
    metrics.watch_store(broken)  # replacing the source must not register twice
    text = generate_latest(metrics.registry).decode()
    assert "kpi_advisor_http_requests_total" in text
    assert "kpi_advisor_jobs{" not in text


def test_app_metrics_endpoint_and_request_id(world: Any, tmp_path: Path) -> None:
    """The real app: X-Request-ID on responses and the new metric families on /metrics."""
    from api.server import create_app
    from api.store import Store

    settings = _service_settings(world, tmp_path)
    store = Store(settings.database_url)
    store.upgrade()
    _, key = store.create_key("default", "admin", "prometheus")
    _, viewer = store.create_key("default", "viewer", "dashboard")
    with TestClient(create_app(settings, mcp=False)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"X-API-Key": viewer}).status_code == 403
        response = client.get("/metrics", headers={"X-Request-ID": "scrape-1", "X-API-Key": key})
    assert response.status_code == 200
    assert response.headers.get("X-Request-ID") == "scrape-1", "add_request_logging(app) missing in create_app"
    for name in ("kpi_advisor_http_requests_total", "kpi_advisor_model_seconds", "kpi_advisor_job_duration_seconds"):
        assert name in response.text
    assert 'kpi_advisor_jobs{status="queued"}' in response.text, "metrics.watch_store(...) missing in create_app"
    assert "workspace=" not in response.text  # nothing of one workspace is shown to another's admin


def _service_settings(world: Any, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=world.data,
        models_dir=world.models,
        workspaces_dir=tmp_path / "workspaces",
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        fit_drivers=False,
        worker=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_serve_finishes_the_running_request_on_sigterm_and_exits_0(world: Any, tmp_path: Path) -> None:
    from api.server import create_app

    settings = _service_settings(world, tmp_path)
    try:
        create_app(settings, mcp=False)
    except Exception as exc:  # the app is being rewired: this test is about serve
        pytest.skip(f"create_app raises ({type(exc).__name__}: {exc}); fix the app first")
    with_worker = importlib.util.find_spec("api.worker") is not None and hasattr(
        importlib.import_module("api.worker"), "WorkerProcess"
    )
    port = _free_port()
    env = {**os.environ, "KPI_ADVISOR_SHUTDOWN_TIMEOUT_SECONDS": "15", "KPI_ADVISOR_LOG_JSON": "true"}
    env.update({f"KPI_ADVISOR_{k.upper()}": str(getattr(settings, k)) for k in ("workspaces_dir", "database_url")})
    env["KPI_ADVISOR_FIT_DRIVERS"] = "false"
    command = [str(Path(sys.executable).parent / "kpi-advisor"), "serve", "--data", str(world.data), "--models", str(world.models)]
    command += ["--port", str(port), "--worker" if with_worker else "--no-worker"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, f"serve exited early: {proc.communicate()[1][-3000:]}"
            assert time.monotonic() < deadline, "serve did not answer /healthz in 180 s"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        workers_seen = _children(proc.pid)
        if with_worker:
            assert workers_seen, "serve --worker started no worker process"

        sent_first = threading.Event()

        def slow_body() -> Iterator[bytes]:
            yield b'{"start": "2025-01-01"'
            sent_first.set()
            for _ in range(6):  # ~3 s in flight
                time.sleep(0.5)
                yield b" " * 64
            yield b"}"

        result: dict[str, Any] = {}

        def post() -> None:
            try:
                r = httpx.post(f"{base}/v1/forecast", content=slow_body(), headers={"content-type": "application/json"}, timeout=60)
                result["status"] = r.status_code
            except Exception as exc:
                result["error"] = repr(exc)

        client_thread = threading.Thread(target=post)
        client_thread.start()
        assert sent_first.wait(10)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        with pytest.raises(httpx.TransportError):  # no new connections while the running one finishes
            httpx.get(f"{base}/healthz", timeout=2)
        client_thread.join(60)
        try:  # the shutdown timeout (15 s) plus time to stop the worker: a bound, not a measurement
            _stdout, stderr = proc.communicate(timeout=15 + 15)
        except subprocess.TimeoutExpired:
            pytest.fail("serve did not stop within its shutdown timeout after SIGTERM")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "error" not in result, f"the in-flight request failed: {result.get('error')}"
    assert result["status"] < 500, f"the in-flight request got {result['status']}"
    assert proc.returncode == 0, f"exit code {proc.returncode}: {stderr[-3000:]}"
    assert not [pid for pid in workers_seen if _alive(pid)], "a child process outlived serve"
    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = [(entry["logger"], entry["message"]) for entry in logged]
    assert any(m.startswith("Waiting for connections to close") for _, m in messages), messages[-10:]
    assert ("kpi_advisor.serve", "stopped") in messages
    assert all({"timestamp", "level", "logger", "request_id"} <= set(entry) for entry in logged)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_metrics_of_several_web_processes_are_summed(world: Any, tmp_path: Path) -> None:
    """`serve --workers 2`: whichever process answers a scrape, the request counts are those of both processes."""
    from api.store import Store

    settings = _service_settings(world, tmp_path)
    store = Store(settings.database_url)
    store.upgrade()
    _, key = store.create_key("default", "admin", "prometheus")
    store.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({f"KPI_ADVISOR_{k.upper()}": str(getattr(settings, k)) for k in ("workspaces_dir", "database_url")})
    env.update(KPI_ADVISOR_FIT_DRIVERS="false", KPI_ADVISOR_LOG_LEVEL="WARNING")
    command = [str(Path(sys.executable).parent / "kpi-advisor"), "serve", "--data", str(world.data), "--models",
               str(world.models), "--port", str(port), "--workers", "2", "--no-worker"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        ready = 0
        while ready < 20:  # both processes up: 20 answers in a row on fresh connections
            assert proc.poll() is None, f"serve exited early: {proc.communicate()[1][-3000:]}"
            assert time.monotonic() < deadline, "serve --workers 2 did not answer /readyz"
            try:
                ready = ready + 1 if httpx.get(f"{base}/readyz", timeout=5).status_code == 200 else 0
            except httpx.TransportError:
                ready = 0
                time.sleep(0.3)
        children = _children(proc.pid)
        for _ in range(30):
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200  # a new connection each time
        pattern = re.compile(r'kpi_advisor_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)')
        seen = set()
        for _ in range(8):
            text = httpx.get(f"{base}/metrics", headers={"X-API-Key": key}, timeout=10).text
            match = pattern.search(text)
            assert match is not None, text[-2000:]
            seen.add(float(match.group(1)))
            assert "kpi_advisor_job_duration_seconds" in text and 'kpi_advisor_jobs{status="queued"}' in text
        files = list(Path(tempfile.gettempdir()).glob("kpi-advisor-metrics-*/counter_*.db"))
        writers = {int(f.stem.rsplit("_", 1)[1]) for f in files} & set(children)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert len(writers) == 2, f"both web processes must have served requests; counter files of {writers}"
    assert seen == {30.0}, f"each scrape must count all 30 /healthz requests of both processes; got {sorted(seen)}"
    leftovers = [f for f in files if f.exists()]
    assert not leftovers, "serve removes its metrics folder at exit"


def test_compose_file_runs_api_worker_and_postgres() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"api", "worker", "db"}
    db, api, worker = services["db"], services["api"], services["worker"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    url = "postgresql+psycopg://advisor:advisor@db:5432/advisor"
    user, password, database = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_PASSWORD"], db["environment"]["POSTGRES_DB"]
    assert url == f"postgresql+psycopg://{user}:{password}@db:5432/{database}"
    for service in (api, worker):
        assert service["environment"]["KPI_ADVISOR_DATABASE_URL"] == url
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert any(v.endswith(":/data") for v in service["volumes"])
    shared = {v.split(":")[0] for v in api["volumes"]} & {v.split(":")[0] for v in worker["volumes"]}
    assert shared, "api and worker must share the /data volume (the worker publishes models there)"
    assert str(api["environment"]["KPI_ADVISOR_WORKER"]).lower() == "false"
    assert "8000:8000" in api["ports"]
    assert worker["command"] == ["kpi-advisor", "worker"]
    assert set(compose["volumes"]) >= {v.split(":")[0] for v in db["volumes"] + api["volumes"]}


def test_dockerfile_serves_as_non_root_with_a_health_check() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "libgomp1" in text and "from prophet import Prophet" in text and "lgb.train" in text
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    cmd = text[text.index("\nCMD ") :]
    assert "exec kpi-advisor serve --host 0.0.0.0" in cmd and "demo-data" in cmd and "kpi-advisor train" in cmd
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "data"} <= set(ignored)
