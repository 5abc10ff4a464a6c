"""Individual checks on the synthetic world: sufficiency, funnel decomposition, stage changes, anomalies,
saturation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics import DiagnoseConfig, Scope, Status
from advisor.diagnostics.checks import (
    channel_daily,
    check_saturation,
    check_sufficiency,
    find_anomalies,
    fit_stages,
    funnel_decomposition,
    stage_changes,
)
from advisor.diagnostics.scope import scope_frame
from models.drivers.synthetic import synthetic_campaign_daily

from .conftest import onset_date

CFG = DiagnoseConfig()


def frame(world: pd.DataFrame, cid: str, start: str = "2025-04-01", end: str = "2025-07-19"):
    return scope_frame(world, Scope("campaign_id", cid), start, end)


def test_sufficiency(world) -> None:
    assert check_sufficiency(frame(world, "c1"), CFG).status is Status.OK
    short = check_sufficiency(frame(world, "c1", "2025-07-10", "2025-07-19"), CFG)
    assert short.status is Status.INSUFFICIENT and "10 days (need 14)" in short.message


def test_funnel_parts_sum_to_revenue_change(world) -> None:
    f = funnel_decomposition(frame(world, "c2"), CFG)
    ev = f.evidence
    total = sum(ev["revenue_per_day_parts"].values())
    assert total == pytest.approx(ev["revenue_per_day_to"] - ev["revenue_per_day_from"], rel=1e-9)
    assert sum(ev["log_parts"].values()) == pytest.approx(
        math.log(ev["revenue_per_day_to"] / ev["revenue_per_day_from"]), abs=1e-12
    )
    assert f.stage == "conversion_rate"  # the landing page broke in the period


@pytest.mark.parametrize(
    ("cid", "check", "stage", "day"),
    [
        ("c2", "conversion_rate_drop", "conversion_rate", 140),
        ("c3", "creative_fatigue", "ctr", 120),
        ("c6", "audience_change", "conversion_rate", 130),
    ],
)
def test_planted_stage_change_is_found_and_dated(world, cid, check, stage, day) -> None:
    found = stage_changes(frame(world, cid), CFG)
    failing = [f for f in found if f.status is Status.FAILING]
    assert len(failing) == 1
    f = failing[0]
    assert (f.check, f.stage) == (check, stage)
    assert f.started is not None and abs((pd.Timestamp(f.started) - onset_date(day)).days) <= 7
    assert f.impact_revenue is not None and f.impact_revenue < 0
    if check == "audience_change":
        assert f.evidence["from"] == "lookalike" and f.evidence["to"] == "broad"


@pytest.mark.parametrize("cid", ["c1", "c4", "c5"])
def test_healthy_campaigns_have_no_failing_stage(world, cid) -> None:
    assert not [f for f in stage_changes(frame(world, cid), CFG) if f.status is Status.FAILING]


def test_anomalies_flag_a_planted_spike(world) -> None:
    df = world.copy()
    i = df.index[(df.campaign_id == "c1") & (df.date == "2025-06-10")][0]
    df.loc[i, "clicks"] = df.loc[i, "clicks"] * 3
    fr = frame(df, "c1")
    finding, anomalies = find_anomalies(fr, fit_stages(fr, CFG), CFG)
    assert finding.status is Status.INFO
    hit = [a for a in anomalies if a.kpi == "ctr" and str(a.date) == "2025-06-10"]
    assert hit and hit[0].actual > 2 * hit[0].expected


def test_saturation_detects_a_flat_response() -> None:
    rng = np.random.default_rng(0)
    dates = pd.date_range("2025-01-01", periods=200)
    spend = 1000 * np.exp(rng.normal(0, 0.4, 200))
    revenue = 2000 * (spend / 1000) ** 0.2 * np.exp(rng.normal(0, 0.05, 200))  # ROAS 2, elasticity 0.2
    rows = pd.DataFrame({"date": dates, "spend": spend, "revenue": revenue, "conversions": revenue / 50})
    f = check_saturation(channel_daily(rows), "video", dates[-1], CFG)
    assert f.status is Status.WARNING
    assert f.evidence["elasticity"] == pytest.approx(0.2, abs=0.1)
    lo, hi = f.evidence["marginal_roi_95"]
    assert lo < f.evidence["marginal_roi"] < hi < 0
    linear = rows.assign(revenue=3 * spend * np.exp(rng.normal(0, 0.05, 200)))
    headroom = check_saturation(channel_daily(linear), "search", dates[-1], CFG)
    assert headroom.status is Status.INFO and "room to grow" in headroom.message
    assert headroom.evidence["marginal_roi"] > 0.5  # true value 2; carry-over in the regressor blurs it


def test_saturation_needs_spend_variation() -> None:
    dates = pd.date_range("2025-01-01", periods=100)
    rows = pd.DataFrame({"date": dates, "spend": 100.0, "revenue": 300.0, "conversions": 5.0})
    assert check_saturation(channel_daily(rows), "email", dates[-1], CFG).status is Status.INSUFFICIENT


def test_spend_driven_cvr_drop_is_not_failing() -> None:
    """Budget doubled in a concave channel: CVR falls, but that is scale, not a broken funnel."""
    df = synthetic_campaign_daily(seed=9, days=200).astype({"impressions": float, "clicks": float})
    c1 = (df.campaign_id == "c1") & (pd.to_datetime(df.date) >= "2025-05-01")
    rng = np.random.default_rng(1)
    df.loc[c1, ["spend", "impressions", "clicks"]] *= 2.2
    df["clicks"] = df["clicks"].round()
    # conversions ~ spend^0.4: per click the rate falls to 2.2^-0.6 ≈ 62 % of before
    df.loc[c1, "conversions"] = rng.poisson(df.loc[c1, "conversions"].to_numpy() * 2.2**0.4)
    fr = frame(df, "c1")
    raw = fr.period[fr.period.date >= "2025-05-01"]
    assert raw.conversions.sum() / raw.clicks.sum() < 0.75 * 0.03  # the raw rate did fall a lot
    found = stage_changes(fr, CFG)
    assert not [f for f in found if f.status is Status.FAILING]
