"""ORM tables of the service database. The Alembic migrations in ``migrations/versions`` build exactly this schema
(a golden test compares them); change both together.

Times are ``DateTime(timezone=True)`` holding UTC; JSON columns use SQLAlchemy's portable ``JSON`` type (``json``
on PostgreSQL, text on SQLite) with Python ``None`` stored as SQL ``NULL``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.store.records import AdviceRecord, ApiKeyInfo, DatasetRecord, JobRecord, ModelRecord, utc

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Json = JSON(none_as_null=True)
Time = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _workspace_fk() -> Mapped[str]:
    return mapped_column(String(63), ForeignKey("workspaces.name"), nullable=False)


ACTIVE_ONLY = text("active")


class Workspace(Base):
    __tablename__ = "workspaces"
    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Time, nullable=False)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_workspace", "workspace"),)
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    workspace: Mapped[str] = _workspace_fk()
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    secret_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(Time, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(Time)
    revoked_at: Mapped[datetime | None] = mapped_column(Time)

    def record(self) -> ApiKeyInfo:
        return ApiKeyInfo(self.id, self.workspace, self.role, self.name, utc(self.created_at),  # type: ignore[arg-type]
                          utc(self.last_used_at), utc(self.revoked_at))


class Dataset(Base):
    __tablename__ = "datasets"
    workspace: Mapped[str] = mapped_column(String(63), ForeignKey("workspaces.name"), primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(128), nullable=False)
    tables: Mapped[dict[str, int]] = mapped_column(Json, nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(Json, nullable=False)
    created_at: Mapped[datetime] = mapped_column(Time, nullable=False)

    def record(self) -> DatasetRecord:
        return DatasetRecord(self.workspace, self.id, self.path, self.fingerprint, dict(self.tables),
                             dict(self.report), utc(self.created_at))  # type: ignore[arg-type]


class ModelVersion(Base):
    __tablename__ = "model_versions"
    # at most one active version per workspace, enforced by the database
    __table_args__ = (
        Index("uq_model_versions_active", "workspace", unique=True, sqlite_where=ACTIVE_ONLY, postgresql_where=ACTIVE_ONLY),
    )
    workspace: Mapped[str] = mapped_column(String(63), ForeignKey("workspaces.name"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    registry_root: Mapped[str] = mapped_column(Text, nullable=False)
    dataset_id: Mapped[str | None] = mapped_column(String(100))
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    metrics: Mapped[dict[str, Any]] = mapped_column(Json, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(Time, nullable=False)
    activated_at: Mapped[datetime | None] = mapped_column(Time)

    def record(self) -> ModelRecord:
        return ModelRecord(self.workspace, self.version, self.registry_root, self.dataset_id, self.fingerprint,
                           dict(self.metrics), bool(self.active), utc(self.created_at),  # type: ignore[arg-type]
                           utc(self.activated_at))


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_created_at", "status", "created_at"),
        Index("ix_jobs_workspace_created_at", "workspace", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace: Mapped[str] = _workspace_fk()
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    progress: Mapped[float] = mapped_column(Float, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(Json, nullable=False)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Time, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(Time)
    finished_at: Mapped[datetime | None] = mapped_column(Time)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Time)
    worker_id: Mapped[str | None] = mapped_column(String(200))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False)

    def record(self) -> JobRecord:
        return JobRecord(self.id, self.workspace, self.kind, self.status, float(self.progress), self.message,
                         dict(self.params), None if self.result is None else dict(self.result), self.error,
                         utc(self.created_at), utc(self.started_at), utc(self.finished_at),  # type: ignore[arg-type]
                         utc(self.heartbeat_at), self.worker_id, bool(self.cancel_requested))


class Advice(Base):
    __tablename__ = "advice_log"
    __table_args__ = (Index("ix_advice_log_workspace_created_at", "workspace", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = _workspace_fk()
    key_id: Mapped[str | None] = mapped_column(String(12))
    route: Mapped[str] = mapped_column(String(200), nullable=False)
    request: Mapped[dict[str, Any]] = mapped_column(Json, nullable=False)
    response: Mapped[dict[str, Any]] = mapped_column(Json, nullable=False)
    model_version: Mapped[str | None] = mapped_column(String(64))
    dataset_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(Time, nullable=False)

    def record(self) -> AdviceRecord:
        return AdviceRecord(self.id, self.workspace, self.key_id, self.route, dict(self.request),
                            dict(self.response), self.model_version, self.dataset_id,
                            utc(self.created_at))  # type: ignore[arg-type]
