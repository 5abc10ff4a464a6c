"""MCP client over streamable HTTP against the live server: list the tools and call them."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

EXPECTED = {"list_models", "kpis", "scorecard", "diagnose", "forecast", "optimize", "advise"}


def run(url: str, fn: Any) -> Any:
    async def main() -> Any:
        async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await fn(session)

    return anyio.run(main)


def test_lists_tools_with_read_only_hints_and_output_schemas(mcp_url: str) -> None:
    async def go(s: ClientSession) -> Any:
        return (await s.list_tools()).tools

    tools = {t.name: t for t in run(mcp_url, go)}
    assert EXPECTED <= set(tools)
    for name in EXPECTED:
        t = tools[name]
        assert t.description and t.annotations and t.annotations.read_only_hint is True
        assert t.output_schema and t.output_schema.get("type") == "object"
    assert set(tools["forecast"].input_schema["required"]) == {"start", "end"}


def test_calls_tools_and_gets_structured_results(mcp_url: str) -> None:
    async def go(s: ClientSession) -> Any:
        models = await s.call_tool("list_models", {})
        chans = models.structured_content["models"][0]["channels"]
        kpis = await s.call_tool("kpis", {"by": ["channel"], "kpis": ["spend", "roi"]})
        fc = await s.call_tool(
            "forecast", {"start": "2026-11-01", "end": "2026-11-14", "spend": {c: 1000.0 for c in chans}}
        )
        return chans, kpis, fc

    chans, kpis, fc = run(mcp_url, go)
    assert not kpis.is_error and {r["channel"] for r in kpis.structured_content["rows"]} == set(chans)
    assert not fc.is_error
    total = fc.structured_content["total"]
    assert abs(total["spend"] - 1000.0 * len(chans)) < 1e-6
    assert total["conversions"]["lower_80"] <= total["conversions"]["mean"] <= total["conversions"]["upper_80"]


@pytest.mark.parametrize(
    ("tool", "args", "needle"),
    [
        ("forecast", {"start": "2026-11-01", "end": "2026-11-14", "spend": {"tv": 10.0}}, "the model knows: affiliate"),
        ("diagnose", {"campaign": "nope-1"}, "unknown campaign nope-1"),
        ("diagnose", {}, "exactly one of campaign"),
        ("optimize", {"start": "2026-11-01", "end": "2027-12-01", "budget": 10.0}, "maximum horizon is 365"),
    ],
)
def test_domain_errors_are_tool_errors_that_say_what_to_do(mcp_url: str, tool: str, args: dict[str, Any], needle: str) -> None:
    async def go(s: ClientSession) -> Any:
        return await s.call_tool(tool, args)

    res = run(mcp_url, go)
    assert res.is_error
    text = " ".join(getattr(c, "text", "") for c in res.content)
    assert needle in text, text
    assert "call again" in text
