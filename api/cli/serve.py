"""`serve` (HTTP API with docs and the MCP endpoint) and `mcp` (MCP over stdio) (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.app import app

if TYPE_CHECKING:
    from api.http.settings import Settings


def _settings(data: Path | None, models: Path | None, host: str | None = None, port: int | None = None) -> Settings:
    from api.http.settings import Settings

    overrides: dict[str, Any] = {
        k: v for k, v in {"data_dir": data, "models_dir": models, "host": host, "port": port}.items() if v is not None
    }
    return Settings(**overrides)  # environment (KPI_ADVISOR_*) first, options override it


@app.command("serve")
def serve(
    data: Annotated[Path | None, typer.Option("--data", "-d", help="Data folder (env KPI_ADVISOR_DATA_DIR).")] = None,
    models: Annotated[Path | None, typer.Option("--models", "-m", help="Model registry (env KPI_ADVISOR_MODELS_DIR).")] = None,
    host: Annotated[str | None, typer.Option(help="Interface (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (docs at /docs, OpenAPI at /openapi.json) and the MCP endpoint at /mcp.

    Example: kpi-advisor serve --data data/demo --models data/models --port 8000
    """
    import uvicorn

    from api.http import create_app

    settings = _settings(data, models, host, port)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=log_level)


@app.command("mcp")
def mcp(
    data: Annotated[Path | None, typer.Option("--data", "-d", help="Data folder (env KPI_ADVISOR_DATA_DIR).")] = None,
    models: Annotated[Path | None, typer.Option("--models", "-m", help="Model registry (env KPI_ADVISOR_MODELS_DIR).")] = None,
) -> None:
    """Serve the advisor's tools over MCP on stdin/stdout (for a desktop LLM client).

    Example client config: {"command": "kpi-advisor", "args": ["mcp", "--data", "data/demo"]}
    """
    from api.http.state import AppState
    from api.mcp_server import build_mcp

    state = AppState(_settings(data, models))
    state.load()
    build_mcp(state).run("stdio")
