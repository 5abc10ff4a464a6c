"""Customer lifetime value from a fitted BG/NBD + Gamma-Gamma pair.

CLV over a horizon of H time units with an annual discount rate d is the discounted sum of expected
purchases per time unit times the expected transaction value::

    CLV = Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) · E[M] · (1 + d)^(−k·u/365.25)

with Y from BG/NBD (conditional on the customer's history, or unconditional for a just-acquired customer), M
from Gamma-Gamma and u = ``time_unit_days`` (7: weeks). Purchases in a step are discounted at the step's end.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.clv.bgnbd import BGNBD, BGNBDSpec, conditional_expected_purchases, expected_purchases
from models.clv.gamma_gamma import GammaGamma, GammaGammaSpec

FloatArray = NDArray[np.float64]
DAYS_PER_YEAR = 365.25


def discount_factors(horizon: int, annual_discount: float, time_unit_days: float = 7.0) -> FloatArray:
    """Discount factor at the end of each time unit 1..``horizon``; shape ``(horizon,)``."""
    if horizon < 0 or annual_discount <= -1:
        raise ValueError(f"need horizon >= 0 and annual_discount > -1, got {horizon}, {annual_discount}")
    k = np.arange(1, horizon + 1, dtype=float)
    return np.asarray((1.0 + annual_discount) ** (-k * time_unit_days / DAYS_PER_YEAR), dtype=float)


def discounted_purchases(
    bgnbd: BGNBD, rfm: pd.DataFrame | None, horizon: int, annual_discount: float, time_unit_days: float = 7.0
) -> FloatArray:
    """Discounted expected purchases over ``horizon`` units: per row of ``rfm`` (shape ``(n,)``), or for one
    just-acquired customer when ``rfm`` is None (shape ``(1,)``)."""
    grid = np.arange(0, horizon + 1, dtype=float)
    if annual_discount == 0:  # undiscounted: only the end point matters
        grid = np.array([0.0, float(horizon)])
    if rfm is None:
        cum = expected_purchases(bgnbd.params_, grid)[None, :]
    else:
        x, t_x, T = (rfm[c].to_numpy(dtype=float)[:, None] for c in ("frequency", "recency", "T"))
        cum = conditional_expected_purchases(bgnbd.params_, grid[None, :], x, t_x, T)
    steps = np.diff(cum, axis=1)
    if annual_discount == 0:
        return np.asarray(steps[:, 0], dtype=float)
    return np.asarray(steps @ discount_factors(horizon, annual_discount, time_unit_days), dtype=float)


def remaining_discounted_purchases(
    bgnbd: BGNBD,
    rfm: pd.DataFrame,
    horizon: float,
    annual_discount: float,
    time_unit_days: float = 7.0,
    steps: int = 52,
) -> FloatArray:
    """Discounted expected purchases from now (age ``T``) until ``horizon`` time units after acquisition.

    For a customer of age T the window is (T, max(T, horizon)], split in ``steps`` equal steps; purchases in a
    step are discounted at the step's end, counted from the acquisition date. Shape ``(len(rfm),)``; zero for
    customers older than ``horizon``.
    """
    out = np.zeros(len(rfm))
    todo = np.flatnonzero(rfm["T"].to_numpy(dtype=float) < horizon)
    if todo.size == 0:
        return out
    x, t_x, T = (rfm[c].to_numpy(dtype=float)[todo, None] for c in ("frequency", "recency", "T"))
    steps = 1 if annual_discount == 0 else steps  # undiscounted: only the end point matters
    grid = (horizon - T) * np.linspace(0.0, 1.0, steps + 1)[None, :]
    cum = conditional_expected_purchases(bgnbd.params_, grid, x, t_x, T)
    disc = (1.0 + annual_discount) ** (-(T + grid[:, 1:]) * time_unit_days / DAYS_PER_YEAR)
    out[todo] = (np.diff(cum, axis=1) * disc).sum(axis=1)
    return out


@dataclass(frozen=True)
class CLVSpec:
    """The model pair's fitting options; ``time_unit_days`` is the unit of frequency/recency/T (7 = weeks)."""

    bgnbd: BGNBDSpec = field(default_factory=BGNBDSpec)
    gamma_gamma: GammaGammaSpec = field(default_factory=GammaGammaSpec)
    time_unit_days: float = 7.0


