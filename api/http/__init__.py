"""HTTP API (FastAPI): ``create_app(settings) -> FastAPI``; settings from ``KPI_ADVISOR_*`` env variables."""

from api.http.app import create_app
from api.http.settings import Settings

__all__ = ["Settings", "create_app"]
