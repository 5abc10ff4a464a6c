"""HTTP API (FastAPI): ``api.http.app.create_http_app(state)``; settings (``api.settings``) from ``KPI_ADVISOR_*``
env variables. The whole service, with the MCP server mounted at ``/mcp``, is ``api.server.create_app(settings)``.

Nothing heavy is imported here, so that ``api.settings`` (used by the worker and the CLI) does not pull in FastAPI
and the domain packages.
"""

from api.settings import Settings

__all__ = ["Settings"]
