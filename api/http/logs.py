"""Logging for the server and the worker: one JSON object per line (or plain text), each with the request id.

``configure_logging(settings)`` sets up the root logger once per process (calling it again replaces our handler,
never stacks a second one); the ``uvicorn*``, ``kpi_advisor*`` (access log, worker) and library loggers all
propagate to it. A JSON line looks like::

    {"timestamp": "2026-11-27T20:51:03.123456+00:00", "level": "INFO", "logger": "kpi_advisor.access",
     "message": "GET /v1/kpis 200 12.4ms", "request_id": "3f2a...", "method": "GET", "path": "/v1/kpis",
     "route": "/v1/kpis", "status": 200, "duration_ms": 12.4, "workspace": "acme"}

Request ids come from ``asgi-correlation-id`` (``RequestIdMiddleware``): the incoming ``X-Request-ID`` when it is
a safe token (letters, digits, ``._:-``, at most 128 characters), else a new uuid4 hex; it is echoed in the
response header and put on every log record emitted while the request runs (threadpool work included: the
context variable is copied into it).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, Protocol

from asgi_correlation_id import CorrelationIdFilter, CorrelationIdMiddleware
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Scope

from api.http.middleware import RequestObserver

REQUEST_ID_HEADER = "X-Request-ID"
ACCESS_LOGGER = "kpi_advisor.access"
WORKER_LOGGER = "kpi_advisor.worker"
JSON_FIELDS = ("levelname", "name", "message", "correlation_id")
JSON_RENAMES = {"levelname": "level", "name": "logger", "correlation_id": "request_id"}
SKIPPED_ATTRS = (*RESERVED_ATTRS, "color_message")  # uvicorn's ANSI-coloured copy of the message
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HANDLER_MARK = "_kpi_advisor_handler"


class LogSettings(Protocol):
    """What ``configure_logging`` reads (``api.settings.Settings`` has both)."""

    log_json: bool
    log_level: str


def is_safe_request_id(value: str) -> bool:
    """True for an incoming request id we keep: 1-128 characters of ``A-Z a-z 0-9 . _ : -`` (no log injection)."""
    return bool(_SAFE_ID.match(value))


def configure_logging(settings: LogSettings, *, stream: Any = None) -> logging.Handler:
    """Route every logger of this process through one handler on the root logger (``stream``: default stderr).

    ``settings.log_json``: JSON lines (timestamp, level, logger, message, request_id, plus any ``extra`` fields)
    instead of text; ``settings.log_level``: the root level (``DEBUG``/``INFO``/``WARNING``/...). uvicorn's own
    handlers are removed so its records reach ours; its access logger is silenced (``AccessLogMiddleware`` writes
    one richer line per request). Returns the handler (tests capture lines through ``stream``).
    """
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        raise ValueError(f"unknown log level {settings.log_level!r}; use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    # no request (start-up, worker): null in JSON, "-" in text
    handler.addFilter(CorrelationIdFilter(default_value=None if settings.log_json else "-"))
    if settings.log_json:
        handler.setFormatter(JsonFormatter(
                list(JSON_FIELDS), rename_fields=JSON_RENAMES, reserved_attrs=SKIPPED_ATTRS, timestamp=True
            ))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi", ACCESS_LOGGER, WORKER_LOGGER):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
    for noisy in ("cmdstanpy", "prophet", "httpx", "mcp.server.streamable_http_manager"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    return handler


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
