"""Simulate orders from the BG/NBD + Gamma-Gamma generative process (for tests and benchmarks).

Each customer is acquired on a day drawn uniformly from ``[start, start + acquisition_days)`` with a first
order; while alive, repeat orders arrive as a Poisson process with rate λ ~ Gamma(r, α) per week; after each
repeat order the customer dies with probability p ~ Beta(a, b). Order values are Gamma(p_gg, ν) with
ν ~ Gamma(q, γ) per customer. Order times are rounded down to whole days.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from models.clv.bgnbd import BGNBDParams
from models.clv.gamma_gamma import GammaGammaParams


def simulate_orders(
    n_customers: int,
    bgnbd: BGNBDParams,
    spend: GammaGammaParams,
    *,
    start: date | str = "2024-01-01",
    end: date | str = "2025-06-30",
    acquisition_days: int = 84,
    seed: int = 0,
) -> pd.DataFrame:
    """Orders ``[customer_id, order_date, revenue]`` through ``end`` for ``n_customers`` customers."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    horizon_weeks = (pd.Timestamp(end) - t0).days / 7.0
    first = rng.integers(0, acquisition_days, n_customers) / 7.0  # weeks after start
    lam = rng.gamma(bgnbd.r, 1.0 / bgnbd.alpha, n_customers)
    p_die = rng.beta(bgnbd.a, bgnbd.b, n_customers)
    nu = rng.gamma(spend.q, 1.0 / spend.gamma, n_customers)
    cust: list[np.ndarray] = [np.arange(n_customers)]
    times: list[np.ndarray] = [first]
    t = first.copy()
    active = np.ones(n_customers, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        t[idx] += rng.exponential(1.0, idx.size) / np.maximum(lam[idx], 1e-12)
        inside = t[idx] <= horizon_weeks
        buy = idx[inside]
        cust.append(buy)
        times.append(t[buy].copy())
        active[idx[~inside]] = False
        active[buy[rng.random(buy.size) < p_die[buy]]] = False
    c = np.concatenate(cust)
    w = np.concatenate(times)
    revenue = rng.gamma(spend.p, 1.0 / nu[c])
    dates = t0 + pd.to_timedelta(np.floor(w * 7.0), unit="D")
    out = pd.DataFrame({"customer_id": c + 1, "order_date": dates, "revenue": np.round(revenue, 2)})
    return out.sort_values(["customer_id", "order_date"], kind="stable").reset_index(drop=True)
