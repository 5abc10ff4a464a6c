"""A small known world (adstock + Hill media on an additive baseline) for tests, examples and notebooks.

``synthetic_world(seed)`` returns contract tables (``campaign_daily`` with one campaign per channel,
``outcomes_daily``) and the truth: per-channel :class:`ChannelTransform` (conversions), the true
incremental conversions per channel over the history and the true revenue per conversion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.transforms import ChannelTransform, geometric_adstock

TRUE_CHANNELS: dict[str, ChannelTransform] = {
    "search": ChannelTransform(decay=0.3, half_saturation=800.0, shape=1.5, beta=60.0),
    "social": ChannelTransform(decay=0.6, half_saturation=1500.0, shape=1.0, beta=50.0),
    "display": ChannelTransform(decay=0.1, half_saturation=600.0, shape=2.0, beta=25.0),
}
AOV = 50.0
CLAIM = {"search": 1.5, "social": 1.2, "display": 1.8}


@dataclass(frozen=True)
class SyntheticWorld:
    """``tables``: ``campaign_daily`` and ``outcomes_daily``; ``incremental``: true incremental conversions
    per day and channel ``(T, C)``; ``channels``: the true transforms; ``baseline``: true baseline per day."""

    tables: dict[str, pd.DataFrame]
    incremental: pd.DataFrame
    baseline: pd.Series
    channels: dict[str, ChannelTransform]
    adstock_state: dict[str, float]

    def expected_conversions(self, spend: pd.DataFrame, baseline_future: np.ndarray) -> float:
        """True expected total conversions for ``spend`` (days right after the history) given a baseline path."""
        total = float(np.sum(baseline_future))
        for ch, t in self.channels.items():
            s = spend[ch].to_numpy(float) if ch in spend else np.zeros(len(spend))
            total += float(t.response(s, initial=self.adstock_state[ch]).sum())
        return total


def synthetic_world(seed: int = 0, days: int = 730, noise: float = 8.0) -> SyntheticWorld:
    """Daily world of ``days`` days from 2023-01-02: baseline 200 + trend + yearly + weekend bump, three
    channels with pulsed spend, Gaussian noise of s.d. ``noise`` conversions per day."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2023-01-02", periods=days, freq="D")
    t = np.arange(days)
    base = 200 + 0.05 * t + 30 * np.sin(2 * np.pi * t / 365.25) + 15 * (idx.dayofweek >= 5)
    spend = {}
    inc = {}
    state = {}
    for i, (ch, tr) in enumerate(TRUE_CHANNELS.items()):
        level = tr.half_saturation * (0.6 + 0.8 * rng.random(days)) * (1 + 0.5 * np.sin(t / (25 + 10 * i) + i))
        s = level * (rng.random(days) > 0.15)
        spend[ch] = np.round(s, 2)
        a = geometric_adstock(spend[ch], tr.decay, initial=spend[ch][:7].mean())
        inc[ch] = tr.beta * tr.saturate(a)
        state[ch] = float(a[-1])
    total_inc = sum(inc.values())
    y = base + total_inc + rng.normal(0, noise, days)
    rows = []
    for ch in TRUE_CHANNELS:
        rep = np.maximum(CLAIM[ch] * inc[ch] * rng.gamma(30.0, 1 / 30.0, days), 0)
        rows.append(
            pd.DataFrame(
                {
                    "date": idx,
                    "campaign_id": f"{ch}-01",
                    "channel": ch,
                    "spend": spend[ch],
                    "impressions": np.round(spend[ch] * 100).astype(int),
                    "clicks": np.round(spend[ch]).astype(int),
                    "conversions": rep,
                    "revenue": rep * AOV,
                }
            )
        )
    cd = pd.concat(rows, ignore_index=True)
    od = pd.DataFrame({"date": idx, "conversions": y, "revenue": y * AOV})
    return SyntheticWorld(
        tables={"campaign_daily": cd, "outcomes_daily": od},
        incremental=pd.DataFrame(inc, index=idx),
        baseline=pd.Series(base, index=idx),
        channels=dict(TRUE_CHANNELS),
        adstock_state=state,
    )


