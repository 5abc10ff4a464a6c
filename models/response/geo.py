"""Geo-level media fit with effects partially pooled across geos.

Data: ``G`` geos, ``T`` periods, ``C`` channels. Per geo ``g`` and channel ``c`` the media feature is

    h_{g,t,c} = sat(adstock(x_{g,t,c} / m_{g,c}; decay_c); k_c, shape_c)

with ``m_{g,c}`` the mean active spend of the channel in the geo, so the shape parameters θ_c (decay,
half-saturation ``k_c`` relative to ``m``, Hill shape) are shared by all geos. Each geo has its own
linear baseline (the national baseline design, plus the geo's controls), projected out per geo by its
own orthonormal basis (batched, no block-diagonal matrix), and an outcome scale
``w_g = mean(y_g) / mean_g(mean(y_g))`` so that the series ``y_g / w_g`` are comparable.

1. *Pooled fit* (variable projection on all geos stacked): for fixed θ the pooled coefficients
   ``β_c ≥ 0`` come from NNLS on the stacked projected features (rows weighted by the inverse residual
   s.d. of their geo from a first pass); ``scipy.optimize.least_squares`` searches θ as in
   :func:`models.response.media.fit_media`, with weekly shape priors (:data:`GEO_WEEKLY_DECAY_PRIOR`,
   :data:`models.response.media.WEEKLY_HALF_SAT_PRIOR`). National lift tests add rows
   ``Σ_g w_g Σ_{t∈window} h_{g,t,c} · β_c`` against the measured value, weighted ``1/std_error``. With return
   shrinkage (``shrink``) the search is run once more with one row per channel pulling its national return per
   unit spend towards the pooled return (empirical Bayes, :func:`_roi_prior`), rows the second pass keeps.
2. *Partial pooling*: per geo, ``b_g = β + δ_g ≥ 0`` minimises ``|y_g − H_g b_g|²/σ_g² + Σ_c δ_{g,c}²/τ_c²``
   (ridge towards the pooled coefficients). ``σ_g`` is the geo's residual s.d. under the pooled fit and
   ``τ_c²``, the between-geo variance of the channel's coefficient, is estimated empirical-Bayes style as the
   variance of the geos' unpooled least-squares estimates minus their mean sampling variance, floored at
   ``(TAU_FLOOR · β_c)²``, i.e. nearly full pooling when the geos do not disagree beyond noise; the per-geo
   intervals use a ``τ_c²`` at least the standard error of that estimate (``tau_se_floor``: an estimate ≤ 0 does
   not show the geos equal). θ is then
   refined (one more ``least_squares`` run from the pooled optimum) on the residuals of this partially
   pooled model — per-geo data residuals ``/σ_g``, shrinkage residuals ``δ/τ``, lift residuals — with the
   geo coefficients solved in closed form (clipped at 0) for each θ, the final ones included (so the lift
   residuals the search saw are those of the result; national lift tests constrain the national sum
   ``Σ_g w_g b_{g,c} Σ_{t∈window} h_{g,t,c}``). Geo coefficients in KPI units: ``β_{g,c} = w_g · b_{g,c}``.
   A warm-started refit (backtest origins, warm start = the full-history fit) skips the pooled search and
   runs the second pass only, for at most :data:`WARM_NFEV` evaluations.
3. *National transform*: decay_c, half-saturation ``k_c × M_c`` (``M_c`` the national mean active spend),
   shape_c and ``beta = Σ_g β_{g,c}``. Exact when each geo's share of the channel's spend is constant over
   time (then every geo's normalised spend path is the national one); otherwise an approximation of the
   sum of the geo curves (forecasts and plans are national). The in-sample contributions are the exact
   sums of the geo contributions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import OptimizeResult, least_squares, nnls
from scipy.signal import lfilter

from models.response.design import BASELINE_RIDGE_SD, RidgeDirections, ridge_directions
from models.response.lift import LiftRows
from models.response.media import MediaFit, ShapeSpace, _ar1, _saturate, empirical_roi_prior, share_prior_rows
from models.transforms import Saturation

#: floor of the between-geo s.d. of a channel's coefficient, as a share of the pooled coefficient
TAU_FLOOR = 0.02
#: weekly data: normal prior on the weekly decay (mean, s.d.), with the national fit's log-normal prior on the
#: half-saturation relative to each geo's mean active spend (:data:`models.response.media.WEEKLY_HALF_SAT_PRIOR`);
#: real weekly media decays by 0.1–0.7 a week. Without it a channel that always spends can saturate at a tenth of
#: its spend, its feature then aliases the intercept and its contribution takes the baseline's level (seen:
#: +1,700 % on a demo world). The s.d. is the national fit's (0.15; it was 0.25): with the baseline's holiday and
#: event detail (``detail``) a looser prior let a small channel's decay run to 0.8 and its contribution to +170 %;
#: on 20 demo worlds × 2 KPIs without lift tests 0.15 alone lowers the geo contribution error by 2.1 ± 0.7 / 1.8 ±
#: 0.7 points (session 9, fits without backtests).
GEO_WEEKLY_DECAY_PRIOR = (0.4, 0.15)
#: evaluations of the one search of a warm-started refit (backtest origins start at the full-history optimum)
WARM_NFEV = 15


@dataclass(frozen=True)
class GeoPanel:
    """A geo panel as arrays on the national index: ``geos`` (G,), ``y`` ``(G, T)``, ``spend`` ``(G, T, C)``,
    ``controls`` ``(G, T, K)`` (the geo's own column when the panel has it, else the national one)."""

    geos: tuple[str, ...]
    y: NDArray[np.float64]
    spend: NDArray[np.float64]
    controls: NDArray[np.float64]


def geo_arrays(
    panel: pd.DataFrame,
    index: pd.DatetimeIndex,
    *,
    geo_column: str,
    y: str | None,
    channels: Sequence[str],
    controls: pd.DataFrame | None = None,
) -> GeoPanel:
    """Arrays of ``panel`` (long: ``date``, ``geo_column``, ``y``, the channel spend columns, optionally control
    columns) on ``index``. Every (geo, date) of ``index`` must be present once; ``y=None`` skips the outcome.
    Raises ``ValueError`` naming the column or the missing/duplicate rows."""
    need = ["date", geo_column, *([y] if y else []), *channels]
    missing = [c for c in need if c not in panel]
    if missing:
        raise ValueError(f"geo panel lacks columns {missing}")
    df = panel.copy()
    df["date"] = pd.to_datetime(df["date"]).dt.normalize()
    df[geo_column] = df[geo_column].astype(str)
    df = df[df["date"].isin(pd.DatetimeIndex(index).normalize())]
    dup = df.duplicated(["date", geo_column])
    if dup.any():
        r = df[dup].iloc[0]
        raise ValueError(
            f"geo panel has {int(dup.sum())} duplicate (date, {geo_column}) rows, e.g. {r['date'].date()}, {r[geo_column]}"
        )
    geos = tuple(sorted(df[geo_column].unique()))
    if not geos:
        raise ValueError("geo panel has no rows on the history's dates")
    full = pd.MultiIndex.from_product([geos, pd.DatetimeIndex(index).normalize()], names=[geo_column, "date"])
    df = df.set_index([geo_column, "date"])
    absent = full.difference(df.index)
    if len(absent):
        g, d = absent[0]
        raise ValueError(f"geo panel lacks {len(absent)} (geo, date) rows of the history, e.g. {g}, {d.date()}")
    df = df.reindex(full)
    g_n, t_n = len(geos), len(index)

    def arr(col: str) -> NDArray[np.float64]:
        v = df[col].to_numpy(dtype=float).reshape(g_n, t_n)
        bad = int((~np.isfinite(v)).sum())
        if bad:
            raise ValueError(f"geo panel column {col!r} has {bad} missing or non-finite values")
        return v

    yv = arr(y) if y else np.zeros((g_n, t_n))
    spend = np.stack([arr(c) for c in channels], axis=2) if channels else np.zeros((g_n, t_n, 0))
    if (spend < 0).any():
        raise ValueError("geo panel has negative spend")
    ctrl_cols = list(controls.columns) if controls is not None else []
    ctrl = np.zeros((g_n, t_n, len(ctrl_cols)))
    for k, c in enumerate(ctrl_cols):
        if c in df:
            ctrl[:, :, k] = arr(c)
        else:
            assert controls is not None
            ctrl[:, :, k] = controls[c].to_numpy(dtype=float)[None, :]
    return GeoPanel(geos=geos, y=yv, spend=spend, controls=ctrl)


def _mean_active(x: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """Mean of the positive values along ``axis`` (1 where there are none)."""
    pos = x > 0
    cnt = pos.sum(axis=axis)
    tot = np.where(pos, x, 0.0).sum(axis=axis)
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), 1.0)


