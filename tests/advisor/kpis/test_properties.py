"""Property test: on random campaign_daily frames (zeros included) every ratio KPI equals the pandas ratio of
sums per (channel, ISO week), and is null with a zero-denominator reason exactly when the denominator is 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.kpis import compute_kpis

RATIOS = {
    "ctr": ("clicks", "impressions", 1.0),
    "cpc": ("spend", "clicks", 1.0),
    "cpm": ("spend", "impressions", 1000.0),
    "cpa": ("spend", "conversions", 1.0),
    "roas": ("revenue", "spend", 1.0),
    "conversion_rate": ("conversions", "clicks", 1.0),
    "aov": ("revenue", "conversions", 1.0),
}


@st.composite
def campaign_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=40))
    small = st.integers(min_value=0, max_value=3)
    rows = {
        "day": draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)),
        "campaign": draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)),
        "spend": draw(st.lists(small, min_size=n, max_size=n)),
        "impressions": draw(st.lists(small, min_size=n, max_size=n)),
        "clicks": draw(st.lists(small, min_size=n, max_size=n)),
        "conversions": draw(st.lists(small, min_size=n, max_size=n)),
        "revenue": draw(st.lists(small, min_size=n, max_size=n)),
    }
    df = pd.DataFrame(rows)
    df["date"] = pd.Timestamp("2026-09-28") + pd.to_timedelta(df.pop("day"), unit="D")
    df["campaign_id"] = "c" + df.pop("campaign").astype(str)
    df["channel"] = df["campaign_id"].map({"c0": "search", "c1": "social", "c2": "search"})
    return df


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaign_frames())
def test_ratio_kpis_equal_pandas_ratio_of_sums(df: pd.DataFrame) -> None:
    t = compute_kpis({"campaign_daily": df}, by=["channel"], grain="week", kpis=list(RATIOS))
    iso = df["date"].dt.isocalendar()
    week = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    sums = df.assign(period=week).groupby(["channel", "period"])[["spend", "impressions", "clicks",
                                                                    "conversions", "revenue"]].sum()  # fmt: skip
    got = t.frame.set_index(["channel", "period"])
    assert list(got.index) == list(sums.index)
    for kpi, (num, den, scale) in RATIOS.items():
        for i, key in enumerate(sums.index):
            value = got[kpi].iloc[i]
            if sums.loc[key, den] == 0:
                assert np.isnan(value)
                assert t.reason(i, kpi) == f"zero denominator: {den} is 0", (kpi, key)
            else:
                assert value == pytest.approx(scale * sums.loc[key, num] / sums.loc[key, den], rel=1e-12)
                assert t.reason(i, kpi) is None
