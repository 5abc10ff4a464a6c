"""Gamma-Gamma spend model (Fader, Hardie and Lee 2005, "RFM and CLV: using iso-value curves"; Colombo
and Jiang 1999).

A customer's transaction values are Gamma(p, ν) around a personal mean p/ν, with ν ~ Gamma(q, γ) across
customers. Fitted on customers with at least one repeat purchase (x > 0) and their mean repeat-transaction
value m̄_x (currency units). It assumes spend is independent of purchase frequency —
``frequency_spend_corr_`` reports the Pearson correlation between x and m̄_x on the fitting data so callers
can check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln

from models.clv._fit import fit_log_params, grouped

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters: shape p, shape q and scale gamma (currency units)."""

    p: float
    q: float
    gamma: float

    def mean_spend(self) -> float:
        """Population mean transaction value p·γ/(q − 1) (currency units; needs q > 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")


def log_likelihood(params: GammaGammaParams, x: ArrayLike, mbar: ArrayLike) -> FloatArray:
    """Per-customer log-density of the mean spend m̄_x given x > 0 transactions (FHL 2005 RFM/CLV eq. 3)."""
    p, q, g = params.p, params.q, params.gamma
    x, mbar = np.asarray(x, dtype=float), np.asarray(mbar, dtype=float)
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(mbar)
        + px * np.log(x)
        - (px + q) * np.log(g + mbar * x),
        dtype=float,
    )


def conditional_expected_spend(params: GammaGammaParams, x: ArrayLike, mbar: ArrayLike) -> FloatArray:
    """E[M | x, m̄_x] = (γ + x·m̄_x)·p / (p·x + q − 1); the population mean for x = 0. Currency units."""
    p, q, g = params.p, params.q, params.gamma
    x, mbar = np.asarray(x, dtype=float), np.asarray(mbar, dtype=float)
    mbar = np.where(x > 0, mbar, 0.0)
    return np.asarray(p * (g + x * mbar) / (p * x + q - 1), dtype=float)


def _neg_ll(log_params: FloatArray, data: dict[str, FloatArray]) -> tuple[float, FloatArray]:
    """Weighted mean negative log-likelihood and its gradient with respect to the log-parameters."""
    p, q, g = np.exp(log_params)
    x, m, w = data["x"], data["m"], data["w"]
    ux, ix = data["ux"], data["ix"].astype(int)  # functions of x alone: once per distinct x
    pux = p * ux
    px = p * x
    log_m, log_x, log_gmx = np.log(m), np.log(ux)[ix], np.log(g + m * x)
    ll = (
        (gammaln(pux + q) - gammaln(pux))[ix]
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * log_m
        + px * log_x
        - (px + q) * log_gmx
    )
    common = digamma(pux + q)[ix] - log_gmx
    d_p = x * (common - digamma(pux)[ix] + log_m + log_x)
    d_q = common - digamma(q) + np.log(g)
    d_g = q / g - (px + q) / (g + m * x)
    total = w.sum()
    grad = np.array([(w * d).sum() for d in (d_p, d_q, d_g)]) * np.array([p, q, g])
    return float(-(w * ll).sum() / total), -grad / total


@dataclass(frozen=True)
class GammaGammaSpec:
    """How to fit: L2 ``penalizer`` on the log-parameters (0 = maximum likelihood), start values iterations."""

    penalizer: float = 0.0
    initial: tuple[float, float, float] = (1.0, 1.0, 1.0)
    maxiter: int = 5000


class GammaGamma:
    """Gamma-Gamma estimator. ``fit(rfm)`` uses rows with ``frequency > 0`` and ``monetary_value > 0``.

    Fitted attributes: ``params_``, ``log_likelihood_``, ``n_customers_`` (rows used), ``n_dropped_`` (repeat
    customers with zero mean spend, which the model cannot take), ``frequency_spend_corr_``, ``converged_``.
    """

    def __init__(self, spec: GammaGammaSpec | None = None) -> None:
        self.spec = spec or GammaGammaSpec()

    def fit(self, rfm: pd.DataFrame) -> GammaGamma:
        x = rfm["frequency"].to_numpy(dtype=float)
        m = rfm["monetary_value"].to_numpy(dtype=float)
        repeat = x > 0
        use = repeat & (m > 0)
        if use.sum() < 3:
            raise ValueError(f"Gamma-Gamma: need >= 3 repeat customers with spend > 0, have {int(use.sum())}")
        x, m = x[use], m[use]
        data = grouped({"x": x, "m": m})
        ux, ix = np.unique(data["x"], return_inverse=True)
        data["ux"], data["ix"] = ux, ix.astype(float)
        res = fit_log_params(_neg_ll, data, np.log(self.spec.initial), self.spec.penalizer, self.spec.maxiter)
        self.params_ = GammaGammaParams(*(float(v) for v in np.exp(res.x)))
        self.log_likelihood_ = float(log_likelihood(self.params_, x, m).sum())
        self.n_customers_ = int(use.sum())
        self.n_dropped_ = int((repeat & ~use).sum())
        self.frequency_spend_corr_ = float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 else float("nan")
        self.converged_ = bool(res.success)
        return self

    def conditional_expected_spend(self, rfm: pd.DataFrame) -> FloatArray:
        """Expected value of a future transaction for each row of ``rfm``; shape ``(len(rfm),)``."""
        return conditional_expected_spend(
            self.params_, rfm["frequency"].to_numpy(dtype=float), rfm["monetary_value"].to_numpy(dtype=float)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "gamma_gamma",
            "spec": asdict(self.spec),
            "params": asdict(self.params_),
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "n_dropped": self.n_dropped_,
            "frequency_spend_corr": self.frequency_spend_corr_,
            "converged": self.converged_,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> GammaGamma:
        spec = dict(doc.get("spec", {}))
        if "initial" in spec:
            spec["initial"] = tuple(spec["initial"])
        obj = cls(GammaGammaSpec(**spec))
        obj.params_ = GammaGammaParams(**doc["params"])
        obj.log_likelihood_ = float(doc.get("log_likelihood", float("nan")))
        obj.n_customers_ = int(doc.get("n_customers", 0))
        obj.n_dropped_ = int(doc.get("n_dropped", 0))
        obj.frequency_spend_corr_ = float(doc.get("frequency_spend_corr", float("nan")))
        obj.converged_ = bool(doc.get("converged", True))
        return obj