def _bases(design: NDArray[np.float64], ctrl: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per-geo orthonormal bases ``(G, T, P)`` of ``[design, ctrl_g]`` (rank-deficient columns dropped by SVD,
    padded with zero columns to a common width)."""
    g_n, t_n, _ = ctrl.shape
    if ctrl.shape[2] == 0:
        u, s, _ = np.linalg.svd(design, full_matrices=False)
        q = u[:, s > s[0] * 1e-10]
        return np.broadcast_to(q, (g_n, *q.shape))
    qs = []
    for g in range(g_n):
        u, s, _ = np.linalg.svd(np.column_stack([design, ctrl[g]]), full_matrices=False)
        qs.append(u[:, s > s[0] * 1e-10])
    width = max(q.shape[1] for q in qs)
    out = np.zeros((g_n, t_n, width))
    for g, q in enumerate(qs):
        out[g, :, : q.shape[1]] = q
    return out


@dataclass(frozen=True)
class GeoFit:
    """Result of :func:`fit_geo_media`.

    ``media``: national-equivalent :class:`MediaFit` (see module docstring; ``contributions`` ``(T, C)`` are
    the sums of the geo contributions); ``geos`` (G,); ``k_rel`` ``(C,)`` half-saturation relative to each
    geo's mean active spend; ``spend_scale`` ``(G, C)`` those means; ``geo_beta`` ``(G, C)`` coefficients in
    KPI units; ``weight`` ``(G,)`` outcome scales ``w_g``; ``tau`` ``(C,)`` between-geo s.d. of the
    normalised coefficients used for the shrinkage; ``pooled_beta`` ``(C,)`` normalised pooled coefficients
    (KPI units of an average geo); ``contributions`` ``(G, T, C)``; ``geo_beta_se`` ``(G, C)`` each geo
    coefficient's posterior s.d. around the pooled one (KPI units, :func:`geo_coefficient_se`; None: not computed).
    """

    media: MediaFit
    geos: tuple[str, ...]
    k_rel: NDArray[np.float64]
    spend_scale: NDArray[np.float64]
    geo_beta: NDArray[np.float64]
    weight: NDArray[np.float64]
    tau: NDArray[np.float64]
    pooled_beta: NDArray[np.float64]
    contributions: NDArray[np.float64]
    geo_beta_se: NDArray[np.float64] | None = None


def geo_features(
    s: NDArray[np.float64],
    init: NDArray[np.float64],
    decay: NDArray[np.float64],
    k: NDArray[np.float64],
    shape: NDArray[np.float64],
    saturation: Saturation,
) -> NDArray[np.float64]:
    """Saturated adstock ``(G, T, C)`` of normalised spend ``s`` ``(G, T, C)``; ``init`` ``(G, C)`` adstock
    state before the first period; ``decay``/``k``/``shape`` ``(C,)`` shared by the geos."""
    a = np.empty_like(s)
    for c in range(s.shape[2]):
        lam = float(decay[c])
        zi = (lam * init[:, c])[None, :]
        out, _ = lfilter([1.0 - lam], [1.0, -lam], s[:, :, c].T, axis=0, zi=zi)
        a[:, :, c] = out.T
    return _saturate(a, k, shape, saturation)


def initial_state(s: NDArray[np.float64], freq: str) -> NDArray[np.float64]:
    """Adstock state ``(G, C)`` before the first period: mean normalised spend of the first week (daily: 7
    periods, weekly: 2), as in the national fit."""
    n0 = min(7 if freq == "D" else 2, s.shape[1])
    return np.asarray(s[:, :n0].mean(axis=1))


class _GeoProblem(ShapeSpace):
    def __init__(
        self,
        panel: GeoPanel,
        design: NDArray[np.float64],
        freq: str,
        saturation: Saturation,
        detail: NDArray[np.float64] | None = None,
    ) -> None:
        y = panel.y
        self.G, self.T, self.C = panel.spend.shape
        self.sat = saturation
        geo_mean = y.mean(axis=1)
        overall = float(np.mean(np.abs(geo_mean))) or 1.0
        self.w = np.maximum(geo_mean, 1e-6 * overall) / overall  # (G,)
        yt = y / self.w[:, None]
        self.y_scale = float(np.mean(np.abs(yt))) or 1.0
        self.yt = yt / self.y_scale
        self.m = _mean_active(panel.spend, axis=1)  # (G, C)
        self.S = panel.spend / self.m[:, None, :]
        self.init = initial_state(self.S, freq)  # (G, C)
        self.q = _bases(design, panel.controls)
        self.ridge = self._detail_ridge(detail)
        self.y_r = self._resid(self.yt[:, :, None])[:, :, 0]
        self.max_decay = 0.95 if freq == "D" else 0.9
        self.decay_prior = GEO_WEEKLY_DECAY_PRIOR if freq == "W" else None
        self.shape_prior_on = freq == "W"
        self.n_shape = 0 if saturation == "logistic" else self.C
        self.sigma = 1.0
        self.omega = np.ones(self.G)  # per-geo row weights (inverse residual s.d., relative)
        self.lift: LiftRows | None = None
        self.share: tuple[float, float] | None = None  # (prior mean, s.d.) of the national media total, normalised
        self.pool: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None  # (σ_g, τ_c) of the second pass
        #: (pooled national return per unit spend, normalised y / currency; its prior s.d.) of the return shrinkage
        self.roi: tuple[float, float] | None = None
        self.spend_sum = np.ones(self.C)  # (C,) national spend over the history (set with ``roi``)

    def _project(self, a: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-geo projection onto the baseline space: ``a`` ``(G, T, k)``."""
        return np.asarray(self.q @ (np.swapaxes(self.q, 1, 2) @ a))

    def _detail_ridge(self, detail: NDArray[np.float64] | None) -> RidgeDirections | None:
        """Ridge on the detail columns ``(T, K)`` (:func:`models.response.design.weekly_detail_columns`), one
        coefficient per column shared by the geos (normalised units, level ≈ 1), prior s.d.
        :data:`models.response.design.BASELINE_RIDGE_SD`; the noise variance is the residual variance of the
        outcome on the geos' baselines and the detail columns (no media: an upper bound, so it errs towards
        shrinkage)."""
        if detail is None or detail.shape[1] == 0:
            return None
        z = np.ascontiguousarray(np.broadcast_to(detail, (self.G, *detail.shape)))
        z_r = (z - self._project(z)).reshape(-1, detail.shape[1])
        y_r = (self.yt - self._project(self.yt[:, :, None])[:, :, 0]).ravel()
        coef, *_ = np.linalg.lstsq(z_r, y_r, rcond=None)
        e = y_r - z_r @ coef
        dof = max(len(e) - self.G * self.q.shape[2] - detail.shape[1], 1)
        lam = float(e @ e / dof) / BASELINE_RIDGE_SD**2
        return ridge_directions(z_r, lam)

    def _resid(self, a: NDArray[np.float64]) -> NDArray[np.float64]:
        """``a`` ``(G, T, k)`` net of the baseline: the per-geo projection residual, then the detail ridge."""
        r = a - self._project(a)
        if self.ridge is None:
            return r
        return self.ridge.apply(r.reshape(-1, r.shape[2])).reshape(r.shape)

    def unpack(self, th: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        c = self.C
        return th[:c], np.exp(th[c : 2 * c]), (self.shapes(th) if self.n_shape else np.ones(c))

    def features(self, th: NDArray[np.float64]) -> NDArray[np.float64]:
        decay, k, s = self.unpack(th)
        return geo_features(self.S, self.init, decay, k, s, self.sat)

    def national(self, h: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(T, C)``: Σ_g w_g h_g — national incremental per unit of a normalised coefficient."""
        return np.asarray(np.tensordot(self.w, h, axes=1))

    def solve(self, th: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        h = self.features(th)
        h_r = self._resid(h)
        a = (h_r * self.omega[:, None, None]).reshape(-1, self.C) / self.sigma
        b = (self.y_r * self.omega[:, None]).ravel() / self.sigma
        if self.lift is not None:
            lr = self.lift
            a = np.vstack([a, lr.design(self.national(h)) / lr.std_error[:, None]])
            b = np.concatenate([b, lr.measured / lr.std_error])
        if self.share is not None:
            mu, sd = self.share
            a = np.vstack([a, self.national(h).sum(axis=0)[None, :] / sd])
            b = np.append(b, mu / sd)
        if self.roi is not None:
            r_bar, tau = self.roi
            a = np.vstack([a, np.diag(self.unit_return(h)) / tau])
            b = np.concatenate([b, np.full(self.C, r_bar / tau)])
        beta, _ = nnls(a, b, maxiter=50 * self.C)
        return beta, h, h_r

    def unit_return(self, h: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(C,)`` national return per unit spend of a unit (normalised) coefficient over the history."""
        return np.asarray(self.national(h).sum(axis=0) / self.spend_sum, dtype=np.float64)

    def residuals(self, th: NDArray[np.float64]) -> NDArray[np.float64]:
        beta, h, h_r = self.solve(th)
        if self.pool is not None:  # second pass: per-geo coefficients shrunk towards the pooled ones
            sig, tau = self.pool
            b = _geo_coefficients(h_r, self.y_r, beta, sig, tau, exact=False)
            parts = [((self.y_r - (h_r @ b[:, :, None])[:, :, 0]) / sig[:, None]).ravel(), ((b - beta) / tau).ravel()]
            if self.lift is not None:
                lr = self.lift
                fitted = lr.mask.astype(float) @ np.tensordot(self.w, h * b[:, None, :], axes=1)
                parts.append((fitted[np.arange(len(lr.column)), lr.column] - lr.measured) / lr.std_error)
            if self.share is not None:
                mu, sd = self.share
                total = float(np.tensordot(self.w, h * b[:, None, :], axes=1).sum())
                parts.append(np.array([(total - mu) / sd]))
            if self.roi is not None:  # each channel's national return under the geo coefficients
                r_bar, r_sd = self.roi
                per = np.tensordot(self.w, h * b[:, None, :], axes=1).sum(axis=0) / self.spend_sum
                parts.append((per - r_bar) / r_sd)
            parts.append(self.shape_prior(th))
            return np.concatenate(parts)
        r = ((self.y_r - h_r @ beta) * self.omega[:, None]).ravel() / self.sigma
        parts = [r]
        if self.lift is not None:
            lr = self.lift
            parts.append((lr.design(self.national(h)) @ beta - lr.measured) / lr.std_error)
        if self.share is not None:
            mu, sd = self.share
            parts.append(np.array([(float(self.national(h).sum(axis=0) @ beta) - mu) / sd]))
        if self.roi is not None:
            r_bar, r_sd = self.roi
            parts.append((self.unit_return(h) * beta - r_bar) / r_sd)
        parts.append(self.shape_prior(th))
        return np.concatenate(parts)


def _roi_prior(prob: _GeoProblem, th: NDArray[np.float64]) -> tuple[float, float]:
    """:func:`models.response.media.empirical_roi_prior` of the channels' national return per unit spend at ``th``
    (normalised units) on the geos' stacked rows, weighted as the pooled search weights them."""
    beta, h, h_r = prob.solve(th)
    hw = (h_r * prob.omega[:, None, None]).reshape(-1, prob.C) / prob.sigma
    yw = (prob.y_r * prob.omega[:, None]).ravel() / prob.sigma
    share_term = None
    if prob.share is not None:  # the share prior on the pooled media total r̄·Σ spend
        mu, sd = prob.share
        total = float(np.sum(prob.spend_sum))
        share_term = (total * mu / sd**2, total**2 / sd**2)
    dof = len(yw) - prob.G * prob.q.shape[2] - 3 * prob.C
    return empirical_roi_prior(hw, yw, beta, prob.unit_return(h), dof, share_term)


def _pool_scales(
    h_r: NDArray[np.float64], y_r: NDArray[np.float64], beta: NDArray[np.float64], dof: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Residual s.d. per geo ``(G,)`` under the pooled coefficients ``beta``, the between-geo s.d. ``tau`` ``(C,)``
    of the coefficients (empirical Bayes, see module docstring) and the same s.d. with ``tau²`` at least the standard
    error of its own estimate when the geos do not differ, ``√(2 / (G − 1))`` × the mean sampling variance (the
    per-geo intervals' one, :func:`fit_geo_media` ``tau_se_floor``). ``h_r`` ``(G, T, C)``, ``y_r`` ``(G, T)``
    projected, normalised units."""
    t_n = h_r.shape[1]
    resid = y_r - h_r @ beta
    sig = np.sqrt((resid**2).sum(axis=1) / max(t_n - dof, 1))
    sig = np.maximum(sig, 1e-9 * max(float(sig.max()), 1e-12))
    gram = np.einsum("gtc,gtd->gcd", h_r, h_r)
    inv = np.linalg.pinv(gram)
    est = np.einsum("gcd,gd->gc", inv, np.einsum("gtc,gt->gc", h_r, y_r))
    var = np.clip(np.diagonal(inv, axis1=1, axis2=2), 0, None) * sig[:, None] ** 2
    between = est.var(axis=0) - var.mean(axis=0)
    tau2 = np.maximum(between, (TAU_FLOOR * np.maximum(beta, 1e-12)) ** 2)
    se = np.sqrt(2.0 / max(h_r.shape[0] - 1, 1)) * var.mean(axis=0)
    return sig, np.sqrt(tau2), np.sqrt(np.maximum(tau2, se))


def _geo_coefficients(
    h_r: NDArray[np.float64],
    y_r: NDArray[np.float64],
    beta: NDArray[np.float64],
    sig: NDArray[np.float64],
    tau: NDArray[np.float64],
    exact: bool,
) -> NDArray[np.float64]:
    """Per-geo coefficients ``(G, C)``: ``argmin |y_g − H_g b|²/σ_g² + Σ_c (b_c − β_c)²/τ_c²`` over ``b ≥ 0``
    (``exact``: NNLS per geo; else the batched unconstrained solution clipped at 0, used inside the search)."""
    g_n, _, c_n = h_r.shape
    if exact:
        out = np.zeros((g_n, c_n))
        eye = np.eye(c_n)
        for g in range(g_n):
            a = np.vstack([h_r[g] / sig[g], eye / tau[:, None]])
            rhs = np.concatenate([y_r[g] / sig[g], beta / tau])
            out[g], _ = nnls(a, rhs, maxiter=50 * c_n)
        return out
    w = 1.0 / sig**2
    ht = np.swapaxes(h_r, 1, 2)
    lhs = (ht @ h_r) * w[:, None, None] + np.diag(1.0 / tau**2)[None]
    rhs = (ht @ y_r[:, :, None])[:, :, 0] * w[:, None] + (beta / tau**2)[None, :]
    return np.clip(np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0], 0.0, None)


def geo_coefficient_se(
    h_r: NDArray[np.float64], sig: NDArray[np.float64], tau: NDArray[np.float64], infl: float = 1.0
) -> NDArray[np.float64]:
    """``(G, C)`` posterior s.d. of each geo's coefficients ``b_g`` given the pooled ones (the Gaussian of
    :func:`_geo_coefficients`' objective: precision ``H_gᵀH_g/σ_g² + diag(1/τ²)``; ``h_r`` ``(G, T, C)`` the
    projected features, ``sig`` ``(G,)``, ``tau`` ``(C,)``), times ``√infl`` for the residuals' autocorrelation
    (:func:`fit_geo_media`'s AR(1) inflation). At most ``τ·√infl``: a geo with little data of its own is as uncertain
    as the geos' spread; the clip at 0 of a coefficient is not in it (its interval is clipped instead)."""
    w = 1.0 / np.maximum(sig, 1e-300) ** 2
    ht = np.swapaxes(h_r, 1, 2)
    precision = (ht @ h_r) * w[:, None, None] + np.diag(1.0 / np.maximum(tau, 1e-300) ** 2)[None]
    cov = np.linalg.inv(precision)
    return np.asarray(np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0, None) * max(infl, 1.0)), dtype=np.float64)


def _search(
    prob: _GeoProblem,
    starts: Sequence[NDArray[np.float64]],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    max_nfev: int | None = None,
) -> OptimizeResult:
    """The best (lowest cost) bounded least-squares search of ``prob`` over ``starts`` (``max_nfev``: evaluations
    per start, default 40 per parameter)."""
    best = None
    for th0 in starts:
        res = least_squares(
            prob.residuals,
            th0,
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            max_nfev=max_nfev or 40 * len(th0),
            tr_solver="lsmr",
        )
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    return best


def fit_geo_media(
    panel: GeoPanel,
    design: NDArray[np.float64],
    *,
    national_spend: NDArray[np.float64],
    freq: str = "W",
    saturation: Saturation = "hill",
    seed: int = 0,
    n_starts: int = 3,
    warm_start: MediaFit | None = None,
    lift: LiftRows | None = None,
    detail: NDArray[np.float64] | None = None,
    share_prior: tuple[float, float] | None = None,
    shrink: bool = False,
    tau_se_floor: bool = False,
) -> GeoFit:
    """Fit the partially pooled geo media model (module docstring). ``panel``: :func:`geo_arrays` on the
    history; ``design``: ``(T, P)`` national baseline design without controls (the panel's controls are added
    per geo); ``national_spend``: ``(T, C)`` spend summed over geos (for the national transform); ``lift``:
    national lift tests on the channel columns; ``detail``: ``(T, K)`` detail columns of the baseline (one per
    holiday, one per event occurrence: :func:`models.response.design.weekly_detail_columns`), one coefficient each
    shared by the geos under a Gaussian prior (:meth:`_GeoProblem._detail_ridge`); ``share_prior``: ``(mean, s.d.)``
    of a Gaussian prior on the national media total over the history as a share of the national outcome's
    (:data:`models.response.media.MEDIA_SHARE_PRIOR`; one more row, as a national lift test over every channel);
    ``shrink``: empirical-Bayes shrinkage of each channel's national return per unit spend towards the pooled return
    (:func:`_roi_prior`, as the national fit's ``shrink``), set after the pooled search and kept in the second pass.
    ``tau_se_floor``: the per-geo coefficients' posterior s.d. (``geo_beta_se``, the per-geo intervals) takes the
    between-geo variance of each channel's coefficient at least at the standard error of its moment estimate under no
    between-geo differences, ``√(2 / (G − 1))`` × the geos' mean sampling variance; the point estimates keep the
    estimate itself. The moment estimate (the variance of the geos' own estimates minus their mean sampling variance)
    is often ≤ 0 with ten geos even when they differ, and intervals that take it as known assume the geos equal:
    they held the truth in 69 / 74 % (no tests) and 64 / 72 % (with tests) of the demo's (geo, channel) pairs, seeds
    1–12; with the floor in 80 / 83 % and 85 / 90 % (``docs/benchmarks.md``, session 13).
    The Hill shapes keep the fixed centre of :data:`models.response.media.WEEKLY_SHAPE_PRIOR` (no
    ``shape_pooling``: see :class:`models.response.model.ResponseSpec`). Deterministic for a given ``seed``."""
    prob = _GeoProblem(panel, np.asarray(design, float), freq, saturation, detail=detail)
    lo, hi = prob.bounds()
    m_nat = _mean_active(np.asarray(national_spend, float), axis=0)
    starts: list[NDArray[np.float64]] = []
    if warm_start is not None:
        ws = np.concatenate(
            [warm_start.decay, np.log(warm_start.half_saturation / m_nat), warm_start.shape[: prob.n_shape]]
        )
        starts.append(np.clip(ws, lo + 1e-9, hi - 1e-9))
    else:
        starts.append(prob.start(None))
        rng = np.random.default_rng(seed)
        starts += [prob.start(rng) for _ in range(max(n_starts - 1, 0))]
    # first pass: residual s.d. per geo (row weights) and overall (scale of the data rows against the tests)
    beta0, _, h_r0 = prob.solve(starts[0])
    r0 = prob.y_r - h_r0 @ beta0
    sd_g = r0.std(axis=1)
    sd_g = np.where(sd_g > 0, sd_g, max(float(sd_g.max()), 1e-12))
    prob.omega = float(np.sqrt(np.mean(sd_g**2))) / sd_g
    r0w = r0 * prob.omega[:, None]
    prob.sigma = float(np.std(r0w)) or 1.0
    lift_se = None
    if lift is not None:
        # the data rows' residuals are autocorrelated (a misspecified baseline leaves slow swings), so they carry
        # fewer independent observations than rows: against the lift tests they count (1 − φ)/(1 + φ) as much
        # (φ: mean lag-1 autocorrelation of the geos' first-pass residuals), as in their covariance below
        phi0 = float(np.mean([_ar1(r) for r in r0w]))
        infl0 = (1 + phi0) / (1 - phi0) if phi0 > 0 else 1.0
        rows = lift.scaled(prob.y_scale)
        lift_se = rows.std_error
        prob.lift = replace(rows, std_error=rows.std_error / np.sqrt(infl0))
    if share_prior is not None:
        prob.share = share_prior_rows(share_prior, float(np.sum(prob.w[:, None] * prob.yt)))
    # refits (backtest origins) start at the full-history optimum: no pooled search, a short second-pass one
    th = _search(prob, starts, lo, hi).x if warm_start is None else starts[0]
    if shrink and prob.C > 1:
        prob.spend_sum = np.maximum(np.asarray(national_spend, float).sum(axis=0), 1e-12)
        prob.roi = _roi_prior(prob, th)
        if warm_start is None:
            th = _search(prob, [th], lo, hi).x
    beta, h, h_r = prob.solve(th)
    g_n, t_n, c_n = h.shape
    n_theta = len(th)
    # second pass: θ refined with per-geo coefficients partially pooled (σ_g, τ from the pooled fit)
    sig, tau, tau_se = _pool_scales(h_r, prob.y_r, beta, dof=prob.q.shape[2] + c_n)
    # the per-geo intervals' τ: not below the standard error of its estimate (the pooling keeps the estimate)
    tau_interval = tau_se if tau_se_floor else tau
    prob.pool = (sig, tau)
    best = _search(prob, [th], lo, hi, max_nfev=WARM_NFEV if warm_start is not None else None)
    th = best.x
    beta, h, h_r = prob.solve(th)
    b = _geo_coefficients(h_r, prob.y_r, beta, sig, tau, exact=False)
    resid_w = (prob.y_r - np.einsum("gtc,gc->gt", h_r, b)) * prob.omega[:, None]
    dof = max(g_n * (t_n - prob.q.shape[2]) - n_theta - c_n, 1)
    sigma = float(np.sqrt((resid_w**2).sum() / dof))
    phi = float(np.mean([_ar1(r) for r in resid_w]))
    infl = (1 + phi) / (1 - phi) if phi > 0 else 1.0
    hw = (h_r * prob.omega[:, None, None]).reshape(-1, c_n)
    precision = hw.T @ hw / (sigma**2 * infl)
    if prob.lift is not None and lift_se is not None:
        ld = prob.lift.design(prob.national(h)) / lift_se[:, None]
        precision = precision + ld.T @ ld
    if prob.share is not None:
        row = prob.national(h).sum(axis=0) / prob.share[1]
        precision = precision + np.outer(row, row)
    if prob.roi is not None:
        precision = precision + np.diag((prob.unit_return(h) / prob.roi[1]) ** 2)
    cov_pooled = np.asarray(np.linalg.pinv(precision), dtype=np.float64)  # normalised units
    ys = prob.y_scale
    geo_beta = prob.w[:, None] * b * ys  # (G, C) KPI units
    contrib = h * geo_beta[:, None, :]  # (G, T, C)
    nat_contrib = contrib.sum(axis=0)
    beta_nat = geo_beta.sum(axis=0)
    # covariance of the national coefficients: the pooled one, rescaled coefficient by coefficient
    r = np.where(beta > 0, beta_nat / np.where(beta > 0, beta, 1.0), prob.w.sum() * ys)
    cov = cov_pooled * np.outer(r, r)
    # the curve parameters' part of the uncertainty of each channel's total contribution (models.response.uncertainty)
    rse, total_rse = _contribution_rse(prob, th, lo, hi, dof, sigma, infl, lift_se) if freq == "W" else (None, None)
    decay, k, s = prob.unpack(th)
    # fitted baseline per geo (linear, in KPI units), summed: y − projected residual − media
    if prob.ridge is None:
        fitted_base = ((prob.yt - prob.y_r) * prob.w[:, None] * ys).sum(axis=0) - prob._project(contrib).sum(
            axis=(0, 2)
        )
    else:  # y − media − the ridge fit's residual, per geo (normalised units), summed in KPI units
        net = prob.yt - np.einsum("gtc,gc->gt", h, b)
        r = net - prob._project(net[:, :, None])[:, :, 0]
        left = prob.ridge.residual(r.reshape(-1, 1)).reshape(r.shape)
        fitted_base = ((net - left) * prob.w[:, None] * ys).sum(axis=0)
    rss = float((resid_w**2).sum()) * ys**2
    media = MediaFit(
        decay=decay.copy(),
        half_saturation=k * m_nat,
        shape=s.copy(),
        beta=beta_nat,
        beta_se=np.sqrt(np.clip(np.diag(cov), 0, None)),
        beta_cov=cov,
        contributions=nat_contrib,
        baseline=fitted_base,
        sigma=sigma * ys,
        cost=float(best.cost),
        rss=rss,
        n_params=n_theta + c_n,
        saturation=saturation,
        contribution_rse=rse,
        media_total_rse=total_rse,
    )
    return GeoFit(
        media=media,
        geos=panel.geos,
        k_rel=k.copy(),
        spend_scale=prob.m,
        geo_beta=geo_beta,
        weight=prob.w,
        tau=tau * ys,
        pooled_beta=beta * ys,
        contributions=contrib,
        geo_beta_se=prob.w[:, None] * geo_coefficient_se(h_r, sig, tau_interval, infl) * ys,
    )



def _contribution_rse(
    prob: _GeoProblem,
    th: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    dof: int,
    sigma: float,
    infl: float,
    lift_se: NDArray[np.float64] | None,
) -> tuple[NDArray[np.float64], float | None]:
    """``(C,)`` relative s.e. of each channel's national total contribution with θ's uncertainty, and that of their
    sum (:func:`models.response.uncertainty.contribution_and_total_rse` on the second pass's residuals, ``prob.pool``
    set).

    Noise scale: as the coefficients' covariance of :func:`fit_geo_media` (``sigma``, the AR(1) inflation ``infl``,
    the data rows ``/σ_g`` rescaled to their final variance with ``dof``), times the geos' common-shock factor
    ``κ ≥ 1``: that covariance treats the geos' residuals as independent, but a national shock (a promotion, a
    trend break the per-geo baselines miss) moves all geos in the same week, and the channels' spend follows a
    national plan, so the geos' data carry less information on a national effect than ``G`` independent series.
    ``κ`` is the long-run variance of the geos' summed residual over the sum of the geos' own (lag-1 autocorrelation
    of the sum, as ``infl`` of each geo's): ``1 + (G − 1) ρ̄`` for a between-geo residual correlation ``ρ̄``, exact
    for a spend pattern common to all geos."""
    from models.response.uncertainty import contribution_and_total_rse, relative_cov

    assert prob.pool is not None
    sig, tau = prob.pool
    n_data = prob.G * prob.T
    roi, n_theta = prob.roi, len(th)

    def evaluate(t: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if roi is not None:  # the pooled return is estimated from the same data: a factor on it, flat prior
            prob.roi = (roi[0] * float(t[n_theta]), roi[1])
        try:
            beta_t, h_t, h_r_t = prob.solve(t[:n_theta])
            b_t = _geo_coefficients(h_r_t, prob.y_r, beta_t, sig, tau, exact=False)
            return prob.residuals(t[:n_theta]), np.einsum("g,gtc,gc->c", prob.w, h_t, b_t)
        finally:
            prob.roi = roi

    r_data = prob.residuals(th)[:n_data]
    common = r_data.reshape(prob.G, prob.T).sum(axis=0)
    phi = _ar1(common)
    kappa = float(common @ common) / max(float(r_data @ r_data), 1e-300) * ((1 + phi) / (1 - phi) if phi > 0 else 1.0)
    kappa = max(kappa / infl, 1.0)
    beta, h, h_r = prob.solve(th)
    hw = (h_r * prob.omega[:, None, None]).reshape(-1, prob.C)
    precision = hw.T @ hw / (sigma**2 * infl * kappa)
    if prob.lift is not None and lift_se is not None:
        ld = prob.lift.design(prob.national(h)) / lift_se[:, None]
        precision = precision + ld.T @ ld
    if roi is not None:
        precision = precision + np.diag((prob.unit_return(h) / roi[1]) ** 2)
    cov = np.linalg.pinv(precision)
    cond = np.divide(np.sqrt(np.clip(np.diag(cov), 0, None)), beta, out=np.zeros_like(beta), where=beta > 0)
    s2 = float(r_data @ r_data) / max(dof, 1)
    scale = 1.0 / max(float(np.sqrt(s2 * infl * kappa)), 1e-12)
    if roi is not None:
        th, lo, hi = np.append(th, 1.0), np.append(lo, -np.inf), np.append(hi, np.inf)
    return contribution_and_total_rse(
        evaluate, th, lo, hi, n_data=n_data, data_scale=scale, conditional_rse=cond,
        conditional_rel_cov=relative_cov(np.asarray(cov, dtype=np.float64), beta),
    )
