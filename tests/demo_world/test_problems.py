"""Planted problems are visible in the observed data, at their stage, from their start date."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from demo_world import DemoWorld
from demo_world.params import ClvParams

END = pd.Timestamp("2026-10-31")


def _problem(world: DemoWorld, kind: str) -> dict[str, Any]:
    return next(p for p in world.truth["problems"] if p["kind"] == kind)


def _stage_ratios(world: DemoWorld, cid: str, start: pd.Timestamp) -> tuple[float, float, float]:
    """(CTR after / before, conversion-rate index after / before, its standard error) for the 60 days before
    ``start`` and from ``start + 14`` days. The conversion-rate index divides reported conversions by what the
    spend would have produced without a conversion-stage problem (claim × true response / cvr multiplier), so
    it is free of the spend level (saturation also lowers conversions per click) and of click volume."""
    cd = world.tables["campaign_daily"]
    td = world.true_daily[world.true_daily["campaign_id"] == cid].set_index("date")
    c = cd[cd["campaign_id"] == cid].set_index("date")
    claim = world.truth["channels"][c["channel"].iloc[0]]["claim_factor"]
    c = c.assign(healthy=claim * td["incremental_conversions"] / td["cvr_multiplier"])
    before = c[(c.index < start) & (c.index >= start - pd.Timedelta(days=60))].sum(numeric_only=True)
    after = c[c.index >= start + pd.Timedelta(days=14)].sum(numeric_only=True)
    ctr = (after["clicks"] / after["impressions"]) / (before["clicks"] / before["impressions"])
    conv = (after["conversions"] / after["healthy"]) / (before["conversions"] / before["healthy"])
    # Poisson counts with daily Gamma(30) over-dispersion (~30% more variance at these volumes)
    se = 1.15 * np.sqrt(1 / max(after["conversions"], 1) + 1 / max(before["conversions"], 1))
    return float(ctr), float(conv), float(se)


def test_all_five_problems_start_in_the_last_120_days(world: DemoWorld) -> None:
    problems = world.truth["problems"]
    assert {p["kind"] for p in problems} == {
        "creative_fatigue", "broken_landing_page", "poor_audience", "over_funded", "under_funded",
    }  # fmt: skip
    for p in problems:
        assert END - pd.Timedelta(days=121) <= pd.Timestamp(p["start"]) <= END - pd.Timedelta(days=20), p
        assert p["stage"] in {"ctr", "conversion_rate", "saturation", "budget"}
        assert ("campaign_id" in p) == (p["stage"] in {"ctr", "conversion_rate"})
    assert len({p.get("campaign_id") for p in problems if "campaign_id" in p}) == 3


def test_creative_fatigue_lowers_ctr_not_conversion_rate(world: DemoWorld) -> None:
    p = _problem(world, "creative_fatigue")
    ctr, cvr, se = _stage_ratios(world, p["campaign_id"], pd.Timestamp(p["start"]))
    assert ctr < 0.75
    assert cvr == pytest.approx(1.0, abs=4 * se)


@pytest.mark.parametrize("kind", ["broken_landing_page", "poor_audience"])
def test_conversion_problems_lower_conversion_rate_not_ctr(world: DemoWorld, kind: str) -> None:
    p = _problem(world, kind)
    ctr, cvr, se = _stage_ratios(world, p["campaign_id"], pd.Timestamp(p["start"]))
    assert cvr < 0.5 + 3 * se and cvr < 0.75
    assert ctr == pytest.approx(1.0, abs=0.15)


def test_poor_audience_switches_the_attribute(world: DemoWorld) -> None:
    p = _problem(world, "poor_audience")
    cd = world.tables["campaign_daily"]
    c = cd[cd["campaign_id"] == p["campaign_id"]].set_index("date")["audience"]
    assert set(c[c.index >= p["start"]]) == {p["details"]["to"]}
    assert set(c[c.index < p["start"]]) == {p["details"]["from"]} != {p["details"]["to"]}


def test_budget_problems_move_channel_spend(world: DemoWorld) -> None:
    cd = world.tables["campaign_daily"]
    for kind, lo, hi in (("over_funded", 1.5, 4.0), ("under_funded", 0.2, 0.7)):
        p = _problem(world, kind)
        s = cd[cd["channel"] == p["channel"]].groupby("date")["spend"].sum()
        start = pd.Timestamp(p["start"])
        ratio = s[s.index >= start].mean() / s[(s.index < start) & (s.index >= start - pd.Timedelta(days=90))].mean()
        assert lo < ratio < hi, (kind, ratio)


def test_mis_funded_channels_have_extreme_marginal_roas(world: DemoWorld, true_world) -> None:
    """At the reference plan, +10% spend pays least in the over-funded and most (per $) in the under-funded
    channel."""
    ref = true_world.reference_daily_spend("2026-11-01", "2026-12-31")
    base = true_world.expected_outcomes(ref)
    mroas = {}
    for ch in true_world.channels:
        plan = ref.copy()
        plan[ch] *= 1.1
        out = true_world.expected_outcomes(plan)
        mroas[ch] = (out[f"{ch}_revenue"].sum() - base[f"{ch}_revenue"].sum()) / (0.1 * ref[ch].sum())
    over, under = _problem(world, "over_funded")["channel"], _problem(world, "under_funded")["channel"]
    assert mroas[over] == min(mroas.values()) and mroas[over] < 0.5, mroas
    assert mroas[under] == max(mroas.values()) and mroas[under] > 1.5, mroas


def test_csat_drops_after_the_landing_page_breaks(world: DemoWorld) -> None:
    p = _problem(world, "broken_landing_page")
    sv = world.tables["surveys"]
    c = sv[(sv["campaign_id"] == p["campaign_id"]) & (sv["metric"] == "csat")]
    before = c[c["date"] < p["start"]]["score"].mean()
    after = c[c["date"] >= p["start"]]["score"].mean()
    assert after < before - 0.5


def test_orders_follow_the_true_clv(world: DemoWorld) -> None:
    """Customers acquired in the first year: revenue within 365 days of acquisition per customer matches the
    true CLV per channel (closed-form BG/NBD + Gamma-Gamma) within sampling error."""
    orders = world.tables["orders"]
    first = orders.groupby("customer_id")["order_date"].transform("min")
    early = orders[first < pd.Timestamp("2025-10-31")]
    within = early[early["order_date"] <= first[early.index] + pd.Timedelta(days=365)]
    per_cust = within.groupby(["channel", "customer_id"])["revenue"].sum().groupby(level=0)
    for ch, doc in world.truth["clv"]["by_channel"].items():
        est, n = per_cust.get_group(ch).mean(), per_cust.get_group(ch).size
        se = per_cust.get_group(ch).std() / np.sqrt(n)
        assert abs(est - doc["clv"]) < 4 * se + 0.02 * doc["clv"], (ch, est, doc["clv"], n)
        prm = ClvParams.from_dict(world.truth["clv"]["params"][ch])
        assert doc["clv"] == pytest.approx(prm.clv(365))
    clv = world.truth["clv"]["by_channel"]
    assert clv["email"]["clv"] > clv["display"]["clv"]


def test_truth_marginal_roas_matches_true_world(world: DemoWorld, true_world) -> None:
    """truth.json's marginal_roas_end agrees with a +1% spend step through TrueWorld (steady state)."""
    idx = pd.date_range("2026-11-01", periods=120, freq="D")
    flat = pd.DataFrame(
        {ch: [world.true_daily[world.true_daily["channel"] == ch].groupby("date")["spend"].sum().iloc[-28:].mean()]
         * len(idx) for ch in true_world.channels},
        index=idx,
    )  # fmt: skip
    base = true_world.expected_outcomes(flat).iloc[60:]
    for ch in true_world.channels:
        up = flat.copy()
        up[ch] *= 1.01
        gain = true_world.expected_outcomes(up).iloc[60:][f"{ch}_revenue"].sum() - base[f"{ch}_revenue"].sum()
        m = gain / (0.01 * flat[ch].iloc[60:].sum())
        assert m == pytest.approx(world.truth["channels"][ch]["marginal_roas_end"], rel=0.05, abs=0.02), ch
