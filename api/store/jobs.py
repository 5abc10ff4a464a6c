"""Persistent background jobs: queue, atomic claiming by workers, heartbeats, cancellation, stale-job recovery.

States: ``queued -> running -> succeeded | failed | cancelled``; ``queued -> cancelled``; ``running -> queued``
(requeue on a graceful worker shutdown). Two workers never claim the same job: PostgreSQL picks with
``SELECT ... FOR UPDATE SKIP LOCKED``, and on both backends the claim is an ``UPDATE ... WHERE status = 'queued'``
whose row count is checked (a lost race retries with the next job).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.store.catalog import CatalogMixin
from api.store.records import FINISHED_STATUSES, JobRecord, JobStateError, UnknownJobError, now, utc
from api.store.tables import Job

_CLAIM_ATTEMPTS = 20


def _utc(value: datetime | None) -> datetime:
    aware = utc(value)
    assert aware is not None
    return aware


def _unknown(job_id: str) -> UnknownJobError:
    return UnknownJobError(f"unknown job {job_id!r}; list jobs with GET /v1/jobs")


class JobsMixin(CatalogMixin):
    """The job queue (part of :class:`api.store.Store`)."""

    def _job_row(self, s: Session, job_id: str, workspace: str | None = None) -> Job:
        row = s.get(Job, job_id, with_for_update=self.dialect == "postgresql")
        if row is None or (workspace is not None and row.workspace != workspace):
            raise _unknown(job_id)
        return row

    def submit_job(self, workspace: str, kind: str, params: dict[str, Any]) -> JobRecord:
        """Queue a job of ``kind`` (e.g. ``"train"``) with JSON ``params``; its id is 12 hex characters."""
        with self._writing() as s:
            self._ensure_workspace(s, workspace)
            row = Job(id=uuid.uuid4().hex[:12], workspace=workspace, kind=kind, status="queued", progress=0.0,
                      message="queued", params=dict(params), created_at=now(), cancel_requested=False)
            s.add(row)
            s.flush()
            return row.record()

    def job(self, workspace: str, job_id: str) -> JobRecord:
        """One job of ``workspace``; ``UnknownJobError`` when absent or another workspace's."""
        with self._reading() as s:
            row = s.get(Job, job_id)
            if row is None or row.workspace != workspace:
                raise _unknown(job_id)
            return row.record()

    def jobs(self, workspace: str, limit: int = 50) -> list[JobRecord]:
        """The workspace's most recent ``limit`` jobs, newest first."""
        with self._reading() as s:
            rows = s.scalars(select(Job).where(Job.workspace == workspace)
                             .order_by(Job.created_at.desc(), Job.id.desc()).limit(max(0, int(limit))))
            return [r.record() for r in rows]

    def claim_job(self, worker_id: str, kinds: tuple[str, ...] | None = None) -> JobRecord | None:
        """Move the oldest queued job (of ``kinds``, if given) to ``running`` under ``worker_id``; ``None`` when
        the queue is empty."""
        for _ in range(_CLAIM_ATTEMPTS):
            with self._writing() as s:
                pick = select(Job.id).where(Job.status == "queued").order_by(Job.created_at, Job.id).limit(1)
                if kinds is not None:
                    pick = pick.where(Job.kind.in_(kinds))
                job_id = s.scalar(pick.with_for_update(skip_locked=True))
                if job_id is None:
                    return None
                moment = now()
                claimed = s.execute(
                    update(Job).where(Job.id == job_id, Job.status == "queued")
                    .values(status="running", started_at=moment, heartbeat_at=moment, worker_id=worker_id,
                            message="started")
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]
                if claimed == 1:
                    row = s.get(Job, job_id, populate_existing=True)
                    assert row is not None
                    return row.record()
        return None

    def heartbeat(self, job_id: str, worker_id: str) -> bool:
        """Record that ``worker_id`` still runs the job. False when the worker must stop it: cancel requested, or
        the job no longer runs under this worker (failed as stale, requeued, unknown)."""
        with self._writing() as s:
            cancel = s.scalar(
                update(Job).where(Job.id == job_id, Job.status == "running", Job.worker_id == worker_id)
                .values(heartbeat_at=now()).returning(Job.cancel_requested)
                .execution_options(synchronize_session=False)
            )
            return cancel is not None and not cancel

    def update_progress(self, job_id: str, message: str, progress: float) -> None:
        """Set a running job's progress (clamped to 0..1) and message; ignored once the job has finished."""
        value = min(1.0, max(0.0, float(progress))) if progress == progress else 0.0
        with self._writing() as s:
            s.execute(update(Job).where(Job.id == job_id, Job.status.in_(("queued", "running")))
                      .values(progress=value, message=str(message)).execution_options(synchronize_session=False))

    def finish_job(self, job_id: str, status: str, *, result: dict[str, Any] | None = None,
                   error: str | None = None) -> JobRecord:
        """End a job: ``succeeded``/``failed`` from ``running``; ``cancelled`` from ``running`` or ``queued``."""
        if status not in FINISHED_STATUSES:
            raise JobStateError(f"cannot finish a job as {status!r}; use one of {', '.join(FINISHED_STATUSES)}")
        with self._writing() as s:
            row = self._job_row(s, job_id)
            allowed = ("running", "queued") if status == "cancelled" else ("running",)
            if row.status not in allowed:
                raise JobStateError(f"job {job_id!r} is {row.status}; only a {' or '.join(allowed)} job can "
                                    f"become {status}")
            row.status, row.finished_at = status, now()
            row.result, row.error = (dict(result) if result is not None else None), error
            if status == "succeeded":
                row.progress, row.message = 1.0, "done"
            elif status == "cancelled":
                row.message = "cancelled"
            s.flush()
            return row.record()

    def request_cancel(self, workspace: str, job_id: str) -> JobRecord:
        """Cancel a job: a queued one is cancelled at once, a running one is flagged for its worker to stop;
        ``JobStateError`` when it has already finished."""
        with self._writing() as s:
            row = self._job_row(s, job_id, workspace)
            if row.status in FINISHED_STATUSES:
                raise JobStateError(f"job {job_id!r} already {row.status}; there is nothing to cancel")
            row.cancel_requested = True
            if row.status == "queued":
                row.status, row.finished_at, row.message = "cancelled", now(), "cancelled before it started"
            else:
                row.message = "cancel requested; stopping"
            s.flush()
            return row.record()

    def requeue_job(self, job_id: str, reason: str) -> JobRecord:
        """Put a running job back in the queue (its worker is shutting down); a job whose cancel was requested is
        cancelled instead."""
        with self._writing() as s:
            row = self._job_row(s, job_id)
            if row.status != "running":
                raise JobStateError(f"job {job_id!r} is {row.status}; only a running job can be requeued")
            if row.cancel_requested:
                row.status, row.finished_at, row.message = "cancelled", now(), "cancelled"
            else:
                row.status, row.progress, row.message = "queued", 0.0, f"requeued: {reason}"
                row.started_at = row.heartbeat_at = row.worker_id = None
            s.flush()
            return row.record()

    def fail_stale_jobs(self, stale_seconds: float) -> list[JobRecord]:
        """Fail every running job whose last heartbeat is older than ``stale_seconds``; returns them."""
        moment = now()
        cutoff = moment - timedelta(seconds=float(stale_seconds))
        failed = []
        with self._writing() as s:
            rows = s.scalars(select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff)
                             .order_by(Job.created_at).with_for_update(skip_locked=True))
            for row in rows:
                last = row.record().heartbeat_at
                row.status, row.finished_at, row.message = "failed", moment, "the worker stopped responding"
                row.error = (f"the worker stopped responding (last heartbeat {last.isoformat() if last else 'never'}); "
                             "the previous model is still served — start the job again")
                failed.append(row)
            s.flush()
            return [r.record() for r in failed]

    def finished_job_durations(self) -> list[tuple[str, str, str, float]]:
        """``(job id, kind, final status, seconds from start to finish)`` of every finished job that had started
        (for the Prometheus job-duration histogram)."""
        with self._reading() as s:
            rows = s.execute(select(Job.id, Job.kind, Job.status, Job.started_at, Job.finished_at)
                             .where(Job.status.in_(FINISHED_STATUSES), Job.started_at.is_not(None),
                                    Job.finished_at.is_not(None)).order_by(Job.finished_at, Job.id))
            return [(job_id, kind, status, max(0.0, (_utc(end) - _utc(start)).total_seconds()))
                    for job_id, kind, status, start, end in rows]

    def job_counts(self) -> dict[tuple[str, str], int]:
        """Jobs per ``(workspace, status)`` (for Prometheus gauges); absent pairs have none."""
        with self._reading() as s:
            rows = s.execute(select(Job.workspace, Job.status, func.count()).group_by(Job.workspace, Job.status))
            return {(ws, status): int(n) for ws, status, n in rows}
