"""Benchmark: KPIs by channel × month over a 1,000,000-row campaign_daily (target ≤ 1 s after loading).

Builds a synthetic, seeded campaign_daily (dates as datetime64, channel as text, the contract's numeric
columns
plus engagements/new_customers and a text attribute), then times
``compute_kpis(tables, by=["channel"], grain="month")`` for all catalog KPIs: best of 5 and median.

Run: ``.venv/bin/python benchmarks/kpi_speed.py [rows]``
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import pandas as pd

from advisor.kpis import compute_kpis

TARGET_SECONDS = 1.0


def synthetic_campaign_daily(rows: int = 1_000_000, seed: int = 0) -> pd.DataFrame:
    """``rows`` campaign-days: ~730 days × rows/730 campaigns, 6 channels, realistic funnel magnitudes."""
    rng = np.random.default_rng(seed)
    days = 730
    campaigns = max(1, rows // days)
    channels = np.array(["search", "social", "display", "video", "email", "affiliate"])
    camp_channel = channels[rng.integers(0, len(channels), campaigns)]
    camp_audience = np.array(["young", "family", "senior"])[rng.integers(0, 3, campaigns)]
    idx = np.arange(rows)
    camp = idx % campaigns
    dates = np.datetime64("2025-01-01") + (idx // campaigns).astype("timedelta64[D]")
    impressions = rng.poisson(5000, rows)
    clicks = rng.binomial(impressions, 0.02)
    conversions = rng.binomial(clicks, 0.05)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(dates),
            "campaign_id": pd.Series(camp).map(lambda c: f"c{c:05d}").to_numpy(),
            "channel": camp_channel[camp],
            "audience": camp_audience[camp],
            "spend": rng.gamma(2.0, 50.0, rows).round(2),
            "impressions": impressions,
            "clicks": clicks,
            "conversions": conversions,
            "revenue": (conversions * rng.gamma(3.0, 30.0, rows)).round(2),
            "engagements": rng.binomial(impressions, 0.01),
            "new_customers": rng.binomial(conversions, 0.6),
        }
    )


def main(rows: int = 1_000_000) -> float:
    t0 = time.perf_counter()
    tables = {"campaign_daily": synthetic_campaign_daily(rows)}
    print(f"built {rows:,} rows in {time.perf_counter() - t0:.1f} s")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        result = compute_kpis(tables, by=["channel"], grain="month")
        times.append(time.perf_counter() - t)
    best, median = min(times), statistics.median(times)
    print(f"compute_kpis(by=['channel'], grain='month'), {len(result.kpis)} KPIs -> {len(result)} rows")
    print(f"best of 5: {best:.3f} s   median: {median:.3f} s   target: <= {TARGET_SECONDS:.1f} s")
    print("PASS" if best <= TARGET_SECONDS else "FAIL")
    return best


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
