"""MCP client over streamable HTTP against the live server: list the tools and call them."""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

EXPECTED = {"list_models", "kpis", "scorecard", "attribution", "diagnose", "forecast", "optimize", "advise"}


def run(url: str, fn: Any, headers: dict[str, str] | None = None) -> Any:
    async def main() -> Any:
        async with (
            httpx2.AsyncClient(headers=headers or {}, timeout=60) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await fn(session)

    return anyio.run(main)


def test_lists_tools_with_read_only_hints_and_output_schemas(mcp_url: str, mcp_headers: dict[str, str]) -> None:
    async def go(s: ClientSession) -> Any:
        return (await s.list_tools()).tools

    tools = {t.name: t for t in run(mcp_url, go, mcp_headers)}
    assert EXPECTED <= set(tools)
    for name in EXPECTED:
        t = tools[name]
        assert t.description and t.annotations and t.annotations.read_only_hint is True
        assert t.output_schema and t.output_schema.get("type") == "object"
    assert set(tools["forecast"].input_schema["required"]) == {"start", "end"}


def test_calls_tools_and_gets_structured_results(mcp_url: str, mcp_headers: dict[str, str]) -> None:
    async def go(s: ClientSession) -> Any:
        models = await s.call_tool("list_models", {})
        chans = models.structured_content["models"][0]["channels"]
        kpis = await s.call_tool("kpis", {"by": ["channel"], "kpis": ["spend", "roi", "profit"], "catalog": {
            "kpis": {"profit": {"name": "Profit", "formula": "revenue - spend", "unit": "currency"}}}})
        fc = await s.call_tool(
            "forecast", {"start": "2026-11-01", "end": "2026-11-14", "spend": {c: 1000.0 for c in chans}}
        )
        return chans, kpis, fc

    chans, kpis, fc = run(mcp_url, go, mcp_headers)
    assert not kpis.is_error and {r["channel"] for r in kpis.structured_content["rows"]} == set(chans)
    for row in kpis.structured_content["rows"]:  # the user KPI from the call's catalog
        assert row["profit"] == pytest.approx(row["spend"] * row["roi"])
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
        ("attribution", {"channels": ["tv"]}, "known channels: affiliate"),
        ("attribution", {"start": "2031-01-01", "end": "2031-02-01"}, "does not overlap the history"),
        ("optimize", {"start": "2026-11-01", "end": "2027-12-01", "budget": 10.0}, "maximum horizon is 365"),
    ],
)
def test_domain_errors_are_tool_errors_that_say_what_to_do(mcp_url: str, mcp_headers: dict[str, str], tool: str, args: dict[str, Any], needle: str) -> None:
    async def go(s: ClientSession) -> Any:
        return await s.call_tool(tool, args)

    res = run(mcp_url, go, mcp_headers)
    assert res.is_error
    text = " ".join(getattr(c, "text", "") for c in res.content)
    assert needle in text, text
    assert "call again" in text


def test_mcp_needs_an_api_key(mcp_url: str) -> None:
    r = httpx2.post(mcp_url + "/", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30)
    assert r.status_code == 401 and "API key" in r.json()["detail"]
    with pytest.raises(Exception):  # noqa: B017 - the client surfaces the 401 as its own error type
        run(mcp_url, lambda s: s.list_tools(), {"X-API-Key": "kpia_000000000000_nope"})


def test_mcp_answers_from_the_key_workspace(mcp_url: str, mcp_live: Any) -> None:
    """A key of an empty workspace sees no models and no data through the tools."""
    store = mcp_live.store()
    _, other = store.create_key("other-ws", "viewer", "mcp test")
    store.dispose()

    async def go(s: ClientSession) -> Any:
        return await s.call_tool("list_models", {}), await s.call_tool("kpis", {"by": ["channel"]})

    models, kpis = run(mcp_url, go, {"X-API-Key": other})
    assert models.structured_content["models"] == []
    assert kpis.is_error and "no dataset" in kpis.content[0].text
