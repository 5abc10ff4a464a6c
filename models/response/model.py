"""Response model of one KPI: Prophet baseline + per-channel adstock/saturation media effects.

``ResponseModel(spec).fit(history, y="conversions", channels=[...])`` with ``history`` a DataFrame on
a regular daily or weekly ``DatetimeIndex`` holding the KPI column, one spend column per channel and
optional control columns (events). Persists as two text files: Prophet JSON and a JSON of numbers.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import nnls
from scipy.signal import lfilter

from models.response import baseline as pb
from models.response.design import (
    baseline_design,
    infer_freq,
    select_yearly_order,
    trend_hinge_columns,
    weekly_detail_columns,
    weekly_holiday_count,
)
from models.response.geo import GeoFit, fit_geo_media, geo_arrays, geo_features, initial_state
from models.response.lift import LiftRows, LiftTest, map_lift_tests
from models.response.media import MEDIA_SHARE_PRIOR, MediaFit, fit_media, fit_media_reported
from models.transforms import ChannelTransform, Saturation, geometric_adstock

log = logging.getLogger(__name__)
SCHEMA = 3
#: schema versions :meth:`ResponseModel.from_files` reads (1: before ``varying_efficiency``; 2: before lift
#: tests, geo models, shape sources, weekly holiday counts and future control values)
READABLE_SCHEMAS = (1, 2, 3)
#: the in-sample contributions next to ``params.json`` (:meth:`ResponseModel.to_files`); optional when read
CONTRIBUTIONS_FILE = "contributions.csv"
#: Prophet regressor holding the number of public holidays per week (weekly data with a country)
HOLIDAY_COUNT = "holidays__count"
#: a KPI whose platform-reported total is below this share of the business total is not used for shapes
MIN_REPORTED_SHARE = 0.01
#: a spend-driven fit whose channels explain more than this share of the outcome over the history is reported
#: (one s.d. above the centre of :data:`models.response.media.MEDIA_SHARE_PRIOR`)
MEDIA_SHARE_WARN = 0.6


def seasonality_read(model: Any) -> bool:
    """Whether a fitted response model read its yearly shape from the outcome before media (weekly data with
    ``weekly_seasonality="auto"``); False for anything without that spec or frequency."""
    freq = getattr(getattr(model, "fitted", None), "freq", None)
    return bool(freq == "W" and getattr(getattr(model, "spec", None), "weekly_seasonality", None) == "auto")


def media_share_warning(kpi: str, share: float | None, yearly_order: int | None, read_from_outcome: bool) -> str | None:
    """The warning of a spend-driven fit whose channels explain more than :data:`MEDIA_SHARE_WARN` of ``kpi`` over the
    history (``share``; None below it or without a share). ``read_from_outcome``: the yearly shape (Fourier order
    ``yearly_order``) was read from the outcome before media (``weekly_seasonality="auto"`` on weekly data), so the
    warning does not suggest it."""
    if share is None or not share > MEDIA_SHARE_WARN:
        return None
    remedy = (
        f"the yearly shape was read from {kpi} first (order {yearly_order})"
        if read_from_outcome
        else f"try 'seasonality: auto' in the mmm config, yearly order now {yearly_order}"
    )
    return (
        f"{kpi}: the channels explain {share:.0%} of {kpi} over the history, more than is plausible for most "
        f"businesses; when spend rises with seasonal demand, a peak the baseline cannot represent is read as media "
        f"({remedy}); read these figures as an upper bound until lift tests confirm them"
    )


@dataclass(frozen=True)
class ResponseSpec:
    """Settings of the response fit.

    ``saturation``: ``"hill"``, ``"logistic"`` or ``"auto"`` (both fitted, the lower BIC on the KPI kept; in the
    spend-driven fit of weekly data with ``weekly_priors``, national or geo, the Hill curve with the shape prior
    :data:`models.response.media.WEEKLY_SHAPE_PRIOR`: weekly totals do not tell the two families apart);
    ``country``: ISO code for holidays (None: none); ``n_starts``: starts of the parameter search;
    ``min_active_share``: a channel needs spend in at least this share of periods (and ≥ 8 periods);
    ``min_cv``: minimal coefficient of variation of spend (constant spend is confounded with the
    intercept); ``min_t``: betas with a smaller t-statistic are reported as weakly identified;
    ``changepoint_every``/``yearly_order``: trend hinges (days; None: a straight trend) and yearly
    Fourier order of the linear baseline used while estimating media (kept parsimonious: a flexible
    baseline absorbs slow media effects; Prophet then models the baseline freely);
    ``changepoint_prior_scale``: Prophet's trend flexibility;
    ``horizon``: periods of baseline forecast stored after the history; ``seasonality_mode``: Prophet's
    (``"multiplicative"``: weekly/yearly/holiday effects scale with the trend); ``shape_source``:
    ``"reported"`` takes each channel's response shape from its platform-reported KPI and only the
    incrementality scale from the business total (:func:`models.response.media.fit_media_reported`),
    ``"spend"`` searches all parameters on the business total (:func:`models.response.media.fit_media`),
    ``"auto"`` uses ``"reported"`` when reported columns are given; ``recent_window``: with reported
    columns, each channel's forward-looking response is scaled by its current efficiency — reported KPI
    over the last ``recent_window`` days (weeks: days // 7) divided by what its curve predicts (0: off);
    ``varying_efficiency``: with reported columns, the channel's past path is its curve times that
    efficiency over a centred ``recent_window`` (:func:`models.response.media.efficiency_path`), so
    quality changes do not bias the incrementality estimate; ``weekly_priors``/``roi_shrinkage``: in the
    spend-driven fit of weekly data (:func:`models.response.media.fit_media` ``weekly_prior``/``shrink``), priors
    on the weekly decay and half-saturation, and random-effects shrinkage of each channel's return per unit
    spend towards the pooled one (daily data and the reported-shape fit are unaffected); ``geo_roi_shrinkage``: the
    same shrinkage in the geo fit too (with ``roi_shrinkage``; a spec saved before it existed was fitted without it):
    on the demo geo worlds it lowers the channel contribution error without lift tests by 1.7 ± 0.8 / 2.5 ± 1.2
    points over seeds 1–30, conversions / revenue (``docs/benchmarks.md``, session 12); ``geo_tau_se_floor``: the geo
    fit's per-geo intervals take the between-geo variance of each coefficient at least at the standard error of its
    estimate (:func:`models.response.geo.fit_geo_media` ``tau_se_floor``; a spec saved before session 13 was fitted
    without);
    ``weekly_changepoint_every``: trend hinges (days) of the linear baseline of the weekly spend-driven fit when
    ``changepoint_every`` is None, so a trend break is not absorbed by media (None: a straight trend): in the national
    fit's exact design; in the geo fit shared by the geos under the detail ridge's prior
    (:func:`geo_baseline_detail`: exact hinges there cost the 156-week demo worlds' geo fits precision, none cost a
    five-year world with a trend break 61 % contribution error, one channel reading the break as media);
    ``weekly_detail``: in the spend-driven fit of weekly data, the baseline's detail columns — one per holiday name
    and one per occurrence of each event column, each a deviation from the common holiday / event effect under a
    Gaussian prior (:func:`models.response.design.weekly_detail_columns`) — in the national and the
    geo fit (``"all"``, the default: on the demo worlds, seeds 1–20, it lowers the channel contribution error by
    2.9 ± 0.7 points national and 5.4 ± 1.7 geo without lift tests, 0.4–0.6 with them), the geo fit only (``"geo"``)
    or nowhere (``"none"``). Daily data and the reported-shape fit are unaffected.
    ``media_share_prior``: ``(mean, s.d.)`` of a Gaussian prior on the channels' share of the outcome over the history
    in the spend-driven fit of weekly data, national and geo (:data:`models.response.media.MEDIA_SHARE_PRIOR`,
    Meridian's default; None: none). ``weekly_seasonality``: the yearly Fourier order of weekly fits —
    ``"smooth"``: ``yearly_order``; ``"auto"`` (default): the order with the lowest BIC for the outcome on the baseline
    and the controls alone, before media (:func:`models.response.design.select_yearly_order`). On demo worlds with a
    retailer's holiday season (``generate_mmm_world(season="peak")``, seeds 1–6) ``"smooth"`` lets the channels claim
    the peak (channel contribution error 102 % national, 67 % geo, no lift tests) and ``"auto"`` halves it (43 %,
    29 %); on the smooth-season worlds, whose season is exactly ``yearly_order`` harmonics, it costs about a point.
    ``shape_pooling``: in the national weekly spend-driven fit (with ``weekly_priors``) the channels' Hill shapes
    share a centre learned from the data instead of the fixed one of
    :data:`models.response.media.WEEKLY_SHAPE_PRIOR` (:data:`models.response.media.SHAPE_CENTRE_SD`; a spec saved
    before it existed was fitted without it). The geo fit keeps the fixed centre: there the learned one reads high
    (+0.19 on average over the demo geo worlds of seeds 11–30, +0.12 in the national fit) and, measured on the
    corrected geo worlds of session 12, gains 1.7 / 0.7 points on 156-week worlds but loses 1.2 / 2.7 on five-year ones
    (``docs/benchmarks.md``, sessions 11 and 12).
    """

    saturation: Saturation | Literal["auto"] = "auto"
    country: str | None = "US"
    seed: int = 0
    n_starts: int = 3
    changepoint_every: int | None = None
    yearly_order: int = 2
    seasonality_mode: str = "multiplicative"
    shape_source: str = "auto"
    changepoint_prior_scale: float = 0.05
    recent_window: int = 28
    varying_efficiency: bool = True
    min_active_share: float = 0.05
    min_cv: float = 0.05
    min_t: float = 2.0
    horizon: int = 730
    weekly_priors: bool = True
    roi_shrinkage: bool = True
    weekly_changepoint_every: int | None = 182
    weekly_detail: Literal["none", "geo", "all"] = "all"
    media_share_prior: tuple[float, float] | None = MEDIA_SHARE_PRIOR
    weekly_seasonality: Literal["smooth", "auto"] = "auto"
    shape_pooling: bool = True
    geo_roi_shrinkage: bool = True
    geo_tau_se_floor: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ResponseSpec:
        """Spec from :meth:`to_dict`; a spec saved before ``varying_efficiency`` or the weekly spend-driven rules
        (``weekly_priors``, ``roi_shrinkage``, ``weekly_changepoint_every``, ``weekly_detail``) existed was fitted
        without them."""
        old = {"varying_efficiency": False, "weekly_priors": False, "roi_shrinkage": False}
        merged = {
            **old,
            "weekly_changepoint_every": None,
            "weekly_detail": "none",
            "media_share_prior": None,
            "weekly_seasonality": "smooth",
            "shape_pooling": False,
            "geo_roi_shrinkage": False,
            "geo_tau_se_floor": False,
            **d,
        }
        if merged["media_share_prior"] is not None:
            merged["media_share_prior"] = tuple(merged["media_share_prior"])
        return cls(**merged)


@dataclass(frozen=True)
class Simulation:
    """Draws for a future spend path of ``H`` periods and ``C`` channels (KPI units per period).

    ``baseline``: ``(H,)`` point baseline; ``media_mean``: ``(H, C)`` expected channel contributions;
    ``noise``: ``(n, H)`` baseline trend error + AR(1) residual. A path's channel contribution is its draw of the
    channel's coefficient times the channel's saturated, adstocked spend: ``beta_draws`` ``(n, C)`` times
    ``unit_media`` ``(H, C)`` (``media_mean`` divided by the fitted coefficient); :attr:`media` builds the
    ``(n, H, C)`` array, the other views avoid it.
    """

    dates: pd.DatetimeIndex
    channels: tuple[str, ...]
    baseline: NDArray[np.float64]
    media_mean: NDArray[np.float64]
    beta_draws: NDArray[np.float64]
    unit_media: NDArray[np.float64]
    noise: NDArray[np.float64]

    @property
    def media(self) -> NDArray[np.float64]:
        """``(n, H, C)`` draws of every channel's contribution per period."""
        return self.unit_media[None, :, :] * self.beta_draws[:, None, :]

    def media_by_period(self, start: int = 0) -> NDArray[np.float64]:
        """``(n, H - start)`` draws of the summed channel contributions per period from period ``start`` on."""
        return self.beta_draws @ self.unit_media[start:].T

    def media_by_channel(self, start: int = 0) -> NDArray[np.float64]:
        """``(n, C)`` draws of each channel's contribution summed over the periods from ``start`` on."""
        return self.beta_draws * self.unit_media[start:].sum(axis=0)[None, :]

    @property
    def total(self) -> NDArray[np.float64]:
        """``(n, H)`` draws of the KPI."""
        return self.baseline[None, :] + self.media_by_period() + self.noise


def variance_function(resid: NDArray[np.float64], level: NDArray[np.float64]) -> list[float]:
    """Coefficients ``[a, b]`` ≥ 0 of the residual variance ``a·μ + b·μ²`` at fitted level μ ``(T,)``,
    by non-negative least squares of the squared residuals ``(T,)`` on (μ, μ²) (method of moments);
    ``[]`` when the level is not positive everywhere or the fit is degenerate (constant variance then)."""
    if len(level) < 10 or not np.all(level > 0):
        return []
    scale = float(np.mean(level))
    mu = level / scale
    coef, _ = nnls(np.column_stack([mu, mu**2]), (resid / scale) ** 2)
    if not np.any(coef > 0):
        return []
    return [float(coef[0] * scale), float(coef[1])]


def _noise_sd(var: list[float], level: NDArray[np.float64]) -> NDArray[np.float64]:
    """Noise s.d. ``sqrt(a·μ + b·μ²)`` at levels μ (floored at a tiny positive value)."""
    mu = np.clip(level, 0.0, None)
    return np.asarray(np.sqrt(np.maximum(var[0] * mu + var[1] * mu**2, 1e-12)), dtype=np.float64)


def geo_baseline_detail(
    idx: pd.DatetimeIndex, freq: str, sp: ResponseSpec, detail: NDArray[np.float64] | None
) -> NDArray[np.float64] | None:
    """The detail columns of the geo fit's baseline (``(T, K)`` or None): the holiday and event detail when
    ``sp.weekly_detail`` is ``"geo"`` or ``"all"``, and, on weekly data (``freq`` ``"W"``) with
    ``sp.weekly_changepoint_every`` set and no ``changepoint_every``, the trend hinges
    (:func:`models.response.design.trend_hinge_columns`), shared by the geos under the detail ridge's prior, so a
    trend break is not read as media (the national fit has the same hinges in its exact design)."""
    out = detail if sp.weekly_detail in ("geo", "all") else None
    if freq == "W" and sp.changepoint_every is None and sp.weekly_changepoint_every:
        hinges = trend_hinge_columns(idx, sp.weekly_changepoint_every)
        if hinges.shape[1]:
            out = hinges if out is None or not out.shape[1] else np.column_stack([out, hinges])
    return out


def _lift_chi2(rows: LiftRows | None, fit: MediaFit) -> float:
    """Sum over the lift tests of ((fitted incremental over the window − measured) / std_error)² (0 without)."""
    if rows is None:
        return 0.0
    fitted = rows.mask.astype(float) @ fit.contributions  # (L, C)
    got = fitted[np.arange(len(rows.tests)), rows.column]
    return float(np.sum(((got - rows.measured) / rows.std_error) ** 2))


def _psd(cov: NDArray[np.float64]) -> NDArray[np.float64]:
    """``cov`` ``(C, C)`` made symmetric, with negative eigenvalues (round-off of an augmented or shrunk
    precision's inverse) clipped to 0 when they are more than round-off; an exactly symmetric PSD matrix is
    returned unchanged."""
    cov = (cov + cov.T) / 2
    if cov.size:
        w, v = np.linalg.eigh(cov)
        if w.min() < -1e-10 * max(float(w.max()), 0.0):
            cov = (v * np.clip(w, 0.0, None)) @ v.T
    return cov


@dataclass
class _Fitted:
    freq: str
    channels: list[str]
    refused: dict[str, str]
    transforms: dict[str, ChannelTransform]
    beta_cov: list[list[float]]
    adstock_state: dict[str, float]
    last_date: str
    first_date: str
    ar_phi: float
    ar_sigma: float
    resid_sd: float
    future_start: str
    baseline_future: list[float]
    trend_sd: list[float]
    controls: list[str]
    warnings: list[str] = field(default_factory=list)
    efficiency: dict[str, float] = field(default_factory=dict)
    level_sd: float = 0.0
    noise_scale: float = 1.0
    media_scale: float = 1.0
    noise_var: list[float] = field(default_factory=list)
    shape_source: dict[str, str] = field(default_factory=dict)
    lift: list[dict[str, Any]] = field(default_factory=list)
    geo: dict[str, Any] = field(default_factory=dict)
    control_future: dict[str, float] = field(default_factory=dict)
    #: yearly Fourier order of the media fit's linear baseline (None: saved before it was recorded)
    yearly_order: int | None = None
    #: the channels' share of the outcome over the history (spend-driven fits; None: reported shapes, or saved before
    #: it was recorded); above :data:`MEDIA_SHARE_WARN` the fit warns
    media_share: float | None = None
    #: channel → relative s.e. of its total contribution over the history with the curve parameters' uncertainty
    #: (weekly spend-driven fits, :func:`models.response.uncertainty.contribution_rse`); empty: attribution's
    #: intervals use ``beta_cov`` alone (reported-shape fits, daily data, models saved before it existed)
    contribution_rse: dict[str, float] = field(default_factory=dict)
    #: the same for the sum over all channels (their errors correlate); None: the conditional covariance alone
    media_total_rse: float | None = None
    #: the channels' Hill shapes' common centre the fit read from the data (``ResponseSpec.shape_pooling``; None: a
    #: fixed centre, another fit, or saved before it was recorded)
    shape_centre: float | None = None


class ResponseModel:
    """Prophet baseline plus media response for one KPI (see module docstring)."""

    def __init__(self, spec: ResponseSpec | None = None, kpi: str = "conversions") -> None:
        self.spec = spec or ResponseSpec()
        self.kpi = kpi
        self._f: _Fitted | None = None
        self._prophet_json: str | None = None
        self.contributions_: pd.DataFrame | None = None
        self.baseline_in_sample_: pd.Series | None = None
        self.media_fit_: MediaFit | None = None

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        history: pd.DataFrame,
        *,
        y: str,
        channels: Sequence[str],
        controls: Sequence[str] = (),
        reported: Mapping[str, str] | None = None,
        warm_start: ResponseModel | None = None,
        campaigns: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        lift_tests: Sequence[LiftTest] = (),
        geo_panel: pd.DataFrame | None = None,
        geo_column: str = "geo",
    ) -> ResponseModel:
        """Fit on ``history`` (see module docstring). ``reported``: channel → column of the channel's
        platform-reported KPI (see ``ResponseSpec.shape_source``); ``campaigns``: channel → (spend column,
        reported-KPI column) of each of its campaigns, for campaign-level response shapes
        (``fit_media_reported``'s ``campaigns``; used with ``reported``); ``lift_tests``: incrementality
        experiments of this KPI (:class:`models.response.lift.LiftTest`), each a likelihood term weighted
        by ``1/std_error`` in the media fit (:mod:`models.response.lift`). ``controls``: linear regressors
        (controls, organic media, events) of the media design and of Prophet; a constant column is dropped
        with a warning. ``geo_panel``: long frame (``date``, ``geo_column``, ``y``, the channel spend columns,
        optionally the control columns per geo) whose per-date sum is ``history``; the media parameters are
        then fitted on it with effects partially pooled across geos (:mod:`models.response.geo`; shapes from
        spend; national lift tests constrain the national sum) and the national transforms are their
        national equivalents. Raises ``ValueError`` when ``y`` is zero in every period. Returns ``self``."""
        sp = self.spec
        idx = pd.DatetimeIndex(history.index)
        freq = infer_freq(idx)
        yv = history[y].to_numpy(dtype=float)
        if not np.all(np.isfinite(yv)):
            raise ValueError(f"{y} has missing or non-finite values")
        if not np.any(yv != 0):
            raise ValueError(f"{y} is zero in every period; nothing to fit")
        refused: dict[str, str] = {}
        used: list[str] = []
        media_share: float | None = None
        n = len(idx)
        for ch in channels:
            s = history[ch].to_numpy(dtype=float)
            active = int((s > 0).sum())
            cv = float(s.std() / s.mean()) if s.mean() > 0 else 0.0
            if active < max(8, sp.min_active_share * n):
                refused[ch] = f"spend in only {active} of {n} periods; effect cannot be identified"
            elif cv < sp.min_cv:
                refused[ch] = f"spend nearly constant (CV={cv:.3f}); effect confounded with the baseline"
            else:
                used.append(ch)
        warn = [
            f"{self.kpi}: channel {ch!r} refused — {why}; its response is treated as zero"
            for ch, why in refused.items()
        ]
        kept_controls = self._usable_controls(history, controls, warn)
        ctrl = history[kept_controls].astype(float) if kept_controls else None
        yearly_order = sp.yearly_order
        seasonality_read = freq == "W" and sp.weekly_seasonality == "auto"
        if seasonality_read:
            yearly_order = select_yearly_order(
                idx,
                yv,
                None if ctrl is None else ctrl.to_numpy(),
                country=sp.country,
                changepoint_every=sp.weekly_changepoint_every if sp.changepoint_every is None else sp.changepoint_every,
            )

        def designs(changepoint_every: int | None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
            """The linear baseline design ``(T, P)`` with trend hinges every ``changepoint_every`` days, alone
            and with the control columns appended."""
            base = baseline_design(
                idx,
                freq,
                origin=idx[0],
                country=sp.country,
                changepoint_every=changepoint_every,
                yearly_order=yearly_order,
            )
            return base, base if ctrl is None else np.column_stack([base, ctrl.to_numpy()])

        base_design, design = designs(sp.changepoint_every)
        spend = history[used].to_numpy(dtype=float) if used else np.zeros((n, 0))
        contrib = np.zeros((n, len(used)))
        transforms: dict[str, ChannelTransform] = {}
        efficiency: dict[str, float] = {}
        shape_source: dict[str, str] = {}
        cov = np.zeros((len(used), len(used)))
        lift_rows, lift_warn = map_lift_tests(lift_tests, idx, used, label=self.kpi)
        warn += lift_warn
        geo: dict[str, Any] = {}
        geo_fits: list[GeoFit] = []
        n_obs = n
        if used:
            ws = warm_start.media_fit_ if warm_start is not None else None
            if ws is not None and warm_start is not None and warm_start.channels_ != used:
                ws = None
            use_reported = sp.shape_source != "spend" and reported is not None and all(ch in reported for ch in used)
            if geo_panel is not None:
                if sp.shape_source == "reported":
                    raise ValueError("shape_source='reported' is not supported with a geo panel")
                use_reported = False
            if sp.shape_source == "reported" and not use_reported:
                raise ValueError("shape_source='reported' needs a reported column for every channel")
            rep = history[[reported[ch] for ch in used]].to_numpy(dtype=float) if use_reported and reported else None
            if rep is not None:
                unusable = self._unusable_reported(rep, yv, used)
                if unusable:
                    if sp.shape_source == "reported":
                        raise ValueError(f"{self.kpi}: shape_source='reported' but {unusable}")
                    warn.append(f"{self.kpi}: {unusable}; response shapes taken from spend")
                    rep = None
            shape_source = {ch: "reported" if rep is not None else "spend" for ch in used}
            candidates: list[Saturation] = ["hill", "logistic"] if sp.saturation == "auto" else [sp.saturation]
            weekly_spend = freq == "W" and rep is None and geo_panel is None  # national weekly spend-driven fit
            if sp.saturation == "auto" and freq == "W" and rep is None and sp.weekly_priors:
                # weekly totals cannot choose the family (see models.response.media.WEEKLY_SHAPE_PRIOR): the Hill
                # curve with its shape prior, not the one that happens to fit best
                candidates = ["hill"]
            spend_design = design
            if weekly_spend and sp.changepoint_every is None and sp.weekly_changepoint_every:
                _, spend_design = designs(sp.weekly_changepoint_every)
            if ws is not None:
                candidates = [ws.saturation]
            fits = []
            gp = None
            if geo_panel is not None:
                gp = geo_arrays(geo_panel, idx, geo_column=geo_column, y=y, channels=used, controls=ctrl)
                gap = float(np.abs(gp.y.sum(axis=0) - yv).max())
                if gap > 1e-6 * max(float(np.abs(yv).max()), 1.0):
                    raise ValueError(
                        f"geo panel's {y} summed over geos differs from the national history by up to {gap:,.6g}"
                    )
                n_obs = gp.y.size
            # one column per holiday name and per event occurrence, under a prior (ResponseSpec.weekly_detail)
            detail = (
                weekly_detail_columns(idx, sp.country, None if ctrl is None else ctrl.to_numpy())
                if freq == "W" and sp.weekly_detail != "none"
                else None
            )
            geo_detail = geo_baseline_detail(idx, freq, sp, detail) if gp is not None else None
            for sat in candidates:
                if gp is not None:
                    geo_fits.append(
                        fit_geo_media(
                            gp,
                            base_design,
                            national_spend=spend,
                            freq=freq,
                            saturation=sat,
                            seed=sp.seed,
                            n_starts=sp.n_starts,
                            warm_start=ws,
                            lift=lift_rows,
                            detail=geo_detail,
                            share_prior=sp.media_share_prior if freq == "W" else None,
                            shrink=sp.roi_shrinkage and sp.geo_roi_shrinkage and freq == "W",
                            tau_se_floor=sp.geo_tau_se_floor,
                        )
                    )
                    fits.append(geo_fits[-1].media)
                elif rep is not None:
                    fits.append(
                        fit_media_reported(
                            yv,
                            design,
                            spend,
                            rep,
                            freq=freq,
                            saturation=sat,
                            seed=sp.seed,
                            n_starts=sp.n_starts,
                            efficiency_window=self._periods(sp.recent_window, freq) if sp.varying_efficiency else 0,
                            campaigns=[
                                [
                                    (history[sc].to_numpy(dtype=float), history[rc].to_numpy(dtype=float))
                                    for sc, rc in (campaigns or {}).get(ch, [])
                                ]
                                for ch in used
                            ]
                            if campaigns
                            else None,
                            lift=lift_rows,
                        )
                    )
                else:
                    fits.append(
                        fit_media(
                            yv,
                            spend_design,
                            spend,
                            freq=freq,
                            saturation=sat,
                            seed=sp.seed,
                            n_starts=sp.n_starts,
                            warm_start=ws,
                            lift=lift_rows,
                            weekly_prior=sp.weekly_priors,
                            shrink=sp.roi_shrinkage and freq == "W",
                            detail=detail if sp.weekly_detail == "all" else None,
                            share_prior=sp.media_share_prior if freq == "W" and sp.weekly_priors else None,
                            shape_pooling=sp.shape_pooling,
                        )
                    )
            # BIC on the business-total residual picks the saturation family when ``saturation="auto"``
            # (with lift tests: plus their χ², so the family that contradicts the experiments is not preferred)
            bic = [
                n_obs * np.log(max(f.rss, 1e-12) / n_obs) + f.n_params * np.log(n_obs) + _lift_chi2(lift_rows, f)
                for f in fits
            ]
            best = int(np.argmin(bic))
            mf = fits[best]
            self.media_fit_ = mf
            if geo_fits:
                geo = self._geo_params(geo_fits[best], used, geo_column)
            contrib = mf.contributions
            media_share = float(contrib.sum() / yv.sum()) if rep is None and yv.sum() > 0 else None
            said = media_share_warning(self.kpi, media_share, yearly_order, seasonality_read)
            if said:
                warn.append(said)
            eff = np.ones(len(used))
            if rep is not None and mf.reported_fit is not None and sp.recent_window:
                # current efficiency: the channel's reported KPI over the last window against what its
                # response curve predicts for the spend it had (creative fatigue, a broken landing page …)
                win = min(self._periods(sp.recent_window, freq), n)
                got = rep[-win:].sum(axis=0)
                expect = mf.reported_fit[-win:].sum(axis=0)
                eff = np.clip(np.divide(got, expect, out=np.ones_like(got), where=expect > 0), 0.25, 4.0)
                efficiency.update({ch: float(e) for ch, e in zip(used, eff, strict=True)})
            cov = mf.beta_cov * np.outer(eff, eff)
            for j, ch in enumerate(used):
                transforms[ch] = ChannelTransform(
                    decay=float(mf.decay[j]),
                    half_saturation=float(mf.half_saturation[j]),
                    shape=float(mf.shape[j]),
                    beta=float(mf.beta[j] * eff[j]),
                    saturation=mf.saturation,
                )
                t = mf.beta[j] / mf.beta_se[j] if mf.beta_se[j] > 0 else np.inf
                if mf.beta[j] <= 0:
                    warn.append(f"{self.kpi}: channel {ch!r} shows no detectable effect; response set to zero")
                elif t < sp.min_t:
                    warn.append(f"{self.kpi}: channel {ch!r} weakly identified (t={t:.1f}); wide intervals")
        lift_fit = self._lift_fit(lift_rows, contrib)
        for w in warn:
            log.warning(w)
        # stage 2: Prophet on the KPI net of media
        media_total = contrib.sum(axis=1)
        hol_week = freq == "W" and bool(sp.country)
        p_ctrl = ctrl
        if hol_week:
            count = weekly_holiday_count(idx, sp.country)
            if count.std() > 0:
                p_ctrl = pd.concat([ctrl, pd.DataFrame({HOLIDAY_COUNT: count}, index=idx)], axis=1)
        prophet = pb.fit_prophet(
            idx,
            yv - media_total,
            freq=freq,
            country=sp.country,
            controls=p_ctrl,
            seed=sp.seed,
            seasonality_mode=sp.seasonality_mode,
            changepoint_prior_scale=sp.changepoint_prior_scale,
        )
        base_in = pb.predict(prophet, idx, p_ctrl)["yhat"].to_numpy()
        fitted_level = base_in + media_total
        # counts are heteroscedastic: the residual variance follows the level (quasi-likelihood
        # var = a·μ + b·μ², as for negative-binomial counts), so residuals are standardised by it
        noise_var = variance_function(yv - fitted_level, fitted_level)
        resid = (yv - fitted_level) / _noise_sd(noise_var, fitted_level) if noise_var else yv - fitted_level
        phi = float(np.clip(np.corrcoef(resid[:-1], resid[1:])[0, 1], -0.5, 0.95)) if n > 3 else 0.0
        innov = resid[1:] - phi * resid[:-1]
        # unbiased residual scale: in-sample residuals are smaller than out-of-sample errors by the
        # degrees of freedom spent on Prophet's and the media's parameters
        n_par = pb.n_parameters(prophet) + (self.media_fit_.n_params if self.media_fit_ is not None and used else 0)
        dof_factor = float(np.sqrt(n / max(n - n_par, n / 2)))
        step = pd.Timedelta(days=1 if freq == "D" else 7)
        horizon = sp.horizon if freq == "D" else max(sp.horizon // 7, 1)
        fut = pd.date_range(idx[-1] + step, periods=horizon, freq=step)
        control_future = self._control_future(ctrl, self._periods(sp.recent_window or 28, freq))
        fut_ctrl = None
        if p_ctrl is not None:
            fut_ctrl = pd.DataFrame({c: np.full(len(fut), v) for c, v in control_future.items()}, index=fut)
            if HOLIDAY_COUNT in p_ctrl:
                fut_ctrl[HOLIDAY_COUNT] = weekly_holiday_count(fut, sp.country)
        base_fut = pb.predict(prophet, fut, fut_ctrl)["yhat"].to_numpy()
        tsd = pb.trend_sd(prophet, fut, seed=sp.seed)
        state: dict[str, float] = {}
        for j, ch in enumerate(used):
            n0 = min(7 if freq == "D" else 2, n)
            a = geometric_adstock(spend[:, j], transforms[ch].decay, initial=spend[:n0, j].mean())
            state[ch] = float(a[-1])
        self._f = _Fitted(
            freq=freq,
            channels=used,
            refused=refused,
            transforms=transforms,
            beta_cov=cov.tolist(),
            adstock_state=state,
            last_date=str(idx[-1].date()),
            first_date=str(idx[0].date()),
            ar_phi=phi,
            ar_sigma=float(np.std(innov)) * dof_factor,
            resid_sd=float(np.std(resid)) * dof_factor,
            noise_var=noise_var,
            future_start=str(fut[0].date()),
            baseline_future=base_fut.tolist(),
            trend_sd=tsd.tolist(),
            controls=list(kept_controls),
            efficiency=efficiency,
            warnings=warn,
            shape_source=shape_source,
            lift=lift_fit,
            control_future={c: v for c, v in control_future.items() if v != 0.0},
            geo=geo,
            contribution_rse=_contribution_rse(self.media_fit_ if used else None, used),
            media_total_rse=self.media_fit_.media_total_rse if used and self.media_fit_ is not None else None,
            yearly_order=yearly_order,
            media_share=media_share,
            shape_centre=self.media_fit_.shape_centre if used and self.media_fit_ is not None else None,
        )
        self._prophet_json = pb.to_json(prophet)
        self.contributions_ = pd.DataFrame(contrib, index=idx, columns=used)
        self.baseline_in_sample_ = pd.Series(base_in, index=idx, name="baseline")
        return self

    def _usable_controls(self, history: pd.DataFrame, controls: Sequence[str], warn: list[str]) -> list[str]:
        """The control columns to use: a column with missing or non-finite values is an error; a constant
        (or all-zero) one carries no information beyond the intercept and is dropped with a warning in ``warn``."""
        kept = []
        for c in controls:
            v = history[c].to_numpy(dtype=float)
            bad = int((~np.isfinite(v)).sum())
            if bad:
                raise ValueError(f"{self.kpi}: control column {c!r} has {bad} missing or non-finite values")
            if np.ptp(v) == 0:
                warn.append(f"{self.kpi}: control {c!r} is constant ({v[0]:g}) over the history; dropped")
            else:
                kept.append(c)
        return kept

    def _unusable_reported(self, rep: NDArray[np.float64], yv: NDArray[np.float64], used: list[str]) -> str:
        """Why the platform-reported columns ``rep`` ``(T, C)`` cannot give response shapes ("" when they
        can): a channel whose reported figures are all zero, or a reported total below
        :data:`MIN_REPORTED_SHARE` of the business total. One unusable channel sends every channel of the
        KPI to the spend-driven fit (mixing the two sources in one fit is not supported)."""
        zero = [ch for j, ch in enumerate(used) if not np.any(rep[:, j] != 0)]
        if zero:
            return f"platform-reported figures are all zero for {', '.join(repr(c) for c in zero)}"
        total, business = float(rep.sum()), float(np.abs(yv).sum())
        if total < MIN_REPORTED_SHARE * business:
            return (
                f"platform-reported figures are all zero for practical purposes (their total {total:,.4g} is "
                f"below {MIN_REPORTED_SHARE:.0%} of the business total {business:,.4g})"
            )
        return ""

    @staticmethod
    def _geo_params(gf: GeoFit, used: list[str], geo_column: str) -> dict[str, Any]:
        """Persistable per-geo parameters of a geo fit (see :meth:`geo_contributions`)."""

        def per_geo(a: NDArray[np.float64]) -> dict[str, dict[str, float]]:  # (G, C) → geo → channel → value
            return {g: dict(zip(used, row, strict=True)) for g, row in zip(gf.geos, a.tolist(), strict=True)}

        return {
            "column": geo_column,
            "geos": list(gf.geos),
            "k_rel": dict(zip(used, gf.k_rel.tolist(), strict=True)),
            "spend_scale": per_geo(gf.spend_scale),
            "beta": per_geo(gf.geo_beta),
            "weight": dict(zip(gf.geos, gf.weight.tolist(), strict=True)),
            "tau": dict(zip(used, gf.tau.tolist(), strict=True)),
            "pooled_beta": dict(zip(used, gf.pooled_beta.tolist(), strict=True)),
            **({"beta_se": per_geo(gf.geo_beta_se)} if gf.geo_beta_se is not None else {}),
        }

    @staticmethod
    def _control_future(ctrl: pd.DataFrame | None, window: int) -> dict[str, float]:
        """Control values assumed after the history: 0 for 0/1 columns (events, off unless planned), else
        the mean of the last ``window`` periods (a level such as price or competitor sales held)."""
        if ctrl is None:
            return {}
        out = {}
        for c in ctrl.columns:
            v = ctrl[c].to_numpy(dtype=float)
            binary = bool(np.isin(v, (0.0, 1.0)).all())
            out[c] = 0.0 if binary else float(v[-window:].mean())
        return out

    def _lift_fit(self, rows: LiftRows | None, contrib: NDArray[np.float64]) -> list[dict[str, Any]]:
        """Measured vs fitted of each lift test used: the test's fields plus ``fitted`` (the channel's
        in-sample contribution summed over the window) and ``fitted_sd`` (its s.d. from the coefficient
        covariance)."""
        if rows is None:
            return []
        out = []
        for i, t in enumerate(rows.tests):
            c = int(rows.column[i])
            fitted = float(contrib[rows.mask[i], c].sum())
            mf = self.media_fit_
            beta = float(mf.beta[c]) if mf is not None else 0.0
            sd = float(np.sqrt(max(mf.beta_cov[c, c], 0.0))) * fitted / beta if mf is not None and beta > 0 else 0.0
            out.append({**t.to_dict(), "fitted": fitted, "fitted_sd": sd, "periods": int(rows.mask[i].sum())})
        return out

    @staticmethod
    def _periods(days: int, freq: str) -> int:
        """``days`` as periods of ``freq`` (weeks: ``days // 7``, at least 1)."""
        return days if freq == "D" else max(days // 7, 1)

    # ------------------------------------------------------------ accessors
    @property
    def fitted(self) -> _Fitted:
        if self._f is None:
            raise RuntimeError("ResponseModel is not fitted")
        return self._f

    @property
    def channels_(self) -> list[str]:
        return list(self.fitted.channels)

    @property
    def refused_(self) -> dict[str, str]:
        return dict(self.fitted.refused)

    @property
    def transforms_(self) -> dict[str, ChannelTransform]:
        return dict(self.fitted.transforms)

    @property
    def shape_source_(self) -> dict[str, str]:
        """Channel → ``"reported"`` (shape from its platform-reported KPI) or ``"spend"`` (searched on the
        business total); empty for models saved before schema 3."""
        return dict(self.fitted.shape_source)

    @property
    def lift_fit_(self) -> list[tuple[LiftTest, float]]:
        """Each lift test used by the fit with the fitted incremental KPI over its window (the channel's
        in-sample contribution summed over the window's periods); see :meth:`lift_table` for more columns."""
        return [(LiftTest.from_dict(d), float(d["fitted"])) for d in self.fitted.lift]

    def lift_table(self) -> pd.DataFrame:
        """Lift tests used by the fit: ``channel``, ``start``, ``end``, ``incremental`` (measured),
        ``std_error``, ``fitted``, ``fitted_sd`` (s.d. of the fitted value from the coefficient covariance),
        ``periods`` (history periods in the window); one row per test, empty without tests."""
        cols = ["channel", "start", "end", "incremental", "std_error", "fitted", "fitted_sd", "periods"]
        return pd.DataFrame(self.fitted.lift, columns=cols)

    @property
    def geos_(self) -> tuple[str, ...]:
        """Geos of a geo-level fit (empty when the model was fitted nationally)."""
        return tuple(self.fitted.geo.get("geos", ()))

    def geo_coefficients(self) -> pd.DataFrame:
        """Per-geo coefficients (KPI units per period at full saturation), one row per geo (index ``geo``),
        one column per channel; empty for a national fit."""
        g = self.fitted.geo
        if not g:
            return pd.DataFrame(columns=self.channels_)
        return pd.DataFrame.from_dict(g["beta"], orient="index")[self.channels_].rename_axis("geo")

    def geo_coefficient_se(self) -> pd.DataFrame | None:
        """Per-geo posterior s.d. of the coefficients around the pooled ones (KPI units, as
        :meth:`geo_coefficients`; :func:`models.response.geo.geo_coefficient_se`); None for a national fit or a
        model saved before it was recorded."""
        g = self.fitted.geo
        if not g or "beta_se" not in g:
            return None
        return pd.DataFrame.from_dict(g["beta_se"], orient="index")[self.channels_].rename_axis("geo")

    def geo_contributions(self, geo_panel: pd.DataFrame, per_unit: bool = False) -> pd.DataFrame:
        """Channel contributions per geo and period (KPI units): ``date``, ``geo``, one column per channel of
        :attr:`channels_`, from the panel's spend (long frame as given to :meth:`fit`; its geos must be
        fitted ones; its first periods set the adstock start as in the fit). ``per_unit``: the response per unit
        of coefficient instead (the saturated, adstocked spend feature; times :meth:`geo_coefficients` it is the
        contribution). Raises ``ValueError`` for a national model or an unknown geo."""
        g = self.fitted.geo
        if not g:
            raise ValueError(f"{self.kpi} model was fitted nationally; it has no geo contributions")
        col = g["column"]
        dates = pd.DatetimeIndex(sorted(pd.to_datetime(geo_panel["date"]).dt.normalize().unique()))
        chans = self.channels_
        gp = geo_arrays(geo_panel, dates, geo_column=col, y=None, channels=chans)
        unknown = [x for x in gp.geos if x not in g["beta"]]
        if unknown:
            raise ValueError(f"geo panel has geos the {self.kpi} model was not fitted on: {unknown[:5]}")
        m = np.array([[g["spend_scale"][x][c] for c in chans] for x in gp.geos])
        beta = np.array([[g["beta"][x][c] for c in chans] for x in gp.geos])
        tr = self.fitted.transforms
        s = gp.spend / m[:, None, :]
        h = geo_features(
            s,
            initial_state(s, self.freq_),
            np.array([tr[c].decay for c in chans]),
            np.array([g["k_rel"][c] for c in chans]),
            np.array([tr[c].shape for c in chans]),
            tr[chans[0]].saturation if chans else "hill",
        )
        contrib = h if per_unit else h * beta[:, None, :]
        out = pd.DataFrame(contrib.reshape(-1, len(chans)), columns=chans)
        out.insert(0, "geo", np.repeat(gp.geos, len(dates)))
        out.insert(0, "date", np.tile(dates, len(gp.geos)))
        return out

    @property
    def warnings_(self) -> list[str]:
        return list(self.fitted.warnings)

    @property
    def freq_(self) -> str:
        return self.fitted.freq

    @property
    def last_date_(self) -> pd.Timestamp:
        return pd.Timestamp(self.fitted.last_date)

    def step(self) -> pd.Timedelta:
        return pd.Timedelta(days=1 if self.freq_ == "D" else 7)

    # -------------------------------------------------------------- predict
    def future_dates(self, periods: int) -> pd.DatetimeIndex:
        return pd.date_range(self.last_date_ + self.step(), periods=periods, freq=self.step())

    def baseline(self, periods: int) -> NDArray[np.float64]:
        """Point baseline for the first ``periods`` periods after the history ``(periods,)``."""
        f = self.fitted
        if periods > len(f.baseline_future):
            raise ValueError(f"horizon {periods} exceeds the stored baseline ({len(f.baseline_future)} periods)")
        return np.asarray(f.baseline_future[:periods])

    def media(self, spend: pd.DataFrame) -> NDArray[np.float64]:
        """Expected channel contributions ``(H, C)`` for ``spend`` ``(H, ≥C)`` starting right after the
        history (adstock carried over from the history); columns follow :attr:`channels_` (missing = 0 spend)."""
        f = self.fitted
        out = np.zeros((len(spend), len(f.channels)))
        for j, ch in enumerate(f.channels):
            s = spend[ch].to_numpy(dtype=float) if ch in spend else np.zeros(len(spend))
            out[:, j] = self.channel_media(ch, s)
        return out

    def channel_media(self, channel: str, spend: NDArray[np.float64]) -> NDArray[np.float64]:
        """Expected contribution ``(H,)`` of one channel for its spend path ``(H,)`` starting right after the
        history (a channel's contribution depends on its own spend only; zeros for a channel the model lacks)."""
        f = self.fitted
        if channel not in f.transforms:
            return np.zeros(len(spend))
        return np.asarray(f.transforms[channel].response(spend, initial=f.adstock_state[channel]), dtype=float)

    def expected(self, spend: pd.DataFrame) -> NDArray[np.float64]:
        """Expected KPI per period ``(H,)`` for a spend path starting right after the history."""
        return self.baseline(len(spend)) + self.media(spend).sum(axis=1)

    def simulate(self, spend: pd.DataFrame, n: int = 1000, seed: int = 0) -> Simulation:
        """Draws of the KPI for ``spend`` (see :class:`Simulation`): betas from their covariance
        (truncated at 0), one trend-error draw per path scaled by Prophet's trend s.d., AR(1) residuals
        (in units of the level-dependent noise s.d. :func:`variance_function` for schema ≥ 2)
        and, when calibrated (:meth:`with_calibration`), one relative level-error draw per path,
        residuals scaled by the noise scale and beta draws' spread by the media scale."""
        f = self.fitted
        h = len(spend)
        rng = np.random.default_rng(seed)
        mean = self.media(spend)
        c = len(f.channels)
        draws, sat = np.zeros((n, c)), np.zeros((h, c))
        if c:
            beta = np.array([f.transforms[ch].beta for ch in f.channels])
            cov = _psd(np.asarray(f.beta_cov) * f.media_scale**2)
            # _psd made cov PSD up to round-off; numpy's own check (absolute tolerance 1e-8) would still warn when
            # the entries span many orders of magnitude (revenue-scale coefficients next to tiny ones)
            draws = (
                rng.multivariate_normal(beta, cov, size=n, method="svd", check_valid="ignore")
                if np.any(cov)
                else np.tile(beta, (n, 1))
            )
            draws = np.clip(draws, 0.0, None)
            sat = np.divide(mean, beta, out=np.zeros_like(mean), where=beta > 0)
        eps = rng.standard_normal((n, h)) * f.ar_sigma * f.noise_scale
        z0 = rng.standard_normal(n) * f.resid_sd * f.noise_scale
        zi = (f.ar_phi * z0)[:, None]
        noise, _ = lfilter([1.0], [1.0, -f.ar_phi], eps, axis=1, zi=zi)
        level = np.clip(self.baseline(h) + mean.sum(axis=1), 0.0, None)
        if f.noise_var:
            noise = noise * _noise_sd(f.noise_var, level)[None, :]
        noise = noise + rng.standard_normal((n, 1)) * np.asarray(f.trend_sd[:h])[None, :]
        if f.level_sd > 0:
            # calibrated level error (see :meth:`with_calibration`): one relative shift of the expected KPI per path
            noise = noise + rng.standard_normal((n, 1)) * f.level_sd * level[None, :]
        return Simulation(
            dates=pd.DatetimeIndex(spend.index),
            channels=tuple(f.channels),
            baseline=self.baseline(h),
            media_mean=mean,
            beta_draws=draws,
            unit_media=sat,
            noise=noise,
        )

    def with_calibration(
        self, level_sd: float = 0.0, noise_scale: float = 1.0, media_scale: float = 1.0
    ) -> ResponseModel:
        """Set the interval calibration estimated on rolling-origin backtests
        (:func:`training.backtest.calibration`): ``level_sd``, the relative level error (s.d. of the
        horizon-mean error as a fraction of the expected KPI) that :meth:`simulate` adds as one shift
        per path; ``noise_scale``, the factor on the s.d. of the per-period residual noise;
        ``media_scale``, the factor on the spread of the media-effect draws. ``(0, 1, 1)`` is
        uncalibrated. Returns ``self``."""
        for name, v, lo in (
            ("level_sd", level_sd, 0.0),
            ("noise_scale", noise_scale, 1e-9),
            ("media_scale", media_scale, 0.0),
        ):
            if not np.isfinite(v) or v < lo:
                raise ValueError(f"{name} must be a finite number >= {lo:g}, got {v}")
        self.fitted.level_sd = float(level_sd)
        self.fitted.noise_scale = float(noise_scale)
        self.fitted.media_scale = float(media_scale)
        return self

    # ---------------------------------------------------------- persistence
    def to_files(self, prefix: str) -> dict[str, str]:
        """``{prefix + "prophet.json": ..., prefix + "params.json": ..., prefix + "contributions.csv": ...}`` (text,
        no pickle). ``contributions.csv``: the fit's in-sample contribution per period (rows: ``date``) and channel
        (columns), KPI units, 12 significant digits — what attribution reports over the fitted history (the curve
        times each channel's time-varying efficiency, which the transforms alone cannot reproduce); left out when
        the model has none."""
        f = self.fitted
        d = asdict(f)
        d["transforms"] = {k: v.to_dict() for k, v in f.transforms.items()}
        params = {"schema": SCHEMA, "kpi": self.kpi, "spec": self.spec.to_dict(), "fitted": d}
        files = {prefix + "prophet.json": self._prophet_json or "", prefix + "params.json": json.dumps(params)}
        if self.contributions_ is not None:
            files[prefix + CONTRIBUTIONS_FILE] = self.contributions_.rename_axis("date").to_csv(
                float_format="%.12g", date_format="%Y-%m-%d", lineterminator="\n"
            )
        return files

    @classmethod
    def from_files(cls, files: dict[str, str], prefix: str) -> ResponseModel:
        params = json.loads(files[prefix + "params.json"])
        if params.get("schema") not in READABLE_SCHEMAS:
            raise ValueError(
                f"response model schema {params.get('schema')} not supported (readable: {READABLE_SCHEMAS}); "
                "retrain with `kpi-advisor train`"
            )
        m = cls(ResponseSpec.from_dict(params["spec"]), kpi=params["kpi"])
        d = dict(params["fitted"])
        d["transforms"] = {k: ChannelTransform.from_dict(v) for k, v in d["transforms"].items()}
        m._f = _Fitted(**d)
        m._prophet_json = files.get(prefix + "prophet.json")
        stored = files.get(prefix + CONTRIBUTIONS_FILE)
        if stored:  # a model saved before the file existed has none: attribution then recomputes from the curves
            m.contributions_ = pd.read_csv(io.StringIO(stored), index_col="date", parse_dates=["date"])
        return m

    def prophet(self) -> object:
        """The baseline Prophet model, deserialised on demand."""
        if not self._prophet_json:
            raise RuntimeError("no Prophet model stored")
        return pb.from_json(self._prophet_json)


def _contribution_rse(mf: MediaFit | None, used: Sequence[str]) -> dict[str, float]:
    """Channel → the media fit's ``contribution_rse`` (empty when the fit has none)."""
    if mf is None or mf.contribution_rse is None:
        return {}
    return {ch: float(v) for ch, v in zip(used, mf.contribution_rse, strict=True)}