@dataclass(frozen=True)
class GeoWorld:
    """Weekly geo panel with known truth: ``panel`` (long: ``date``, ``geo``, ``y``, one spend column per
    channel, ``price`` per geo), ``history`` (national: per-date sums, ``price`` averaged), ``channels``,
    ``incremental`` (long like ``panel``: true contribution per geo, period and channel), ``decay``/
    ``half_saturation`` (relative to each geo's mean active spend)/``shape`` per channel; ``coefficient``:
    true per-geo coefficients (index geo, one column per channel)."""

    panel: pd.DataFrame
    history: pd.DataFrame
    channels: list[str]
    incremental: pd.DataFrame
    decay: dict[str, float]
    half_saturation: dict[str, float]
    shape: dict[str, float]
    coefficient: pd.DataFrame


def synthetic_geo_world(
    seed: int = 0, geos: int = 10, weeks: int = 104, channels: int = 4, geo_effect: float = 0.2, noise: float = 40.0
) -> GeoWorld:
    """A weekly world of ``geos`` geos (sizes log-normal) from 2023-01-02: per-geo baseline (level ∝ size,
    trend, yearly season, a price control), ``channels`` channels whose national flighted spend is split over
    geos by shares that drift slowly, Hill media with shared shapes and per-geo coefficients (∝ size × a
    ``geo_effect`` relative s.d. geo effect), Gaussian noise ``noise`` × √size per week."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2023-01-02", periods=weeks, freq="7D")
    t = np.arange(weeks)
    size = rng.lognormal(0.0, 0.6, geos)
    size /= size.mean()
    names = [f"ch{j:02d}" for j in range(channels)]
    decay = {c: float(rng.uniform(0.1, 0.7)) for c in names}
    k = {c: float(rng.uniform(0.6, 1.6)) for c in names}
    shape = {c: float(rng.uniform(0.9, 2.0)) for c in names}
    beta = {c: float(rng.uniform(100, 400)) for c in names}
    season = 1 + 0.15 * np.sin(2 * np.pi * t / 52.18)
    price = 10 + 0.5 * rng.standard_normal((geos, weeks)).cumsum(axis=1) / np.sqrt(weeks)
    rows_p, rows_i, coef = [], [], {}
    nat_spend = {c: 1000 * rng.lognormal(0, 0.5, weeks) * (rng.random(weeks) > 0.15) for c in names}
    share0 = rng.dirichlet(np.ones(geos) * 3, size=channels) * 0.5 + 0.5 * size / size.sum()
    for g in range(geos):
        base = size[g] * (2000 + 3 * t + 2000 * (season - 1)) - 60 * size[g] * (price[g] - 10)
        y = base.copy()
        spend_g, inc_g = {}, {}
        for j, c in enumerate(names):
            drift = 1 + 0.2 * np.sin(2 * np.pi * t / weeks + g + j)
            x = nat_spend[c] * share0[j, g] * drift
            m = float(x[x > 0].mean())
            s = x / m
            a = geometric_adstock(s, decay[c], initial=s[:2].mean())
            b = beta[c] * size[g] * (1 + geo_effect * rng.standard_normal())
            inc = b * a ** shape[c] / (a ** shape[c] + k[c] ** shape[c])
            spend_g[c], inc_g[c] = np.round(x, 2), inc
            coef[(f"g{g:02d}", c)] = b
            y = y + inc
        y = y + rng.normal(0, noise * np.sqrt(size[g]), weeks)
        rows_p.append(pd.DataFrame({"date": idx, "geo": f"g{g:02d}", "y": y, **spend_g, "price": price[g]}))
        rows_i.append(pd.DataFrame({"date": idx, "geo": f"g{g:02d}", **inc_g}))
    panel = pd.concat(rows_p, ignore_index=True)
    hist = panel.groupby("date")[["y", *names]].sum()
    hist["price"] = panel.groupby("date")["price"].mean()
    hist.index = pd.DatetimeIndex(hist.index)
    return GeoWorld(
        panel=panel,
        history=hist,
        channels=names,
        incremental=pd.concat(rows_i, ignore_index=True),
        decay=decay,
        half_saturation=k,
        shape=shape,
        coefficient=pd.Series(coef).unstack()[names].rename_axis("geo"),
    )
