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
