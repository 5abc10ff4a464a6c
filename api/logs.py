"""Logging of every server and worker process: one JSON object per line (or plain text), each with the request id.

``configure_logging(settings)`` sets up the root logger once per process (calling it again replaces our handler,
never stacks a second one); the ``uvicorn*``, ``kpi_advisor*`` (access log, worker) and library loggers all
propagate to it. A JSON line looks like::

    {"timestamp": "2026-11-27T20:51:03.123456+00:00", "level": "INFO", "logger": "kpi_advisor.access",
     "message": "GET /v1/kpis 200 12.4ms", "request_id": "3f2a...", "method": "GET", "path": "/v1/kpis",
     "route": "/v1/kpis", "status": 200, "duration_ms": 12.4, "workspace": "acme"}

The web app (``api.http.logs``: request ids and the access log) and the training worker (``api.worker``) both
configure their process here; a training job's child uses ``api.worker.logs`` (same line format, lighter).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Protocol

from asgi_correlation_id import CorrelationIdFilter
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

ACCESS_LOGGER = "kpi_advisor.access"
WORKER_LOGGER = "kpi_advisor.worker"
JSON_FIELDS = ("levelname", "name", "message", "correlation_id")
JSON_RENAMES = {"levelname": "level", "name": "logger", "correlation_id": "request_id"}
SKIPPED_ATTRS = (*RESERVED_ATTRS, "color_message")  # uvicorn's ANSI-coloured copy of the message
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
_HANDLER_MARK = "_kpi_advisor_handler"


class LogSettings(Protocol):
    """What ``configure_logging`` reads (``api.settings.Settings`` has both)."""

    log_json: bool
    log_level: str


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
