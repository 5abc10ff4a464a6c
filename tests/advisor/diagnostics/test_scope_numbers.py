"""Per-scope numbers of the diagnosis against known values: golden attribute switch days, CTR slopes against
campaign age, funnel factors and saturation findings (``golden/``, see :mod:`tests.advisor.diagnostics.golden_cases`),
hand-computed switch days and elasticity; stage fits and anomalies with and without a per-scope cache agree."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics import DiagnoseConfig, Scope
from advisor.diagnostics.checks import channel_daily, check_saturation, find_anomalies, fit_stages
from advisor.diagnostics.checks.funnel import _factors
from advisor.diagnostics.checks.stages import _age_slope, _attribute_changes, _switch_days, _window
from advisor.diagnostics.scope import scope_frame
from advisor.kpis.measures import MeasureCache
from tests.advisor.diagnostics import golden_cases as gc

CFG = DiagnoseConfig()
SCOPES = gc.SCOPES
GOLDEN = json.loads((gc.GOLDEN / "scope_numbers.json").read_text())


def assert_close(got: Any, want: Any, where: str = "") -> None:
    """Equal JSON-like values, floats to 1e-9 relative: the golden files were written on another CPU, and OpenBLAS
    picks its kernels by CPU (AVX2 / AVX-512), which moves least-squares results by ~1e-12 relative."""
    if isinstance(want, float):
        assert isinstance(got, float) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {got} != {want}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), where
        for k in want:
            assert_close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list | tuple):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_close(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def _key(scope: Scope, start: str | None, end: str | None) -> str:
    return f"{scope.column}={scope.value}|{start}|{end}"


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize(("start", "end"), gc.WINDOWS)
def test_switch_days_and_age_slope_equal_golden(world: pd.DataFrame, scope: Scope, start: str | None, end: str | None) -> None:
    """The lookback window is the rows from ``lookback_days`` before the start to the end; its switch days (from the
    window's rows, or from the whole history's changes cut to the window) and the period's CTR slope against age
    are the recorded ones."""
    frame = scope_frame(world, scope, start, end)
    window = _window(frame, CFG)
    lo = pd.Timestamp(frame.start) - pd.Timedelta(days=CFG.lookback_days)
    day = frame.rows["date"]
    assert len(window) == int(((day >= lo) & (day <= pd.Timestamp(frame.end))).sum())
    assert window["date"].min() >= lo and window["date"].max() <= pd.Timestamp(frame.end)
    dates = pd.DatetimeIndex(sorted(window["date"].unique()))
    want = GOLDEN["switch_days"][_key(scope, start, end)]
    assert _switch_days(window, dates).tolist() == want
    assert _switch_days(window, dates, _attribute_changes(frame.rows)).tolist() == want
    assert_close(_age_slope(frame.period), GOLDEN["age_slope"][_key(scope, start, end)])


def test_switch_days_see_every_attribute_change() -> None:
    rows = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-02", "2025-01-03", "2025-01-04"]),
            "campaign_id": ["a", "b", "a", "b", "b", "a"],
            "audience": ["x", "x", "x", "y", "y", "x"],
            "creative": ["p", "q", "p", "q", "r", "s"],
        }
    )
    dates = pd.DatetimeIndex(sorted(rows["date"].unique()))
    np.testing.assert_array_equal(_switch_days(rows, dates), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("scope", SCOPES)
def test_stage_fits_with_cache_equal_plain(world: pd.DataFrame, scope: Scope) -> None:
    cache = MeasureCache()
    for start, end in (("2025-04-01", "2025-07-19"), ("2025-05-10", "2025-06-30")):
        frame = scope_frame(world, scope, start, end, cache=cache)
        plain, cached = fit_stages(frame, CFG), fit_stages(frame, CFG, cache)
        for stage, sf in plain.items():
            other = cached[stage]
            assert sf.dates.equals(other.dates)
            np.testing.assert_array_equal(sf.rate.y, other.rate.y)
            assert (sf.fit is None) == (other.fit is None)
            if sf.fit is not None and other.fit is not None:
                assert (sf.fit.onset, sf.fit.shape_days, sf.fit.shift, sf.fit.chi2) == (
                    other.fit.onset, other.fit.shape_days, other.fit.shift, other.fit.chi2
                )
                np.testing.assert_array_equal(sf.fit.fitted, other.fit.fitted)


@pytest.mark.parametrize(("channel", "end", "gaps"), gc.SATURATION)
def test_saturation_equals_golden(world: pd.DataFrame, channel: str, end: str, gaps: bool) -> None:
    """The check on a channel's daily sums over its whole history (rows in any order, days missing) and on the
    sums of the 180 days to ``end`` alone give the recorded finding (missing days count as zero inside the
    window only)."""
    rows = world.assign(date=pd.to_datetime(world["date"]))
    rows = rows[rows["channel"] == channel].iloc[::-1]
    if gaps:
        rows = rows[rows["date"].dt.day % 5 != 0]
    t = pd.Timestamp(end)
    window = rows[(rows["date"] <= t) & (rows["date"] > t - pd.Timedelta(days=180))]
    want = GOLDEN["saturation"][f"{channel}|{end}|{'gaps' if gaps else 'full'}"]
    for daily in (channel_daily(rows), channel_daily(window)):
        f = check_saturation(daily, channel, t, CFG)
        assert f.message == want["message"]
        assert_close(json.loads(json.dumps(f.evidence)), want["evidence"])


def test_saturation_elasticity_by_hand() -> None:
    """Revenue exactly 50 · adstock(spend)^0.6 with weekday effects 0: elasticity 0.6 with no error, marginal
    ROAS 0.6 × the average return per unit spent over the last 28 days."""
    from models.drivers import geometric_adstock

    rng = np.random.default_rng(3)
    dates = pd.date_range("2025-01-01", periods=120)
    spend = 1000 * np.exp(rng.normal(0, 0.4, 120))
    revenue = 50 * geometric_adstock(spend, 0.5) ** 0.6
    daily = channel_daily(pd.DataFrame({"date": dates, "spend": spend, "revenue": revenue, "conversions": 1.0}))
    ev = check_saturation(daily, "video", dates[-1], CFG).evidence
    avg = revenue[-28:].sum() / spend[-28:].sum()
    assert ev["elasticity"] == pytest.approx(0.6, rel=1e-9) and ev["elasticity_se"] < 1e-9
    assert ev["average_return_per_spend"] == pytest.approx(avg, rel=1e-12)
    assert ev["marginal_roi"] == pytest.approx(0.6 * avg - 1.0, rel=1e-9)


@pytest.mark.parametrize("scope", SCOPES)
def test_funnel_and_anomalies(world: pd.DataFrame, scope: Scope) -> None:
    """Funnel factors are the recorded ones and the ratios of the window's sums per day; anomalies are the same
    with and without the per-scope cache."""
    cache = MeasureCache()
    for start, end in gc.FUNNEL_WINDOWS:
        frame = scope_frame(world, scope, start, end, cache=cache)
        want = GOLDEN["funnel"][_key(scope, start, end)]
        assert_close(_factors(frame.rows, frame.in_period), want["period"])
        assert_close(_factors(frame.rows, frame.in_reference), want["reference"])
        for mask, part in ((frame.in_period, frame.period), (frame.in_reference, frame.reference)):
            s = part[["spend", "impressions", "clicks", "conversions", "revenue"]].sum()
            got = _factors(frame.rows, mask)
            if part.empty or min(s) <= 0:
                assert got is None
                continue
            assert got is not None
            days = part["date"].nunique()
            assert got["spend"] == s.spend / days and got["revenue"] == s.revenue / days
            assert (got["cpm"], got["ctr"], got["conversion_rate"], got["aov"]) == (
                s.spend / s.impressions * 1000.0, s.clicks / s.impressions, s.conversions / s.clicks, s.revenue / s.conversions
            )
        fits = fit_stages(frame, CFG)
        assert find_anomalies(frame, fits, CFG, cache) == find_anomalies(frame, fits, CFG)
