"""Customers and their orders: BG/NBD repeat buying with Gamma-Gamma order values per acquisition channel.

Every new customer reported in ``campaign_daily`` becomes a customer whose first order is on the acquisition
date (campaign and channel of acquisition recorded on all of its orders). Repeat orders follow the channel's
BG/NBD process up to the end of the history (right-censored, as real order data are).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo_world.channels import profile
from demo_world.params import ClvParams

CLV_HORIZON_DAYS = 365


def sample_clv_params(rng: np.random.Generator, aov_by_channel: dict[str, float]) -> dict[str, ClvParams]:
    """Per channel BG/NBD parameters (profile values jittered ±10%) and Gamma-Gamma parameters whose mean
    order value is ``aov_by_channel[channel]`` (currency), for the channels of ``aov_by_channel`` in its order."""
    out: dict[str, ClvParams] = {}
    for ch in map(profile, aov_by_channel):
        r, alpha, a, b = ch.clv
        jit = rng.lognormal(0.0, 0.1, 4)
        p_gg, q_gg = float(rng.uniform(3.5, 5.0)), float(rng.uniform(3.0, 4.5))
        out[ch.name] = ClvParams(
            r=float(r * jit[0]),
            alpha=float(alpha * jit[1]),
            a=float(max(1.1, a * jit[2])),
            b=float(b * jit[3]),
            p_gg=p_gg,
            q_gg=q_gg,
            gamma_gg=float(aov_by_channel[ch.name] * (q_gg - 1.0) / p_gg),
        )
    return out


def sample_orders(
    rng: np.random.Generator, campaign_daily: pd.DataFrame, clv: dict[str, ClvParams], end: pd.Timestamp
) -> pd.DataFrame:
    """Orders ``customer_id, order_date, revenue, channel, campaign_id`` for every new customer of
    ``campaign_daily`` (sorted by date, then customer)."""
    acq = campaign_daily.loc[campaign_daily["new_customers"] > 0, ["date", "campaign_id", "channel", "new_customers"]]
    reps = acq["new_customers"].to_numpy()
    dates = np.repeat(acq["date"].to_numpy(), reps)
    campaigns = np.repeat(acq["campaign_id"].to_numpy(), reps)
    channels = np.repeat(acq["channel"].to_numpy(), reps)
    n = len(dates)
    window = ((end - pd.DatetimeIndex(dates)).days).to_numpy().astype(float)
    lam, p_drop, nu = np.empty(n), np.empty(n), np.empty(n)
    shape_gg = np.empty(n)
    for name, prm in clv.items():
        m = channels == name
        k = int(m.sum())
        lam[m] = rng.gamma(prm.r, 1.0 / prm.alpha, k)
        p_drop[m] = rng.beta(prm.a, prm.b, k)
        nu[m] = rng.gamma(prm.q_gg, 1.0 / prm.gamma_gg, k)
        shape_gg[m] = prm.p_gg
    cust = np.arange(n)
    rows_c = [cust]
    rows_t = [np.zeros(n)]
    # Repeat purchases: exponential gaps at rate λ; the customer drops out after each with probability p.
    alive = np.ones(n, dtype=bool)
    t = np.zeros(n)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1.0 / lam[idx])
        inside = t[idx] <= window[idx]
        bought = idx[inside]
        rows_c.append(bought)
        rows_t.append(t[bought])
        drop = rng.random(len(bought)) < p_drop[bought]
        alive[idx[~inside]] = False
        alive[bought[drop]] = False
    c_all = np.concatenate(rows_c)
    t_all = np.concatenate(rows_t)
    value = rng.gamma(shape_gg[c_all], 1.0 / nu[c_all])
    origin = np.datetime64(pd.Timestamp(dates.min()).date(), "D") if n else np.datetime64("1970-01-01", "D")
    acq_day = (pd.DatetimeIndex(dates).to_numpy().astype("datetime64[D]") - origin).astype(np.int64)
    day = acq_day[c_all] + np.ceil(t_all).astype(np.int64)
    # two repeat orders of one customer on the same day become one order (sum of values)
    key, inverse = np.unique(c_all.astype(np.int64) * 1_000_000 + day, return_inverse=True)
    revenue = np.bincount(inverse, weights=value)
    cust, day = key // 1_000_000, key % 1_000_000
    order = np.lexsort((cust, day))  # by date, then customer (ids are numbered in acquisition order)
    cust, day, revenue = cust[order], day[order], revenue[order]
    return pd.DataFrame(
        {
            "customer_id": np.char.add("C", np.char.zfill(cust.astype(str), 7)),
            "order_date": pd.DatetimeIndex((origin + day.astype("timedelta64[D]")).astype("datetime64[ns]")),
            "revenue": np.round(revenue, 2),
            "channel": channels[cust],
            "campaign_id": campaigns[cust],
        }
    )


def clv_truth(
    clv: dict[str, ClvParams],
    spend: dict[str, float],
    expected_new: dict[str, float],
    incremental_new: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Per channel: CLV over ``CLV_HORIZON_DAYS`` (first order included, undiscounted), CAC = spend / expected
    platform-reported new customers (what the KPI ``cac`` estimates), CLV:CAC, and the incremental CAC
    (spend / true incremental new customers)."""
    out: dict[str, dict[str, float]] = {}
    for name, prm in clv.items():
        value = prm.clv(CLV_HORIZON_DAYS)
        cac = spend[name] / expected_new[name] if expected_new[name] > 0 else float("nan")
        inc_cac = spend[name] / incremental_new[name] if incremental_new[name] > 0 else float("nan")
        out[name] = {
            "clv": value,
            "mean_order_value": prm.mean_order_value,
            "expected_repeat_orders": prm.expected_repeat(CLV_HORIZON_DAYS),
            "cac": cac,
            "clv_cac": value / cac,
            "incremental_cac": inc_cac,
            "clv_incremental_cac": value / inc_cac,
        }
    return out
