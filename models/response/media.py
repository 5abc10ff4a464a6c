"""Estimation of per-channel adstock and saturation parameters by variable projection.

For fixed non-linear parameters θ (decay, half-saturation, shape per channel) the model
``y = B·γ + H(θ)·β + ε`` is linear; the baseline coefficients γ are projected out exactly and the
non-negative betas come from NNLS. ``scipy.optimize.least_squares`` (bounded, trust-region) searches
θ on the projected residual, from a fixed start plus seeded random starts; a weak log-normal prior
on the half-saturation keeps it finite when the data sit in the linear part of the curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import OptimizeResult, least_squares, nnls

from models.response.design import BASELINE_RIDGE_SD, RidgeDirections, ridge_directions
from models.response.lift import LiftRows
from models.response.uncertainty import contribution_and_total_rse, relative_cov
from models.transforms import Saturation, geometric_adstock, hill, logistic

HALF_SAT_BOUNDS = (0.1, 10.0)  # × mean active spend of the channel
SHAPE_BOUNDS = (0.5, 3.0)
PRIOR_LOG_K_SD = 1.5
THETA_PRIOR_CV = 0.3
#: weekly spend-driven fits (:func:`fit_media` with ``freq="W"``): normal prior on the weekly decay (mean, s.d.),
#: log-normal prior on the half-saturation (median × mean active spend, log s.d.) — real weekly media decays by
#: 0.1–0.7 a week (the decay prior's ±2 s.d.) and half-saturates around 0.5–3 × its mean spend
WEEKLY_DECAY_PRIOR = (0.4, 0.15)
WEEKLY_HALF_SAT_PRIOR = (1.2, 0.6)
#: weekly spend-driven fits (national with ``weekly_prior``, geo): normal prior (mean, s.d.) on the Hill shape — a
#: mildly S-shaped curve. Weekly totals cannot tell the curve's shape near zero spend (measured: Hill and logistic
#: fits differ by at most 5 % in residual sum of squares, either way, on the demo worlds and the PyMC sets), yet that
#: shape sets how much of the KPI the media explain: a curve steep from zero (logistic, Hill shape ≤ 1) reads the
#: same weekly movement as 20–25 % more total media than an S-shaped one. The prior states the assumption.
WEEKLY_SHAPE_PRIOR = (1.3, 0.2)
#: with ``shape_pooling`` (:func:`fit_media`; the geo fit keeps the fixed centre) the channels' Hill shapes are drawn
#: around a common centre learned from the data — ``shape_c ~ N(μ, WEEKLY_SHAPE_PRIOR[1])``, ``μ ~
#: N(WEEKLY_SHAPE_PRIOR[0], SHAPE_CENTRE_SD)`` — instead of around the fixed 1.3: each channel's shape stays tied to
#: the others' (one weekly series cannot tell a channel's shape alone), and their common level is read from the data
SHAPE_CENTRE_SD = 0.3
#: return-per-spend shrinkage (:func:`fit_media` ``shrink``): bounds of the empirical-Bayes prior s.d. of a
#: channel's return per unit spend, as a share of the pooled return
ROI_PRIOR_CV_BOUNDS = (0.25, 0.5)
#: weekly spend-driven fits (:func:`fit_media` ``share_prior``): Gaussian prior ``(mean, s.d.)`` on paid media's share
#: of the outcome over the history — Google Meridian's default "total paid media contribution prior" (mean 40 %,
#: s.d. 20 %). Without it, always-on channels near saturation alias the baseline's level: their coefficient is set by
#: the weekly movement, and the curve's flat part then adds a level the data never tested (the PyMC-Marketing case
#: study read 100 % of sales as media, the published analysis of the same data 20 %)
MEDIA_SHARE_PRIOR = (0.4, 0.2)


def share_prior_rows(prior: tuple[float, float], y_total: float) -> tuple[float, float]:
    """``(mean, s.d.)`` of the media total under the share ``prior`` for an outcome summing to ``y_total`` (the
    units the fit's rows are in)."""
    return prior[0] * y_total, prior[1] * abs(y_total)


@dataclass(frozen=True)
class MediaFit:
    """Result of :func:`fit_media`, in original units.

    ``decay``/``half_saturation``/``shape``/``beta``: shape ``(C,)``; ``beta`` in y units per period;
    ``beta_se``: standard errors of ``beta`` given θ (AR(1)-inflated); ``beta_cov``: ``(C, C)``;
    ``contributions``: ``(T, C)`` fitted media contribution; ``baseline``: ``(T,)`` fitted linear baseline;
    ``sigma``: residual s.d.; ``cost``: final objective; ``contribution_rse``: ``(C,)`` relative s.e. of each
    channel's total contribution over the history with the curve parameters' uncertainty
    (:func:`models.response.uncertainty.contribution_rse`; weekly spend-driven fits only, else None);
    ``media_total_rse``: the same for the sum over the channels (with their correlation), or None;
    ``shape_centre``: the Hill shapes' learned common centre μ (``shape_pooling``), else None.
    """

    decay: NDArray[np.float64]
    half_saturation: NDArray[np.float64]
    shape: NDArray[np.float64]
    beta: NDArray[np.float64]
    beta_se: NDArray[np.float64]
    beta_cov: NDArray[np.float64]
    contributions: NDArray[np.float64]
    baseline: NDArray[np.float64]
    sigma: float
    cost: float
    rss: float = 0.0
    n_params: int = 0
    saturation: Saturation = "hill"
    reported_fit: NDArray[np.float64] | None = None
    contribution_rse: NDArray[np.float64] | None = None
    media_total_rse: float | None = None
    shape_centre: float | None = None


def _saturate(
    a: NDArray[np.float64], k: NDArray[np.float64], s: NDArray[np.float64], sat: Saturation
) -> NDArray[np.float64]:
    return logistic(a, 1.0 / k) if sat == "logistic" else hill(a, k, s)


class ShapeSpace:
    """Bounds, starts and priors of the shape parameters θ = (decay ``(C,)``, log half-saturation ``(C,)`` in units
    of the channel's mean active spend, Hill shape ``(n_shape,)``) shared by the national and the geo search.

    ``decay_prior``: ``(mean, s.d.)`` of the weekly decay prior, with :data:`WEEKLY_HALF_SAT_PRIOR` on the
    half-saturation; None: only the weak log-normal half-saturation prior (:data:`PRIOR_LOG_K_SD`).
    ``shape_prior_on``: the Hill shape gets :data:`WEEKLY_SHAPE_PRIOR`; with ``shape_pooling`` too, around a common
    centre μ, one more parameter after the shapes (:data:`SHAPE_CENTRE_SD`; ``n_centre`` is 1).
    Subclasses set ``C``, ``n_shape``, ``max_decay``, ``decay_prior``, ``shape_prior_on`` and ``shape_pooling``."""

    C: int
    n_shape: int
    max_decay: float
    decay_prior: tuple[float, float] | None = None
    shape_prior_on: bool = False
    shape_pooling: bool = False

    @property
    def n_centre(self) -> int:
        """1 when θ ends with the Hill shapes' common centre μ (``shape_prior_on``, ``shape_pooling``, Hill), else 0."""
        return int(bool(self.shape_prior_on and self.shape_pooling and self.n_shape))

    def shapes(self, th: NDArray[np.float64]) -> NDArray[np.float64]:
        """The Hill shapes ``(n_shape,)`` in θ."""
        return th[2 * self.C : 2 * self.C + self.n_shape]

    def shape_prior(self, th: NDArray[np.float64]) -> NDArray[np.float64]:
        """Prior residuals of the non-linear parameters: ``(C,)`` (half-saturation), ``(2C,)`` (decay and
        half-saturation, ``decay_prior`` set), ``(3C,)`` (plus the Hill shape, ``shape_prior_on`` and Hill) or
        ``(3C + 1,)`` (the shapes around their centre μ, and μ around the prior's centre: ``shape_pooling``)."""
        base = self._decay_k_prior(th)
        if not (self.shape_prior_on and self.n_shape):
            return base
        mean, sd = WEEKLY_SHAPE_PRIOR
        if self.n_centre:
            mu = float(th[2 * self.C + self.n_shape])
            return np.concatenate([base, (self.shapes(th) - mu) / sd, [(mu - mean) / SHAPE_CENTRE_SD]])
        return np.concatenate([base, (self.shapes(th) - mean) / sd])

    def _decay_k_prior(self, th: NDArray[np.float64]) -> NDArray[np.float64]:
        log_k = th[self.C : 2 * self.C]
        if self.decay_prior is None:
            return np.asarray(log_k / PRIOR_LOG_K_SD, dtype=np.float64)
        decay = (th[: self.C] - self.decay_prior[0]) / self.decay_prior[1]
        k = (log_k - np.log(WEEKLY_HALF_SAT_PRIOR[0])) / WEEKLY_HALF_SAT_PRIOR[1]
        return np.concatenate([decay, k])

    def bounds(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        c, n = self.C, self.n_shape + self.n_centre
        lo = [0.0] * c + [np.log(HALF_SAT_BOUNDS[0])] * c + [SHAPE_BOUNDS[0]] * n
        hi = [self.max_decay] * c + [np.log(HALF_SAT_BOUNDS[1])] * c + [SHAPE_BOUNDS[1]] * n
        return np.array(lo), np.array(hi)

    def start(self, rng: np.random.Generator | None) -> NDArray[np.float64]:
        """The prior's centre (``rng`` None) or a uniform draw inside the bounds."""
        lo, hi = self.bounds()
        if rng is None:
            c = self.C
            prior = self.decay_prior
            d0, k0 = (prior[0], np.log(WEEKLY_HALF_SAT_PRIOR[0])) if prior else (0.4 * self.max_decay, 0.0)
            s0 = WEEKLY_SHAPE_PRIOR[0] if self.shape_prior_on else 1.2
            th = np.concatenate([np.full(c, d0), np.full(c, k0), np.full(self.n_shape + self.n_centre, s0)])
            return np.clip(th, lo, hi)
        return lo + (hi - lo) * rng.uniform(0.1, 0.9, size=lo.shape)


class _Problem(ShapeSpace):
    def __init__(
        self,
        y: NDArray[np.float64],
        design: NDArray[np.float64],
        spend: NDArray[np.float64],
        freq: str,
        saturation: Saturation,
        weekly_prior: bool = False,
        detail: NDArray[np.float64] | None = None,
    ) -> None:
        self.T, self.C = spend.shape
        self.sat = saturation
        self.y_scale = float(np.mean(np.abs(y))) or 1.0
        self.y = y / self.y_scale
        active = np.where(spend > 0, spend, np.nan)
        self.s_scale = np.nan_to_num(np.nanmean(active, axis=0), nan=1.0)
        self.s_scale[self.s_scale <= 0] = 1.0
        self.S = spend / self.s_scale
        n0 = min(7 if freq == "D" else 2, self.T)
        self.init = self.S[:n0].mean(axis=0)
        self.q, _ = np.linalg.qr(design)
        self.ridge: RidgeDirections | None = None
        if detail is not None and detail.shape[1]:
            # detail columns (one per holiday, per event occurrence) under a Gaussian prior; noise variance from
            # the outcome on the baseline and the detail columns (no media: an upper bound, errs towards shrinkage)
            z_r = detail - self.q @ (self.q.T @ detail)
            y0 = self.y - self.q @ (self.q.T @ self.y)
            e = y0 - z_r @ np.linalg.lstsq(z_r, y0, rcond=None)[0]
            lam = float(e @ e / max(self.T - self.q.shape[1] - detail.shape[1], 1)) / BASELINE_RIDGE_SD**2
            self.ridge = ridge_directions(z_r, lam)
        self.y_r = self.resid(self.y)
        self.max_decay = 0.95 if freq == "D" else 0.9
        self.n_shape = 0 if saturation == "logistic" else self.C
        self.sigma = 1.0
        self.lift: LiftRows | None = None  # set after the first-pass sigma (y-scaled units)
        self.decay_prior = WEEKLY_DECAY_PRIOR if freq == "W" and weekly_prior else None
        self.shape_prior_on = freq == "W" and weekly_prior
        self.spend_sum = np.maximum(spend.sum(axis=0), 1e-12)  # original currency units
        self.roi: tuple[float, float] | None = None  # (pooled return per unit spend (y-scaled), prior s.d.)
        self.share: tuple[float, float] | None = None  # (prior mean, s.d.) of the media total over the history, y-scaled

    def resid(self, a: NDArray[np.float64]) -> NDArray[np.float64]:
        """``a`` ``(T,)`` or ``(T, k)`` net of the baseline design (projection), then of the detail ridge."""
        r = a - self.q @ (self.q.T @ a)
        return r if self.ridge is None else self.ridge.apply(r)

    def unpack(self, th: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        c = self.C
        decay = th[:c]
        k = np.exp(th[c : 2 * c])
        s = self.shapes(th) if self.n_shape else np.ones(c)
        return decay, k, s

    def features(self, th: NDArray[np.float64]) -> NDArray[np.float64]:
        decay, k, s = self.unpack(th)
        a = geometric_adstock(self.S, decay, initial=self.init)
        return _saturate(a, k, s, self.sat)

    def unit_return(self, h: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(C,)`` return per unit spend of a unit coefficient: Σ_t h_tc / Σ_t spend_tc (y-scaled / currency)."""
        return np.asarray(h.sum(axis=0) / self.spend_sum, dtype=np.float64)

    def solve(self, th: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        h = self.features(th)
        h_r = self.resid(h)
        if self.lift is None and self.roi is None and self.share is None:
            beta, _ = nnls(h_r, self.y_r, maxiter=50 * self.C)
        else:  # weighted stack [H_r/σ ; L/se ; diag(u)/τ ; 1ᵀH/s] β = [y_r/σ ; m/se ; r̄/τ ; μ/s]
            a_parts, b_parts = [h_r / self.sigma], [self.y_r / self.sigma]
            if self.lift is not None:
                lr = self.lift
                a_parts.append(lr.design(h) / lr.std_error[:, None])
                b_parts.append(lr.measured / lr.std_error)
            if self.roi is not None:
                r_bar, tau = self.roi
                a_parts.append(np.diag(self.unit_return(h)) / tau)
                b_parts.append(np.full(self.C, r_bar / tau))
            if self.share is not None:
                mu, sd = self.share
                a_parts.append(h.sum(axis=0)[None, :] / sd)
                b_parts.append(np.array([mu / sd]))
            beta, _ = nnls(np.vstack(a_parts), np.concatenate(b_parts), maxiter=50 * self.C)
        return beta, h, h_r

    def residuals(self, th: NDArray[np.float64]) -> NDArray[np.float64]:
        beta, h, h_r = self.solve(th)
        parts = [(self.y_r - h_r @ beta) / self.sigma]
        if self.lift is not None:
            lr = self.lift
            parts.append((lr.design(h) @ beta - lr.measured) / lr.std_error)
        if self.roi is not None:
            r_bar, tau = self.roi
            parts.append((self.unit_return(h) * beta - r_bar) / tau)
        if self.share is not None:
            mu, sd = self.share
            parts.append(np.array([(float(h.sum(axis=0) @ beta) - mu) / sd]))
        parts.append(self.shape_prior(th))
        return np.concatenate(parts)


def _ar1(r: NDArray[np.float64]) -> float:
    if len(r) < 3 or np.std(r) == 0:
        return 0.0
    return float(np.clip(np.corrcoef(r[:-1], r[1:])[0, 1], -0.9, 0.95))


def _search(
    prob: _Problem, starts: Sequence[NDArray[np.float64]], lo: NDArray[np.float64], hi: NDArray[np.float64]
) -> OptimizeResult:
    """The best (lowest cost) bounded least-squares search of ``prob`` over ``starts``."""
    best = None
    for th0 in starts:
        res = least_squares(prob.residuals, th0, bounds=(lo, hi), method="trf", x_scale="jac", max_nfev=60 * len(th0))
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    return best


def empirical_roi_prior(
    rows: NDArray[np.float64],
    y: NDArray[np.float64],
    beta: NDArray[np.float64],
    u: NDArray[np.float64],
    dof: int,
    share_term: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """Empirical-Bayes prior ``(r̄, τ)`` of the channels' return per unit spend (:func:`fit_media` ``shrink``; the
    geo fit's too). ``rows`` ``(N, C)`` the media features net of the baseline and ``y`` ``(N,)`` the outcome net of
    it, in one weighting; ``beta`` ``(C,)`` the free coefficients; ``u`` ``(C,)`` each channel's return per unit
    spend of a unit coefficient; ``dof`` the residuals' degrees of freedom; ``share_term``: the media-share prior's
    ``(numerator, denominator)`` additions in the rows' weighting. ``r̄`` is the least-squares return of one common
    return for every channel, ``τ`` the channels' spread of the free returns beyond their sampling error, bounded to
    :data:`ROI_PRIOR_CV_BOUNDS` × ``r̄``."""
    r_free = beta * u
    pooled = rows @ (1.0 / np.maximum(u, 1e-12))  # Σ_c rows_c / u_c: every channel at return 1
    num, den = float(pooled @ y), float(pooled @ pooled)
    if share_term is not None:
        num, den = num + share_term[0], den + share_term[1]
    r_bar = max(num / max(den, 1e-12), 0.0)
    if r_bar <= 0:
        r_bar = float(np.mean(r_free)) or 1e-9
    resid = y - rows @ beta
    s2 = float(resid @ resid) / max(dof, 1)
    se2 = np.clip(np.diag(np.linalg.pinv(rows.T @ rows)), 0, None) * s2 * u**2
    var = float(np.mean((r_free - r_bar) ** 2) - np.mean(se2))
    lo_cv, hi_cv = ROI_PRIOR_CV_BOUNDS
    tau = float(np.clip(np.sqrt(max(var, 0.0)), lo_cv * r_bar, hi_cv * r_bar))
    return r_bar, max(tau, 1e-12)


def _roi_prior(prob: _Problem, th: NDArray[np.float64]) -> tuple[float, float]:
    """:func:`empirical_roi_prior` of the national fit at ``th`` (y-scaled units)."""
    beta, h, h_r = prob.solve(th)
    share_term = None
    if prob.share is not None:  # the share prior on the pooled media total r̄·Σ spend, in the data rows' weight
        mu, sd = prob.share
        total = float(np.sum(prob.spend_sum))
        w = (prob.sigma / sd) ** 2
        share_term = (w * total * mu, w * total**2)
    dof = prob.T - prob.q.shape[1] - 3 * prob.C
    return empirical_roi_prior(h_r, prob.y_r, beta, prob.unit_return(h), dof, share_term)


def _contribution_rse(
    prob: _Problem,
    th: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    cov: NDArray[np.float64],
    beta: NDArray[np.float64],
    data_scale: float,
) -> tuple[NDArray[np.float64], float | None]:
    """``(C,)`` relative s.e. of each channel's total contribution over the history with the curve parameters'
    uncertainty, and that of the channels' sum (:func:`models.response.uncertainty.contribution_and_total_rse` on
    ``prob``'s residuals at the optimum
    ``th``; ``cov``: the coefficients' covariance given θ, y-scaled; ``data_scale``: factor on the data rows, which
    the search weights by the first-pass ``prob.sigma``, making them unit-variance with the final residual s.d. and
    the AR(1) inflation of ``cov``). With return shrinkage (``prob.roi``) the pooled return ``r̄`` the channels
    shrink towards is estimated from the same data: it is one more parameter (a factor on ``r̄``, flat prior), so
    its uncertainty is part of θ's."""
    roi = prob.roi
    n_theta = len(th)

    def evaluate(t: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if roi is not None:
            prob.roi = (roi[0] * float(t[n_theta]), roi[1])
        try:
            b_t, h_t, _ = prob.solve(t[:n_theta])
            return prob.residuals(t[:n_theta]), (h_t * b_t).sum(axis=0)
        finally:
            prob.roi = roi

    cond = np.divide(np.sqrt(np.clip(np.diag(cov), 0, None)), beta, out=np.zeros_like(beta), where=beta > 0)
    if roi is not None:
        th, lo, hi = np.append(th, 1.0), np.append(lo, -np.inf), np.append(hi, np.inf)
    return contribution_and_total_rse(
        evaluate, th, lo, hi, n_data=prob.T, data_scale=data_scale, conditional_rse=cond,
        conditional_rel_cov=relative_cov(cov, beta),
    )


def fit_media(
    y: NDArray[np.float64],
    design: NDArray[np.float64],
    spend: NDArray[np.float64],
    *,
    freq: str = "D",
    saturation: Saturation = "hill",
    seed: int = 0,
    n_starts: int = 3,
    warm_start: MediaFit | None = None,
    lift: LiftRows | None = None,
    weekly_prior: bool = False,
    shrink: bool = False,
    detail: NDArray[np.float64] | None = None,
    share_prior: tuple[float, float] | None = None,
    shape_pooling: bool = False,
) -> MediaFit:
    """Fit media parameters. ``y``: ``(T,)`` KPI per period; ``design``: ``(T, P)`` baseline design;
    ``spend``: ``(T, C)`` spend per period and channel (C ≥ 1). Deterministic for a given ``seed``.

    ``lift`` (:func:`models.response.lift.map_lift_tests` on the same columns): each test adds the residual
    ``(fitted incremental over its window − measured) / std_error`` to the objective and a row to the
    coefficient solve, which becomes NNLS on ``[H_r/σ ; L/se] β = [y_r/σ ; m/se]`` (σ: residual s.d. of a
    first pass without tests); the coefficient covariance is the inverse of that augmented Gram matrix.
    Without tests the computation is the original one.

    ``weekly_prior`` (weekly data only): the decay, half-saturation and Hill shape get the priors of
    :data:`WEEKLY_DECAY_PRIOR` / :data:`WEEKLY_HALF_SAT_PRIOR` (instead of the weak half-saturation prior) /
    :data:`WEEKLY_SHAPE_PRIOR` and the fixed start is their centre. ``shrink``: random-effects shrinkage of each channel's return per unit
    spend over the history (``r_c = β_c Σ_t h_tc / Σ_t spend_tc``) towards the pooled return ``r̄`` (one
    return for all channels, least squares on the projected residual): after a first search without it, the
    prior s.d. ``τ`` is the empirical-Bayes spread of the channels' free returns around ``r̄`` (their variance
    minus their mean squared standard error, its root bounded to :data:`ROI_PRIOR_CV_BOUNDS` × ``r̄``); the
    search is then repeated from the first one's optimum with the rows ``(r_c − r̄)/τ`` added to the objective
    and to the coefficient solve, and ``1/τ²`` on the precision of ``r``.

    ``detail``: ``(T, K)`` detail columns of the baseline (:func:`models.response.design.weekly_detail_columns`)
    with a Gaussian prior (:func:`models.response.design.ridge_directions`, prior s.d.
    :data:`models.response.design.BASELINE_RIDGE_SD` of the level); None: the original computation.

    ``share_prior``: ``(mean, s.d.)`` of a Gaussian prior on the channels' total contribution over the history as a
    share of the outcome's (e.g. :data:`MEDIA_SHARE_PRIOR`): one more row ``(Σ_t Σ_c β_c h_tc − mean·Σ_t y_t) /
    (s.d.·Σ_t y_t)`` in the objective, the coefficient solve and the pooled return of ``shrink``.

    ``shape_pooling`` (with ``weekly_prior``, Hill): the channels' shapes share a centre learned from the data
    (:data:`SHAPE_CENTRE_SD`)."""
    prob = _Problem(
        np.asarray(y, float),
        np.asarray(design, float),
        np.asarray(spend, float),
        freq,
        saturation,
        weekly_prior,
        detail=None if detail is None else np.asarray(detail, float),
    )
    prob.shape_pooling = shape_pooling
    lo, hi = prob.bounds()
    starts: list[NDArray[np.float64]] = []
    if warm_start is not None:
        ws = np.concatenate(
            [
                warm_start.decay,
                np.log(warm_start.half_saturation / prob.s_scale),
                warm_start.shape[: prob.n_shape],
                np.full(prob.n_centre, warm_start.shape_centre or float(np.mean(warm_start.shape))),
            ]
        )
        starts.append(np.clip(ws, lo + 1e-9, hi - 1e-9))
    else:
        starts.append(prob.start(None))
        rng = np.random.default_rng(seed)
        starts += [prob.start(rng) for _ in range(max(n_starts - 1, 0))]
    # noise scale for the prior weight, from the first start
    beta0, _, h_r0 = prob.solve(starts[0])
    prob.sigma = float(np.std(prob.y_r - h_r0 @ beta0)) or 1.0
    if lift is not None:
        prob.lift = lift.scaled(prob.y_scale)
    if share_prior is not None:
        prob.share = share_prior_rows(share_prior, float(np.sum(prob.y)))
    best = _search(prob, starts, lo, hi)
    if shrink and prob.C > 1:
        prob.roi = _roi_prior(prob, best.x)
        best = _search(prob, [best.x], lo, hi)
    th = best.x
    beta, h, h_r = prob.solve(th)
    resid = prob.y_r - h_r @ beta
    dof = max(prob.T - prob.q.shape[1] - 3 * prob.C, 1)
    sigma = float(np.sqrt(resid @ resid / dof))
    phi = _ar1(resid)
    infl = (1 + phi) / (1 - phi) if phi > 0 else 1.0
    gram = h_r.T @ h_r
    if prob.lift is None and prob.roi is None and prob.share is None:
        cov = np.asarray(np.linalg.pinv(gram) * sigma**2 * infl, dtype=np.float64)
    else:
        precision = gram / (sigma**2 * infl)
        if prob.lift is not None:
            ld = prob.lift.design(h) / prob.lift.std_error[:, None]
            precision = precision + ld.T @ ld
        if prob.roi is not None:
            precision = precision + np.diag((prob.unit_return(h) / prob.roi[1]) ** 2)
        if prob.share is not None:
            row = h.sum(axis=0) / prob.share[1]
            precision = precision + np.outer(row, row)
        cov = np.asarray(np.linalg.pinv(precision), dtype=np.float64)
    rse, total_rse = None, None
    if freq == "W":  # weekly spend-driven: the curve parameters are poorly identified (see models.response.uncertainty)
        rse, total_rse = _contribution_rse(prob, th, lo, hi, cov, beta, prob.sigma / max(sigma * np.sqrt(infl), 1e-12))
    decay, k, s = prob.unpack(th)
    ys = prob.y_scale
    contrib = h * beta * ys
    if prob.ridge is None:
        baseline = (prob.y - prob.y_r) * ys - (prob.q @ (prob.q.T @ (h @ beta))) * ys
    else:  # the fitted linear baseline: y − media − the ridge fit's residual
        net = prob.y - h @ beta
        r = net - prob.q @ (prob.q.T @ net)
        baseline = (net - prob.ridge.residual(r)) * ys
    return MediaFit(
        decay=decay.copy(),
        half_saturation=k * prob.s_scale,
        shape=s.copy(),
        beta=beta * ys,
        beta_se=np.sqrt(np.clip(np.diag(cov), 0, None)) * ys,
        beta_cov=cov * ys**2,
        contributions=contrib,
        baseline=baseline,
        sigma=sigma * ys,
        cost=float(best.cost),
        rss=float(resid @ resid) * ys**2,
        n_params=len(th) + prob.C,
        saturation=saturation,
        contribution_rse=rse,
        media_total_rse=total_rse,
        shape_centre=float(th[2 * prob.C + prob.n_shape]) if prob.n_centre else None,
    )


def _fit_channel_curve(
    reported: NDArray[np.float64],
    spend: NDArray[np.float64],
    s_scale: float,
    freq: str,
    saturation: Saturation,
    rng: np.random.Generator,
    n_starts: int,
) -> tuple[float, float, float, float]:
    """Fit ``reported ≈ b · sat(adstock(spend))`` for one channel; returns (decay, k, shape, b) in
    original units. ``b`` comes from the closed-form non-negative least squares for each θ."""
    s = spend / s_scale
    r_scale = float(np.mean(np.abs(reported))) or 1.0
    r = reported / r_scale
    n0 = min(7 if freq == "D" else 2, len(s))
    init = float(s[:n0].mean())
    max_decay = 0.95 if freq == "D" else 0.9
    logistic_sat = saturation == "logistic"

    def curve(th: NDArray[np.float64]) -> NDArray[np.float64]:
        a = geometric_adstock(s, th[0], initial=init)
        if logistic_sat:
            return logistic(a, 1.0 / np.exp(th[1]))
        return hill(a, np.exp(th[1]), th[2])

    def resid(th: NDArray[np.float64]) -> NDArray[np.float64]:
        h = curve(th)
        b = max(float(h @ r) / max(float(h @ h), 1e-12), 0.0)
        return np.concatenate([r - b * h, [th[1] / PRIOR_LOG_K_SD * 0.05]])

    lo = np.array([0.0, np.log(HALF_SAT_BOUNDS[0]), SHAPE_BOUNDS[0]])
    hi = np.array([max_decay, np.log(HALF_SAT_BOUNDS[1]), SHAPE_BOUNDS[1]])
    starts = [np.array([0.4 * max_decay, 0.0, 1.2])]
    starts += [lo + (hi - lo) * rng.uniform(0.1, 0.9, 3) for _ in range(max(n_starts - 1, 0))]
    best = None
    for th0 in starts:
        res = least_squares(resid, th0, bounds=(lo, hi), method="trf", x_scale="jac", max_nfev=300)
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    h = curve(best.x)
    b = max(float(h @ r) / max(float(h @ h), 1e-12), 0.0)
    return float(best.x[0]), float(np.exp(best.x[1]) * s_scale), float(best.x[2]), b * r_scale


def efficiency_path(
    reported: NDArray[np.float64], curve: NDArray[np.float64], window: int, clip: tuple[float, float] = (0.25, 4.0)
) -> NDArray[np.float64]:
    """Time-varying efficiency ``(T, C)``: the channel's reported KPI over what its spend-only response
    curve predicts, as ratios of sums over a centred window of ``window`` periods (truncated at the
    ends; 1 where the curve predicts nothing; clipped to ``clip``). ``window`` < 2 gives ones.

    A planted-problem-style change in a channel's quality (creative fatigue, a broken landing page, a
    poorer audience) moves its reported KPI but not its spend; the spend-only curve then mis-describes
    the channel's path and the incrementality regression on the business total is biased."""
    reported = np.asarray(reported, float)
    curve = np.asarray(curve, float)
    if window < 2:
        return np.ones_like(curve)
    t = len(curve)
    half = window // 2
    lo = np.clip(np.arange(t) - half, 0, t)
    hi = np.clip(np.arange(t) + half + 1, 0, t)
    zero = np.zeros((1, curve.shape[1]))
    c_rep = np.vstack([zero, np.cumsum(reported, axis=0)])
    c_fit = np.vstack([zero, np.cumsum(curve, axis=0)])
    got = c_rep[hi] - c_rep[lo]
    expect = c_fit[hi] - c_fit[lo]
    eff = np.divide(got, expect, out=np.ones_like(got), where=expect > 1e-12 * max(float(np.abs(curve).max()), 1.0))
    return np.asarray(np.clip(eff, *clip), dtype=np.float64)


def _campaign_curves(
    parts: Sequence[tuple[NDArray[np.float64], NDArray[np.float64]]],
    freq: str,
    saturation: Saturation,
    rng: np.random.Generator,
    n_starts: int,
    mix_window: int,
) -> tuple[NDArray[np.float64], tuple[float, float, float, float]]:
    """Campaign-level curves of one channel: each campaign's ``reported ≈ b · sat(adstock(spend))``.

    Returns the channel's past curve ``(T,)`` (sum over campaigns) and its forward transform
    ``(decay, k, shape, b)``: the steady-state response of the channel when its spend ``s`` is split
    like the last ``mix_window`` periods, ``Σ_j b_j · sat_j(w_j · s)``, fitted by one curve of the same
    family over 0–2.5 × the recent spend per period (decay: mix-weighted mean of the campaigns')."""
    t = len(parts[0][0])
    n0 = min(7 if freq == "D" else 2, t)
    total = np.zeros(t)
    fits = []
    recent = np.array([float(sp[-mix_window:].sum()) for sp, _ in parts])
    for sp, rep in parts:
        active = sp[sp > 0]
        scale = float(active.mean()) if len(active) else 1.0
        d, kk, sh, bb = _fit_channel_curve(rep, sp, scale, freq, saturation, rng, n_starts)
        a = geometric_adstock(sp, d, initial=sp[:n0].mean())
        total += bb * _saturate(a, np.array([kk]), np.array([sh]), saturation)
        fits.append((d, kk, sh, bb))
    if recent.sum() <= 0:  # the channel is not running: its mix over the whole history
        recent = np.array([float(sp.sum()) for sp, _ in parts])
    w = recent / max(recent.sum(), 1e-12)
    per_period = max(float(recent.sum()) / max(min(mix_window, t), 1), 1e-9)
    grid = np.linspace(0.0, 2.5 * per_period, 51)[1:]
    target = sum(
        bb * _saturate(wj * grid, np.array([kk]), np.array([sh]), saturation)
        for wj, (_, kk, sh, bb) in zip(w, fits, strict=True)
    )
    t_scale = max(float(np.max(target)), 1e-12)

    def resid(th: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(
            th[0] * _saturate(grid / per_period, np.array([np.exp(th[1])]), np.array([th[2]]), saturation)
            - target / t_scale
        )

    lo = np.array([0.0, np.log(HALF_SAT_BOUNDS[0]), SHAPE_BOUNDS[0]])
    hi = np.array([np.inf, np.log(HALF_SAT_BOUNDS[1] * 10), SHAPE_BOUNDS[1]])
    res = least_squares(resid, np.array([2.0, 0.0, 1.2]), bounds=(lo, hi), method="trf", max_nfev=400)
    decay = float(np.dot(w, [f[0] for f in fits]))
    return total, (decay, float(np.exp(res.x[1]) * per_period), float(res.x[2]), float(res.x[0] * t_scale))


def fit_media_reported(
    y: NDArray[np.float64],
    design: NDArray[np.float64],
    spend: NDArray[np.float64],
    reported: NDArray[np.float64],
    *,
    freq: str = "D",
    saturation: Saturation = "hill",
    seed: int = 0,
    n_starts: int = 3,
    efficiency_window: int = 0,
    campaigns: Sequence[Sequence[tuple[NDArray[np.float64], NDArray[np.float64]]]] | None = None,
    lift: LiftRows | None = None,
) -> MediaFit:
    """Two-stage fit using platform-reported outcomes per channel ``reported`` ``(T, C)``.

    Stage 1, per channel: the *shape* of the response (decay, half-saturation, Hill shape) from the
    channel's reported KPI against its own spend — no baseline is mixed into that series.
    Stage 2: the *incrementality* scale θ_c ≥ 0 of each fitted curve from the business total ``y``
    (baseline design projected out, NNLS), so the effect is measured on the business outcome and
    platform over- or under-claiming cancels out. θ_c has a normal prior centred on the pooled θ
    (one scale for all channels) with s.d. ``THETA_PRIOR_CV`` × pooled θ (random-effects shrinkage:
    a channel the totals barely inform keeps the typical incrementality). ``beta = θ · b``.

    ``efficiency_window`` (periods, 0: off): the regressor of stage 2 is the fitted curve times the
    channel's time-varying efficiency (:func:`efficiency_path`), so quality changes seen in the reported
    KPI are part of the channel's path; ``reported_fit`` stays the spend-only curve.

    ``campaigns`` (per channel, in column order: ``(spend (T,), reported (T,))`` of each of its campaigns):
    stage 1 fits every campaign's own curve (:func:`_campaign_curves`); the channel's past curve is their
    sum and its forward curve is the campaigns' curves at their recent spend mix, summarised as one
    channel transform. A channel with fewer than two campaigns uses its totals.

    ``lift`` (:func:`models.response.lift.map_lift_tests`): each test constrains ``θ_c ·`` (the sum of the
    channel's stage-2 regressor over its window) to the measured value: one more NNLS row weighted by
    ``s/se`` (``s``: the AR(1)-inflated residual s.d. that also weights the prior rows) and one more term
    ``L'L/se²`` in the precision of θ. Without tests the computation is the original one."""
    y = np.asarray(y, float)
    spend = np.asarray(spend, float)
    reported = np.asarray(reported, float)
    t, c = spend.shape
    rng = np.random.default_rng(seed)
    active = np.where(spend > 0, spend, np.nan)
    s_scale = np.nan_to_num(np.nanmean(active, axis=0), nan=1.0)
    n0 = min(7 if freq == "D" else 2, t)
    decay, k, shape, b = np.zeros(c), np.ones(c), np.ones(c), np.zeros(c)
    curve = np.zeros((t, c))  # fitted reported curves
    mix_window = efficiency_window or (28 if freq == "D" else 4)
    for j in range(c):
        parts = campaigns[j] if campaigns is not None and j < len(campaigns) else []
        if len(parts) > 1:
            curve[:, j], (decay[j], k[j], shape[j], b[j]) = _campaign_curves(
                parts, freq, saturation, rng, n_starts, mix_window
            )
            continue
        decay[j], k[j], shape[j], b[j] = _fit_channel_curve(
            reported[:, j], spend[:, j], float(s_scale[j]) or 1.0, freq, saturation, rng, n_starts
        )
        a = geometric_adstock(spend[:, j], decay[j], initial=spend[:n0, j].mean())
        curve[:, j] = _saturate(a, k[j : j + 1], shape[j : j + 1], saturation) * b[j]
    h = curve * efficiency_path(reported, curve, efficiency_window)
    q, _ = np.linalg.qr(design)
    y_r = y - q @ (q.T @ y)
    h_r = h - q @ (q.T @ h)
    # pooled incrementality (one θ for all channels), then channel θ_c shrunk towards it
    pooled = h_r.sum(axis=1)
    theta_bar = max(float(pooled @ y_r) / max(float(pooled @ pooled), 1e-12), 0.0)
    theta_free, _ = nnls(h_r, y_r, maxiter=50 * c)
    r0 = y_r - h_r @ theta_free
    sigma = float(np.sqrt(r0 @ r0 / max(t - q.shape[1] - c, 1)))
    phi = _ar1(r0)
    infl = (1 + phi) / (1 - phi) if phi > 0 else 1.0
    tau = max(THETA_PRIOR_CV * theta_bar, 1e-9)
    w = np.sqrt(sigma**2 * infl) / tau
    aug_x = np.vstack([h_r, w * np.eye(c)])
    aug_y = np.concatenate([y_r, np.full(c, w * theta_bar)])
    if lift is not None:
        s_eff = np.sqrt(sigma**2 * infl)
        ld = lift.design(h) / lift.std_error[:, None]
        aug_x = np.vstack([aug_x, s_eff * ld])
        aug_y = np.concatenate([aug_y, s_eff * lift.measured / lift.std_error])
    theta, _ = nnls(aug_x, aug_y, maxiter=50 * c)
    resid = y_r - h_r @ theta
    precision = h_r.T @ h_r / (sigma**2 * infl) + np.eye(c) / tau**2
    if lift is not None:
        precision = precision + ld.T @ ld
    cov_theta = np.linalg.pinv(precision)
    cov = np.asarray(cov_theta * np.outer(b, b), dtype=np.float64)
    contrib = h * theta
    return MediaFit(
        decay=decay,
        half_saturation=k,
        shape=shape,
        beta=theta * b,
        beta_se=np.sqrt(np.clip(np.diag(cov), 0, None)),
        beta_cov=cov,
        contributions=contrib,
        baseline=(y - y_r) - q @ (q.T @ contrib.sum(axis=1)),
        sigma=sigma,
        cost=float(resid @ resid),
        rss=float(resid @ resid),
        n_params=c * (3 if saturation == "hill" else 2) + c,
        saturation=saturation,
        reported_fit=curve,
    )
