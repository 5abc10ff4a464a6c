"""Repeat rate and retention by acquisition cohort, from orders (one transaction = one customer-day)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from advisor.core.periods import labels, period_start, periods_between
from advisor.customers.value import acquisition_of
from models.clv import transactions


def _groups(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def repeat_rate(
    orders: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    campaign_daily: pd.DataFrame | None = None,
    within_days: int | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Share of customers who bought again: ``[*by, customers, repeat_customers, repeat_rate]``.

    ``by``: acquisition ``channel`` and/or ``campaign_id`` (of the customer's first order). With
    ``within_days`` only a second transaction within that many days of the first counts, and only customers
    acquired at least ``within_days`` before ``as_of`` (default: last order date) are counted, so cohorts of
    different ages compare fairly. ``repeat_rate`` is a share in [0, 1].
    """
    tx = transactions(orders)
    end = pd.Timestamp(as_of).normalize() if as_of is not None else tx["order_date"].max()
    tx = tx[tx["order_date"] <= end]
    first = tx.groupby("customer_id")["order_date"].transform("min")
    age = (tx["order_date"] - first).dt.days
    repeat_tx = tx[(age > 0) & ((age <= within_days) if within_days is not None else True)]
    cust = pd.DataFrame({"first_purchase": tx.groupby("customer_id")["order_date"].min()})
    cust["repeat"] = cust.index.isin(repeat_tx["customer_id"].unique())
    if within_days is not None:
        cust = cust[cust["first_purchase"] <= end - pd.Timedelta(days=within_days)]
    keys = _groups(by)
    if keys:
        acq = acquisition_of(orders, campaign_daily).set_index("customer_id")
        cust = cust.join(acq[keys])
        g = cust.groupby(keys, sort=True)["repeat"]
    else:
        g = cust.assign(_all=0).groupby("_all")["repeat"]
    out = pd.DataFrame({"customers": g.size(), "repeat_customers": g.sum().astype(int)})
    out["repeat_rate"] = out["repeat_customers"] / out["customers"].where(out["customers"] > 0)
    return out.reset_index(drop=not keys)


def retention_by_cohort(orders: pd.DataFrame, grain: str = "month", *, as_of: Any = None) -> pd.DataFrame:
    """Cohort retention table in long form, one row per cohort and period since acquisition.

    Columns: ``cohort`` (label of the acquisition period), ``period_number`` (0 = acquisition period),
    ``period`` (label), ``cohort_size`` (customers acquired in the cohort), ``active_customers`` (of them,
    customers with a transaction in the period), ``retention`` (= active / size, in [0, 1]; 1 at period 0) and
    ``complete`` (False for the period containing ``as_of``, which is still running).
    """
    tx = transactions(orders)
    end = pd.Timestamp(as_of).normalize() if as_of is not None else tx["order_date"].max()
    tx = tx[tx["order_date"] <= end].copy()
    tx["period"] = pd.Series(period_start(pd.to_datetime(tx["order_date"]), grain), index=tx.index)
    tx["cohort"] = tx.groupby("customer_id")["period"].transform("min")
    tx["period_number"] = periods_between(tx["cohort"], tx["period"], grain)
    active = tx.groupby(["cohort", "period_number", "period"])["customer_id"].nunique().rename("active_customers")
    size = tx[tx["period_number"] == 0].groupby("cohort")["customer_id"].nunique().rename("cohort_size")
    out = active.reset_index().merge(size.reset_index(), on="cohort")
    last = pd.Timestamp(period_start(pd.Series([end]), grain)[0])
    next_day = pd.Timestamp(period_start(pd.Series([end + pd.Timedelta(days=1)]), grain)[0])
    out["retention"] = out["active_customers"] / out["cohort_size"]
    out["complete"] = (out["period"] < last) | (next_day > last)
    out["cohort"] = labels(out["cohort"].to_numpy(), grain)
    out["period"] = labels(out["period"].to_numpy(), grain)
    cols = ["cohort", "period_number", "period", "cohort_size", "active_customers", "retention", "complete"]
    return out[cols].sort_values(["cohort", "period_number"], ignore_index=True)
