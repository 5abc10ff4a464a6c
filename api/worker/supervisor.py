"""``WorkerProcess``: one worker (``python -m api.worker``) run as a subprocess of the web server."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
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
    """Start/stop a worker subprocess that shares the server's settings and database.

    ``start()`` launches it (it stops by itself when this process dies); ``stop(timeout)`` sends SIGTERM (the
    worker requeues a running job and exits 0) and kills it after ``timeout`` seconds. ``alive``: still running.
    """

    def __init__(self, settings: Settings, *, poll_seconds: float = 1.0) -> None:
        self.settings, self.poll_seconds = settings, poll_seconds
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        if self.alive:
            return
        env = {**os.environ, **settings_env(self.settings), PARENT_PID_ENV: str(os.getpid())}
        cmd = [sys.executable, "-m", "api.worker", "--poll-seconds", str(self.poll_seconds)]
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
        log.info("worker process %d started", self.proc.pid)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; returns the exit code (None: never started)."""
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
        log.info("worker process %d exited with code %s", self.proc.pid, code)
        return code
