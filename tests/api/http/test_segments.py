"""`segment` on POST /v1/forecast, /v1/optimize, GET /v1/attribution and the MCP tools (issue 16): the models of a
segment's registry (``<models>/segments/<segment>``) answer (attribution from the segment's rows of the data); no
segment keeps the served models; an unknown segment is a 404 naming the trained ones."""

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


@pytest.fixture(scope="module")
def two_segments(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """The app on a copy of the session's world whose campaign_daily / outcomes_daily hold two segments: ``Brand
    A/DE`` (the world's rows as they are) and ``Brand B`` (every number doubled, campaign ids apart), with the
    served version copied as segment ``Brand A/DE``'s models — models fitted on A's rows alone."""
    import pandas as pd

    root = tmp_path_factory.mktemp("attribution-segments")
    copy = serving.copy_world(world, root)
    for table in ("campaign_daily", "outcomes_daily"):
        a = pd.read_csv(copy.data / f"{table}.csv")
        b = a.assign(**{c: a[c] * 2 for c in a.select_dtypes("number").columns})
        if "campaign_id" in b.columns:
            b["campaign_id"] = "b-" + b["campaign_id"].astype(str)
        both = pd.concat([a.assign(segment=SEGMENT), b.assign(segment="Brand B")], ignore_index=True)
        both.to_csv(copy.data / f"{table}.csv", index=False)
    served = Registry(world.models).latest()
    shutil.copytree(served.path, segment_registry(copy.models, SEGMENT).root / served.version)
    with serving.app_in_process(copy, root / "service") as running:
        yield running, world


def test_attribution_of_a_segment_reads_its_models_and_its_rows(two_segments: tuple[Any, Any]) -> None:
    import pandas as pd

    from advisor.data import load_dataset
    from advisor.ops.attribution import AttributionRequest, attribution
    from advisor.ops.context import OpsContext
    from advisor.ops.modelset import load_model_set

    live, world = two_segments
    window = {"from": "2026-05-01", "to": "2026-07-31"}
    with live.client() as client:
        seg = client.get("/v1/attribution", params={**window, "segment": SEGMENT})
        again = client.get("/v1/attribution", params={**window, "segment": SEGMENT})
    assert seg.status_code == 200, seg.text
    doc = seg.json()
    assert doc["segment"] == SEGMENT and again.json() == doc
    # what A's models answer from A's rows alone (the world's own data)
    alone = attribution(
        AttributionRequest(start=window["from"], end=window["to"]),
        OpsContext(load_dataset(world.data), 365, 200, models=load_model_set(world.models, parts=("response",))),
    ).to_json()
    assert (doc["from"], doc["to"], doc["freq"], doc["lift_tests"]) == (
        alone["from"], alone["to"], alone["freq"], alone["lift_tests"])
    assert doc["channels"] == alone["channels"]
    cd = pd.read_csv(world.data / "campaign_daily.csv", parse_dates=["date"])
    cd = cd[(cd["date"] >= doc["from"]) & (cd["date"] <= doc["to"])].groupby("channel")[["spend", "conversions"]].sum()
    for ch, c in doc["channels"].items():  # the reported figures are segment A's sums, not A + B
        assert c["spend"] == pytest.approx(cd.loc[ch, "spend"]), ch
        assert c["reported_conversions"] == pytest.approx(cd.loc[ch, "conversions"]), ch
    assert any("has no 'segment' column; left out" in w for w in doc["warnings"])


def test_attribution_of_an_unknown_segment_is_404_naming_the_trained(two_segments: tuple[Any, Any]) -> None:
    live, _ = two_segments
    with live.client() as client:
        missing = client.get("/v1/attribution", params={"segment": "Brand B"})
        empty = client.get("/v1/attribution", params={"segment": ""})
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("segment 'Brand B' has no trained models; trained segments: Brand A/DE")
    assert empty.status_code == 422


def test_attribution_of_a_segment_needs_a_segment_column(seg_live: Any) -> None:
    with seg_live.client() as client:
        r = client.get("/v1/attribution", params={"segment": SEGMENT})
    assert r.status_code == 422
    assert "campaign_daily has no column 'segment' to select the segment's rows by" in r.json()["detail"]


def test_mcp_attribution_takes_a_segment(two_segments: tuple[Any, Any], tmp_path: Any) -> None:
    from tests.api.mcp.test_mcp_http import run

    live, _ = two_segments
    with live.client() as client:
        expected = client.get("/v1/attribution", params={"segment": SEGMENT}).json()

    async def go(s: Any) -> Any:
        return (await s.call_tool("attribution", {"segment": SEGMENT}),
                await s.call_tool("attribution", {"segment": "nope"}))

    copy = serving.World(live.settings.data_dir, live.settings.models_dir)
    with serving.live_server(copy, tmp_path / "service") as server:
        found, missing = run(f"{server.url}/mcp", go, {"X-API-Key": server.key})
    assert not found.is_error and found.structured_content["segment"] == SEGMENT
    assert found.structured_content["channels"] == expected["channels"]
    assert missing.is_error and "segment 'nope' has no trained models" in missing.content[0].text


def test_diagnose_of_a_segment_reads_its_models_and_its_rows(two_segments: tuple[Any, Any]) -> None:
    from advisor.data import load_dataset
    from advisor.ops.context import OpsContext
    from advisor.ops.diagnose import DiagnoseRequest, diagnose
    from advisor.ops.modelset import load_model_set

    live, world = two_segments
    body = {"channel": "search", "start": "2026-09-01", "end": "2026-10-31"}
    with live.client() as client:
        r = client.post("/v1/diagnose", json={**body, "segment": SEGMENT})
        missing = client.post("/v1/diagnose", json={**body, "segment": "Brand B"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["segment"] == SEGMENT and any("orders" in n for n in doc["segment_notes"])
    alone = diagnose(
        DiagnoseRequest(**body), OpsContext(load_dataset(world.data), 365, 200, models=load_model_set(world.models))
    ).to_json()
    # the same diagnosis as A's models give on A's rows alone (customer value aside: orders are not per segment)
    for key in ("verdict", "kpis", "findings", "drivers", "anomalies", "summary", "scope"):
        assert doc[key] == alone[key], key
    assert missing.status_code == 404 and "trained segments: Brand A/DE" in missing.json()["detail"]
