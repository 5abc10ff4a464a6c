"""Channel attribution: what the platforms reported next to the estimated incremental effect.

Reported conversions and revenue are sums of ``campaign_daily``. Incremental ones come from a fitted media
response model per KPI (:class:`models.response.ResponseModel`, fitted on ``outcomes_daily``): each
channel's contribution is its response curve applied to its daily spend history (adstock from zero at the
first day), summed over the period. The 95 % interval scales the contribution with the channel
coefficient's standard error (β ± 1.96·se; curve shape held fixed). Without a response model the incremental
fields are ``None`` and ``incremental_source`` says ``"unavailable"`` — nothing is guessed.

Over/under-claim ratio = reported / incremental (> 1: the platform claims more than it causes).
Incremental ROI = (incremental revenue − spend) / spend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from advisor.diagnostics.incremental import ResponseLike, fitted_contribution
from advisor.kpis.measures import MeasureCache

UNAVAILABLE = "unavailable: no response model fitted on outcomes_daily (run `kpi-advisor train` with outcomes_daily)"


@dataclass(frozen=True)
class ChannelAttribution:
    """One channel over the period. Money in currency units, conversions in counts; intervals are 95 %. Reported
    figures are NaN when the data has none (campaign rows derived from an ``mmm`` table)."""

    channel: str
    spend: float
    reported_conversions: float
    reported_revenue: float
    incremental_conversions: float | None = None
    incremental_conversions_95: tuple[float, float] | None = None
    incremental_revenue: float | None = None
    incremental_revenue_95: tuple[float, float] | None = None
    incremental_source: str = UNAVAILABLE

    @property
    def incremental_roi(self) -> float | None:
        if self.incremental_revenue is None or self.spend <= 0:
            return None
        return (self.incremental_revenue - self.spend) / self.spend

    @property
    def incremental_roi_95(self) -> tuple[float, float] | None:
        if self.incremental_revenue_95 is None or self.spend <= 0:
            return None
        lo, hi = self.incremental_revenue_95
        return ((lo - self.spend) / self.spend, (hi - self.spend) / self.spend)

    def claim_ratio(self, kpi: str) -> float | None:
        """reported / incremental for ``conversions`` or ``revenue`` (None when not estimable)."""
        rep = self.reported_conversions if kpi == "conversions" else self.reported_revenue
        inc = self.incremental_conversions if kpi == "conversions" else self.incremental_revenue
        return rep / inc if inc is not None and inc > 0 and np.isfinite(rep) else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "spend": self.spend,
            "reported_conversions": self.reported_conversions,
            "reported_revenue": self.reported_revenue,
            "incremental_conversions": self.incremental_conversions,
            "incremental_conversions_95": list(self.incremental_conversions_95 or []) or None,
            "incremental_revenue": self.incremental_revenue,
            "incremental_revenue_95": list(self.incremental_revenue_95 or []) or None,
            "incremental_roi": self.incremental_roi,
            "incremental_roi_95": list(self.incremental_roi_95 or []) or None,
            "claim_ratio_conversions": self.claim_ratio("conversions"),
            "claim_ratio_revenue": self.claim_ratio("revenue"),
            "incremental_source": self.incremental_source,
        }


def _incremental(
    model: ResponseLike, channel: str, spend: pd.Series, mask: np.ndarray, contrib: np.ndarray | None = None
) -> tuple[float, tuple[float, float]] | None:
    """Incremental total over ``mask`` of the daily ``spend`` history and its 95 % interval; ``contrib``: the
    channel's daily contribution over the whole history when already computed (:func:`_contribution`)."""
    f = model.fitted
    if channel not in f.channels:
        return None
    j = f.channels.index(channel)
    tr = f.transforms[channel]
    contrib = _contribution(model, channel, spend) if contrib is None else contrib
    total = float(contrib[mask].sum())
    se = float(np.sqrt(max(f.beta_cov[j][j], 0.0)))
    rel = se / tr.beta if tr.beta > 0 else float("inf")
    lo, hi = max(total * (1 - 1.96 * rel), 0.0), total * (1 + 1.96 * rel)
    return total, (lo, hi)


def _contribution(model: ResponseLike, channel: str, spend: pd.Series) -> np.ndarray:
    """The channel's daily contribution under ``model`` over the daily ``spend`` history: the fit's own on the days
    it was fitted on (``advisor.diagnostics.incremental.fitted_contribution``), else the curve (adstock from
    zero)."""
    tr = model.fitted.transforms[channel]
    values = np.asarray(tr.response(spend.to_numpy(float), initial=0.0), dtype=float)
    known = fitted_contribution(model, channel, spend.index) if isinstance(spend.index, pd.DatetimeIndex) else None
    return values if known is None else np.where(np.isnan(known), values, known)


def _owned_contribution(model: ResponseLike, channel: str, spend: pd.Series) -> tuple[ResponseLike, np.ndarray]:
    return model, _contribution(model, channel, spend)  # the entry holds the model: its id is not reused


def _grain(dates: pd.Series) -> str:
    """``"7D"`` when the rows are weekly (every gap between distinct dates a whole number of weeks), else ``"D"``:
    a weekly model's transforms are per week, so its spend history must not be padded with zero days."""
    days = pd.DatetimeIndex(dates.unique()).sort_values()
    gaps = np.diff(days.asi8) // 86_400_000_000_000 if len(days) > 1 else np.array([1])
    return "7D" if len(gaps) and np.all(gaps % 7 == 0) and gaps.min() >= 7 else "D"


