"""Model CLV / CLV:CAC for the scorecard (``advisor.customers.model_kpis``) and the customer report, on a
one-year demo world."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import pytest

from advisor.customers import (
    clv_by_acquisition,
    clv_values_as_of,
    customer_report,
    model_kpis,
    overall_clv_cac,
    repeat_rate,
)
from advisor.kpis import build_scorecard
from api.cli.output import to_jsonable
from demo_world import generate_world
from training.clv import train_clv_tables


@pytest.fixture(scope="module")
def fitted() -> tuple[Any, Any]:
    world = generate_world(seed=3, days=365)
    return world, train_clv_tables(world.tables).model


def test_values_are_the_acquisition_table(fitted: tuple[Any, Any]) -> None:
    world, model = fitted
    t = world.tables
    dates = pd.to_datetime(t["orders"]["order_date"])
    mid = dates.min() + (dates.max() - dates.min()) / 2
    as_of = mid.date()
    vals = clv_values_as_of(t, model, as_of, horizon_weeks=52, annual_discount=0.0)
    orders = t["orders"][dates <= mid.normalize()]
    cd = t["campaign_daily"][pd.to_datetime(t["campaign_daily"]["date"]) <= mid.normalize()]
    assert len(orders) < len(t["orders"])
    table = clv_by_acquisition(orders, cd, model, horizon_weeks=52, annual_discount=0.0, as_of=as_of)
    overall = overall_clv_cac(table)
    assert vals[("clv", ())] == pytest.approx(overall["clv_mean"])
    assert vals[("clv_cac", ())] == pytest.approx(overall["clv_cac"])
    for row in table.itertuples():
        assert vals[("clv_cac", (("channel", row.channel),))] == pytest.approx(row.clv_cac)
        # CLV:CAC = CLV / (spend / new customers) by hand
        assert row.clv_cac == pytest.approx(row.clv_mean / (row.spend / row.new_customers))


def test_discount_lowers_clv(fitted: tuple[Any, Any]) -> None:
    world, model = fitted
    plain = clv_values_as_of(world.tables, model, None)
    disc = clv_values_as_of(world.tables, model, None, annual_discount=0.10)
    assert disc[("clv", ())] < plain[("clv", ())]
    assert not clv_values_as_of(world.tables, model, date(1990, 1, 1))  # nobody acquired yet


def test_scorecard_clv_matches_demo_truth(fitted: tuple[Any, Any]) -> None:
    """The demo target is the true 365-day undiscounted CLV: the model line lands near it, the historical
    catalog value (revenue to date per customer) does not have to."""
    world, model = fitted
    provider = model_kpis(world.tables, model, label="v-test")
    assert "52 weeks" in provider.basis and "undiscounted" in provider.basis and "v-test" in provider.basis
    card = build_scorecard(world.tables, world.targets, model_kpis=provider)
    truth = world.truth["clv"]["overall"]
    clv, ratio = card.line("clv"), card.line("clv_cac")
    assert clv.source == ratio.source == "model"
    assert clv.value == pytest.approx(truth["clv"], rel=0.15)
    assert ratio.value == pytest.approx(truth["clv_cac"], rel=0.15)
    assert clv.status != "off_track"
    with pytest.raises(ValueError, match="orders"):
        model_kpis({"campaign_daily": world.tables["campaign_daily"]}, model)


def test_customer_report(fitted: tuple[Any, Any]) -> None:
    world, model = fitted
    t = world.tables
    rep = customer_report(t, model)
    table = clv_by_acquisition(t["orders"], t["campaign_daily"], model, horizon_weeks=52, annual_discount=0.0)
    got = rep.by_channel.set_index("channel")
    assert got["clv_cac"].to_dict() == pytest.approx(table.set_index("channel")["clv_cac"].to_dict())
    repeat = repeat_rate(t["orders"], by="channel", campaign_daily=t["campaign_daily"]).set_index("channel")
    assert got["repeat_rate"].to_dict() == pytest.approx(repeat["repeat_rate"].to_dict())
    assert rep.overall["clv_cac"] == pytest.approx(rep.overall["clv_mean"] / rep.overall["cac"])
    matrix = rep.retention_matrix()
    assert (matrix[0] == 1).all() and ((matrix.fillna(0) >= 0) & (matrix.fillna(0) <= 1)).all().all()
    low = {ch for ch, v in got["clv_cac"].items() if v < 3 and got.loc[ch, "customers"] >= 30}
    assert {f.scope["channel"] for f in rep.findings if f.check == "clv_cac"} == low
    assert rep.satisfaction is not None and {"csat", "nps"} <= set(rep.satisfaction.columns)
    doc = rep.to_dict()
    assert doc["clv"]["horizon_weeks"] == 52 and doc["clv"]["annual_discount"] == 0.0
    json.dumps(to_jsonable(doc), allow_nan=False)
    with pytest.raises(ValueError, match="orders"):
        customer_report({"orders": t["orders"]}, model)
