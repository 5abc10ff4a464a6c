"""The numpy and per-scope-cache paths of the diagnosis equal the pandas formulations they replaced (kept here as
references): attribute switch days, CTR slope against campaign age, stage fits, funnel factors, anomalies and the
saturation check with and without kept per-scope / per-channel sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics import DiagnoseConfig, Scope
from advisor.diagnostics.checks import channel_daily, check_saturation, find_anomalies, fit_stages
from advisor.diagnostics.checks.funnel import _factors
from advisor.diagnostics.checks.stages import (
    ATTRIBUTE_SKIP,
    _age_slope,
    _attribute_changes,
    _switch_days,
    _window,
)
from advisor.diagnostics.scope import scope_frame
from advisor.kpis.measures import MeasureCache
from models.drivers.features import is_text

CFG = DiagnoseConfig()
SCOPES = [Scope("campaign_id", "c3"), Scope("campaign_id", "c6"), Scope("channel", "search"), Scope("channel", "social")]


def switch_days_reference(rows: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    out: set[float] = set()
    cols = [c for c in rows.columns if c not in ATTRIBUTE_SKIP and is_text(rows[c])]
    for _, g in rows.sort_values("date").groupby("campaign_id"):
        for col in cols:
            v = g[col].astype(str).to_numpy()
            for i in np.flatnonzero(v[1:] != v[:-1]) + 1:
                out.add(float((g["date"].iloc[i] - dates[0]).days))
    return np.array(sorted(out))


def age_slope_reference(rows: pd.DataFrame) -> tuple[float, float] | None:
    first = rows.groupby("campaign_id")["date"].transform("min")
    age = (rows["date"] - first).dt.days.to_numpy(float)
    ok = (rows["clicks"] > 0).to_numpy() & (rows["impressions"] > 0).to_numpy()
    if ok.sum() < 10 or np.ptp(age[ok]) == 0:
        return None
    y = np.log(rows["clicks"].to_numpy(float)[ok] / rows["impressions"].to_numpy(float)[ok])
    x = age[ok]
    X = np.column_stack([np.ones_like(x), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    se = float(np.sqrt(float(resid @ resid) / max(len(y) - 2, 1) / np.sum((x - x.mean()) ** 2)))
    return float(beta[1]), float(beta[1] / se) if se > 0 else 0.0


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize(("start", "end"), [("2025-04-01", "2025-07-19"), ("2025-05-10", "2025-06-30"), (None, None)])
def test_numpy_paths_equal_pandas(world: pd.DataFrame, scope: Scope, start: str | None, end: str | None) -> None:
    frame = scope_frame(world, scope, start, end)
    window = _window(frame, CFG)
    lo = pd.Timestamp(frame.start) - pd.Timedelta(days=CFG.lookback_days)
    expected = frame.rows[(frame.rows["date"] >= lo) & (frame.rows["date"] <= pd.Timestamp(frame.end))]
    pd.testing.assert_frame_equal(window, expected)
    dates = pd.DatetimeIndex(sorted(window["date"].unique()))
    np.testing.assert_array_equal(_switch_days(window, dates), switch_days_reference(window, dates))
    kept = _attribute_changes(frame.rows)  # the whole history's changes, cut to the window
    np.testing.assert_array_equal(_switch_days(window, dates, kept), switch_days_reference(window, dates))
    assert _age_slope(frame.period) == age_slope_reference(frame.period)


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
    np.testing.assert_array_equal(_switch_days(rows, dates), switch_days_reference(rows, dates))


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


@pytest.mark.parametrize("channel", ["search", "social"])
@pytest.mark.parametrize("end", ["2025-03-15", "2025-05-31", "2025-07-19"])
@pytest.mark.parametrize("gaps", [False, True])
def test_saturation_from_kept_channel_days_equals_rows(world: pd.DataFrame, channel: str, end: str, gaps: bool) -> None:
    """A channel's daily sums kept once and sliced to each period end give the check on the rows of that window
    alone (missing days filled with zeros inside the window only)."""
    rows = world.assign(date=pd.to_datetime(world["date"]))
    rows = rows[rows["channel"] == channel].iloc[::-1]  # any order
    if gaps:
        rows = rows[rows["date"].dt.day % 5 != 0]
    t = pd.Timestamp(end)
    window = rows[(rows["date"] <= t) & (rows["date"] > t - pd.Timedelta(days=180))]
    assert check_saturation(window, channel, t, CFG) == check_saturation(None, channel, t, CFG, daily=channel_daily(rows))


@pytest.mark.parametrize("scope", SCOPES)
def test_funnel_and_anomalies_equal_pandas(world: pd.DataFrame, scope: Scope) -> None:
    cache = MeasureCache()
    for start, end in (("2025-04-01", "2025-07-19"), ("2025-05-10", "2025-06-30"), ("2025-02-01", "2025-02-20")):
        frame = scope_frame(world, scope, start, end, cache=cache)
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
