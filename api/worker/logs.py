"""Logging set-up of a training job's child process: the line format of ``api.logs`` without the request id,
and without importing the web stack, which would slow every job's start. The worker process itself uses
``api.logs.configure_logging``."""

from __future__ import annotations

import logging
import sys

JSON_FIELDS = ["levelname", "name", "message"]
JSON_RENAMES = {"levelname": "level", "name": "logger"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


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
