"""``WorkerProcess``: one worker (``python -m api.worker``) run as a subprocess of the web server, restarted with
backoff when it dies; :func:`worker_readiness` tells the web processes whether it is alive."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from api.worker.main import PARENT_PID_ENV

if TYPE_CHECKING:
    from api.settings import Settings

log = logging.getLogger("kpi_advisor.worker")
ENV_PREFIX = "KPI_ADVISOR_"


def settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as ``KPI_ADVISOR_*`` variables (so the worker sees the server's values, options included)."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if isinstance(value, bool):
            env[ENV_PREFIX + name.upper()] = "true" if value else "false"
        elif isinstance(value, str | int | float | Path):
            env[ENV_PREFIX + name.upper()] = str(value)
    return env


class WorkerProcess:
    """Start/stop a worker subprocess that shares the server's settings and database, and keep one alive.

    ``start()`` launches it (it stops by itself when this process dies) and a supervising thread that starts a new
    one when it dies, after a backoff doubling from ``settings.worker_restart_min_seconds`` to
    ``worker_restart_max_seconds`` (back to the minimum once a worker ran ``healthy_seconds``); a queued job is then
    claimed by the new worker. ``stop(timeout)`` stops supervising, sends SIGTERM (the worker requeues a running job
    and exits 0) and kills it after ``timeout`` seconds. ``alive``: a worker runs now; ``status_file``: where the
    state is written as JSON for other processes (``/readyz`` of the web processes reads it,
    :func:`worker_readiness`).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        poll_seconds: float = 1.0,
        status_file: Path | None = None,
        supervise: bool = True,
        check_seconds: float = 0.5,
        healthy_seconds: float = 60.0,
    ) -> None:
        self.settings, self.poll_seconds = settings, poll_seconds
        self.status_file = status_file if status_file is not None else settings.worker_status_file
        self.supervise, self.check_seconds, self.healthy_seconds = supervise, check_seconds, healthy_seconds
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.detail = "not started"
        self._started_at = 0.0
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        with self._lock:
            if self.alive:
                return
            self._stopping.clear()
            self._spawn()
        if self.supervise and (self._monitor is None or not self._monitor.is_alive()):
            self._monitor = threading.Thread(target=self._watch, name="kpi-advisor-worker-supervisor", daemon=True)
            self._monitor.start()

    def _spawn(self) -> None:
        env = {**os.environ, **settings_env(self.settings), PARENT_PID_ENV: str(os.getpid())}
        cmd = [sys.executable, "-m", "api.worker", "--poll-seconds", str(self.poll_seconds)]
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
        self._started_at = time.monotonic()
        self.detail = f"worker process {self.proc.pid} running"
        self._write_status()
        log.info("worker process %d started", self.proc.pid)

    def _watch(self) -> None:
        """Restart a dead worker with backoff until :meth:`stop`."""
        backoff = self.settings.worker_restart_min_seconds
        while not self._stopping.wait(self.check_seconds):
            with self._lock:
                proc = self.proc
                if proc is None or proc.poll() is None:
                    if proc is not None and time.monotonic() - self._started_at >= self.healthy_seconds:
                        backoff = self.settings.worker_restart_min_seconds
                    continue
                code = proc.returncode
                self.detail = f"worker process {proc.pid} exited with code {code}; restarting in {backoff:.1f} s"
                self._write_status()
            log.error("worker process %d exited with code %s; starting a new one in %.1f s", proc.pid, code, backoff)
            if self._stopping.wait(backoff):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                # counted before the spawn: a new process is visible (alive, pid) only with its restart counted
                self.restarts += 1
                try:
                    self._spawn()
                except OSError as exc:
                    self.restarts -= 1
                    self.detail = f"cannot start a worker process: {exc}"
                    self._write_status()
                    log.error("cannot start a worker process: %s", exc)
            backoff = min(backoff * 2, self.settings.worker_restart_max_seconds)

    def _write_status(self) -> None:
        if self.status_file is None:
            return
        doc = {"alive": self.alive, "pid": self.pid, "detail": self.detail, "restarts": self.restarts}
        tmp = self.status_file.with_name(self.status_file.name + f".{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(doc))
            os.replace(tmp, self.status_file)
        except OSError as exc:
            log.warning("cannot write the worker status to %s: %s", self.status_file, exc)

    def readiness(self) -> str | None:
        """None while a worker runs, else why not (for ``/readyz``)."""
        return None if self.alive else (self.detail or "no training worker is running")

    def stop(self, timeout: float = 15.0) -> int | None:
        """Stop supervising; SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; returns the exit code (None:
        never started)."""
        self._stopping.set()
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(timeout=5.0)
        with self._lock:
            if self.proc is None:
                return None
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    log.warning("worker process %d did not stop within %.0f s; killing it", self.proc.pid, timeout)
                    self.proc.kill()
                    self.proc.wait()
            code = self.proc.returncode
            self.detail = "the server is stopping"
            self._write_status()
        log.info("worker process %d exited with code %s", self.proc.pid, code)
        return code


def worker_readiness(status_file: Path) -> str | None:
    """None when the status file written by the serving process's :class:`WorkerProcess` says a worker runs (and
    its process exists), else the reason it is not ready."""
    try:
        doc = json.loads(Path(status_file).read_text())
    except FileNotFoundError:
        return "the training worker has not started yet"
    except (OSError, ValueError) as exc:
        return f"the training worker status cannot be read: {exc}"
    pid = doc.get("pid")
    if not doc.get("alive") or not isinstance(pid, int):
        return str(doc.get("detail") or "no training worker is running")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"worker process {pid} is gone"
    except PermissionError:
        pass
    return None
