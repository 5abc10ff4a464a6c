"""Optional structural variety of a demo world: promotion windows, trend breaks and extra channels.

The default ``WorldStructure()`` is the classic demo world (no promotion, one smooth trend, the six channels of
``channels.CHANNELS``); a generated default world is byte-identical to one generated before this module existed,
and its ``truth.json`` has no ``structure`` key. A non-default structure is recorded in ``truth.json``
(``structure``: this record; ``baseline.promotions`` / ``baseline.trend_breaks``: what the baseline applies),
and ``TrueWorld`` honours it for future dates too (a promotion or break after the history end acts on plans).

Promotions and trend breaks act on the organic baseline demand (SPEC §7 worlds the forecaster must not be biased
on); the media response is unchanged. Dates are inclusive; multipliers are dimensionless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.channels import EXTRA_CHANNELS


def _positive(name: str, value: float) -> None:
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


@dataclass(frozen=True)
class Promotion:
    """A promotion window: organic conversions are multiplied by ``lift`` on every day of ``[start, end]``."""

    start: date
    end: date
    lift: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"promotion end {self.end} is before its start {self.start}")
        _positive("promotion lift", self.lift)

    def multipliers(self, dates: pd.DatetimeIndex) -> NDArray[np.float64]:
        """``lift`` inside the window, 1 outside (shape ``(len(dates),)``)."""
        inside = (dates >= pd.Timestamp(self.start)) & (dates <= pd.Timestamp(self.end))
        return np.where(inside, self.lift, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "lift": self.lift}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Promotion:
        return cls(date.fromisoformat(str(d["start"])), date.fromisoformat(str(d["end"])), float(d["lift"]))


@dataclass(frozen=True)
class TrendBreak:
    """A trend break on ``start``: from that day on, organic conversions are multiplied by
    ``level · exp(growth · years since start)`` (``level``: a step, e.g. 0.8 for a 20% drop; ``growth``: the
    change of the annual log growth rate, e.g. -0.1). Breaks compound."""

    start: date
    level: float = 1.0
    growth: float = 0.0

    def __post_init__(self) -> None:
        _positive("trend break level", self.level)
        if not np.isfinite(self.growth):
            raise ValueError(f"trend break growth must be finite, got {self.growth!r}")

    def multipliers(self, dates: pd.DatetimeIndex) -> NDArray[np.float64]:
        """1 before ``start``, ``level · exp(growth · years since start)`` from it (shape ``(len(dates),)``)."""
        years = np.asarray((dates - pd.Timestamp(self.start)).days, dtype=float) / 365.25
        return np.where(years >= 0, self.level * np.exp(self.growth * np.maximum(years, 0.0)), 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "level": self.level, "growth": self.growth}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrendBreak:
        return cls(date.fromisoformat(str(d["start"])), float(d.get("level", 1.0)), float(d.get("growth", 0.0)))


@dataclass(frozen=True)
class WorldStructure:
    """The structure of a demo world beyond its seed.

    ``promotions`` and ``trend_breaks`` shape the organic baseline (see above); ``extra_channels`` adds that
    many channels of ``channels.EXTRA_CHANNELS`` (in that order, 0 to 4) to the six default ones, each with
    its own campaigns, response and customers (planted problems stay on the six default channels).
    """

    promotions: tuple[Promotion, ...] = ()
    trend_breaks: tuple[TrendBreak, ...] = ()
    extra_channels: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.extra_channels <= len(EXTRA_CHANNELS):
            raise ValueError(f"extra_channels must be 0 to {len(EXTRA_CHANNELS)}, got {self.extra_channels}")

    @property
    def is_default(self) -> bool:
        return self == WorldStructure()

    def to_dict(self) -> dict[str, Any]:
        return {
            "promotions": [p.to_dict() for p in self.promotions],
            "trend_breaks": [b.to_dict() for b in self.trend_breaks],
            "extra_channels": self.extra_channels,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorldStructure:
        return cls(
            promotions=tuple(Promotion.from_dict(p) for p in d.get("promotions", [])),
            trend_breaks=tuple(TrendBreak.from_dict(b) for b in d.get("trend_breaks", [])),
            extra_channels=int(d.get("extra_channels", 0)),
        )


def structure_multipliers(
    dates: pd.DatetimeIndex, promotions: tuple[Promotion, ...], trend_breaks: tuple[TrendBreak, ...]
) -> NDArray[np.float64]:
    """Product of every promotion and trend-break multiplier per date (all ones without any)."""
    out = np.ones(len(dates))
    for promotion in promotions:
        out = out * promotion.multipliers(dates)
    for trend_break in trend_breaks:
        out = out * trend_break.multipliers(dates)
    return out
