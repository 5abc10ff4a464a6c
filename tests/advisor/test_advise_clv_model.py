"""``advise`` CLV questions with a fitted CLV model: model CLV:CAC by channel, findings below 3 → the
``tighten_targeting_or_retention`` action, falling back to historical CLV without a model."""

from __future__ import annotations

from typing import Any

import pytest

from advisor.advise import advise
from advisor.advise.analyses import run_clv
from advisor.customers import clv_by_acquisition
from advisor.data import Dataset
from demo_world import generate_world
from training.clv import train_clv_tables


@pytest.fixture(scope="module")
def setup() -> tuple[Dataset, Any]:
    world = generate_world(2, days=365)
    ds = Dataset.from_frames(**world.tables, targets=world.targets)
    return ds, train_clv_tables(world.tables).model


def test_run_clv_uses_the_model(setup: tuple[Dataset, Any]) -> None:
    ds, model = setup
    a = run_clv(ds, clv_model=model)
    assert a.params["source"] == a.result["source"] == "model" and a.params["horizon_weeks"] == 52
    table = clv_by_acquisition(ds.tables["orders"], ds.campaign_daily, model, horizon_weeks=52, annual_discount=0.0)
    want = dict(zip(table["channel"], table["clv_cac"], strict=True))
    got = {r["channel"]: r["clv_cac"] for r in a.result["rows"]}
    assert got == pytest.approx(want)
    flagged = {f["scope"]["channel"] for f in a.result["findings"] if f["check"] == "clv_cac"}
    assert flagged == {ch for ch, v in want.items() if v < 3}  # every demo channel has >= 30 customers
    for f in a.result["findings"]:
        if f["check"] == "clv_cac":
            assert f["evidence"]["days"] == 365 and f["evidence"]["source"] == "model"
    assert run_clv(ds).result["source"] == "data"
    scoped = run_clv(ds, {"channel": "search"}, clv_model=model)
    assert [r["channel"] for r in scoped.result["rows"]] == ["search"]


def test_low_clv_cac_fires_the_cac_action(setup: tuple[Dataset, Any]) -> None:
    ds, model = setup
    # every channel whose model CLV:CAC is below 3 gets the CAC-vs-CLV action, with a positive saving
    res = advise("What is our CLV to CAC by channel?", dataset=ds, clv_model=model, max_recommendations=20)
    clv = next(a for a in res.analyses if a.name == "clv")
    assert clv.result["source"] == "model"
    low = {f["scope"]["channel"] for f in clv.result["findings"] if f["check"] == "clv_cac"}
    fired = {r.scope.get("channel") for r in res.recommendations if r.id == "tighten_targeting_or_retention"}
    assert low and fired == low
    for r in res.recommendations:
        if r.id == "tighten_targeting_or_retention":
            assert r.expected_impact is not None and r.expected_impact > 0