class CLVModel:
    """BG/NBD + Gamma-Gamma. ``fit(rfm)`` takes an RFM summary (``models.clv.rfm.rfm_summary``) in the spec's
    time unit; fitted attributes ``bgnbd_`` and ``gamma_gamma_``."""

    def __init__(self, spec: CLVSpec | None = None) -> None:
        self.spec = spec or CLVSpec()

    def fit(self, rfm: pd.DataFrame) -> CLVModel:
        self.bgnbd_ = BGNBD(self.spec.bgnbd).fit(rfm)
        self.gamma_gamma_ = GammaGamma(self.spec.gamma_gamma).fit(rfm)
        return self

    def predict(self, rfm: pd.DataFrame, *, horizon: int = 52, annual_discount: float = 0.10) -> pd.DataFrame:
        """Per customer: ``p_alive``, ``expected_purchases`` (undiscounted, next ``horizon`` units),
        ``expected_spend`` (per transaction, currency) and ``clv`` (discounted residual value, currency).

        Returns a DataFrame ``[customer_id, p_alive, expected_purchases, expected_spend, clv]``, rows as
        ``rfm``.
        """
        spend = self.gamma_gamma_.conditional_expected_spend(rfm)
        disc = discounted_purchases(self.bgnbd_, rfm, horizon, annual_discount, self.spec.time_unit_days)
        return pd.DataFrame(
            {
                "customer_id": rfm["customer_id"].to_numpy() if "customer_id" in rfm else rfm.index,
                "p_alive": self.bgnbd_.probability_alive(rfm),
                "expected_purchases": self.bgnbd_.conditional_expected_purchases(horizon, rfm),
                "expected_spend": spend,
                "clv": disc * spend,
            }
        )

    def conditional_expected_purchases(self, t: float, rfm: pd.DataFrame) -> FloatArray:
        """Expected purchases in the next ``t`` time units per row of ``rfm``; shape ``(len(rfm),)``."""
        return self.bgnbd_.conditional_expected_purchases(t, rfm)

    def new_customer_value(self, *, horizon: int = 52, annual_discount: float = 0.10) -> float:
        """Discounted expected value of the repeat purchases of one just-acquired customer (currency units;
        the first purchase itself is not included)."""
        disc = discounted_purchases(self.bgnbd_, None, horizon, annual_discount, self.spec.time_unit_days)
        return float(disc[0] * self.gamma_gamma_.params_.mean_spend())

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "clv_bgnbd_gamma_gamma",
            "format_version": 1,
            "time_unit_days": self.spec.time_unit_days,
            "bgnbd": self.bgnbd_.to_dict(),
            "gamma_gamma": self.gamma_gamma_.to_dict(),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CLVModel:
        if doc.get("model") != "clv_bgnbd_gamma_gamma":
            raise ValueError(f"not a CLV model document: model={doc.get('model')!r}")
        bg = BGNBD.from_dict(doc["bgnbd"])
        gg = GammaGamma.from_dict(doc["gamma_gamma"])
        obj = cls(CLVSpec(bgnbd=bg.spec, gamma_gamma=gg.spec, time_unit_days=float(doc["time_unit_days"])))
        obj.bgnbd_, obj.gamma_gamma_ = bg, gg
        return obj

    def params(self) -> dict[str, dict[str, float]]:
        """``{"bgnbd": {r, alpha, a, b}, "gamma_gamma": {p, q, gamma}}`` as plain floats."""
        return {"bgnbd": asdict(self.bgnbd_.params_), "gamma_gamma": asdict(self.gamma_gamma_.params_)}
