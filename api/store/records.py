"""Roles, job states, errors and the frozen records the service database hands out.

Every timestamp in a record is a timezone-aware UTC ``datetime`` (SQLite drops the zone on storage; the tables
module puts it back). ``to_dict()`` keeps datetimes as ``datetime`` objects: serialising them is the caller's job.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ROLES = ("viewer", "analyst", "admin")
"""Ordered by power: an admin may do all an analyst may, an analyst all a viewer may."""

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED_STATUSES = ("succeeded", "failed", "cancelled")

WORKSPACE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def role_allows(role: str, needed: str) -> bool:
    """True when ``role`` includes ``needed`` (``role_allows("admin", "analyst")``); unknown roles allow nothing."""
    if role not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)


def check_role(role: str) -> str:
    """``role`` itself when it is one of :data:`ROLES`, else ``ValueError`` naming the valid ones."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


def check_workspace(name: str) -> str:
    """``name`` itself when it is a valid workspace name, else ``ValueError`` saying what a valid one looks like."""
    if not isinstance(name, str) or not WORKSPACE_PATTERN.fullmatch(name):
        raise ValueError(
            f"invalid workspace name {name!r}; use 1-63 characters: lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit (e.g. 'marketing-eu')"
        )
    return name


def utc(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime (naive values, as SQLite returns them, are taken to be UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


class StoreError(Exception):
    """Base of every service database error."""


class UnknownKeyError(StoreError, LookupError):
    """No API key with that id in the workspace."""


class UnknownDatasetError(StoreError, LookupError):
    """No dataset with that id in the workspace."""


class UnknownModelError(StoreError, LookupError):
    """No model version with that name in the workspace."""


class UnknownJobError(StoreError, LookupError):
    """No job with that id in the workspace."""


class DatasetExistsError(StoreError, ValueError):
    """A dataset with that id already exists in the workspace."""


class LastAdminKeyError(StoreError, ValueError):
    """Revoking this key would leave its workspace without an active admin key (nobody could manage keys)."""


class JobStateError(StoreError, ValueError):
    """The job is not in a state that allows the requested change."""


class JobNotOwnedError(JobStateError):
    """The job no longer runs under the worker that asked (cancel requested, failed as stale, requeued)."""


class _Record:
    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (nested dicts copied; datetimes stay ``datetime``)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class ApiKeyInfo(_Record):
    """An API key without its secret. ``id`` is the 12 hex characters between ``kpia_`` and the secret."""

    id: str
    workspace: str
    role: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """False once the key is revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class DatasetRecord(_Record):
    """An uploaded dataset: where its files are, its data fingerprint, row count per table, validation report."""

    workspace: str
    id: str
    path: str
    fingerprint: str
    tables: dict[str, int]
    report: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class ModelRecord(_Record):
    """A model registry version of a workspace (``v0001``...), the dataset it was trained on, its metrics."""

    workspace: str
    version: str
    registry_root: str
    dataset_id: str | None
    fingerprint: str | None
    metrics: dict[str, Any]
    active: bool
    created_at: datetime
    activated_at: datetime | None


@dataclass(frozen=True)
class JobRecord(_Record):
    """A background job at one moment. ``progress`` is 0..1; ``status`` is one of :data:`JOB_STATUSES`."""

    id: str
    workspace: str
    kind: str
    status: str
    progress: float
    message: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    worker_id: str | None
    cancel_requested: bool

    @property
    def finished(self) -> bool:
        """True once the job succeeded, failed or was cancelled."""
        return self.status in FINISHED_STATUSES


@dataclass(frozen=True)
class AdviceRecord(_Record):
    """One answer the service gave (audit log): who asked (key id), on which route, with which model and data."""

    id: int
    workspace: str
    key_id: str | None
    route: str
    request: dict[str, Any]
    response: dict[str, Any]
    model_version: str | None
    dataset_id: str | None
    created_at: datetime
