"""Logging set-up of the worker (the server's ``api.http.logs``) and of its training child (same line format,
without importing the web app, which would slow every job's start)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.settings import Settings

JSON_FIELDS = ["levelname", "name", "message"]
JSON_RENAMES = {"levelname": "level", "name": "logger"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(settings: Settings) -> None:
    """The worker process: root logger from ``settings.log_json`` / ``settings.log_level`` (``api.http.logs``)."""
    try:
        from api.http.logs import configure_logging
    except ImportError:  # pragma: no cover - older server without the logging module
        configure_child(settings.log_json, settings.log_level)
        return
    configure_logging(settings)


def configure_child(log_json: bool, log_level: str) -> None:
    """A job's child: one stderr handler, JSON lines (timestamp, level, logger, message, extras) or text."""
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(sys.stderr)
    if log_json:
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES, timestamp=True))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level.upper())
    for noisy in ("cmdstanpy", "prophet"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
