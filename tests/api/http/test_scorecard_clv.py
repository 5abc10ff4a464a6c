"""Customer value over HTTP: scorecard CLV lines from the served CLV model, advise with it, GET /v1/customers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from api.http import schemas, services
from api.http.state import AppState, Workspace

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


def _workspace(world: object, root: Path) -> Workspace:
    """The default workspace of a started service state on ``world`` (database under ``root``)."""
    state = AppState(serving.service_settings(world, root))
    state.start()
    return state.workspace("default")


def test_scorecard_clv_from_served_model(world: object, tmp_path: Path) -> None:
    w = world  # serving.World: data folder + registry trained by training.pipeline.train_all
    state = _workspace(w, tmp_path)
    snap = state.snapshot
    assert snap.model_version is not None
    doc = services.scorecard(state, schemas.ScorecardRequest(period="2026-10"))
    lines = {(k["kpi"], json.dumps(k["scope"])): k for g in doc["groups"] for k in g["kpis"]}
    clv, ratio = lines[("clv", "{}")], lines[("clv_cac", "{}")]
    assert clv["source"] == ratio["source"] == "model"
    assert snap.model_version in clv["basis"] and "52 weeks" in clv["basis"]
    truth = json.loads((w.data / "truth.json").read_text())["clv"]["overall"]  # type: ignore[attr-defined]
    assert clv["value"] == pytest.approx(truth["clv"], rel=0.2)
    assert lines[("roi", "{}")]["source"] == "data"
    assert services.scorecard(state, schemas.ScorecardRequest(period="2026-10")) is doc  # cached


def test_advise_clv_uses_served_model(world: object, tmp_path: Path) -> None:
    from api.http import schemas

    w = world
    state = _workspace(w, tmp_path)
    state.app._llm = (None,)  # the built-in narrator, whatever the environment configures
    doc = services.advise(state, schemas.AdviseRequest(question="What is our CLV to CAC by channel?"))
    clv = next(a for a in doc["analyses"] if a["name"] == "clv")
    assert clv["params"]["source"] == clv["result"]["source"] == "model"
    assert {r["channel"] for r in clv["result"]["rows"]} >= {"search", "social"}


def test_get_customers(world: object, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.server import create_app

    w = world
    cfg = serving.service_settings(w, tmp_path)
    from api.store import Store

    store = Store(cfg.database_url)
    store.upgrade()
    _, key = store.create_key("default", "viewer", "test")
    with TestClient(create_app(cfg, mcp=False), headers={"X-API-Key": key}) as c:
        r = c.get("/v1/customers")
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["model_version"] and doc["clv"]["horizon_weeks"] == 52 and doc["clv"]["annual_discount"] == 0
        truth = json.loads((w.data / "truth.json").read_text())["clv"]["overall"]  # type: ignore[attr-defined]
        assert doc["clv"]["overall"]["clv_cac"] == pytest.approx(truth["clv_cac"], rel=0.2)
        low = {r["channel"] for r in doc["clv"]["by_channel"] if r["clv_cac"] < 3 and r["customers"] >= 30}
        assert {f["scope"]["channel"] for f in doc["findings"] if f["check"] == "clv_cac"} == low
        assert doc["retention"]["grain"] == "month" and doc["satisfaction"]["rows"]
        q = c.get("/v1/customers", params={"grain": "quarter"})
        assert q.status_code == 200 and q.json()["retention"]["grain"] == "quarter"
        assert c.get("/v1/customers", params={"grain": "fortnight"}).status_code == 422
