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

CHANNELS: tuple[ChannelProfile, ...] = (
    ChannelProfile(
        "search",
        1.6,
        55.0,
        0.040,
        0.002,
        2.2,
        600.0,
        85.0,
        (0.2, 0.35),
        (3, 5),
        _WEEKDAY_B2C,
        0.0,
        ("text",),
        ("prospecting", "retargeting", "broad"),
        ("conversions", "traffic"),
        (0.9, 120.0, 1.5, 4.0),
    ),
    ChannelProfile(
        "social",
        1.3,
        9.0,
        0.012,
        0.030,
        1.5,
        400.0,
        70.0,
        (0.3, 0.5),
        (3, 5),
        _WEEKEND_HEAVY,
        0.4,
        ("static", "carousel", "video"),
        ("prospecting", "lookalike", "retargeting"),
        ("conversions", "traffic", "awareness"),
        (0.7, 140.0, 2.0, 3.0),
    ),
    ChannelProfile(
        "display",
        2.0,
        4.0,
        0.004,
        0.002,
        1.0,
        300.0,
        75.0,
        (0.4, 0.6),
        (3, 4),
        _WEEKDAY_B2C,
        0.6,
        ("static", "carousel"),
        ("prospecting", "lookalike", "retargeting"),
        ("awareness", "conversions"),
        (0.6, 150.0, 2.2, 3.0),
    ),
    ChannelProfile(
        "video",
        1.1,
        14.0,
        0.006,
        0.020,
        1.2,
        350.0,
        80.0,
        (0.5, 0.7),
        (2, 4),
        _WEEKEND_HEAVY,
        0.7,
        ("video",),
        ("prospecting", "lookalike", "broad"),
        ("awareness", "conversions"),
        (0.7, 130.0, 1.8, 3.5),
    ),
    ChannelProfile(
        "email",
        1.4,
        1.5,
        0.012,
        0.150,
        5.0,
        60.0,
        65.0,
        (0.3, 0.5),
        (2, 3),
        (1.0,) * 7,
        0.0,
        ("text", "static"),
        ("retargeting",),
        ("retention", "conversions"),
        (1.2, 100.0, 1.3, 5.0),
    ),
    ChannelProfile(
        "affiliate",
        1.5,
        6.0,
        0.010,
        0.003,
        2.5,
        250.0,
        78.0,
        (0.2, 0.4),
        (2, 3),
        _WEEKDAY_B2C,
        0.0,
        ("text", "static"),
        ("prospecting", "broad"),
        ("conversions",),
        (0.8, 130.0, 1.8, 3.2),
    ),
)

#: Multipliers of the true conversion rate (and hence response) by audience; "broad" is the poor audience.
AUDIENCE_CVR = {"retargeting": 1.4, "lookalike": 1.1, "prospecting": 0.95, "broad": 0.6}
#: Share of converters who are new customers, by audience.
AUDIENCE_NEW = {"retargeting": 0.25, "lookalike": 0.65, "prospecting": 0.7, "broad": 0.72}
#: CTR multipliers by creative type.
CREATIVE_CTR = {"text": 1.0, "static": 1.0, "carousel": 1.15, "video": 1.1}
REGIONS = ("northeast", "south", "midwest", "west")


def profile(name: str) -> ChannelProfile:
    """The profile of channel ``name`` (KeyError when unknown)."""
    for ch in CHANNELS:
        if ch.name == name:
            return ch
    raise KeyError(name)
