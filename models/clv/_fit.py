"""Shared fitting helpers: identical customers as weighted rows; maximise a likelihood on log-parameters."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import OptimizeResult, minimize

FloatArray = NDArray[np.float64]


def grouped(columns: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Unique rows of the given equal-length columns plus a weight ``w`` (row count): same likelihood, less work."""
    df = pd.DataFrame(columns)
    counts = df.groupby(list(columns), sort=False).size().reset_index(name="w")
    return {c: counts[c].to_numpy(dtype=float) for c in [*columns, "w"]}


def fit_log_params(
    neg_mean_ll: Callable[[FloatArray, dict[str, FloatArray]], tuple[float, FloatArray]],
    data: dict[str, FloatArray],
    x0: FloatArray,
    penalizer: float,
    maxiter: int,
) -> OptimizeResult:
    """Minimise mean negative log-likelihood + ``penalizer``·‖log θ‖² over log-parameters θ.

    ``neg_mean_ll(θ, data)`` returns the value and its gradient. BFGS with that gradient first; when it does
    not report convergence, Nelder-Mead (robust far from the optimum) and a BFGS polish from its end point. The best result is returned; ``result.x`` holds log-parameters.
    """

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        value, grad = neg_mean_ll(theta, data)
        value += penalizer * float(theta @ theta)
        grad = grad + 2.0 * penalizer * theta
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros_like(theta)
        return value, grad

    def value_only(theta: FloatArray) -> float:
        return objective(theta)[0]

    start = np.asarray(x0, dtype=float)
    # BFGS rather than L-BFGS-B: same iterations here, but scipy's L-BFGS-B spends ~20 ms per iteration in
    # BLAS thread start-up on a loaded machine, 100x the cost of our likelihood.
    fast = minimize(objective, start, jac=True, method="BFGS", options={"maxiter": maxiter, "gtol": 1e-9})
    if fast.fun < 1e299 and (fast.success or np.max(np.abs(fast.jac)) < 1e-6):
        fast.success = True  # "precision loss" with a vanishing gradient is the optimum
        return fast
    first = minimize(
        value_only,
        start,
        method="Nelder-Mead",
        options={"maxiter": maxiter, "maxfev": maxiter * 2, "xatol": 1e-7, "fatol": 1e-11, "adaptive": True},
    )
    second = minimize(objective, first.x, jac=True, method="BFGS", options={"maxiter": maxiter, "gtol": 1e-9})
    best: OptimizeResult = min((fast, first, second), key=lambda res: res.fun)
    # BFGS may stop with "precision loss" at the optimum; accept when Nelder-Mead or BFGS converged.
    best.success = bool(first.success or second.success)
    return best