def _period_sums(rows: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Spend, conversions and revenue per period (every period from the first to the last, missing ones 0); a
    reported column with no figure at all (rows derived from an ``mmm`` table) stays NaN rather than 0."""
    sums = rows.groupby("date")[["spend", "conversions", "revenue"]].sum(min_count=1)
    full = pd.date_range(sums.index.min(), sums.index.max(), freq=freq) if len(sums) else sums.index
    sums = sums.reindex(full)
    for col in ("spend", "conversions", "revenue"):
        if col == "spend" or rows[col].notna().any():
            sums[col] = sums[col].fillna(0.0)
    return sums


def _window_sum(values: pd.Series) -> float:
    """Sum over a window; NaN when every value is NaN (no reported figure), 0.0 for an empty window."""
    return float(values.sum(min_count=1)) if len(values) else 0.0


def _channel_daily(campaign_daily: pd.DataFrame, channel: str) -> pd.DataFrame:
    """Spend, conversions and revenue of ``channel`` per period (days, or weeks for weekly rows; every period
    from its first to its last)."""
    names = campaign_daily["channel"].astype(str)
    rows = campaign_daily[names == channel]
    rows = rows.assign(date=pd.to_datetime(rows["date"]))
    return _period_sums(rows, _grain(pd.to_datetime(campaign_daily["date"])))


def attribution(
    campaign_daily: pd.DataFrame,
    start: date | str | None = None,
    end: date | str | None = None,
    response: Mapping[str, ResponseLike] | None = None,
    channels: list[str] | None = None,
    cache: MeasureCache | None = None,
) -> list[ChannelAttribution]:
    """Per channel (all, or ``channels``): reported vs incremental over ``start``..``end`` (inclusive).

    ``response``: fitted response models by KPI id (``"conversions"``, ``"revenue"``), or None. ``cache``: a
    :class:`~advisor.kpis.measures.MeasureCache` kept with ``campaign_daily``: each channel's daily series and
    its contribution under each response model (they do not depend on the period) are computed once; same
    result.
    """
    if cache is not None and start is not None and end is not None and channels is not None:
        return [_attribution_cached(campaign_daily, ch, start, end, response, cache) for ch in channels]
    names = campaign_daily["channel"].astype(str)
    df = campaign_daily if channels is None else campaign_daily[names.isin(channels)]
    df = df.assign(date=pd.to_datetime(df["date"]), channel=names[df.index])
    d0 = pd.Timestamp(start) if start is not None else df["date"].min()
    d1 = pd.Timestamp(end) if end is not None else df["date"].max()
    out = []
    freq = _grain(df["date"])
    for ch in channels or sorted(df["channel"].unique()):
        daily = _period_sums(df[df["channel"] == ch], freq)
        mask = ((daily.index >= d0) & (daily.index <= d1))
        sums = daily[mask].apply(_window_sum)
        fields: dict[str, Any] = {}
        sources = []
        for kpi in ("conversions", "revenue"):
            model = (response or {}).get(kpi)
            est = _incremental(model, ch, daily["spend"], np.asarray(mask)) if model is not None else None
            if est is not None:
                fields[f"incremental_{kpi}"], fields[f"incremental_{kpi}_95"] = est
                sources.append(kpi)
        source = f"response model ({', '.join(sources)})" if sources else UNAVAILABLE
        out.append(
            ChannelAttribution(
                ch,
                float(sums["spend"]),
                float(sums["conversions"]),
                float(sums["revenue"]),
                incremental_source=source,
                **fields,
            )
        )
    return out


def _attribution_cached(
    campaign_daily: pd.DataFrame,
    ch: str,
    start: date | str,
    end: date | str,
    response: Mapping[str, ResponseLike] | None,
    cache: MeasureCache,
) -> ChannelAttribution:
    """:func:`attribution` of one channel with its daily series and contributions kept in ``cache``."""
    daily: pd.DataFrame = cache.get(campaign_daily, ("attribution.daily", ch), partial(_channel_daily, campaign_daily, ch))
    d0, d1 = pd.Timestamp(start), pd.Timestamp(end)
    mask = (daily.index >= d0) & (daily.index <= d1)
    sums = daily[mask].apply(_window_sum)
    fields: dict[str, Any] = {}
    sources = []
    for kpi in ("conversions", "revenue"):
        model = (response or {}).get(kpi)
        if model is None:
            continue
        contrib = None
        if ch in model.fitted.channels:
            kept = cache.get(
                campaign_daily,
                ("attribution.contribution", ch, kpi, id(model)),
                partial(_owned_contribution, model, ch, daily["spend"]),
            )
            contrib = kept[1] if kept[0] is model else _contribution(model, ch, daily["spend"])
        est = _incremental(model, ch, daily["spend"], np.asarray(mask), contrib)
        if est is not None:
            fields[f"incremental_{kpi}"], fields[f"incremental_{kpi}_95"] = est
            sources.append(kpi)
    source = f"response model ({', '.join(sources)})" if sources else UNAVAILABLE
    return ChannelAttribution(
        ch, float(sums["spend"]), float(sums["conversions"]), float(sums["revenue"]), incremental_source=source, **fields
    )
