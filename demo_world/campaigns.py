"""Campaign skeletons (attributes, lifetimes, funnel rates) and their daily spend plans.

Spend varies in ways that make the response identifiable: budget levels change every 2–6 weeks,
some campaigns run in flights (on/off pulses), a channel weekday pattern, a mild Q4 push and daily noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.channels import AUDIENCE_NEW, CHANNELS, CREATIVE_CTR, REGIONS, ChannelProfile


@dataclass
class Skeleton:
    """A campaign before its response is calibrated (mutable while the world is being built).

    ``start``/``end`` are day indices into the history (inclusive); ``anchor`` marks the long-running
    campaigns eligible for planted problems.
    """

    campaign_id: str
    channel: str
    start: int
    end: int
    audience: str
    creative_type: str
    objective: str
    region: str
    base_budget: float
    cpm: float
    ctr: float
    engagement_rate: float
    aov: float
    adstock_decay: float
    hill_shape: float
    anchor: bool

    @property
    def new_customer_rate(self) -> float:
        return AUDIENCE_NEW[self.audience]


def sample_skeletons(rng: np.random.Generator, n_days: int, extra: tuple[ChannelProfile, ...] = ()) -> list[Skeleton]:
    """Campaigns per channel (within each profile's range; the six default channels' total clipped to 15–25,
    the ``extra`` channels' campaigns added after them), with lifetimes: campaign 1 of a channel runs the whole
    history, campaign 2 starts in the first 30% and runs to the end, the others start anywhere in the first 60%
    and a third of them stop early (after ≥ 90 days)."""
    out: list[Skeleton] = []
    channels = (*CHANNELS, *extra)
    counts = {ch.name: int(rng.integers(ch.n_campaigns[0], ch.n_campaigns[1] + 1)) for ch in channels}
    while sum(counts[ch.name] for ch in CHANNELS) < 15:
        counts["search"] += 1
    for ch in CHANNELS:
        for k in range(counts[ch.name]):
            out.append(_skeleton(rng, ch, k, n_days))
    out = out[:25]
    for ch in extra:
        for k in range(counts[ch.name]):
            out.append(_skeleton(rng, ch, k, n_days))
    return out


def _skeleton(rng: np.random.Generator, ch: ChannelProfile, k: int, n_days: int) -> Skeleton:
    if k == 0:
        start, end = 0, n_days - 1
    elif k == 1:
        start, end = int(rng.integers(0, max(1, int(0.3 * n_days)))), n_days - 1
    else:
        start = int(rng.integers(0, max(1, int(0.6 * n_days))))
        end = n_days - 1
        if rng.random() < 1 / 3 and n_days - start > 120:
            end = int(rng.integers(start + 90, n_days - 30))
    creative = str(rng.choice(ch.creative_types))
    audience = str(rng.choice(ch.audiences))
    return Skeleton(
        campaign_id=f"{ch.name}-{k + 1:02d}",
        channel=ch.name,
        start=start,
        end=end,
        audience=audience,
        creative_type=creative,
        objective=str(rng.choice(ch.objectives)),
        region=str(rng.choice(REGIONS)),
        base_budget=float(ch.budget * rng.lognormal(0.0, 0.3)),
        cpm=float(ch.cpm * rng.lognormal(0.0, 0.15)),
        ctr=float(ch.ctr * CREATIVE_CTR[creative] * rng.lognormal(0.0, 0.15)),
        engagement_rate=float(ch.engagement_rate * rng.lognormal(0.0, 0.2)),
        aov=float(ch.aov * rng.lognormal(0.0, 0.12)),
        adstock_decay=float(rng.uniform(*ch.decay)),
        hill_shape=float(rng.uniform(1.0, 2.0)),
        anchor=k <= 1,
    )


def _segments(rng: np.random.Generator, n: int, lo: int, hi: int) -> NDArray[np.int64]:
    """Segment id per day for segments of random length in [lo, hi] days."""
    lengths = rng.integers(lo, hi + 1, size=n // lo + 2)
    return np.repeat(np.arange(len(lengths)), lengths)[:n]


def sample_spend(
    rng: np.random.Generator,
    sk: Skeleton,
    dates: pd.DatetimeIndex,
    channel: ChannelProfile,
    budget_multiplier: NDArray[np.float64],
    always_on: bool = False,
) -> NDArray[np.float64]:
    """Daily spend (currency, rounded to cents, shape ``(T,)``) of one campaign; zero outside its lifetime.

    ``budget_multiplier`` (shape ``(T,)``) carries planted budget changes of the channel; ``always_on``
    disables flighting (used for campaigns with a planted problem, so that its onset is observable).
    """
    n = len(dates)
    span = sk.end - sk.start + 1
    level = np.clip(rng.lognormal(0.0, 0.35, size=n // 14 + 3), 0.35, 2.5)[_segments(rng, span, 14, 42)]
    flight = np.ones(span)
    if rng.random() < channel.flighting and not always_on:
        on = True
        day = 0
        while day < span:
            length = int(rng.integers(14, 36)) if on else int(rng.integers(5, 15))
            if not on:
                flight[day : day + length] = 0.0 if rng.random() < 0.5 else 0.15
            day += length
            on = not on
    dow = dates.dayofweek[sk.start : sk.end + 1]
    if channel.name == "email":
        send_days = rng.choice(7, size=int(rng.integers(2, 4)), replace=False)
        weekday = np.where(np.isin(dow, send_days), 7.0 / len(send_days), 0.0)
    else:
        weekday = np.asarray(channel.weekday)[dow]
    doy = np.asarray(dates.dayofyear[sk.start : sk.end + 1], dtype=float)
    q4 = 1.0 + 0.12 * np.exp(-(((doy - 335.0) / 25.0) ** 2))
    ramp = np.minimum(1.0, 0.4 + 0.6 * (np.arange(span) + 1) / 7.0) if sk.start > 0 else np.ones(span)
    noise = rng.lognormal(0.0, 0.12, size=span)
    daily = sk.base_budget * level * flight * weekday * q4 * ramp * noise
    spend = np.zeros(n)
    spend[sk.start : sk.end + 1] = np.round(daily * budget_multiplier[sk.start : sk.end + 1], 2)
    return spend
