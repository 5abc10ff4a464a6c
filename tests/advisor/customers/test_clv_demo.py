"""Demo world: per-channel CLV:CAC recovered within 15% of the generator's truth.

Truth (``truth["clv"]["by_channel"]``): undiscounted revenue per new customer over 365 days after acquisition,
first order included, over CAC = spend / expected reported new customers. Estimate: ``clv_by_acquisition`` with
a per-channel model set, the same horizon and no discount (see benchmarks/clv_demo.py).
"""

from __future__ import annotations

import pytest

from advisor.customers import clv_by_acquisition, clv_cac_findings, overall_clv_cac
from demo_world import generate_world
from models.clv import CLVModelSet
from training.clv import train_clv


@pytest.mark.slow
def test_channel_clv_cac_matches_truth() -> None:
    world = generate_world(seed=7)
    orders, cd = world.tables["orders"], world.tables["campaign_daily"]
    truth = world.truth["clv"]
    result = train_clv(orders, segment_by="channel")
    assert isinstance(result.model, CLVModelSet) and not result.model.fallback_
    horizon_weeks = truth["horizon_days"] / 7.0
    table = clv_by_acquisition(orders, cd, result.model, horizon_weeks=horizon_weeks, annual_discount=0.0)
    got = table.set_index("channel")
    assert set(got.index) == set(truth["by_channel"])
    for ch, t in truth["by_channel"].items():
        assert got.loc[ch, "clv_cac"] == pytest.approx(t["clv_cac"], rel=0.15), ch
        assert got.loc[ch, "clv_mean"] == pytest.approx(t["clv"], rel=0.15), ch
        seg = result.model.model_for(ch)  # the model alone, without observed revenue
        model_only = seg.gamma_gamma_.params_.mean_spend() * (1 + float(seg.bgnbd_.expected_purchases(horizon_weeks)))
        assert model_only == pytest.approx(t["clv"], rel=0.15), ch
    overall = overall_clv_cac(table)
    assert overall["clv_cac"] == pytest.approx(truth["overall"]["clv_cac"], rel=0.15)
    assert overall["clv_mean"] == pytest.approx(truth["overall"]["clv"], rel=0.15)
    flagged = {f.scope["channel"] for f in clv_cac_findings(table)}
    clear = {ch: t["clv_cac"] for ch, t in truth["by_channel"].items() if abs(t["clv_cac"] / 3 - 1) > 0.15}
    assert {ch for ch in flagged if ch in clear} == {ch for ch, v in clear.items() if v < 3}
