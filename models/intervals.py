"""Interval statistics of simulated draws: the mean and the 80 % and 95 % central intervals that a forecast
reports for every total, ratio and period (``models.forecast``), as ``{"mean", "lower_80", "upper_80",
"lower_95", "upper_95"}`` dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

STAT_KEYS = ("mean", "lower_80", "upper_80", "lower_95", "upper_95")
STAT_QUANTILES = (0.1, 0.9, 0.025, 0.975)  # the quantiles behind lower_80, upper_80, lower_95, upper_95


def stat_dict(mean: float, quantiles: Any) -> dict[str, float | None]:
    """``{"mean","lower_80",...}`` from a mean and the four ``STAT_QUANTILES`` values (non-finite → None)."""
    return {k: (None if not np.isfinite(v) else float(v)) for k, v in zip(STAT_KEYS, (mean, *quantiles), strict=True)}


def stats(draws: Sequence[NDArray[np.float64]], means: Sequence[float | None]) -> list[dict[str, float | None]]:
    """``{"mean","lower_80","upper_80","lower_95","upper_95"}`` of each 1-D draw vector: the 80 % and 95 %
    central intervals of its finite draws (None when it has none) and ``means[i]`` (None: the mean of its finite
    draws). The vectors that are entirely finite and as long as the first of them are answered by one
    ``np.quantile`` over the stacked draws (a forecast asks for some hundred of them); the others one by one."""
    if len(draws) != len(means):
        raise ValueError(f"{len(draws)} draw vectors but {len(means)} means")
    finite = [bool(np.isfinite(d).all()) for d in draws]
    width = next((len(d) for d, ok in zip(draws, finite, strict=True) if ok), 0)
    stacked = [i for i, (d, ok) in enumerate(zip(draws, finite, strict=True)) if ok and len(d) == width and width]
    q: dict[int, Any] = {}
    if stacked:
        block = np.quantile(np.vstack([draws[i] for i in stacked]), STAT_QUANTILES, axis=1)
        q = {i: block[:, j] for j, i in enumerate(stacked)}
    out = []
    for i, (d, m) in enumerate(zip(draws, means, strict=True)):
        values = d if i in q else d[np.isfinite(d)]
        if i not in q:
            q[i] = np.quantile(values, STAT_QUANTILES) if values.size else [np.nan] * 4
        mean = (float(values.mean()) if values.size else float("nan")) if m is None else m
        out.append(stat_dict(mean, q[i]))
    return out
