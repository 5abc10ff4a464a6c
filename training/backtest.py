"""Rolling-origin backtests of the response models against seasonal-naive and Prophet-without-media.

Origins step back one horizon at a time from the end of the history (≥ 4 origins; 28 days, or 13
weeks on weekly data). Each origin refits on the data before it (media search warm-started from the
full-history fit, one start) and forecasts the next horizon given the *actual* spend.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.response import ResponseModel, ResponseSpec
from models.response import baseline as pb


@dataclass(frozen=True)
class BacktestSpec:
    """``n_origins`` ≥ 1; ``horizon`` in periods (None: 28 days / 13 weeks); ``n_sims`` paths per origin."""

    n_origins: int = 4
    horizon: int | None = None
    n_sims: int = 500


def wape(y: NDArray[np.float64], f: NDArray[np.float64]) -> float:
    """Σ|y − f| / Σ|y|."""
    return float(np.abs(y - f).sum() / max(np.abs(y).sum(), 1e-12))


def smape(y: NDArray[np.float64], f: NDArray[np.float64]) -> float:
    """Mean of 2|y − f| / (|y| + |f|) (0 where both are 0)."""
    d = np.abs(y) + np.abs(f)
    return float(np.mean(np.where(d > 0, 2 * np.abs(y - f) / np.where(d > 0, d, 1), 0.0)))


def mase(y: NDArray[np.float64], f: NDArray[np.float64], train: NDArray[np.float64], m: int) -> float:
    """MAE of the forecast over the in-sample MAE of the lag-``m`` naive forecast."""
    m = m if len(train) > 2 * m else 1
    scale = float(np.mean(np.abs(train[m:] - train[:-m])))
    return float(np.mean(np.abs(y - f)) / max(scale, 1e-12))


def seasonal_naive(train: NDArray[np.float64], h: int, m: int) -> NDArray[np.float64]:
    """Repeat the last season of length ``m`` over ``h`` periods."""
    last = train[-m:] if len(train) >= m else train[-1:]
    return np.resize(last, h)


def _score(y: NDArray[np.float64], f: NDArray[np.float64], train: NDArray[np.float64], m: int) -> dict[str, float]:
    return {
        "wape": wape(y, f),
        "smape": smape(y, f),
        "mase": mase(y, f, train, m),
        "total_error": float(abs(f.sum() - y.sum()) / max(abs(y.sum()), 1e-12)),
    }


def rolling_origin(
    history: pd.DataFrame,
    *,
    y: str,
    channels: list[str],
    spec: ResponseSpec,
    warm_start: ResponseModel | None = None,
    bt: BacktestSpec | None = None,
    controls: tuple[str, ...] = (),
    reported: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Backtest on ``history`` (as for :meth:`ResponseModel.fit`). Returns per-method mean metrics
    (``model``, ``prophet_no_media``, ``seasonal_naive``: wape, smape, mase, total_error; ``model`` also
    coverage_80/coverage_95 of per-period intervals) and per-origin details."""
    bt = bt or BacktestSpec()
    freq = "D" if (history.index[1] - history.index[0]).days == 1 else "W"
    h = bt.horizon or (28 if freq == "D" else 13)
    m = 7 if freq == "D" else 52
    n = len(history)
    origins = [n - h * i for i in range(bt.n_origins, 0, -1)]
    if origins[0] < max(3 * h, 60 if freq == "D" else 26):
        raise ValueError(f"history of {n} periods too short for {bt.n_origins} origins of {h} periods")
    rows: list[dict[str, Any]] = []
    fit_spec = replace(spec, n_starts=1)
    for o in origins:
        train, test = history.iloc[:o], history.iloc[o : o + h]
        yt, yv = train[y].to_numpy(float), test[y].to_numpy(float)
        model = ResponseModel(fit_spec, kpi=y).fit(
            train, y=y, channels=channels, controls=controls, warm_start=warm_start, reported=reported
        )
        sim = model.simulate(test[channels], n=bt.n_sims, seed=spec.seed)
        draws = sim.total
        f_model = model.expected(test[channels])
        lo80, hi80, lo95, hi95 = np.quantile(draws, [0.1, 0.9, 0.025, 0.975], axis=0)
        ctrl = train[list(controls)] if controls else None
        proph = pb.fit_prophet(
            pd.DatetimeIndex(train.index),
            yt,
            freq=freq,
            country=spec.country,
            controls=ctrl,
            seed=spec.seed,
            uncertainty_samples=0,
            seasonality_mode=spec.seasonality_mode,
        )
        f_proph = pb.predict(proph, test.index, test[list(controls)] if controls else None)["yhat"].to_numpy()
        f_naive = seasonal_naive(yt, h, m)
        sums = draws.sum(axis=1)
        rows.append(
            {
                "origin": str(test.index[0].date()),
                "model": {
                    **_score(yv, f_model, yt, m),
                    "coverage_80": float(np.mean((yv >= lo80) & (yv <= hi80))),
                    "coverage_95": float(np.mean((yv >= lo95) & (yv <= hi95))),
                    "total_in_80": bool(np.quantile(sums, 0.1) <= yv.sum() <= np.quantile(sums, 0.9)),
                },
                "prophet_no_media": _score(yv, f_proph, yt, m),
                "seasonal_naive": _score(yv, f_naive, yt, m),
            }
        )
    summary: dict[str, Any] = {"horizon": h, "n_origins": len(origins), "origins": rows}
    for method in ("model", "prophet_no_media", "seasonal_naive"):
        keys = [k for k in rows[0][method] if k != "total_in_80"]
        summary[method] = {k: float(np.mean([r[method][k] for r in rows])) for k in keys}
    summary["model"]["total_in_80_share"] = float(np.mean([r["model"]["total_in_80"] for r in rows]))
    return summary
