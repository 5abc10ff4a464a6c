"""Orders → RFM summary (frequency, recency, T, monetary value) in the form BG/NBD and Gamma-Gamma expect.

A *transaction* is one customer-day: several orders by one customer on one day count as one transaction whose
value is the sum of their revenue. Time is measured in units of ``time_unit_days`` days (7 → weeks, as in
Fader, Hardie and Lee 2005). For each customer whose first transaction is on or before ``calibration_end``:

- ``frequency`` x: number of *repeat* transactions in the calibration period (transactions − 1);
- ``recency`` t_x: time from the first to the last transaction in the calibration period (0 when x = 0);
- ``T``: time from the first transaction to ``calibration_end``;
- ``monetary_value``: mean value of the repeat transactions (0 when x = 0) — the first transaction is
  excluded, as in the Gamma-Gamma papers;
- ``first_value``: value of the first transaction; ``first_purchase``: its date.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

import numpy as np
import pandas as pd

ORDER_COLUMNS = ("customer_id", "order_date", "revenue")
RFM_COLUMNS = ("customer_id", "first_purchase", "frequency", "recency", "T", "monetary_value", "first_value")


def _bad_rows(mask: pd.Series) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask.to_numpy())[:5]]


def parse_dates(values: pd.Series) -> pd.Series:
    """ISO dates, datetimes, or integer YYYYMMDD (as in the CDNOW file) → normalised Timestamps."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values).dt.normalize()
    if pd.api.types.is_integer_dtype(values):
        return pd.to_datetime(values.astype(str), format="%Y%m%d", errors="coerce")
    return pd.to_datetime(values, errors="coerce", format="mixed").dt.normalize()


def transactions(
    orders: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    value_col: str = "revenue",
) -> pd.DataFrame:
    """Collapse orders to one row per customer-day.

    Returns a DataFrame ``[customer_id, order_date (Timestamp), revenue (sum)]`` sorted by customer and date.
    Raises ``ValueError`` naming the table, column, first bad rows (0-based) and the rule when the input
    breaks
    the data contract (missing column, unparseable date, missing id, missing or negative revenue).
    """
    missing = [c for c in (customer_col, date_col, value_col) if c not in orders.columns]
    if missing:
        raise ValueError(f"orders: missing column(s) {missing}; have {list(orders.columns)}")
    df = pd.DataFrame(
        {
            "customer_id": orders[customer_col].to_numpy(),
            "order_date": parse_dates(orders[date_col]).to_numpy(),
            "revenue": pd.to_numeric(orders[value_col], errors="coerce").to_numpy(),
        }
    )
    checks: list[tuple[pd.Series, str, str]] = [
        (df["customer_id"].isna(), customer_col, "must not be empty"),
        (df["order_date"].isna(), date_col, "must be a date YYYY-MM-DD"),
        (df["revenue"].isna(), value_col, "must be a number"),
        (df["revenue"] < 0, value_col, "must be >= 0"),
    ]
    for mask, col, rule in checks:
        if mask.any():
            raise ValueError(f"orders: column {col!r} {rule}; rows {_bad_rows(mask)} (0-based, first 5)")
    out = df.groupby(["customer_id", "order_date"], as_index=False, sort=True)["revenue"].sum()
    return out


def rfm_summary(
    orders: pd.DataFrame,
    calibration_end: date | str | pd.Timestamp,
    *,
    time_unit_days: float = 7.0,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    value_col: str = "revenue",
    keep: tuple[str, ...] = (),
) -> pd.DataFrame:
    """RFM summary as of ``calibration_end`` (inclusive), one row per customer seen by then.

    Returns a DataFrame with columns ``RFM_COLUMNS`` plus the ``keep`` columns of the orders (e.g. ``channel``
    of acquisition: the value on the customer's earliest order that has one); times in units of
    ``time_unit_days`` days, money in the orders' currency. Orders after ``calibration_end`` are ignored.
    """
    end = pd.Timestamp(calibration_end).normalize()
    tx = transactions(orders, customer_col=customer_col, date_col=date_col, value_col=value_col)
    tx = tx[tx["order_date"] <= end]
    if tx.empty:
        raise ValueError(f"orders: no order on or before calibration end {end.date()}")
    g = tx.groupby("customer_id", sort=True)
    first = g["order_date"].min()
    last = g["order_date"].max()
    n = g.size()
    total = g["revenue"].sum()
    first_value = tx.drop_duplicates("customer_id", keep="first").set_index("customer_id")["revenue"]
    unit = pd.Timedelta(days=time_unit_days)
    frequency = (n - 1).astype(int)
    repeat_value = total - first_value.reindex(total.index)
    monetary = np.where(frequency > 0, repeat_value / frequency.clip(lower=1), 0.0)
    out = pd.DataFrame(
        {
            "customer_id": first.index.to_numpy(),
            "first_purchase": first.to_numpy(),
            "frequency": frequency.to_numpy(),
            "recency": ((last - first) / unit).to_numpy(dtype=float),
            "T": ((end - first) / unit).to_numpy(dtype=float),
            "monetary_value": np.asarray(monetary, dtype=float),
            "first_value": first_value.reindex(first.index).to_numpy(dtype=float),
        }
    )
    if keep:
        missing = [c for c in keep if c not in orders.columns]
        if missing:
            raise ValueError(f"orders: missing column(s) {missing} asked for in keep")
        attrs = orders[[customer_col, *keep]].assign(_d=parse_dates(orders[date_col]))
        attrs = attrs[attrs["_d"] <= end].sort_values([customer_col, "_d"], kind="stable")
        firsts = attrs.groupby(customer_col, sort=True)[list(keep)].first()
        for c in keep:
            out[c] = firsts[c].reindex(first.index).to_numpy()
    return out


def holdout_summary(
    orders: pd.DataFrame,
    calibration_end: date | str | pd.Timestamp,
    holdout_end: date | str | pd.Timestamp,
    *,
    customers: pd.Index | list[Hashable] | None = None,
    time_unit_days: float = 7.0,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    value_col: str = "revenue",
) -> tuple[pd.DataFrame, float]:
    """Transactions per customer in the holdout period (``calibration_end``, ``holdout_end``].

    Returns ``(frame, duration)``: frame ``[customer_id, holdout_purchases, holdout_value]`` with one row per
    customer in ``customers`` (default: every customer first seen by ``calibration_end``), zeros for customers
    without holdout transactions; ``duration`` is the holdout length in time units.
    """
    start = pd.Timestamp(calibration_end).normalize()
    end = pd.Timestamp(holdout_end).normalize()
    if end <= start:
        raise ValueError(f"holdout end {end.date()} must be after calibration end {start.date()}")
    tx = transactions(orders, customer_col=customer_col, date_col=date_col, value_col=value_col)
    if customers is None:
        customers = pd.Index(tx.loc[tx["order_date"] <= start, "customer_id"].unique())
    hold = tx[(tx["order_date"] > start) & (tx["order_date"] <= end)]
    g = hold.groupby("customer_id")
    idx = pd.Index(customers)
    frame = pd.DataFrame(
        {
            "customer_id": idx.to_numpy(),
            "holdout_purchases": g.size().reindex(idx, fill_value=0).to_numpy(dtype=int),
            "holdout_value": g["revenue"].sum().reindex(idx, fill_value=0.0).to_numpy(dtype=float),
        }
    )
    return frame, float((end - start) / pd.Timedelta(days=time_unit_days))
