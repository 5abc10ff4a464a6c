"""Prophet baseline (trend, weekly and yearly seasonality, country holidays, optional controls).

Prophet is fitted on the KPI minus the estimated media contribution, so its forecast is the
demand that would exist without paid media. Persisted with ``prophet.serialize.model_to_json``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.response.design import holiday_frame

# Prophet logs an error about the optional plotly at import time; plots are not used here.
logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)


def _quiet() -> None:
    """Silence cmdstanpy's INFO chatter and Prophet's notices (cmdstanpy installs its handler lazily)."""
    import cmdstanpy

    cmdstanpy.utils.get_logger()
    for name in ("cmdstanpy", "prophet", "prophet.plot", "prophet.models"):
        lg = logging.getLogger(name)
        lg.setLevel(logging.ERROR)
        for h in lg.handlers:
            h.setLevel(logging.ERROR)


def fit_prophet(
    dates: pd.DatetimeIndex,
    y: NDArray[np.float64],
    *,
    freq: str,
    country: str | None,
    controls: pd.DataFrame | None = None,
    seed: int = 0,
    uncertainty_samples: int = 200,
    seasonality_mode: str = "additive",
    changepoint_prior_scale: float = 0.05,
    horizon_end: pd.Timestamp | None = None,
) -> object:
    """Fit Prophet (MAP, L-BFGS) on ``y`` ``(T,)``; ``controls`` (same index) become extra regressors.

    Holidays of ``country`` (see :func:`models.response.design.holiday_dates`) up to ``horizon_end``
    (default: two years after the history) on daily data."""
    from prophet import Prophet

    _quiet()
    span_days = (dates[-1] - dates[0]).days
    end = horizon_end if horizon_end is not None else dates[-1] + pd.Timedelta(days=800)
    hol = holiday_frame(country, dates[0], end) if country and freq == "D" else None
    m = Prophet(
        weekly_seasonality=freq == "D",
        yearly_seasonality=span_days >= 364,
        daily_seasonality=False,
        uncertainty_samples=uncertainty_samples,
        changepoint_prior_scale=changepoint_prior_scale,
        seasonality_mode=seasonality_mode,  # type: ignore[arg-type]
        holidays=hol if hol is not None and len(hol) else None,
    )
    df = pd.DataFrame({"ds": dates, "y": y})
    if controls is not None:
        for col in controls.columns:
            m.add_regressor(col, standardize=False)
            df[col] = controls[col].to_numpy(dtype=float)
    np.random.seed(seed)  # Prophet's initialisation and trend sampling use the global RNG
    m.fit(df, algorithm="LBFGS")
    return m


def predict(model: object, dates: Sequence[pd.Timestamp], controls: pd.DataFrame | None = None) -> pd.DataFrame:
    """Point forecast: DataFrame with ``yhat`` and ``trend`` for ``dates`` (controls default to 0)."""
    future = pd.DataFrame({"ds": pd.DatetimeIndex(dates)})
    for col in getattr(model, "extra_regressors", {}):
        future[col] = controls[col].to_numpy(dtype=float) if controls is not None and col in controls else 0.0
    saved = model.uncertainty_samples  # type: ignore[attr-defined]
    model.uncertainty_samples = 0  # type: ignore[attr-defined]
    try:
        out = model.predict(future)  # type: ignore[attr-defined]
    finally:
        model.uncertainty_samples = saved  # type: ignore[attr-defined]
    return out[["ds", "yhat", "trend"]].set_index("ds")


def trend_sd(model: object, dates: Sequence[pd.Timestamp], seed: int = 0) -> NDArray[np.float64]:
    """Standard deviation of Prophet's simulated future trend at each of ``dates`` ``(H,)``."""
    future = pd.DataFrame({"ds": pd.DatetimeIndex(dates)})
    for col in getattr(model, "extra_regressors", {}):
        future[col] = 0.0
    np.random.seed(seed)
    samples = model.predictive_samples(future)  # type: ignore[attr-defined]
    return np.asarray(np.std(samples["trend"], axis=1), dtype=float)


def n_parameters(model: object) -> int:
    """Fitted parameters of a Prophet model: growth rate and offset, changepoint deltas, seasonality,
    holiday and regressor coefficients."""
    params = getattr(model, "params", {}) or {}
    beta = np.asarray(params.get("beta", np.zeros((1, 0))))
    delta = np.asarray(params.get("delta", np.zeros((1, 0))))
    return 2 + int(beta.shape[-1]) + int(delta.shape[-1])


def to_json(model: object) -> str:
    from prophet.serialize import model_to_json

    return str(model_to_json(model))  # type: ignore[arg-type]


def from_json(text: str) -> object:
    from prophet.serialize import model_from_json

    return model_from_json(text)
