"""`kpi-advisor mcp`: the same tools over stdio (a subprocess, as a desktop LLM client starts it)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client


@pytest.mark.slow
def test_stdio_server_lists_and_calls_tools(world: Any, tmp_path: Path) -> None:
    exe = shutil.which("kpi-advisor") or str(Path(sys.executable).with_name("kpi-advisor"))
    params = StdioServerParameters(
        command=exe,
        args=["mcp", "--data", str(world.data), "--models", str(world.models)],
        env={
            **os.environ, "KPI_ADVISOR_FIT_DRIVERS": "false", "KPI_ADVISOR_WORKSPACES_DIR": str(tmp_path / "ws"),
            "KPI_ADVISOR_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}", "KPI_ADVISOR_LOG_JSON": "false",
        },
    )

    async def main() -> Any:
        with anyio.fail_after(300):
            return await session_calls()

    async def session_calls() -> Any:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = {t.name for t in (await session.list_tools()).tools}
            models = await session.call_tool("list_models", {})
            card = await session.call_tool("scorecard", {"period": "2026-10"})
            return tools, models, card

    tools, models, card = anyio.run(main)
    assert {"kpis", "forecast", "diagnose", "advise"} <= tools
    assert models.structured_content["models"][0]["version"] == "v0001"
    assert not card.is_error and card.structured_content["period"] == "2026-10"
