"""Test helpers shared by tests/api/http and tests/api/mcp: a small trained world, the app in process
(:func:`app_in_process`, for tests of what the API answers) and a live uvicorn server (:func:`live_server`, only
for tests of HTTP itself: the wire, sockets, streaming protocols).

Loaded by both conftests with ``importlib`` (test folders are not packages).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

DAYS = 240


def wait_until(what: str, check: Any, timeout: float = 30.0) -> None:
    """Wait until ``check()`` holds (something the threads or processes under test cause); fail naming ``what``
    after ``timeout`` seconds. A time-out, not a measurement: no test asserts on how long anything takes."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.002)


@dataclass(frozen=True)
class World:
    """A demo data folder and a model registry trained on it (backtests off)."""

    data: Path
    models: Path


def make_world(root: Path) -> World:
    from advisor.data import load_dataset
    from demo_world import generate_world
    from training.pipeline import train_all

    data, models = root / "data", root / "models"
    data.mkdir(parents=True)
    generate_world(seed=7, days=DAYS).write(data)
    ds = load_dataset(data)
    train_all(ds.tables, models, fingerprint=ds.fingerprint, backtest=None)
    return World(data, models)


_WORLD: list[World] = []


def shared_world(factory: pytest.TempPathFactory) -> World:
    """One trained world per test run, shared by tests/api/http and tests/api/mcp (read-only use). Under
    pytest-xdist the first worker trains it into the run's common temporary folder and the others wait for it and
    read it (a file lock), so it is trained once, not once per worker."""
    if not _WORLD:
        base = factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            base = base.parent  # the folder every worker of this run shares
        root, ready = base / "api-world", base / "api-world.ready"
        with open(base / "api-world.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            if not ready.exists():
                shutil.rmtree(root, ignore_errors=True)  # a run that died half way
                root.mkdir()
                make_world(root)
                ready.touch()
        _WORLD.append(World(root / "data", root / "models"))
    return _WORLD[0]


def copy_world(world: World, root: Path) -> World:
    """A private copy (for tests that retrain and so change the registry)."""
    shutil.copytree(world.data, root / "data")
    shutil.copytree(world.models, root / "models")
    return World(root / "data", root / "models")


@dataclass(frozen=True)
class Live:
    """A running app: base URL, an admin key of the ``default`` workspace and the settings it runs with;
    ``transport``: how requests reach it (None: the network, a live server)."""

    url: str
    key: str
    settings: Any
    transport: httpx.BaseTransport | None = None

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client sending ``key`` (default: the admin key) as ``X-API-Key``."""
        return self.anonymous(headers={"X-API-Key": key or self.key}, **kwargs)

    def anonymous(self, **kwargs: Any) -> httpx.Client:
        """An httpx client that sends no key."""
        return httpx.Client(base_url=self.url, timeout=60, transport=self.transport, **kwargs)

    def store(self) -> Any:
        from api.store import Store

        return Store(self.settings.database_url)


def service_settings(world: World, root: Path, **settings: object) -> Any:
    """Settings of a test service whose database, uploads and other workspaces live under ``root``."""
    from api.http import Settings

    defaults: dict[str, object] = {
        "data_dir": world.data, "models_dir": world.models, "fit_drivers": False, "worker": False,
        "database_url": f"sqlite:///{root / 'service.db'}", "workspaces_dir": root / "workspaces",
        "log_json": False,
    }
    return Settings(**{**defaults, **settings})  # type: ignore[arg-type]


def _admin_key(cfg: Any) -> str:
    """Migrate the service database of ``cfg`` and make an admin key of the ``default`` workspace."""
    from api.store import Store

    store = Store(cfg.database_url)
    store.upgrade()
    _, key = store.create_key("default", "admin", "tests")
    store.dispose()
    return str(key)


class _ThroughApp(httpx.BaseTransport):
    """Hands each request to the app's running ``TestClient``, whose event loop ran the lifespan, so clients with
    other keys share one app, its state and its background tasks."""

    def __init__(self, running: Any) -> None:
        self._running = running

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._running.request(
            request.method, str(request.url), headers=list(request.headers.multi_items()), content=request.read(),
            follow_redirects=False,
        )
        headers = list(answer.headers.multi_items())  # each Set-Cookie apart (a Headers object joins them)
        return httpx.Response(answer.status_code, headers=headers, content=answer.content, request=request)


@contextmanager
def app_in_process(world: World, root: Path, **settings: object) -> Iterator[Live]:
    """The real app in this process (lifespan run: state loaded, worker started when ``worker=True``), called
    through ASGI without a socket; yields a :class:`Live` whose clients reach it. A crash is a 500 answer, as on
    a server."""
    from fastapi.testclient import TestClient

    from api.server import create_app

    cfg = service_settings(world, root, **settings)
    key = _admin_key(cfg)
    with TestClient(create_app(cfg), base_url="http://testserver", raise_server_exceptions=False) as running:
        yield Live("http://testserver", key, cfg, _ThroughApp(running))


@contextmanager
def live_server(world: World, root: Path, **settings: object) -> Iterator[Live]:
    """Serve the real app with uvicorn in a thread on a free 127.0.0.1 port; yields a :class:`Live`. Only for
    tests of HTTP itself (the wire, keep-alive, streaming protocols); the others use :func:`app_in_process`."""
    import uvicorn

    from api.server import create_app

    cfg = service_settings(world, root, **settings)
    key = _admin_key(cfg)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the API server did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", key, cfg)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


PG_SERVER = os.environ.get("KPI_ADVISOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_schema() -> Iterator[str]:
    """A new, empty PostgreSQL schema (``api.store.schemas.temporary_schema``); yields its URL. Skips the test with
    the reason when the server does not answer (a user's own clone); ``KPI_ADVISOR_TEST_PG_URL`` picks another
    server."""
    import sqlalchemy as sa

    from api.store.schemas import temporary_schema

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(temporary_schema(PG_SERVER, "kpi_test"))
        except sa.exc.OperationalError as exc:
            pytest.skip(
                f"PostgreSQL at {PG_SERVER} does not answer (set KPI_ADVISOR_TEST_PG_URL to another server): {exc.orig}"
            )
        yield url
