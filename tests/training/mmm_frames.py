"""Small synthetic media-mix frames in the canonical ``MmmTable.frame`` layout, built by hand for the tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.transforms import ChannelTransform
from training.mmm import MmmLayout

TRUE = {
    "tv": ChannelTransform(decay=0.5, half_saturation=40_000.0, shape=1.2, beta=900.0),
    "search": ChannelTransform(decay=0.1, half_saturation=15_000.0, shape=1.5, beta=700.0),
    "social": ChannelTransform(decay=0.3, half_saturation=20_000.0, shape=1.0, beta=500.0),
}
AOV = 40.0


def mmm_frame(
    weeks: int = 104, geos: int = 0, seed: int = 0, outcomes: tuple[str, ...] = ("conversions", "revenue")
) -> tuple[pd.DataFrame, MmmLayout, pd.DataFrame]:
    """Weekly canonical frame (``date``, ``geo`` when ``geos``, outcomes, ``spend__*``, one control, one organic
    and one event column), its layout and the true national incremental conversions per week and channel."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=weeks, freq="7D")
    t = np.arange(weeks)
    n_geo = max(geos, 1)
    share = rng.dirichlet(np.full(n_geo, 5.0))
    spend_nat = {}
    for i, (ch, tr) in enumerate(TRUE.items()):
        level = tr.half_saturation * (0.4 + 1.2 * rng.random(weeks)) * (1 + 0.4 * np.sin(t / (6 + 3 * i) + i))
        spend_nat[ch] = level * (rng.random(weeks) > 0.1)
    control = 100 + 10 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 2, weeks)
    event = (rng.random(weeks) < 0.1).astype(float)
    organic = 5_000 + 1_000 * rng.random(weeks)
    base = 8_000 + 5 * t + 1_500 * np.sin(2 * np.pi * t / 52.18) + 30 * (control - 100) + 900 * event
    base = base + 0.05 * organic
    inc = pd.DataFrame({ch: TRUE[ch].response(spend_nat[ch]) for ch in TRUE}, index=dates)
    conv_nat = base + inc.sum(axis=1).to_numpy() + rng.normal(0, 150, weeks)
    rows = []
    for g in range(n_geo):
        frame = {"date": dates}
        if geos:
            frame["geo"] = [f"g{g:02d}"] * weeks
        conv = conv_nat * share[g]
        if "conversions" in outcomes:
            frame["conversions"] = conv
        if "revenue" in outcomes:
            frame["revenue"] = conv * AOV
        for ch in TRUE:
            frame[f"spend__{ch}"] = spend_nat[ch] * share[g]
        frame["control__price"] = control
        frame["organic__newsletter"] = organic * share[g]
        frame["event__promo"] = event
        rows.append(pd.DataFrame(frame))
    out = pd.concat(rows, ignore_index=True)
    out = out.sort_values(["geo", "date"] if geos else ["date"]).reset_index(drop=True)
    layout = MmmLayout(
        channels={ch: f"spend__{ch}" for ch in TRUE},
        outcomes=tuple(outcomes),
        regressors=("control__price", "organic__newsletter", "event__promo"),
        geo="geo" if geos else None,
        freq="W",
        country=None,
    )
    return out, layout, inc
