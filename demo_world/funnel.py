"""Observed tables from the true response: platforms' ``campaign_daily`` and the business ``outcomes_daily``.

Platform funnel per campaign-day: impressions = Poisson(spend / CPM · 1000) with a seasonal CPM (dearer in
Q4); clicks = Binomial(impressions, CTR · fatigue multiplier); reported conversions =
Poisson(claim factor · true incremental conversions · Gamma noise) — platforms over-claim, and a planted
problem that lowers the true response lowers the reported one alike; revenue = conversions · AOV · noise;
engagements = Binomial(impressions, engagement rate · fatigue multiplier); new customers =
Binomial(conversions, new-customer share of the audience).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.channels import AUDIENCE_NEW, profile
from demo_world.params import CampaignParams


def cpm_season(dates: pd.DatetimeIndex) -> NDArray[np.float64]:
    """CPM multiplier by day of year: +20% around late November, mildly cheaper in early Q1."""
    doy = np.asarray(dates.dayofyear, dtype=float)
    return np.asarray(1.0 + 0.2 * np.exp(-(((doy - 330.0) / 30.0) ** 2)) - 0.06 * np.exp(-(((doy - 20.0) / 25.0) ** 2)))


def campaign_daily(
    rng: np.random.Generator,
    campaigns: list[CampaignParams],
    dates: pd.DatetimeIndex,
    spend: NDArray[np.float64],
    incremental: NDArray[np.float64],
    ctr_mult: NDArray[np.float64],
    audiences: NDArray[np.str_],
) -> pd.DataFrame:
    """Platform-reported rows, one per date and campaign within the campaign's lifetime.

    ``spend``, ``incremental`` (true expected incremental conversions), ``ctr_mult`` and ``audiences``
    (the audience attribute per day) are ``(T, C)`` with columns in ``campaigns`` order.
    """
    season = cpm_season(dates)
    frames = []
    for j, c in enumerate(campaigns):
        i0 = (pd.Timestamp(c.start) - dates[0]).days
        i1 = (pd.Timestamp(c.end) - dates[0]).days + 1
        n = i1 - i0
        s = spend[i0:i1, j]
        cpm = c.cpm * season[i0:i1] * rng.lognormal(0.0, 0.08, n)
        impressions = rng.poisson(s / cpm * 1000.0)
        ctr = np.clip(c.ctr * ctr_mult[i0:i1, j] * rng.lognormal(0.0, 0.1, n), 0.0, 0.5)
        clicks = rng.binomial(impressions, ctr)
        claim = profile(c.channel).claim_factor
        conversions = rng.poisson(claim * incremental[i0:i1, j] * rng.gamma(30.0, 1 / 30.0, n))
        revenue = conversions * c.aov * rng.lognormal(-0.5 * 0.12**2, 0.12, n)
        eng_rate = np.clip(c.engagement_rate * ctr_mult[i0:i1, j] * rng.lognormal(0.0, 0.1, n), 0.0, 1.0)
        engagements = rng.binomial(impressions, eng_rate)
        aud = audiences[i0:i1, j]
        new_rate = np.array([AUDIENCE_NEW[a] for a in aud])
        new_customers = rng.binomial(conversions, new_rate)
        frames.append(
            pd.DataFrame(
                {
                    "date": dates[i0:i1],
                    "campaign_id": c.campaign_id,
                    "channel": c.channel,
                    "spend": s,
                    "impressions": impressions.astype(np.int64),
                    "clicks": clicks.astype(np.int64),
                    "conversions": conversions.astype(np.int64),
                    "revenue": np.round(revenue, 2),
                    "engagements": engagements.astype(np.int64),
                    "new_customers": new_customers.astype(np.int64),
                    "audience": aud,
                    "creative_type": c.creative_type,
                    "objective": c.objective,
                    "region": c.region,
                }
            )
        )
    df = pd.concat(frames, ignore_index=True).sort_values(["date", "campaign_id"], ignore_index=True)
    return df


def outcomes_daily(
    rng: np.random.Generator,
    dates: pd.DatetimeIndex,
    expected_conversions: NDArray[np.float64],
    expected_revenue: NDArray[np.float64],
) -> pd.DataFrame:
    """Business totals: conversions ~ Poisson(μ · Gamma(300, 1/300)) (overdispersed), revenue =
    expected revenue · (conversions / μ) · Gamma(150, 1/150); both unbiased for their expectations."""
    mu = expected_conversions
    conv = rng.poisson(mu * rng.gamma(300.0, 1 / 300.0, len(mu)))
    revenue = expected_revenue * conv / mu * rng.gamma(150.0, 1 / 150.0, len(mu))
    return pd.DataFrame({"date": dates, "conversions": conv.astype(np.int64), "revenue": np.round(revenue, 2)})
