"""ASGI entry point for process managers: ``uvicorn --factory api.http.asgi:app`` (what ``kpi-advisor serve`` runs).

Each web process builds its own app from the environment (``KPI_ADVISOR_*``; ``kpi-advisor serve`` sets them from
its options before starting uvicorn) and configures its logging first, so a process started by uvicorn's
``--workers`` supervisor logs like the parent.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.http.app import create_app
from api.logs import configure_logging
from api.settings import Settings


def app() -> FastAPI:
    """Build the app of this process from ``Settings()`` (environment), with JSON/text logging configured."""
    settings = Settings()
    configure_logging(settings)
    return create_app(settings)
