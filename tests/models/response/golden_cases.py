"""The cases behind ``golden/interval_stats.json``: interval statistics of draw vectors (finite, with NaN or inf
values, all missing, constant), written by the code as it stood before the batched statistics of the forecast
and the one-vector ``models.intervals.stats`` were merged (they agreed exactly then).

Regenerate only when a change of the numbers is intended: ``.venv/bin/python -m tests.models.response.golden_cases``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN = Path(__file__).parent / "golden"


def draw_vectors() -> list[tuple[np.ndarray, float | None]]:
    """(draws (1000,), mean or None) pairs: skewed and symmetric finite draws, draws with NaN and ±inf values,
    all-NaN draws, constant draws, a mean given or taken from the draws."""
    rng = np.random.default_rng(11)
    out: list[tuple[np.ndarray, float | None]] = []
    for i in range(6):
        d = rng.lognormal(3.0 + i, 0.5, 1000)
        out.append((d, float(d.mean() * 1.01)))
        out.append((rng.normal(-50.0 * i, 10.0, 1000), None))
    with_nan = rng.normal(5.0, 2.0, 1000)
    with_nan[::7] = np.nan
    with_inf = rng.normal(5.0, 2.0, 1000)
    with_inf[3], with_inf[10] = np.inf, -np.inf
    out += [(with_nan, 5.0), (with_nan, None), (with_inf, 4.0), (with_inf, None)]
    out += [(np.full(1000, np.nan), float("nan")), (np.full(1000, np.nan), None), (np.full(1000, 2.5), 2.5)]
    return out


def cases() -> list[dict[str, Any]]:
    from models.intervals import stats

    return [
        {"case": i, "mean_given": m is not None, "stats": stats([d], [m])[0]} for i, (d, m) in enumerate(draw_vectors())
    ]


def write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / "interval_stats.json").write_text(json.dumps(cases(), allow_nan=False) + "\n")


if __name__ == "__main__":
    write()
