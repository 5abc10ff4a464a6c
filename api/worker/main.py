"""Run a worker as a process: ``kpi-advisor worker`` and ``python -m api.worker`` both call ``main``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.settings import Settings

log = logging.getLogger("kpi_advisor.worker")

PARENT_PID_ENV = "KPI_ADVISOR_WORKER_PARENT_PID"
"""Set by ``WorkerProcess``: the worker stops gracefully (job requeued) when that process is gone."""


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent_pid:
                log.warning("worker: the server (pid %d) is gone; stopping", parent_pid)
                stop.set()

    threading.Thread(target=watch, name="kpi-advisor-server-watch", daemon=True).start()


def run_worker(settings: Settings, *, once: bool = False, poll_seconds: float = 1.0) -> int:
    """Upgrade the database, then run jobs until SIGTERM/SIGINT (``once``: at most one job). Returns exit code 0.

    A stop signal during a job stops its child and puts the job back in the queue for the next worker.
    """
    from api.logs import configure_logging
    from api.store import Store
    from api.worker.process import Worker

    configure_logging(settings)
    store = Store(settings.database_url)
    store.upgrade()
    worker = Worker(settings, store, poll_seconds=poll_seconds)
    stop = worker.stop_event

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("worker %s: %s received, stopping", worker.worker_id, signal.Signals(signum).name)
        stop.set()

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, on_signal)
    parent = os.environ.get(PARENT_PID_ENV)
    if parent and parent.isdigit():
        _watch_parent(int(parent), stop)
    try:
        if once:
            job = worker.run_once(stop)
            log.info("worker %s: %s", worker.worker_id, "no queued job" if job is None else f"job {job.id} {job.status}")
        else:
            worker.run(stop)
    finally:
        store.dispose()
        for restored, handler in previous.items():  # an embedding process (tests, CliRunner) gets its own back
            signal.signal(restored, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m api.worker [--once] [--poll-seconds F] [--database-url URL]`` (settings from KPI_ADVISOR_*)."""
    from api.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m api.worker", description=run_worker.__doc__)
    parser.add_argument("--once", action="store_true", help="run at most one queued job, then exit")
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="wait between polls of an empty queue (s)")
    parser.add_argument("--database-url", default=None, help="service database (env KPI_ADVISOR_DATABASE_URL)")
    args = parser.parse_args(argv)
    settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    return run_worker(settings, once=args.once, poll_seconds=args.poll_seconds)
