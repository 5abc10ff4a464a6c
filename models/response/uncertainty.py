"""Uncertainty of each channel's total contribution when the curve parameters θ are uncertain too.

The coefficient covariance ``beta_cov`` of a media fit is *conditional* on the fitted curve parameters θ (decay,
half-saturation, Hill shape): it treats the curves as known. On weekly spend-driven fits θ is poorly identified,
and a channel's total contribution over the history, ``T_c = β_c Σ_t h_tc(θ)``, moves with it: the 80 % intervals
from ``beta_cov`` alone covered the true contributions of the demo media-mix worlds in 38–45 % (national) of the
channel cases.

:func:`contribution_rse` adds θ's part by a Laplace approximation: the searches of
:func:`models.response.media.fit_media` and :func:`models.response.geo.fit_geo_media` minimise a residual vector
of θ alone, the coefficients solved for each θ (variable projection), the priors and the lift-test rows included.
At the optimum ``(JᵀJ)⁻¹`` (``J``: that vector's Jacobian, the data rows rescaled to the final residual variance
with the AR(1) inflation of ``beta_cov``) is the Laplace covariance of θ with the coefficients profiled out — the
θ block of the joint (θ, β) posterior covariance. By the law of total variance, linearised,

    Var(T_c) = Var(T_c | θ) + ∇T̂_c(θ)ᵀ (JᵀJ)⁻¹ ∇T̂_c(θ)

with ``T̂_c(θ)`` the total under the profiled coefficients at θ and ``Var(T_c | θ) = (T_c · se(β_c)/β_c)²`` the
conditional part. The result is relative, ``sqrt(Var(T_c)) / T_c``: the s.e. of the channel's total contribution
as a share of it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

#: step of the central differences in θ (decay, log half-saturation and Hill shape are all of order 1)
THETA_STEP = 1e-4


def theta_jacobians(
    evaluate: Callable[[NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.float64]]],
    theta: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    step: float = THETA_STEP,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Jacobians ``(n, P)`` of the residuals and ``(C, P)`` of the totals returned by ``evaluate(θ)``, by central
    differences (one-sided at a bound of ``lo``/``hi``)."""
    theta = np.asarray(theta, dtype=float)
    r0, t0 = evaluate(theta)
    jr = np.zeros((len(r0), len(theta)))
    jt = np.zeros((len(t0), len(theta)))
    for i in range(len(theta)):
        up = min(step, float(hi[i] - theta[i]))
        down = min(step, float(theta[i] - lo[i]))
        if up <= 0 and down <= 0:
            continue
        tp, tm = theta.copy(), theta.copy()
        tp[i] += max(up, 0.0)
        tm[i] -= max(down, 0.0)
        rp, sp = evaluate(tp) if up > 0 else (r0, t0)
        rm, sm = evaluate(tm) if down > 0 else (r0, t0)
        width = max(up, 0.0) + max(down, 0.0)
        jr[:, i] = (rp - rm) / width
        jt[:, i] = (sp - sm) / width
    return jr, jt


def contribution_rse(
    evaluate: Callable[[NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.float64]]],
    theta: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    *,
    n_data: int,
    data_scale: float,
    conditional_rse: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Relative s.e. ``(C,)`` of each channel's total contribution with θ's uncertainty (module docstring).

    ``evaluate(θ)``: the search's residual vector (its first ``n_data`` rows the data, the rest priors, lift tests
    and shrinkage rows) and the ``(C,)`` totals under the coefficients profiled at θ; ``theta``: the optimum within
    the bounds ``lo``/``hi``; ``data_scale``: factor on the data rows that makes them unit-variance with the
    fit's final residual variance and AR(1) inflation; ``conditional_rse``: ``se(β_c)/β_c`` from ``beta_cov``.
    A channel with a zero total gets 0 (its interval is zero)."""
    rse, _ = contribution_and_total_rse(
        evaluate, theta, lo, hi, n_data=n_data, data_scale=data_scale, conditional_rse=conditional_rse
    )
    return rse


def contribution_and_total_rse(
    evaluate: Callable[[NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.float64]]],
    theta: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    *,
    n_data: int,
    data_scale: float,
    conditional_rse: NDArray[np.float64],
    conditional_rel_cov: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], float | None]:
    """:func:`contribution_rse` and, from the same Jacobians, the relative s.e. of the media total ``Σ_c T_c``:
    ``Var = Tᵀ R T + gᵀ (JᵀJ)⁻¹ g`` with ``R`` = ``conditional_rel_cov`` (the coefficients' covariance given θ
    divided by ``β_i β_j``: the channels' errors given θ are correlated, mostly negatively, when their spend moves
    together) and ``g = Σ_c ∇T̂_c``. None without ``conditional_rel_cov`` or a positive total."""
    _, totals = evaluate(theta)
    jr, jt = theta_jacobians(evaluate, theta, lo, hi)
    jr[:n_data] *= data_scale
    cov_theta = np.linalg.pinv(jr.T @ jr, rcond=1e-10, hermitian=True)
    var_theta = np.clip(np.einsum("cp,pq,cq->c", jt, cov_theta, jt), 0.0, None)
    cond = np.nan_to_num(np.asarray(conditional_rse, dtype=float), nan=0.0, posinf=0.0)
    rel_theta = np.divide(var_theta, totals**2, out=np.zeros_like(var_theta), where=totals > 0)
    rse = np.asarray(np.where(totals > 0, np.sqrt(cond**2 + rel_theta), 0.0), dtype=np.float64)
    grand = float(np.sum(totals))
    if conditional_rel_cov is None or not grand > 0:
        return rse, None
    rel = np.nan_to_num(np.asarray(conditional_rel_cov, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    g = jt.sum(axis=0)
    var = max(float(totals @ rel @ totals), 0.0) + max(float(g @ cov_theta @ g), 0.0)
    return rse, float(np.sqrt(var)) / grand


def relative_cov(cov: NDArray[np.float64], beta: NDArray[np.float64]) -> NDArray[np.float64]:
    """``cov_ij / (β_i β_j)`` (0 where a coefficient is not positive): the coefficients' covariance in relative
    units, the covariance of the channels' totals divided by the totals."""
    inv = np.divide(1.0, beta, out=np.zeros_like(beta, dtype=float), where=beta > 0)
    return np.asarray(cov * np.outer(inv, inv), dtype=np.float64)
