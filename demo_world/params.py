"""Frozen parameter records of the demo world (what ``truth.json`` stores) and their JSON round trip."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import hyp2f1

from demo_world.events import holiday_multipliers
from demo_world.structure import Promotion, TrendBreak, structure_multipliers


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class CampaignParams:
    """One campaign: attributes, lifetime, funnel rates and its TRUE response.

    True incremental conversions per day = ``max_effect · q_t · hill(adstock(spend))`` where the adstock is
    normalised geometric (``adstock_decay``), the Hill curve has ``half_saturation`` (currency/day) and
    ``hill_shape``, and ``q_t`` is the quality multiplier (1 unless a planted problem acts).
    Revenue = conversions × ``aov`` (currency per conversion, expectation).
    """

    campaign_id: str
    channel: str
    start: date
    end: date
    audience: str
    creative_type: str
    objective: str
    region: str
    adstock_decay: float
    half_saturation: float
    hill_shape: float
    max_effect: float
    aov: float
    base_budget: float
    cpm: float
    ctr: float
    engagement_rate: float
    new_customer_rate: float

    def to_dict(self) -> dict[str, Any]:
        return {k: _to_jsonable(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CampaignParams:
        kw = {f.name: d[f.name] for f in fields(cls)}
        kw["start"] = date.fromisoformat(str(kw["start"]))
        kw["end"] = date.fromisoformat(str(kw["end"]))
        return cls(**kw)


@dataclass(frozen=True)
class BaselineParams:
    """Organic (non-media) demand: conversions per day and their revenue.

    ``conversions(t) = level · exp(growth · years since start) · weekly[weekday] · yearly(t) · holiday(t)``
    with ``yearly(t) = 1 + Σ_k a_k sin(2πk·doy/365.25) + b_k cos(2πk·doy/365.25)`` (k = 1, 2; ``fourier`` is
    ``[a1, b1, a2, b2]``) and holiday multipliers per event name (US federal holidays of the ``holidays``
    package, actual dates, plus Black Friday and Cyber Monday). Revenue = conversions × ``aov``.

    Optional structure (``structure.py``; empty in the default world and then absent from ``to_dict``): the
    product is further multiplied by every promotion's ``lift`` inside its window and every trend break's
    ``level · exp(growth · years since the break)`` from its start.
    """

    origin: date
    level: float
    growth: float
    weekly: tuple[float, ...]
    fourier: tuple[float, ...]
    holidays: dict[str, float] = field(default_factory=dict)
    aov: float = 70.0
    promotions: tuple[Promotion, ...] = ()
    trend_breaks: tuple[TrendBreak, ...] = ()

    def conversions(self, dates: pd.DatetimeIndex) -> NDArray[np.float64]:
        """Expected organic conversions for each date (shape ``(len(dates),)``)."""
        years = np.asarray((dates - pd.Timestamp(self.origin)).days, dtype=float) / 365.25
        trend = self.level * np.exp(self.growth * years)
        weekly = np.asarray(self.weekly)[dates.dayofweek]
        doy = np.asarray(dates.dayofyear, dtype=float)
        yearly = np.ones(len(dates))
        for k in (1, 2):
            a, b = self.fourier[2 * (k - 1)], self.fourier[2 * (k - 1) + 1]
            yearly += a * np.sin(2 * np.pi * k * doy / 365.25) + b * np.cos(2 * np.pi * k * doy / 365.25)
        out = np.asarray(trend * weekly * yearly * holiday_multipliers(dates, self.holidays), dtype=float)
        if self.promotions or self.trend_breaks:
            out = out * structure_multipliers(dates, self.promotions, self.trend_breaks)
        return out

    def to_dict(self) -> dict[str, Any]:
        d = {k: _to_jsonable(v) for k, v in asdict(self).items() if k not in ("promotions", "trend_breaks")}
        if self.promotions:
            d["promotions"] = [p.to_dict() for p in self.promotions]
        if self.trend_breaks:
            d["trend_breaks"] = [b.to_dict() for b in self.trend_breaks]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BaselineParams:
        return cls(
            origin=date.fromisoformat(str(d["origin"])),
            level=float(d["level"]),
            growth=float(d["growth"]),
            weekly=tuple(float(v) for v in d["weekly"]),
            fourier=tuple(float(v) for v in d["fourier"]),
            holidays={str(k): float(v) for k, v in d["holidays"].items()},
            aov=float(d["aov"]),
            promotions=tuple(Promotion.from_dict(p) for p in d.get("promotions", [])),
            trend_breaks=tuple(TrendBreak.from_dict(b) for b in d.get("trend_breaks", [])),
        )


@dataclass(frozen=True)
class ClvParams:
    """Repeat buying of customers acquired through one channel (time unit: days).

    BG/NBD: purchase rate ``λ ~ Gamma(r, rate alpha)``, drop-out probability after each repeat
    purchase ``p ~ Beta(a, b)``. Gamma-Gamma: order value ``z ~ Gamma(p_gg, rate ν)``,
    ``ν ~ Gamma(q_gg, rate gamma_gg)``, so the mean order value is ``p_gg · gamma_gg / (q_gg − 1)``.
    The first (acquisition) order is drawn from the same order-value distribution.
    """

    r: float
    alpha: float
    a: float
    b: float
    p_gg: float
    q_gg: float
    gamma_gg: float

    @property
    def mean_order_value(self) -> float:
        return self.p_gg * self.gamma_gg / (self.q_gg - 1.0)

    def expected_repeat(self, t: float) -> float:
        """Expected repeat purchases in ``(0, t]`` days after acquisition (Fader, Hardie & Lee 2005)."""
        r, al, a, b = self.r, self.alpha, self.a, self.b
        z = t / (al + t)
        return float((a + b - 1) / (a - 1) * (1 - (al / (al + t)) ** r * hyp2f1(r, b, a + b - 1, z)))

    def clv(self, horizon_days: float) -> float:
        """Expected undiscounted revenue per acquired customer over ``horizon_days``, first order included."""
        return self.mean_order_value * (1.0 + self.expected_repeat(horizon_days))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClvParams:
        return cls(**{f.name: float(d[f.name]) for f in fields(cls)})


@dataclass(frozen=True)
class Problem:
    """A planted problem: where (campaign or channel), what, at which funnel stage, from when, how strong.

    ``effect`` is the multiplier the problem applies (CTR floor for fatigue, conversion-rate multiplier for
    a broken landing page or a poor audience, budget multiplier for a mis-funded channel).
    """

    kind: str
    stage: str
    start: date
    channel: str
    campaign_id: str | None = None
    effect: float = 1.0
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {k: _to_jsonable(v) for k, v in asdict(self).items()}
        if d["campaign_id"] is None:
            del d["campaign_id"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Problem:
        return cls(
            kind=str(d["kind"]),
            stage=str(d["stage"]),
            start=date.fromisoformat(str(d["start"])),
            channel=str(d["channel"]),
            campaign_id=d.get("campaign_id"),
            effect=float(d.get("effect", 1.0)),
            details=dict(d.get("details", {})),
        )
