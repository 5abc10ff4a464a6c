"""CLV per acquisition channel/campaign and CLV:CAC on a simulated two-channel world with known truth."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from advisor.customers import (
    acquisition_of,
    clv_by_acquisition,
    clv_cac_findings,
    customer_values,
    overall_clv_cac,
)
from models.clv import BGNBDParams, CLVModel, CLVModelSet, GammaGammaParams, rfm_summary
from models.clv.bgnbd import expected_purchases
from models.clv.simulate import simulate_orders
from training.clv import load_model, train_clv

TRUTH = {
    "search": (BGNBDParams(0.8, 8.0, 1.5, 4.0), GammaGammaParams(4.0, 4.0, 60.0), 40.0),
    "social": (BGNBDParams(0.3, 10.0, 1.2, 2.0), GammaGammaParams(4.0, 3.0, 30.0), 90.0),
}
HORIZON_WEEKS = 52


def true_clv(channel: str) -> float:
    """Undiscounted value over 52 weeks per acquired customer, first order included."""
    bg, gg, _ = TRUTH[channel]
    return gg.mean_spend() * (1.0 + float(expected_purchases(bg, HORIZON_WEEKS)))


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    frames, cd = [], []
    for i, (channel, (bg, gg, cac)) in enumerate(TRUTH.items()):
        o = simulate_orders(2000, bg, gg, start="2023-01-01", end="2024-12-31", acquisition_days=700, seed=i)
        o["customer_id"] = channel + "-" + o["customer_id"].astype(str)
        o["campaign_id"] = channel + np.where(o.index % 2 == 0, "-a", "-b")
        o["campaign_id"] = o.groupby("customer_id")["campaign_id"].transform("first")
        frames.append(o)
        for camp, n in o.groupby("campaign_id")["customer_id"].nunique().items():
            cd.append(
                {"date": "2023-01-01", "campaign_id": camp, "channel": channel, "spend": n * cac, "new_customers": n}
            )
    return pd.concat(frames, ignore_index=True), pd.DataFrame(cd)


@pytest.fixture(scope="module")
def model_set(world: tuple[pd.DataFrame, pd.DataFrame]) -> CLVModelSet:
    orders, cd = world
    acq = acquisition_of(orders, cd)
    with_channel = orders.merge(acq[["customer_id", "channel"]], on="customer_id")
    result = train_clv(with_channel, segment_by="channel", min_segment_customers=500)
    assert isinstance(result.model, CLVModelSet)
    return result.model


def test_acquisition_maps_campaign_to_channel(world: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    orders, cd = world
    acq = acquisition_of(orders, cd).set_index("customer_id")
    assert set(acq["channel"]) == {"search", "social"}
    assert (acq.loc["search-1", "campaign_id"]).startswith("search-")
    no_attr = orders[["customer_id", "order_date", "revenue"]]
    assert set(acquisition_of(no_attr)["channel"]) == {"(unattributed)"}


def test_channel_clv_cac_recovered(world: tuple[pd.DataFrame, pd.DataFrame], model_set: CLVModelSet) -> None:
    orders, cd = world
    table = clv_by_acquisition(orders, cd, model_set, horizon_weeks=HORIZON_WEEKS, annual_discount=0.0)
    assert list(table.columns[:5]) == ["channel", "customers", "clv_mean", "cac", "clv_cac"]
    got = table.set_index("channel")
    for channel, (_, _, cac) in TRUTH.items():
        assert got.loc[channel, "cac"] == pytest.approx(cac)
        assert got.loc[channel, "clv_mean"] == pytest.approx(true_clv(channel), rel=0.1), channel
        assert got.loc[channel, "clv_cac"] == pytest.approx(true_clv(channel) / cac, rel=0.1), channel
    assert table["channel"].tolist() == ["social", "search"]  # worst CLV:CAC first
    by_campaign = clv_by_acquisition(orders, cd, model_set, by="campaign_id")
    assert len(by_campaign) == 4 and by_campaign["customers"].sum() == orders["customer_id"].nunique()


def test_discount_and_horizon_move_clv_the_right_way(
    world: tuple[pd.DataFrame, pd.DataFrame], model_set: CLVModelSet
) -> None:
    orders, cd = world
    base = customer_values(orders, model_set, horizon_weeks=52, annual_discount=0.0, campaign_daily=cd)
    disc = customer_values(orders, model_set, horizon_weeks=52, annual_discount=0.2, campaign_daily=cd)
    longer = customer_values(orders, model_set, horizon_weeks=104, annual_discount=0.0, campaign_daily=cd)
    assert (disc["clv"] <= base["clv"] + 1e-9).all() and disc["clv"].sum() < base["clv"].sum()
    assert (longer["clv"] >= base["clv"] - 1e-9).all()
    old = base["age_weeks"] >= 52
    assert (base.loc[old, "predicted_value"] == 0).all()  # fully observed customers: no prediction
    assert (base.loc[~old, "predicted_value"] > 0).all()
    np.testing.assert_allclose(base["clv"], base["realized_value"] + base["predicted_value"])


def test_pooled_model_and_stored_model_give_the_same_table(
    world: tuple[pd.DataFrame, pd.DataFrame], model_set: CLVModelSet
) -> None:
    orders, cd = world
    pooled = CLVModel().fit(rfm_summary(orders, orders["order_date"].max()))
    table = clv_by_acquisition(orders, cd, pooled)
    assert (table["clv_mean"] > 0).all() and (table["clv_cac"] > 0).all()
    again = load_model(json.loads(json.dumps(model_set.to_dict())))
    pd.testing.assert_frame_equal(clv_by_acquisition(orders, cd, again), clv_by_acquisition(orders, cd, model_set))


def test_cac_from_orders_without_new_customers_column(
    world: tuple[pd.DataFrame, pd.DataFrame], model_set: CLVModelSet
) -> None:
    orders, cd = world
    cd = cd.drop(columns="new_customers").assign(date="2023-01-01")
    cd = pd.concat([cd, cd.assign(date="2024-12-31", spend=0.0)])
    table = clv_by_acquisition(orders, cd, model_set).set_index("channel")
    assert (table["cac_source"] == "orders.first_purchase").all()
    assert table.loc["search", "cac"] == pytest.approx(40.0)


def test_findings_flag_low_clv_cac(world: tuple[pd.DataFrame, pd.DataFrame], model_set: CLVModelSet) -> None:
    orders, cd = world
    table = clv_by_acquisition(orders, cd, model_set, horizon_weeks=52, annual_discount=0.0)
    findings = clv_cac_findings(table, horizon_weeks=52, annual_discount=0.0)
    ratio = table.set_index("channel")["clv_cac"]
    expected = {c for c, v in ratio.items() if v < 3}
    assert {f.scope["channel"] for f in findings} == expected and expected  # social is below 3
    f = findings[0]
    assert f.status == ("off_track" if f.evidence["clv_cac"] < 1 else "at_risk")
    assert f"{f.evidence['clv_cac']:.2f}" in f.message and f.to_dict()["kpi"] == "clv_cac"
    all_rows = clv_cac_findings(table, include_on_track=True)
    assert len(all_rows) == 2 and all_rows[-1].status == "on_track"
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.status = "ok"  # type: ignore[misc]


def test_bad_group_column(world: tuple[pd.DataFrame, pd.DataFrame], model_set: CLVModelSet) -> None:
    orders, cd = world
    with pytest.raises(ValueError, match="by must be"):
        clv_by_acquisition(orders, cd, model_set, by="region")


def test_overall_is_customer_weighted(world: tuple[pd.DataFrame, pd.DataFrame], model_set: CLVModelSet) -> None:
    orders, cd = world
    table = clv_by_acquisition(orders, cd, model_set, horizon_weeks=HORIZON_WEEKS, annual_discount=0.0)
    overall = overall_clv_cac(table)
    n = {c: orders.loc[orders["customer_id"].str.startswith(c), "customer_id"].nunique() for c in TRUTH}
    want_clv = sum(n[c] * true_clv(c) for c in TRUTH) / sum(n.values())
    want_cac = sum(n[c] * TRUTH[c][2] for c in TRUTH) / sum(n.values())
    assert overall["customers"] == sum(n.values()) and overall["cac"] == pytest.approx(want_cac)
    assert overall["clv_mean"] == pytest.approx(want_clv, rel=0.1)
    assert overall["clv_cac"] == pytest.approx(overall["clv_mean"] / overall["cac"])
