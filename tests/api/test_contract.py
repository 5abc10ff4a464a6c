"""The same request gives the same JSON on every interface: CLI ``--format json``, HTTP and MCP.

Every operation of ``advisor.ops`` is run with one request through the three adapters on the session's small
trained world (``tests/api/http/serving.py``; HTTP and MCP through one live server) and the documents are compared
(floats to 1e-9 relative). Only the fields listed in ``INTERFACE_FIELDS`` may differ, because they name where the
data came from rather than what was computed.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from typer.testing import CliRunner

from api.cli import app

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

#: Fields that name the data source the interface was given: the CLI's data folder path vs the service's dataset
#: id ("default"). Nothing else may differ.
INTERFACE_FIELDS = frozenset({"dataset"})

PLAN = {"start": "2026-11-01", "end": "2026-11-28"}


@pytest.fixture(scope="module")
def service(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A live server on the world (HTTP at ``url``, MCP at ``url/mcp``), the built-in narrator (no LLM)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("KPI_ADVISOR_LLM_MODEL", raising=False)
        with serving.live_server(world, tmp_path_factory.mktemp("contract")) as running:
            yield running


@pytest.fixture(scope="module")
def channels(service: Any) -> list[str]:
    with service.client() as c:
        models = c.get("/v1/models").json()["models"]
    found: list[str] = next(m["channels"] for m in models if m["active"])
    return found


def cli(world: Any, *args: str) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("KPI_ADVISOR_LLM_MODEL", raising=False)
        result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def http(service: Any, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    with service.client() as c:
        response = c.request(method, path, json=body) if body is not None else c.request(method, path)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def mcp(service: Any, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    async def main() -> Any:
        async with (
            httpx2.AsyncClient(headers={"X-API-Key": service.key}, timeout=120) as client,
            streamable_http_client(f"{service.url}/mcp", http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await session.call_tool(tool, args)

    result = anyio.run(main)
    assert not result.is_error, " ".join(getattr(c, "text", "") for c in result.content)
    doc: dict[str, Any] = result.structured_content
    return doc


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ (floats compared to 1e-9 relative), ignoring ``INTERFACE_FIELDS``."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: only in one" for k in a.keys() ^ b.keys() if k not in INTERFACE_FIELDS]
        for k in a.keys() & b.keys():
            if k not in INTERFACE_FIELDS:
                out += differences(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def same(*docs: dict[str, Any]) -> None:
    first, *others = docs
    for other in others:
        found = differences(first, other)
        assert not found, "\n".join(found[:20])


def test_kpis(world: Any, service: Any) -> None:
    req = {"by": ["channel"], "grain": "month", "start": "2026-07-01", "end": "2026-10-31", "compare": True}
    same(
        cli(world, "kpis", "--data", str(world.data), "--by", "channel", "--grain", "month", "--from", "2026-07-01",
            "--to", "2026-10-31", "--compare"),
        http(service, "POST", "/v1/kpis", req),
        http(service, "GET", "/v1/kpis?by=channel&grain=month&start=2026-07-01&end=2026-10-31&compare=true"),
        mcp(service, "kpis", req),
    )


def test_scorecard(world: Any, service: Any) -> None:
    same(
        cli(world, "scorecard", "--data", str(world.data), "--models", str(world.models), "--period", "2026-10"),
        http(service, "GET", "/v1/scorecard?period=2026-10"),
        mcp(service, "scorecard", {"period": "2026-10"}),
    )


def test_customers(world: Any, service: Any) -> None:
    same(
        cli(world, "customers", "--data", str(world.data), "--models", str(world.models), "--grain", "quarter"),
        http(service, "GET", "/v1/customers?grain=quarter"),
        mcp(service, "customers", {"grain": "quarter"}),
    )


def test_diagnose_with_recommendations(world: Any, service: Any) -> None:
    req = {"channel": "social", "start": "2026-08-01", "end": "2026-10-31"}
    docs = (
        cli(world, "diagnose", "--data", str(world.data), "--models", str(world.models), "--channel", "social",
            "--from", "2026-08-01", "--to", "2026-10-31"),
        http(service, "POST", "/v1/diagnose", req),
        mcp(service, "diagnose", req),
    )
    same(*docs)
    assert all(doc["recommendations"] == docs[0]["recommendations"] for doc in docs)


def test_attribution(world: Any, service: Any) -> None:
    docs = (
        cli(world, "attribution", "--data", str(world.data), "--models", str(world.models), "--from", "2026-06-01",
            "--to", "2026-07-31", "--channel", "search", "--channel", "social"),
        http(service, "GET", "/v1/attribution?from=2026-06-01&to=2026-07-31&channel=search,social"),
        mcp(service, "attribution", {"start": "2026-06-01", "end": "2026-07-31", "channels": ["search", "social"]}),
    )
    same(*docs)
    assert list(docs[0]["channels"]) == ["search", "social"] and docs[0]["from"] == "2026-06-01"
    whole = (
        cli(world, "attribution", "--data", str(world.data), "--models", str(world.models)),
        http(service, "GET", "/v1/attribution"),
        mcp(service, "attribution", {}),
    )
    same(*whole)
    assert whole[0]["channels"]["search"]["incremental_conversions"] > 0


def test_forecast(world: Any, service: Any, channels: list[str], tmp_path: Path) -> None:
    req = {**PLAN, "spend": {c: 5000.0 for c in channels}}
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(req))
    same(
        cli(world, "forecast", "--plan", str(plan), "--models", str(world.models)),
        http(service, "POST", "/v1/forecast", req),
        mcp(service, "forecast", req),
    )


def test_optimize(world: Any, service: Any) -> None:
    req = {**PLAN, "budget": 120000.0, "objective": "revenue", "min_roi": 0.1}
    same(
        cli(world, "optimize", "--models", str(world.models), "--start", PLAN["start"], "--end", PLAN["end"],
            "--budget", "120000", "--objective", "revenue", "--min-roi", "0.1"),
        http(service, "POST", "/v1/optimize", req),
        mcp(service, "optimize", req),
    )


def test_advise(world: Any, service: Any) -> None:
    question = "What is our CLV to CAC by channel?"
    same(
        cli(world, "advise", "--question", question, "--data", str(world.data), "--models", str(world.models)),
        http(service, "POST", "/v1/advise", {"question": question}),
        mcp(service, "advise", {"question": question}),
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "needle"),
    [
        ("POST", "/v1/optimize", '{"start": "2026-11-01", "end": "2026-11-28", "budget": 1000, "min_roi": NaN}',
         "finite"),
        ("POST", "/v1/optimize", '{"start": "2026-11-01", "end": "2026-11-28", "target_revenue": Infinity}',
         "finite"),
        ("POST", "/v1/forecast", '{"start": "2026-11-01", "end": "2026-11-28", "spend": {"search": -Infinity}}',
         "finite"),
        ("GET", "/v1/kpis?start=0", None, "ISO date"),
        ("POST", "/v1/kpis", '{"start": 0}', "ISO date"),
        ("POST", "/v1/diagnose", '{"channel": "search", "end": "2026-10-3"}', "ISO date"),
        ("GET", "/v1/kpis?by=__class__", None, "known columns"),
        ("POST", "/v1/kpis", '{"by": ["channel", "nope"]}', "known columns: "),
        ("GET", "/v1/attribution?from=2031-01-01&to=2031-02-01", None, "does not overlap the history"),
        ("GET", "/v1/attribution?from=2026-13-01", None, "valid date"),
        ("GET", "/v1/attribution?channel=tv", None, "known channels: "),
    ],
)
def test_bad_requests_are_422_naming_the_rule(service: Any, method: str, path: str, body: str | None, needle: str) -> None:
    with service.client() as c:
        headers = {"Content-Type": "application/json"}
        response = c.request(method, path, content=body, headers=headers) if body else c.request(method, path)
    assert response.status_code == 422, response.text
    assert needle in response.text
    if "known columns" in needle:
        assert "channel" in response.json()["detail"]


def test_bad_tool_arguments_are_refused_the_same_way(service: Any) -> None:
    async def main() -> list[Any]:
        async with (
            httpx2.AsyncClient(headers={"X-API-Key": service.key}, timeout=120) as client,
            streamable_http_client(f"{service.url}/mcp", http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return [
                await session.call_tool("kpis", {"start": "0"}),
                await session.call_tool("kpis", {"by": ["__class__"]}),
            ]

    results = anyio.run(main)
    assert all(r.is_error for r in results)
    texts = [" ".join(getattr(c, "text", "") for c in r.content) for r in results]
    assert "ISO date" in texts[0] and "known columns" in texts[1]
