"""Static profiles of the marketing channels of the demo world (the priors the generator samples from).

Money in USD; ``cpm`` per 1,000 impressions (sends for email); ``budget`` is a typical campaign's daily spend;
``roas`` is the TRUE incremental revenue per unit of spend at that typical budget; ``claim_factor`` is
how much the platform over-reports conversions relative to the true incremental ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelProfile:
    """Priors for one channel (see module docstring for units)."""

    name: str
    claim_factor: float
    cpm: float
    ctr: float
    engagement_rate: float
    roas: float
    budget: float
    aov: float
    decay: tuple[float, float]
    n_campaigns: tuple[int, int]
    weekday: tuple[float, ...]
    flighting: float
    creative_types: tuple[str, ...]
    audiences: tuple[str, ...]
    objectives: tuple[str, ...]
    clv: tuple[float, float, float, float]  # BG/NBD r, alpha (days), a, b


_WEEKDAY_B2C = (1.06, 1.05, 1.03, 1.0, 0.95, 0.92, 0.99)
_WEEKEND_HEAVY = (0.92, 0.93, 0.95, 0.98, 1.05, 1.1, 1.07)

# fmt: off
CHANNELS: tuple[ChannelProfile, ...] = (
    ChannelProfile(
        name="search", claim_factor=1.6, cpm=55.0, ctr=0.040, engagement_rate=0.002, roas=2.2, budget=600.0,
        aov=85.0, decay=(0.2, 0.35), n_campaigns=(3, 5), weekday=_WEEKDAY_B2C, flighting=0.0,
        creative_types=("text",), audiences=("prospecting", "retargeting", "broad"),
        objectives=("conversions", "traffic"), clv=(0.9, 120.0, 1.5, 4.0),
    ),
    ChannelProfile(
        name="social", claim_factor=1.3, cpm=9.0, ctr=0.012, engagement_rate=0.030, roas=1.5, budget=400.0,
        aov=70.0, decay=(0.3, 0.5), n_campaigns=(3, 5), weekday=_WEEKEND_HEAVY, flighting=0.4,
        creative_types=("static", "carousel", "video"), audiences=("prospecting", "lookalike", "retargeting"),
        objectives=("conversions", "traffic", "awareness"), clv=(0.7, 140.0, 2.0, 3.0),
    ),
    ChannelProfile(
        name="display", claim_factor=2.0, cpm=4.0, ctr=0.004, engagement_rate=0.002, roas=1.0, budget=300.0,
        aov=75.0, decay=(0.4, 0.6), n_campaigns=(3, 4), weekday=_WEEKDAY_B2C, flighting=0.6,
        creative_types=("static", "carousel"), audiences=("prospecting", "lookalike", "retargeting"),
        objectives=("awareness", "conversions"), clv=(0.6, 150.0, 2.2, 3.0),
    ),
    ChannelProfile(
        name="video", claim_factor=1.1, cpm=14.0, ctr=0.006, engagement_rate=0.020, roas=1.2, budget=350.0,
        aov=80.0, decay=(0.5, 0.7), n_campaigns=(2, 4), weekday=_WEEKEND_HEAVY, flighting=0.7,
        creative_types=("video",), audiences=("prospecting", "lookalike", "broad"),
        objectives=("awareness", "conversions"), clv=(0.7, 130.0, 1.8, 3.5),
    ),
    ChannelProfile(
        name="email", claim_factor=1.4, cpm=1.5, ctr=0.012, engagement_rate=0.150, roas=4.0, budget=60.0,
        aov=65.0, decay=(0.3, 0.5), n_campaigns=(2, 3), weekday=(1.0,) * 7, flighting=0.0,
        creative_types=("text", "static"), audiences=("retargeting",),
        objectives=("retention", "conversions"), clv=(1.2, 100.0, 1.3, 5.0),
    ),
    ChannelProfile(
        name="affiliate", claim_factor=1.5, cpm=6.0, ctr=0.010, engagement_rate=0.003, roas=2.5, budget=250.0,
        aov=78.0, decay=(0.2, 0.4), n_campaigns=(2, 3), weekday=_WEEKDAY_B2C, flighting=0.0,
        creative_types=("text", "static"), audiences=("prospecting", "broad"),
        objectives=("conversions",), clv=(0.8, 130.0, 1.8, 3.2),
    ),
)

#: Channels a ``WorldStructure(extra_channels=k)`` adds (the first ``k``, in this order); none by default.
EXTRA_CHANNELS: tuple[ChannelProfile, ...] = (
    ChannelProfile(
        name="podcast", claim_factor=1.2, cpm=18.0, ctr=0.003, engagement_rate=0.010, roas=1.3, budget=250.0,
        aov=90.0, decay=(0.6, 0.8), n_campaigns=(2, 3), weekday=_WEEKDAY_B2C, flighting=0.5,
        creative_types=("video",), audiences=("prospecting", "broad"),
        objectives=("awareness", "conversions"), clv=(0.8, 130.0, 1.9, 3.2),
    ),
    ChannelProfile(
        name="native", claim_factor=1.7, cpm=5.0, ctr=0.006, engagement_rate=0.004, roas=1.4, budget=200.0,
        aov=72.0, decay=(0.3, 0.5), n_campaigns=(2, 3), weekday=_WEEKDAY_B2C, flighting=0.3,
        creative_types=("static", "carousel"), audiences=("prospecting", "lookalike"),
        objectives=("traffic", "conversions"), clv=(0.7, 140.0, 2.0, 3.0),
    ),
    ChannelProfile(
        name="influencer", claim_factor=1.3, cpm=12.0, ctr=0.015, engagement_rate=0.040, roas=1.6, budget=300.0,
        aov=68.0, decay=(0.4, 0.6), n_campaigns=(2, 3), weekday=_WEEKEND_HEAVY, flighting=0.6,
        creative_types=("video", "static"), audiences=("lookalike", "prospecting"),
        objectives=("awareness", "conversions"), clv=(0.7, 135.0, 1.9, 3.3),
    ),
    ChannelProfile(
        name="sms", claim_factor=1.3, cpm=8.0, ctr=0.030, engagement_rate=0.050, roas=3.0, budget=50.0,
        aov=60.0, decay=(0.2, 0.4), n_campaigns=(1, 2), weekday=(1.0,) * 7, flighting=0.0,
        creative_types=("text",), audiences=("retargeting",),
        objectives=("retention", "conversions"), clv=(1.1, 110.0, 1.4, 4.5),
    ),
)
# fmt: on

#: Multipliers of the true conversion rate (and hence response) by audience; "broad" is the poor audience.
AUDIENCE_CVR = {"retargeting": 1.4, "lookalike": 1.1, "prospecting": 0.95, "broad": 0.6}
#: Share of converters who are new customers, by audience.
AUDIENCE_NEW = {"retargeting": 0.25, "lookalike": 0.65, "prospecting": 0.7, "broad": 0.72}
#: CTR multipliers by creative type.
CREATIVE_CTR = {"text": 1.0, "static": 1.0, "carousel": 1.15, "video": 1.1}
REGIONS = ("northeast", "south", "midwest", "west")


def profile(name: str) -> ChannelProfile:
    """The profile of channel ``name``, default or extra (KeyError when unknown)."""
    for ch in (*CHANNELS, *EXTRA_CHANNELS):
        if ch.name == name:
            return ch
    raise KeyError(name)
