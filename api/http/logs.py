"""Request ids and the access log of the web app (the process's log handler and line format: ``api.logs``).

Request ids come from ``asgi-correlation-id`` (``RequestIdMiddleware``): the incoming ``X-Request-ID`` when it is
a safe token (letters, digits, ``._:-``, at most 128 characters), else a new uuid4 hex; it is echoed in the
response header and put on every log record emitted while the request runs (threadpool work included: the
context variable is copied into it).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from asgi_correlation_id import CorrelationIdMiddleware
from starlette.types import ASGIApp, Scope

from api.http.middleware import RequestObserver
from api.logs import ACCESS_LOGGER

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def is_safe_request_id(value: str) -> bool:
    """True for an incoming request id we keep: 1-128 characters of ``A-Z a-z 0-9 . _ : -`` (no log injection)."""
    return bool(_SAFE_ID.match(value))


class RequestIdMiddleware(CorrelationIdMiddleware):
    """``X-Request-ID`` in and out (asgi-correlation-id): keeps a safe incoming id, else generates a uuid4 hex."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, header_name=REQUEST_ID_HEADER, validator=is_safe_request_id)


def _workspace(scope: Scope) -> str | None:
    principal = (scope.get("state") or {}).get("principal")
    workspace = getattr(principal, "workspace", None)
    return str(workspace) if workspace is not None else None


class AccessLogMiddleware(RequestObserver):
    """Log each HTTP request once, when its response is done, on ``kpi_advisor.access``.

    Fields: method, path (no query string), route (the route template, e.g. ``/v1/jobs/{job_id}``), status,
    duration_ms (wall time from the request's arrival to the end of the response, milliseconds), workspace (when
    auth put a principal on ``request.state``), client. Level INFO; WARNING for 5xx and for requests that raised.
    Must run inside ``RequestIdMiddleware`` to carry the request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.logger = logging.getLogger(ACCESS_LOGGER)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        duration_ms = round(seconds * 1000.0, 2)
        route = getattr(scope.get("route"), "path", None)
        client = scope.get("client")
        fields: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "client": client[0] if client else None,
        }
        workspace = _workspace(scope)
        if workspace is not None:
            fields["workspace"] = workspace
        level = logging.WARNING if status >= 500 else logging.INFO
        self.logger.log(level, "%s %s %d %.1fms", scope["method"], scope["path"], status, duration_ms, extra=fields)


def add_request_logging(app: Any) -> None:
    """Add ``AccessLogMiddleware`` and, around it, ``RequestIdMiddleware`` to a Starlette/FastAPI ``app``.

    Call it after the other ``add_middleware`` calls so the request id wraps everything (last added = outermost).
    """
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(RequestIdMiddleware)
