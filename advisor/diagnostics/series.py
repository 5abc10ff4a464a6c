"""Daily funnel series of a scope and the noise model of its log rates.

Funnel identity per day: revenue = spend / CPM · 1000 · CTR · CVR · AOV, with CPM = spend / impressions ·
1000, CTR = clicks / impressions, CVR (conversion rate) = conversions / clicks, AOV = revenue / conversions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COUNTS = ("spend", "impressions", "clicks", "conversions", "revenue")

#: stage -> (numerator, denominator, harmful direction of the rate: -1 = a fall hurts, +1 = a rise hurts)
STAGES: dict[str, tuple[str, str, int]] = {
    "cpm": ("spend", "impressions", +1),
    "ctr": ("clicks", "impressions", -1),
    "conversion_rate": ("conversions", "clicks", -1),
    "aov": ("revenue", "conversions", -1),
}


def daily_funnel(rows: pd.DataFrame) -> pd.DataFrame:
    """Sum the scope's rows per date (missing days are absent, not zero); index: date, columns: COUNTS."""
    cols = [c for c in COUNTS if c in rows]
    return rows.groupby("date")[cols].sum().sort_index()


@dataclass(frozen=True)
class LogRate:
    """Daily log rate of a stage: ``y`` (n,), its variance ``var`` (n,) and a validity mask ``ok`` (n,)."""

    stage: str
    y: np.ndarray
    var: np.ndarray
    ok: np.ndarray
    overdispersion: float


def log_rate(daily: pd.DataFrame, stage: str) -> LogRate:
    """Log of the stage rate per day with variance = counting noise (1/numerator for count numerators;
    1/denominator for AOV and CPM) plus an over-dispersion term estimated from the median absolute first
    difference (robust to level shifts)."""
    num_col, den_col, _ = STAGES[stage]
    num = daily[num_col].to_numpy(float)
    den = daily[den_col].to_numpy(float)
    ok = (num > 0) & (den > 0)
    y = np.full(len(num), np.nan)
    y[ok] = np.log(num[ok] / den[ok])
    count = den if stage in ("aov", "cpm") else num
    poisson = np.where(ok, 1.0 / np.maximum(count, 0.5), np.nan)
    if stage == "aov":
        poisson = poisson * 0.5  # order values vary with a coefficient of variation near 0.7
    yy = y[ok]
    if len(yy) >= 3:
        mad = float(np.median(np.abs(np.diff(yy) - np.median(np.diff(yy)))))
        total = (1.4826 * mad) ** 2 / 2.0
        od = max(total - float(np.nanmedian(poisson)), 0.002**2)
    else:
        od = 0.0
    return LogRate(stage, y, np.where(ok, poisson + od, np.inf), ok, float(np.sqrt(od)))
