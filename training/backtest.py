"""Rolling-origin backtests of the response models against seasonal-naive and Prophet-without-media.

Origins step back one horizon at a time from the end of the history (≥ 4 origins; 28 days, or 13
weeks on weekly data; media-mix data: :func:`mmm_backtest_spec`). Each origin refits on the data before it (media search warm-started from the
full-history fit, one start) and forecasts the next horizon given the *actual* spend.

Interval calibration (split-conformal in time): up to ``calibration_origins`` extra, earlier origins are
forecast but not scored. Every origin's intervals carry the level error estimated from the origins
before it (:func:`calibration`), so the scored coverage is that of intervals calibrated only on the
past; the estimate from the most recent origins (``BacktestSpec.calibration_window``) is returned for the
model that is published. A geo-pooled model is refitted as such at each origin (``geo_panel``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.response import ResponseModel, ResponseSpec
from models.response import baseline as pb


@dataclass(frozen=True)
class BacktestSpec:
    """``n_origins`` ≥ 1 scored origins; ``horizon`` in periods (None: 28 days / 13 weeks); ``n_sims`` paths
    per origin; ``calibration_origins``: earlier, unscored origins that only calibrate the level error
    (fewer when the history is short); ``calibration_window``: each calibration uses the errors of at most this
    many most recent origins (None: all) — early origins, fitted on the shortest histories, err more than
    today's model and widened every later interval (media-mix backtests have up to 30 origins).
    ``step``: periods between consecutive origins (None: one horizon, so the scored windows tile the history);
    a shorter step scores overlapping windows — more origins for the same history, e.g. for a coverage estimate
    in a benchmark. ``calibration_origins`` and ``calibration_window`` count origins one horizon apart and are
    scaled by ``horizon / step`` (same span of history), and an origin is calibrated only on the origins whose
    windows ended before it. ``max_origins``: cap of :func:`mmm_backtest_spec` (None: ``MMM_MAX_ORIGINS``)."""

    n_origins: int = 4
    horizon: int | None = None
    n_sims: int = 500
    calibration_origins: int = 4
    min_train: int | None = None
    calibration_window: int | None = 8
    step: int | None = None
    max_origins: int | None = None


#: media-mix backtests: horizon in periods, minimal training history in periods (preferred, fallback), by frequency
MMM_HORIZON = {"W": 4, "D": 28}
MMM_MIN_TRAIN = {"W": (52, 26), "D": (365, 182)}
MMM_MAX_ORIGINS = 30


def mmm_backtest_spec(n_periods: int, freq: str, base: BacktestSpec | None = None) -> BacktestSpec | None:
    """Rolling origins for media-mix data: a 4-week (28-day) horizon and as many origins as the history allows
    with at least one year of training data before the first (half a year when a year leaves fewer than 2
    origins; at most ``MMM_MAX_ORIGINS``), about a third of them (at most ``base.calibration_origins``) only
    calibrating intervals. None when fewer than 2 origins fit even so."""
    base = base or BacktestSpec()
    h = MMM_HORIZON[freq]
    step = base.step or h
    cap = base.max_origins if base.max_origins is not None else MMM_MAX_ORIGINS
    for min_train in MMM_MIN_TRAIN[freq]:
        total = min((n_periods - h - min_train) // step + 1, cap) if n_periods - h >= min_train else 0
        if total >= 2:
            n_cal = min(base.calibration_origins * h // step, total // 3)
            return replace(
                base, n_origins=total - n_cal, horizon=h, calibration_origins=n_cal * step // h, min_train=min_train
            )
    return None


@dataclass(frozen=True)
class OriginError:
    """Forecast error at one origin, for calibration. ``rel_error``: (actual − forecast) horizon total over
    the forecast total; ``model_sd``: s.d. of the uncalibrated simulated horizon totals over the forecast
    total, ``media_sd``: the part of it from the media-effect draws (same units); ``resid_ms``: mean square
    of the per-period errors around their horizon mean; ``model_ms``: the same for the uncalibrated
    simulated paths (deviations from the mean path, each around its own mean)."""

    rel_error: float
    model_sd: float
    resid_ms: float
    model_ms: float
    media_sd: float = 0.0


#: bounds of the calibrated noise scale and of the media-draw scale
NOISE_SCALE_BOUNDS = (0.5, 3.0)
MEDIA_SCALE_BOUNDS = (0.25, 1.0)


def calibration(errors: list[OriginError], window: int | None = None) -> dict[str, float]:
    """Keyword arguments of :meth:`models.response.ResponseModel.with_calibration` from the errors of
    earlier origins (split-conformal in time; ``window``: only the last ``window`` of them). With ``E`` the
    mean squared relative level error, ``S`` the mean simulated level variance and ``M`` its media-draw part:
    when ``E ≥ S`` the missing level error ``level_sd = sqrt(E − S)`` is added; otherwise the media-effect draws are narrowed by
    ``media_scale = sqrt((E − (S − M)) / M)`` (bounded by ``MEDIA_SCALE_BOUNDS``). ``noise_scale``: the
    per-period error s.d. over the simulated one (within the horizon, level removed), bounded by
    ``NOISE_SCALE_BOUNDS``. Uncalibrated (``level_sd=0``, scales 1) without origins."""
    out = {"level_sd": 0.0, "noise_scale": 1.0, "media_scale": 1.0}
    if window is not None:
        errors = errors[-window:] if window > 0 else []
    if not errors:
        return out
    e2 = float(np.mean([e.rel_error**2 for e in errors]))
    s2 = float(np.mean([e.model_sd**2 for e in errors]))
    m2 = float(np.mean([e.media_sd**2 for e in errors]))
    if e2 >= s2:
        out["level_sd"] = float(np.sqrt(e2 - s2))
    elif m2 > 0:
        out["media_scale"] = float(np.clip(np.sqrt(max(e2 - (s2 - m2), 0.0) / m2), *MEDIA_SCALE_BOUNDS))
    model_ms = float(np.sum([e.model_ms for e in errors]))
    ratio = float(np.sum([e.resid_ms for e in errors])) / model_ms if model_ms > 0 else 1.0
    out["noise_scale"] = float(np.clip(np.sqrt(ratio), *NOISE_SCALE_BOUNDS))
    return out


def origin_error(
    y: NDArray[np.float64],
    f: NDArray[np.float64],
    draws: NDArray[np.float64],
    media_totals: NDArray[np.float64] | None = None,
) -> OriginError:
    """:class:`OriginError` of actuals ``y`` ``(H,)`` against forecast ``f`` ``(H,)``, uncalibrated
    simulated paths ``draws`` ``(n, H)`` and their media-effect horizon totals ``media_totals`` ``(n,)``."""
    h = len(y)
    f_tot = max(abs(float(f.sum())), 1e-12)
    d = y - f
    dof = h / max(h - 1, 1)
    dev = draws - draws.mean(axis=0)  # deviations from the mean path, then each path around its own mean
    within = dev - dev.mean(axis=1, keepdims=True)
    return OriginError(
        rel_error=float(d.sum()) / f_tot,
        model_sd=float(np.std(draws.sum(axis=1))) / f_tot,
        resid_ms=float(np.mean((d - d.mean()) ** 2)) * dof,
        model_ms=float(np.mean(within**2)) * dof,
        media_sd=float(np.std(media_totals)) / f_tot if media_totals is not None else 0.0,
    )


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


class _Quiet:
    """Raises the level of logger ``name`` to ERROR while :meth:`around`'s items are iterated."""

    def __init__(self, name: str) -> None:
        self.log = logging.getLogger(name)

    def around(self, items: list[int]) -> Iterator[int]:
        level = self.log.level
        self.log.setLevel(logging.ERROR)
        try:
            yield from items
        finally:
            self.log.setLevel(level)


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
    campaigns: dict[str, list[tuple[str, str]]] | None = None,
    lift_tests: Sequence[Any] = (),
    geo_panel: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Backtest on ``history`` (as for :meth:`ResponseModel.fit`). Returns per-method mean metrics
    (``model``, ``prophet_no_media``, ``seasonal_naive``: wape, smape, mase, total_error; ``model`` also
    coverage_80/coverage_95 of per-period intervals and the calibration they carried), per-origin
    details, and ``calibration``: :func:`calibration` of all origins, for the published model
    (:meth:`models.response.ResponseModel.with_calibration`). ``lift_tests``: each origin's fit uses the tests
    that ended before the origin. ``geo_panel``: the long per-geo frame of a geo-pooled model (``date``, ``geo``,
    ``y``, the channel and control columns; see :meth:`ResponseModel.fit`) — each origin then refits the geo-pooled
    model on the panel's rows before the origin, so the backtest scores (and calibrates) the model that is
    published, not a national stand-in."""
    bt = bt or BacktestSpec()
    freq = "D" if (history.index[1] - history.index[0]).days == 1 else "W"
    h = bt.horizon or (28 if freq == "D" else 13)
    m = 7 if freq == "D" else 52
    n = len(history)
    min_train = bt.min_train if bt.min_train is not None else max(3 * h, 60 if freq == "D" else 26)
    step = bt.step or h
    per_h = max(h // step, 1)  # origins per horizon: calibration counts and windows are scaled by it
    origins = [n - h - step * (i - 1) for i in range(bt.n_origins, 0, -1)]
    if origins[0] < min_train:
        raise ValueError(f"history of {n} periods too short for {bt.n_origins} origins of {h} periods")
    n_cal = max(min(bt.calibration_origins * per_h, (origins[0] - min_train) // step), 0)
    calibration_at = [origins[0] - step * i for i in range(n_cal, 0, -1)]
    window = bt.calibration_window * per_h if bt.calibration_window is not None else None
    rows: list[dict[str, Any]] = []
    errors: list[OriginError] = []
    ended: list[int] = []  # the period after each error's window: an origin is calibrated only on windows before it
    fit_spec = replace(spec, n_starts=1)
    quiet = _Quiet("models.response")  # each refit repeats the published fit's warnings; they are not news
    for o in quiet.around(calibration_at + origins):
        train, test = history.iloc[:o], history.iloc[o : o + h]
        yt, yv = train[y].to_numpy(float), test[y].to_numpy(float)
        lift = [t for t in lift_tests if pd.Timestamp(t.end) <= train.index[-1]]
        extra: dict[str, Any] = {"lift_tests": lift} if lift else {}
        if geo_panel is not None:
            extra["geo_panel"] = geo_panel[pd.to_datetime(geo_panel["date"]).isin(train.index)]
            extra["geo_column"] = "geo"
        model = ResponseModel(fit_spec, kpi=y).fit(
            train,
            y=y,
            channels=channels,
            controls=controls,
            warm_start=warm_start,
            reported=reported,
            campaigns=campaigns,
            **extra,
        )
        f_model = model.expected(test[channels])
        raw = model.simulate(test[channels], n=bt.n_sims, seed=spec.seed)
        calib = calibration([e for e, end in zip(errors, ended, strict=True) if end <= o], window=window)
        errors.append(origin_error(yv, f_model, raw.total, raw.media_by_channel().sum(axis=1)))
        ended.append(o + h)
        if o in calibration_at:
            continue
        model.with_calibration(**calib)
        draws = model.simulate(test[channels], n=bt.n_sims, seed=spec.seed).total
        lo80, hi80, lo95, hi95 = np.quantile(draws, [0.1, 0.9, 0.025, 0.975], axis=0)
        kept = list(model.fitted.controls)
        ctrl = train[kept] if kept else None
        # the future controls are not known when forecasting: Prophet-without-media gets the values the model
        # assumes after the history (ResponseModel's control_future), so both forecasts see the same information
        held = model.fitted.control_future
        fut_ctrl = pd.DataFrame({c: np.full(len(test), held.get(c, 0.0)) for c in kept}, index=test.index)
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
        f_proph = pb.predict(proph, test.index, fut_ctrl if kept else None)["yhat"].to_numpy()
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
                    **calib,
                },
                "prophet_no_media": _score(yv, f_proph, yt, m),
                "seasonal_naive": _score(yv, f_naive, yt, m),
            }
        )
    summary: dict[str, Any] = {
        "horizon": h,
        "frequency": freq,
        "min_train": min_train,
        "n_origins": len(origins),
        "calibration_origins": len(calibration_at),
        "refit": "geo-pooled" if geo_panel is not None else "national",
        "step": step,
        "calibration": calibration(errors, window=window),
        "origins": rows,
    }
    for method in ("model", "prophet_no_media", "seasonal_naive"):
        keys = [k for k in rows[0][method] if k != "total_in_80"]
        summary[method] = {k: float(np.mean([r[method][k] for r in rows])) for k in keys}
    summary["model"]["total_in_80_share"] = float(np.mean([r["model"]["total_in_80"] for r in rows]))
    return summary
