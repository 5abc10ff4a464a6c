"""`segment` on POST /v1/forecast and /v1/optimize and the MCP tools (issue 16): the models of a segment's registry
(``<models>/segments/<segment>``) answer; no segment keeps the served models; an unknown segment is a 404 naming the
trained ones."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from models.registry import Registry, segment_registry

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

BODY = {"start": "2026-11-01", "end": "2026-11-28"}
SEGMENT = "Brand A/DE"


@pytest.fixture(scope="module")
def seg_live(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app on a copy of the session's world whose registry also holds segment ``Brand A/DE`` (a copy of the
    served version: same models, so the same answers)."""
    root = tmp_path_factory.mktemp("segments")
    copy = serving.copy_world(world, root)
    served = Registry(copy.models).latest()
    shutil.copytree(served.path, segment_registry(copy.models, SEGMENT).root / served.version)
    with serving.app_in_process(copy, root / "service") as running:
        yield running


def test_forecast_of_a_segment(seg_live: Any) -> None:
    with seg_live.client() as client:
        listing = client.get("/v1/models").json()
        assert listing["segments"] == [SEGMENT]
        channels = listing["models"][0]["channels"]
        body = {**BODY, "spend": {c: 1000.0 for c in channels}}
        plain = client.post("/v1/forecast", json=body)
        seg = client.post("/v1/forecast", json={**body, "segment": SEGMENT})
    assert plain.status_code == 200 and seg.status_code == 200, seg.text
    a, b = plain.json(), seg.json()
    assert "segment" not in a and b.pop("segment") == SEGMENT
    assert a == b


def test_optimize_of_a_segment_and_an_unknown_segment(seg_live: Any) -> None:
    with seg_live.client() as client:
        ok = client.post("/v1/optimize", json={**BODY, "budget": 40000.0, "segment": SEGMENT})
        missing = client.post("/v1/optimize", json={**BODY, "budget": 40000.0, "segment": "Brand B"})
        bad_version = client.post("/v1/forecast", json={**BODY, "spend": {}, "segment": SEGMENT, "model_version": "v0042"})
        empty = client.post("/v1/forecast", json={**BODY, "spend": {}, "segment": ""})
    assert ok.status_code == 200 and ok.json()["segment"] == SEGMENT, ok.text
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("segment 'Brand B' has no trained models; trained segments: Brand A/DE")
    assert str(seg_live.settings.models_dir) not in missing.text  # no server path in the answer
    assert bad_version.status_code == 404 and "v0042" in bad_version.json()["detail"]
    assert empty.status_code == 422


def test_mcp_forecast_takes_a_segment(world: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.api.mcp.test_mcp_http import run

    root = tmp_path_factory.mktemp("mcp-segments")
    copy = serving.copy_world(world, root)
    served = Registry(copy.models).latest()
    shutil.copytree(served.path, segment_registry(copy.models, SEGMENT).root / served.version)

    async def go(s: Any) -> Any:
        args = {"start": "2026-11-01", "end": "2026-11-14", "spend": {"search": 1000.0}}
        return (await s.call_tool("forecast", {**args, "segment": SEGMENT}),
                await s.call_tool("forecast", {**args, "segment": "nope"}))

    with serving.live_server(copy, root / "service") as live:
        found, missing = run(f"{live.url}/mcp", go, {"X-API-Key": live.key})
    assert not found.is_error and found.structured_content["segment"] == SEGMENT
    assert missing.is_error and "segment 'nope' has no trained models" in missing.content[0].text
