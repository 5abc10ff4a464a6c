"""Fixtures of the worker tests: one demo data folder per session, a fresh SQLite service database per test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
WORKSPACE = "acme"
DATASET = "demo"


@dataclass(frozen=True)
class DemoData:
    path: Path
    fingerprint: str
    tables: dict[str, int]


@dataclass(frozen=True)
class Service:
    settings: Any  # api.settings.Settings
    store: Any  # api.store.Store
    root: Path

    def env(self) -> dict[str, str]:
        """Environment of a worker subprocess that uses this service's database and folders."""
        from api.worker import settings_env

        path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
        return {**os.environ, **settings_env(self.settings), "PYTHONPATH": path}

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        """``python -m api.worker`` as a real subprocess (log to ``<root>/worker-<n>.log``)."""
        n = len(list(self.root.glob("worker-*.log")))
        log = open(self.root / f"worker-{n}.log", "wb")  # noqa: SIM115  (closed with the process)
        return subprocess.Popen(
            [sys.executable, "-m", "api.worker", "--poll-seconds", "0.2", *args],
            env=self.env(), cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        )

    def submit(self, **params: Any) -> Any:
        return self.store.submit_job(WORKSPACE, "train", {"dataset_id": DATASET, "seed": 0, "backtest": False, **params})

    def publish_directly(self) -> str:
        """A registry version + active model record made without training (the model served before a job)."""
        from models.registry import Registry

        root = self.settings.models_root(WORKSPACE)
        version = Registry(root).publish({"note.json": "{}"}, {"kind": []})
        self.store.add_model_version(WORKSPACE, version, registry_root=str(root), dataset_id=DATASET,
                                     fingerprint=None, metrics={}, activate=True)
        return version


@pytest.fixture(scope="session")
def demo_data(world: Any) -> DemoData:
    """The data folder of the session's demo world (``tests/api/conftest.py``: seed 7, shared with the HTTP tests,
    generated once per run); the jobs only read it."""
    from advisor.data import load_dataset

    ds = load_dataset(world.data)
    return DemoData(world.data, ds.fingerprint, {name: len(df) for name, df in ds.tables.items() if df is not None})


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[Service]:
    """A fresh SQLite service database (upgraded) and empty folders; no dataset."""
    from api.settings import Settings
    from api.store import Store

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        workspaces_dir=tmp_path / "workspaces",
        models_dir=tmp_path / "models",
        data_dir=tmp_path / "data",
        log_json=False,
    )
    store = Store(settings.database_url)
    store.upgrade()
    yield Service(settings, store, tmp_path)
    store.dispose()


@pytest.fixture()
def demo_service(service: Service, demo_data: DemoData) -> Service:
    """``service`` with the demo world registered as dataset ``demo`` of workspace ``acme``."""
    service.store.add_dataset(WORKSPACE, DATASET, str(demo_data.path), demo_data.fingerprint, demo_data.tables, {})
    return service


def _wait_for(what: str, check: Callable[[], Any], timeout: float = 120.0, every: float = 0.05) -> Any:
    """Poll ``check()`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture()
def wait_for() -> Callable[..., Any]:
    """``wait_for(what, check, timeout=120)``: poll until ``check()`` is truthy (returns its value)."""
    return _wait_for
