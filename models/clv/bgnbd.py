"""BG/NBD repeat-purchase model (Fader, Hardie and Lee 2005, "Counting your customers the easy way").

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each purchase the customer
dies with probability p ~ Beta(a, b). Inputs per customer are the RFM summary (frequency x, recency t_x,
age T, all times in one unit — weeks for the published CDNOW estimates). Pure numpy/scipy functions below;
the ``BGNBD`` class is a thin sklearn-style wrapper (frozen spec, ``fit(df) -> self``, fitted attributes
end in ``_``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln, hyp2f1

from models.clv._fit import fit_log_params, grouped

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters: r, alpha (time units) of the Gamma purchase rate, a, b of the Beta dropout."""

    r: float
    alpha: float
    a: float
    b: float

    def as_array(self) -> FloatArray:
        a = self.a if abs(self.a - 1.0) > 1e-9 else 1.0 + 1e-9
        return np.array([self.r, self.alpha, a, self.b], dtype=float)


def log_likelihood(params: BGNBDParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """Per-customer log-likelihood (FHL 2005 eq. 6, in log form). Arrays broadcast; returns shape of x."""
    r, alpha, a, b = params.as_array()
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x), -np.inf)
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=float)


def expected_purchases(params: BGNBDParams, t: ArrayLike) -> FloatArray:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired (FHL 2005 eq. 9)."""
    r, alpha, a, b = params.as_array()
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return np.asarray(
        (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z)), dtype=float
    )


def probability_alive(params: BGNBDParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """P(alive at T | x, t_x, T) (FHL 2005 eq. 11 / 2008 note); 1 for customers without repeat purchases."""
    r, alpha, a, b = params.as_array()
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * np.log((alpha + T) / (alpha + t_x))
    return np.asarray(np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0), dtype=float)


def conditional_expected_purchases(
    params: BGNBDParams, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] (FHL 2005 eq. 10). Arrays broadcast together."""
    r, alpha, a, b = params.as_array()
    t, x, t_x, T = (np.asarray(v, dtype=float) for v in (t, x, t_x, T))
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    # FHL eq. 10 has ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z), which overflows for large x; Euler's
    # transformation 2F1(A, B; C; z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z), with 1 − z = (α+T)/(α+T+t), gives
    # the same value without huge intermediate terms.
    with np.errstate(invalid="ignore", over="ignore"):
        core = 1 - ((alpha + T) / (alpha + T + t)) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        value = head * core
    if not np.all(np.isfinite(value)):
        # scipy's 2F1 fails for very large a, b (a fit where the dropout probability p = a/(a+b) is the same for
        # every customer). In that limit the BG/NBD expectation has the closed form
        # (1/p)·(1 − ((α+T)/(α+T+p·t))^(r+x)) for a customer alive at T (λ | data ~ Gamma(r+x, α+T)).
        p = a / (a + b)
        limit = (1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p
        value = np.where(np.isfinite(value), value, limit)
    return np.asarray(value * probability_alive(params, x, t_x, T), dtype=float)


def _neg_ll(log_params: FloatArray, data: dict[str, FloatArray]) -> tuple[float, FloatArray]:
    """Weighted mean negative log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    x, t_x, T, w = data["x"], data["t_x"], data["T"], data["w"]
    ux, ix = data["ux"], data["ix"].astype(int)  # gamma functions of x: evaluated once per distinct x

    def on_x(f: Any, shift: float) -> FloatArray:
        return np.asarray(f(shift + ux)[ix], dtype=float)

    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x), -np.inf)
    tail = np.logaddexp(a3, a4)
    ll = (
        on_x(gammaln, r)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + on_x(gammaln, b)
        - gammaln(b)
        - on_x(gammaln, a + b)
        + tail
    )
    w3, w4 = np.exp(a3 - tail), np.exp(a4 - tail)  # shares of the two terms, w4 = 0 when x = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_bx = np.where(x > 0, 1.0 / np.maximum(b + x - 1, 1e-300), 0.0)
    psi_abx = on_x(digamma, a + b)
    d_r = on_x(digamma, r) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
    d_a = digamma(a + b) - psi_abx + w4 / a
    d_b = digamma(a + b) + on_x(digamma, b) - digamma(b) - psi_abx - w4 * inv_bx
    total = w.sum()
    grad = np.array([(w * d).sum() for d in (d_r, d_alpha, d_a, d_b)]) * np.array([r, alpha, a, b])
    return float(-(w * ll).sum() / total), -grad / total


@dataclass(frozen=True)
class BGNBDSpec:
    """How to fit: L2 ``penalizer`` on the log-parameters (0 = maximum likelihood), start values iterations."""

    penalizer: float = 0.0
    initial: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    maxiter: int = 5000


class BGNBD:
    """BG/NBD estimator. ``fit(rfm)`` takes columns ``frequency, recency, T`` (one row per customer).

    Fitted attributes: ``params_`` (BGNBDParams), ``log_likelihood_`` (total, nats), ``n_customers_``,
    ``converged_``. The expectation formulas hold for any a > 0 (the (a + b − 1)/(a − 1) factor and the
    bracket change sign together); at a = 1 exactly, a is nudged by 1e-9 to avoid 0/0.
    """

    def __init__(self, spec: BGNBDSpec | None = None) -> None:
        self.spec = spec or BGNBDSpec()

    def fit(self, rfm: pd.DataFrame) -> BGNBD:
        x, t_x, T = (rfm[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        if len(x) == 0:
            raise ValueError("BG/NBD: no customers to fit")
        if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9):
            raise ValueError("BG/NBD: need frequency >= 0 and 0 <= recency <= T")
        data = grouped({"x": x, "t_x": t_x, "T": T})
        ux, ix = np.unique(data["x"], return_inverse=True)
        data["ux"], data["ix"] = ux, ix.astype(float)
        res = fit_log_params(_neg_ll, data, np.log(self.spec.initial), self.spec.penalizer, self.spec.maxiter)
        self.params_ = BGNBDParams(*(float(v) for v in np.exp(res.x)))
        self.log_likelihood_ = float(log_likelihood(self.params_, x, t_x, T).sum())
        self.n_customers_ = len(x)
        self.converged_ = bool(res.success)
        return self

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        return expected_purchases(self.params_, t)

    def conditional_expected_purchases(self, t: ArrayLike, rfm: pd.DataFrame) -> FloatArray:
        """Expected purchases in the next ``t`` time units for each row of ``rfm``; shape ``(len(rfm),)``."""
        return conditional_expected_purchases(self.params_, t, *_xtT(rfm))

    def probability_alive(self, rfm: pd.DataFrame) -> FloatArray:
        return probability_alive(self.params_, *_xtT(rfm))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "bgnbd",
            "spec": asdict(self.spec),
            "params": asdict(self.params_),
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "converged": self.converged_,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> BGNBD:
        spec = dict(doc.get("spec", {}))
        if "initial" in spec:
            spec["initial"] = tuple(spec["initial"])
        obj = cls(BGNBDSpec(**spec))
        obj.params_ = BGNBDParams(**doc["params"])
        obj.log_likelihood_ = float(doc.get("log_likelihood", float("nan")))
        obj.n_customers_ = int(doc.get("n_customers", 0))
        obj.converged_ = bool(doc.get("converged", True))
        return obj


def _xtT(rfm: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
    return (
        rfm["frequency"].to_numpy(dtype=float),
        rfm["recency"].to_numpy(dtype=float),
        rfm["T"].to_numpy(dtype=float),
    )
