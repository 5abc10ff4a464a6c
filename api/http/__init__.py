"""HTTP API (FastAPI): ``create_app(settings) -> FastAPI``; settings (``api.settings``) from ``KPI_ADVISOR_*`` env variables.

``create_app`` is imported lazily, so that ``api.settings`` (used by the worker and the CLI) does not pull in
FastAPI and the domain packages.
"""

from typing import TYPE_CHECKING, Any

from api.settings import Settings

if TYPE_CHECKING:
    from api.http.app import create_app

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.http.app import create_app

        return create_app
    raise AttributeError(f"module 'api.http' has no attribute {name!r}")
