"""Calibration of the TRUE response: half-saturation, shape and max effect of every campaign.

Half-saturation sits near a campaign's typical pre-problem spend (lower for the over-funded channel, far higher
for the under-funded one, low for capacity-limited email); the max effect gives the channel's true ROAS at that
typical spend. The under-funded channel is then scaled to have the best marginal ROAS at the end of history.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.campaigns import Skeleton
from demo_world.channels import AUDIENCE_CVR, profile
from demo_world.params import CampaignParams
from demo_world.transforms import hill

#: The under-funded channel is an efficient one: its true ROAS is this much above its profile's.
UNDER_FUNDED_ROAS_BOOST = 1.8
#: ... and its marginal ROAS at the end of the history is at least this multiple of any other channel's.
UNDER_FUNDED_MARGIN = 1.15


def calibrate(
    rng: np.random.Generator,
    sk: Skeleton,
    spend: NDArray[np.float64],
    dates: pd.DatetimeIndex,
    cutoff: int,
    over: str,
    under: str,
) -> CampaignParams:
    """Turn a skeleton into parameters: half-saturation near its typical (pre-problem) spend — lower for the
    over-funded channel, higher for the under-funded one — and a max effect giving the channel's true ROAS
    (scaled by the audience's conversion multiplier) at that typical spend."""
    hi = max(min(sk.end, cutoff - 1), sk.start)
    typical = float(spend[sk.start : hi + 1].mean())
    if typical <= 0:
        typical = float(spend[sk.start : sk.end + 1].mean()) or sk.base_budget
    shape = sk.hill_shape
    if sk.channel == over:
        k = typical * rng.uniform(0.45, 0.6)
    elif sk.channel == under:
        # far below half-saturation; a shape near 1 keeps the curve concave there (no S-bend to climb)
        k = typical * rng.uniform(2.2, 3.0)
        shape = 1.0 + 0.2 * (shape - 1.0)
    elif sk.channel == "email":
        # capacity-limited by the mailing list: high average ROAS, little to gain from more sends
        k = typical * rng.uniform(0.25, 0.35)
    else:
        k = typical * rng.uniform(0.7, 1.4)
    efficient = UNDER_FUNDED_ROAS_BOOST if sk.channel == under else 1.0
    roas = profile(sk.channel).roas * efficient * AUDIENCE_CVR[sk.audience] * rng.lognormal(0.0, 0.15)
    beta = roas * typical / (sk.aov * float(hill(typical, k, shape)))
    return CampaignParams(
        campaign_id=sk.campaign_id,
        channel=sk.channel,
        start=dates[sk.start].date(),
        end=dates[sk.end].date(),
        audience=sk.audience,
        creative_type=sk.creative_type,
        objective=sk.objective,
        region=sk.region,
        adstock_decay=sk.adstock_decay,
        half_saturation=float(k),
        hill_shape=float(shape),
        max_effect=float(beta),
        aov=sk.aov,
        base_budget=sk.base_budget,
        cpm=sk.cpm,
        ctr=sk.ctr,
        engagement_rate=sk.engagement_rate,
        new_customer_rate=sk.new_customer_rate,
    )


def marginal_roas(
    campaigns: list[CampaignParams], recent_spend: NDArray[np.float64], quality: NDArray[np.float64]
) -> dict[str, float]:
    """Per channel: spend-weighted marginal true ROAS (revenue per extra unit of spend) at the mean daily
    spend of the last days (``recent_spend`` ``(D, C)``), using the steady-state adstock (= spend)."""
    x = recent_spend.mean(axis=0)
    out: dict[str, float] = {}
    for ch in dict.fromkeys(c.channel for c in campaigns):
        num = den = 0.0
        for j, c in enumerate(campaigns):
            if c.channel != ch or x[j] <= 0:
                continue
            h = float(hill(x[j], c.half_saturation, c.hill_shape))
            slope = c.hill_shape * h * (1 - h) / x[j]
            num += x[j] * c.max_effect * quality[j] * slope * c.aov
            den += x[j]
        out[ch] = float(num / den) if den > 0 else 0.0
    return out


def make_under_funded_the_best(
    campaigns: list[CampaignParams], recent_spend: NDArray[np.float64], quality: NDArray[np.float64], under: str
) -> list[CampaignParams]:
    """Scale the under-funded channel's max effects so that its marginal ROAS at the end of the history is
    at least ``UNDER_FUNDED_MARGIN`` × every other channel's (it is the efficient channel by definition)."""
    m = marginal_roas(campaigns, recent_spend, quality)
    best_other = max(v for ch, v in m.items() if ch != under)
    if m[under] <= 0 or m[under] >= UNDER_FUNDED_MARGIN * best_other:
        return campaigns
    factor = UNDER_FUNDED_MARGIN * best_other / m[under]
    return [replace(c, max_effect=c.max_effect * factor) if c.channel == under else c for c in campaigns]
