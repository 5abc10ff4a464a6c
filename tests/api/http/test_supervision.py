"""`kpi-advisor serve` supervises its training worker: SIGKILL it, /readyz answers 503 with the reason, a new
worker is started (backoff) and takes the job queued meanwhile, /readyz is 200 again; SIGTERM still exits 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from api.settings import Settings
from api.store import Store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except httpx.TransportError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _worker_pids(serve_pid: int) -> list[int]:
    """The training worker processes (``python -m api.worker``) under serve."""
    return [p.pid for p in psutil.Process(serve_pid).children()
            if "api.worker" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_serve_restarts_a_killed_worker_and_readyz_follows(world: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=world.data, models_dir=world.models, workspaces_dir=tmp_path / "workspaces",
                        database_url=f"sqlite:///{tmp_path / 'service.db'}", fit_drivers=False)
    store = Store(settings.database_url)
    store.upgrade()
    port = _free_port()
    env = {**os.environ, "KPI_ADVISOR_WORKSPACES_DIR": str(settings.workspaces_dir),
           "KPI_ADVISOR_DATABASE_URL": settings.database_url, "KPI_ADVISOR_FIT_DRIVERS": "false",
           "KPI_ADVISOR_WORKER_RESTART_MIN_SECONDS": "3", "KPI_ADVISOR_LOG_JSON": "false"}
    command = [str(Path(sys.executable).parent / "kpi-advisor"), "serve", "--data", str(world.data),
               "--models", str(world.models), "--port", str(port), "--worker"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _until("serve to be ready", lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200, 180)
        (first,) = _until("the worker process", lambda: _worker_pids(proc.pid), 30)
        os.kill(first, signal.SIGKILL)
        down = _until("/readyz to say not ready",
                      lambda: (r := httpx.get(f"{base}/readyz", timeout=2)).status_code == 503 and r.json(), 30)
        assert down["status"] == "not ready" and f"worker process {first} exited with code -9" in down["detail"]
        job = store.submit_job("default", "train", {"dataset_id": "no-such-dataset", "seed": 0, "backtest": False,
                                                    "activate": False})
        _until("/readyz to be ready again", lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200, 60)
        (second,) = _worker_pids(proc.pid)
        assert second != first
        done = _until("the new worker to take the queued job",
                      lambda: (j := store.job("default", job.id)).status != "queued" and j, 120)
        assert done.worker_id is not None and f"-{second}-" in done.worker_id
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        store.dispose()
    assert proc.returncode == 0, stderr[-3000:]
    assert not psutil.pid_exists(second) or psutil.Process(second).status() == psutil.STATUS_ZOMBIE
