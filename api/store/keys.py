"""Workspaces and API keys.

A token is ``kpia_<id>_<secret>``: ``id`` is 12 hex characters (public, shown in listings and the audit log),
``secret`` is ``secrets.token_urlsafe(32)``. Only ``sha256(secret)`` is stored, so a token is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.store.db import Database
from api.store.records import ApiKeyInfo, LastAdminKeyError, UnknownKeyError, check_role, check_workspace, now
from api.store.tables import ApiKey, Workspace

TOKEN_PREFIX = "kpia_"
TOKEN_PATTERN = re.compile(r"kpia_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
TOKEN_CHARS = len(TOKEN_PREFIX) + 12 + 1 + 43
"""Length of every token: prefix, 12 hex id, ``_``, ``secrets.token_urlsafe(32)`` (43 characters)."""
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per key, so authenticating is normally a single read."""


def well_formed(token: str | None) -> bool:
    """True when ``token`` looks like a key this store makes (``kpia_<12 hex>_<43 url-safe characters>``), checked
    cheaply (length first) so that a malformed token of any size is refused without a look-up or a cache entry."""
    return (
        isinstance(token, str)
        and len(token) == TOKEN_CHARS
        and token.startswith(TOKEN_PREFIX)
        and TOKEN_PATTERN.fullmatch(token) is not None
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeysMixin(Database):
    """Workspaces and API keys (part of :class:`api.store.Store`)."""

    def _ensure_workspace(self, s: Session, name: str) -> None:
        check_workspace(name)
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        s.execute(insert(Workspace).values(name=name, created_at=now()).on_conflict_do_nothing())

    def ensure_workspace(self, name: str) -> None:
        """Create workspace ``name`` unless it exists. ``ValueError`` when the name is not ``^[a-z0-9][a-z0-9_-]{0,62}$``."""
        with self._writing() as s:
            self._ensure_workspace(s, name)

    def workspaces(self) -> list[str]:
        """Every workspace name, sorted."""
        with self._reading() as s:
            return list(s.scalars(select(Workspace.name).order_by(Workspace.name)))

    def create_key(self, workspace: str, role: str, name: str = "") -> tuple[ApiKeyInfo, str]:
        """A new key for ``workspace`` (created if needed) with ``role``; returns its info and the plain token,
        which is not stored and cannot be shown again."""
        check_role(role)
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self._writing() as s:
            self._ensure_workspace(s, workspace)
            row = ApiKey(id=key_id, workspace=workspace, role=role, name=name, secret_sha256=_digest(secret),
                         created_at=now())
            s.add(row)
            s.flush()
            info = row.record()
        return info, f"{TOKEN_PREFIX}{key_id}_{secret}"

    def authenticate(self, token: str) -> ApiKeyInfo | None:
        """The key a bearer token belongs to; ``None`` when the token is malformed, unknown, wrong or revoked."""
        if not well_formed(token):
            return None
        match = TOKEN_PATTERN.fullmatch(token)
        assert match is not None
        key_id, secret = match.groups()
        with self._reading() as s:
            row = s.get(ApiKey, key_id)
            info = row.record() if row is not None else None
            stored = row.secret_sha256 if row is not None else _digest("")
        if not hmac.compare_digest(_digest(secret), stored) or info is None or info.revoked_at is not None:
            return None
        moment = now()
        if info.last_used_at is None or moment - info.last_used_at >= LAST_USED_RESOLUTION:
            cutoff = moment - LAST_USED_RESOLUTION
            with self._writing() as s:
                s.execute(update(ApiKey).where(ApiKey.id == key_id)
                          .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at <= cutoff))
                          .values(last_used_at=moment))
            info = ApiKeyInfo(**{**info.to_dict(), "last_used_at": moment})
        return info

    def list_keys(self, workspace: str) -> list[ApiKeyInfo]:
        """The keys of ``workspace`` (revoked ones too), oldest first."""
        with self._reading() as s:
            rows = s.scalars(select(ApiKey).where(ApiKey.workspace == workspace)
                             .order_by(ApiKey.created_at, ApiKey.id))
            return [r.record() for r in rows]

    def revoke_key(self, workspace: str, key_id: str) -> ApiKeyInfo:
        """Revoke a key of ``workspace`` (idempotent: a revoked key keeps its first revocation time).
        ``LastAdminKeyError`` when it is the workspace's last active admin key."""
        with self._writing() as s:
            row = s.get(ApiKey, key_id)
            if row is None or row.workspace != workspace:
                raise UnknownKeyError(
                    f"unknown API key {key_id!r} in workspace {workspace!r}; list keys with "
                    f"`kpi-advisor keys list --workspace {workspace}`"
                )
            if row.revoked_at is None and row.role == "admin":
                admins = s.scalars(
                    select(ApiKey.id).where(ApiKey.workspace == workspace, ApiKey.role == "admin",
                                            ApiKey.revoked_at.is_(None)).with_for_update()
                ).all()
                if set(admins) <= {key_id}:
                    raise LastAdminKeyError(
                        f"key {key_id!r} is the last active admin key of workspace {workspace!r}; create another "
                        "admin key first (`kpi-advisor keys create --role admin`), then revoke this one"
                    )
            if row.revoked_at is None:
                row.revoked_at = now()
            s.flush()
            return row.record()
