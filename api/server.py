"""The whole service: the HTTP API (``api.http``) with the MCP server (``api.mcp_server``) mounted at ``/mcp`` and
the web dashboard (``api.ui``) at ``/ui``.

``create_app(settings) -> FastAPI`` is what tests, benchmarks and process managers build; ``app()`` is the ASGI
entry point of ``kpi-advisor serve``: ``uvicorn --factory api.server:app``. Each web process builds its own app
from the environment (``KPI_ADVISOR_*``; ``kpi-advisor serve`` sets them from its options before starting uvicorn)
and configures its logging first, so a process started by uvicorn's ``--workers`` supervisor logs like the parent.
This module composes the two interfaces so that neither imports the other the wrong way: ``api.mcp_server`` uses
the HTTP services, and ``api.http`` knows nothing of MCP.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.http.app import MountedApp, create_http_app
from api.http.state import AppState
from api.logs import configure_logging
from api.mcp_server import McpAuthMiddleware, build_mcp
from api.settings import Settings, get_settings
from api.ui.router import install as install_ui

MCP_PATH = "/mcp"


def create_app(settings: Settings | None = None, *, mcp: bool = True) -> FastAPI:
    """Build the service on ``settings`` (default: the process's, :func:`api.settings.get_settings`, read once):
    the HTTP API, the dashboard at ``/ui`` and, unless ``mcp=False``, the MCP server at ``/mcp`` (streamable HTTP,
    same API keys), whose session manager runs inside the app's lifespan."""
    settings = settings or get_settings()
    state = AppState(settings)
    if not mcp:
        app = create_http_app(state)
    else:
        server = build_mcp(state)
        mcp_app = McpAuthMiddleware(server.streamable_http_app(streamable_http_path="/", host=settings.host), state)
        app = create_http_app(state, mounts=[MountedApp(MCP_PATH, mcp_app, server.session_manager.run)])
    install_ui(app)  # the web dashboard at /ui (api.ui)
    return app


def app() -> FastAPI:
    """Build the app of this process from ``Settings()`` (environment), with JSON/text logging configured."""
    settings = Settings()
    configure_logging(settings)
    return create_app(settings)
