"""Background jobs (training) in a single worker thread, with progress that clients poll.

Jobs live in memory: a restart forgets them (persistent jobs are a separate issue). One job runs at a time; later
ones wait in the queue.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("kpi_advisor.api.jobs")

Progress = Callable[[str, float], None]


class UnknownJobError(LookupError):
    """No job with that id."""


@dataclass(frozen=True)
class Job:
    """A job's state at one moment (replaced, never mutated). ``progress`` is 0..1."""

    id: str
    kind: str
    status: str
    progress: float
    message: str
    created_at: datetime
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class JobStore:
    """Submit callables ``fn(progress) -> dict`` and read their status by id."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpi-advisor-job")

    def _set(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def submit(self, kind: str, fn: Callable[[Progress], dict[str, Any]]) -> Job:
        job = Job(uuid.uuid4().hex[:12], kind, "queued", 0.0, "queued", datetime.now(UTC))
        with self._lock:
            self._jobs[job.id] = job

        def progress(message: str, frac: float) -> None:
            self._set(job.id, message=message, progress=max(0.0, min(1.0, float(frac))))

        def run() -> None:
            self._set(job.id, status="running", message="started")
            try:
                result = fn(progress)
            except Exception as exc:
                log.exception("job %s failed", job.id)
                self._set(job.id, status="failed", error=str(exc) or type(exc).__name__,
                          finished_at=datetime.now(UTC), message="failed")
                return
            self._set(job.id, status="succeeded", progress=1.0, message="done", result=result,
                      finished_at=datetime.now(UTC))

        self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            if job_id not in self._jobs:
                raise UnknownJobError(f"unknown job {job_id!r}; jobs are kept in memory until the server restarts")
            return self._jobs[job_id]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
