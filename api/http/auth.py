"""API keys: who calls and in which workspace.

Every route except ``/healthz``, ``/readyz`` and the docs needs a key, sent as ``X-API-Key: kpia_…``
or ``Authorization: Bearer kpia_…``. A key belongs to one workspace and has a role: ``viewer`` reads and asks
(KPIs, scorecard, diagnose, forecast, optimize, advise), ``analyst`` also uploads datasets, trains, activates model
versions and cancels jobs, ``admin`` also manages the workspace's keys, reads its audit log and scrapes ``/metrics``. Keys are made with
``kpi-advisor keys create``. The routers ask for a role with ``Depends(viewer)`` / ``analyst`` / ``admin`` and get
the caller's :class:`~api.http.state.Workspace`; nothing else of another workspace is reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.http.state import AppState, Workspace
from api.store import ApiKeyInfo, role_allows
from api.store.keys import TOKEN_PREFIX, well_formed

API_KEY_HEADER = "X-API-Key"

api_key_header = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, scheme_name="ApiKey",
    description="An API key made with `kpi-advisor keys create --workspace W --role viewer|analyst|admin`.",
)
bearer = HTTPBearer(auto_error=False, scheme_name="Bearer", description="The same API key as a bearer token.")


class AuthenticationError(Exception):
    """No key, or a key that is unknown, malformed or revoked (401)."""


class PermissionDeniedError(Exception):
    """The key's role is below what the route needs (403)."""


@dataclass(frozen=True)
class Principal:
    """The caller: key id, workspace and role (stored in ``request.state.principal`` for logs and the audit)."""

    key_id: str
    workspace: str
    role: str

    @classmethod
    def of(cls, key: ApiKeyInfo) -> Principal:
        return cls(key.id, key.workspace, key.role)


def principal_from_token(state: AppState, token: str | None) -> Principal:
    """The principal behind a raw token; :class:`AuthenticationError` when there is none."""
    if not token:
        raise AuthenticationError(
            f"an API key is required: send it as '{API_KEY_HEADER}: kpia_…' (make one with `kpi-advisor keys create`)"
        )
    token = token.strip()
    if not well_formed(token):  # before any cache or database: a 1 MB token costs nothing
        raise AuthenticationError(
            f"the API key is malformed: a key is '{TOKEN_PREFIX}<12 hex>_<43 characters>' as printed by "
            "`kpi-advisor keys create`"
        )
    key = state.authenticate(token)
    if key is None:
        raise AuthenticationError("the API key is unknown or revoked; ask an admin of your workspace for a new one")
    return Principal.of(key)


def token_of_headers(headers: dict[str, str]) -> str | None:
    """The key from ``X-API-Key`` or ``Authorization: Bearer`` (lower-case header names)."""
    if headers.get(API_KEY_HEADER.lower()):
        return headers[API_KEY_HEADER.lower()]
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _role(needed: str) -> Callable[..., Workspace]:
    def dependency(
        request: Request,
        api_key: str | None = Depends(api_key_header),
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> Workspace:
        state: AppState = request.app.state.advisor
        token = api_key or (credentials.credentials if credentials is not None else None)
        principal = principal_from_token(state, token)
        request.state.principal = principal
        if not role_allows(principal.role, needed):
            raise PermissionDeniedError(f"this needs the {needed} role; your key has the {principal.role} role")
        return state.workspace(principal.workspace)

    dependency.__name__ = f"require_{needed}"
    return dependency


viewer = _role("viewer")
analyst = _role("analyst")
admin = _role("admin")


def principal(request: Request) -> Principal:
    """The caller of a request that passed one of the role dependencies."""
    found: Principal = request.state.principal
    return found
