"""Job durations from the service database (for the server's Prometheus metrics; the worker also logs them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.store import Store


@dataclass(frozen=True)
class JobDuration:
    """A finished job's run time: ``seconds`` from ``started_at`` to ``finished_at`` (wall clock)."""

    job_id: str
    workspace: str
    kind: str
    status: str
    seconds: float


def job_durations(store: Store, workspace: str, limit: int = 50) -> list[JobDuration]:
    """Run times of the workspace's finished jobs among its ``limit`` newest, newest first (jobs cancelled while
    queued never started and are left out)."""
    out = []
    for job in store.jobs(workspace, limit):
        if job.started_at is not None and job.finished_at is not None:
            seconds = (job.finished_at - job.started_at).total_seconds()
            out.append(JobDuration(job.id, job.workspace, job.kind, job.status, max(0.0, seconds)))
    return out
