"""Customer lifetime value per acquisition channel or campaign, and CLV:CAC.

CLV of an acquired customer (``clv``) = the value of their orders over ``horizon_weeks`` from their first
order, first order included, discounted at ``annual_discount`` per year from the acquisition date. The part of
that window already observed is taken from the orders (``realized_value``); the rest — for customers acquired
less than ``horizon_weeks`` before ``as_of`` — is the BG/NBD + Gamma-Gamma expectation given each customer's
history (``predicted_value``). ``residual_clv`` is the model's expected value of the *next* ``horizon_weeks``
from ``as_of`` (what an existing customer is still worth). Money in the orders' currency.

CAC = spend / new customers of the group, both summed over ``campaign_daily`` (SPEC §3); without a
``new_customers`` column the new customers are counted from the orders instead (``cac_source`` says which).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from advisor.core.thresholds import CLV_ANNUAL_DISCOUNT, CLV_HORIZON_WEEKS
from models.clv import CLVModel, CLVModelSet, remaining_discounted_purchases, rfm_summary, transactions
from models.clv.rfm import parse_dates

UNATTRIBUTED = "(unattributed)"
DAYS_PER_YEAR = 365.25


def acquisition_of(orders: pd.DataFrame, campaign_daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per customer: ``customer_id, first_purchase, channel, campaign_id`` of acquisition.

    Channel and campaign come from the customer's earliest order that carries them; a missing channel is
    looked up from ``campaign_daily`` by campaign; customers with neither get ``"(unattributed)"``.
    """
    transactions(orders)  # validates the contract columns
    df = orders.assign(_date=parse_dates(orders["order_date"]))
    df = df.sort_values(["customer_id", "_date"], kind="stable")
    cols = [c for c in ("channel", "campaign_id") if c in df.columns]
    g = df.groupby("customer_id", sort=True)
    out = pd.DataFrame({"first_purchase": g["_date"].min().dt.normalize()})
    for c in cols:
        out[c] = g[c].first()
    if "channel" not in out and "campaign_id" in out and campaign_daily is not None:
        mapping = campaign_daily.drop_duplicates("campaign_id").set_index("campaign_id")["channel"]
        out["channel"] = out["campaign_id"].map(mapping)
    for c in ("channel", "campaign_id"):
        out[c] = out[c].astype(object).where(out[c].notna(), UNATTRIBUTED) if c in out else UNATTRIBUTED
    return out.reset_index()


def _predicted(
    model: CLVModel, rfm: pd.DataFrame, horizon_days: float, annual_discount: float
) -> tuple[np.ndarray, pd.DataFrame]:
    unit = model.spec.time_unit_days
    spend = model.gamma_gamma_.conditional_expected_spend(rfm)
    remaining = remaining_discounted_purchases(model.bgnbd_, rfm, horizon_days / unit, annual_discount, unit)
    horizon = max(1, round(horizon_days / unit))
    residual = model.predict(rfm, horizon=horizon, annual_discount=annual_discount).set_index(rfm.index)
    return remaining * spend, residual


def customer_values(
    orders: pd.DataFrame,
    model: CLVModel | CLVModelSet,
    *,
    horizon_weeks: float = CLV_HORIZON_WEEKS,
    annual_discount: float = CLV_ANNUAL_DISCOUNT,
    as_of: Any = None,
    campaign_daily: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per customer acquired by ``as_of`` (default: last order date): ``customer_id, first_purchase,
    age_weeks, realized_value, predicted_value, clv, residual_clv, p_alive`` (money in currency units).

    With a ``CLVModelSet`` each customer's predictions use the model of their acquisition segment (from
    ``acquisition_of(orders, campaign_daily)``).
    """
    tx = transactions(orders)
    end = pd.Timestamp(as_of).normalize() if as_of is not None else tx["order_date"].max()
    tx = tx[tx["order_date"] <= end]
    pooled = model.pooled_ if isinstance(model, CLVModelSet) else model
    unit = pooled.spec.time_unit_days
    horizon_days = horizon_weeks * 7.0
    rfm = rfm_summary(tx, end, time_unit_days=unit)
    first = tx.groupby("customer_id")["order_date"].transform("min")
    days = (tx["order_date"] - first).dt.days.to_numpy(dtype=float)
    inside = days <= horizon_days + 1e-9
    disc = (1.0 + annual_discount) ** (-days / DAYS_PER_YEAR)
    realized = (
        pd.Series(np.where(inside, tx["revenue"].to_numpy() * disc, 0.0), index=tx.index)
        .groupby(tx["customer_id"])
        .sum()
        .reindex(rfm["customer_id"])
        .to_numpy()
    )
    if isinstance(model, CLVModelSet):
        seg = acquisition_of(orders, campaign_daily).set_index("customer_id")[model.spec.by]
        keys = rfm["customer_id"].map(seg).astype(str)
    else:
        keys = pd.Series("", index=rfm.index)
    predicted = np.empty(len(rfm))
    residual = pd.DataFrame(index=rfm.index, columns=["clv", "p_alive"], dtype=float)
    for key, rows in rfm.groupby(keys, sort=False):
        seg_model = model.model_for(key) if isinstance(model, CLVModelSet) else model
        pred, res = _predicted(seg_model, rows, horizon_days, annual_discount)
        predicted[rfm.index.get_indexer(rows.index)] = pred
        residual.loc[rows.index, ["clv", "p_alive"]] = res[["clv", "p_alive"]].to_numpy()
    return pd.DataFrame(
        {
            "customer_id": rfm["customer_id"].to_numpy(),
            "first_purchase": rfm["first_purchase"].to_numpy(),
            "age_weeks": rfm["T"].to_numpy() * unit / 7.0,
            "realized_value": realized,
            "predicted_value": predicted,
            "clv": realized + predicted,
            "residual_clv": residual["clv"].to_numpy(),
            "p_alive": residual["p_alive"].to_numpy(),
        }
    )


def _cac(campaign_daily: pd.DataFrame, by: str, acquired: pd.DataFrame) -> pd.DataFrame:
    spend = campaign_daily.groupby(by)["spend"].sum()
    if "new_customers" in campaign_daily.columns:
        new = campaign_daily.groupby(by)["new_customers"].sum()
        source = "campaign_daily.new_customers"
    else:
        dates = pd.to_datetime(campaign_daily["date"])
        window = acquired["first_purchase"].between(dates.min(), dates.max())
        new = acquired[window].groupby(by).size().reindex(spend.index, fill_value=0)
        source = "orders.first_purchase"
    new = new.reindex(spend.index, fill_value=0).astype(float)
    return pd.DataFrame({"spend": spend, "new_customers": new, "cac": spend / new.where(new > 0), "cac_source": source})


def clv_by_acquisition(
    orders: pd.DataFrame,
    campaign_daily: pd.DataFrame,
    model: CLVModel | CLVModelSet,
    *,
    by: str = "channel",
    horizon_weeks: float = CLV_HORIZON_WEEKS,
    annual_discount: float = CLV_ANNUAL_DISCOUNT,
    as_of: Any = None,
) -> pd.DataFrame:
    """CLV, CAC and CLV:CAC per acquisition ``by`` ("channel" or "campaign_id").

    Returns one row per group seen in the orders or in ``campaign_daily``: ``[by, customers, clv_mean, cac,
    clv_cac, spend, new_customers, realized_share, residual_clv_mean, p_alive_mean, cac_source]``, sorted by
    ``clv_cac`` ascending (worst first). ``customers`` counts customers acquired by ``as_of`` in the orders;
    ``realized_share`` is the observed share of the summed CLV (the rest is model prediction).
    """
    if by not in ("channel", "campaign_id"):
        raise ValueError(f"by must be 'channel' or 'campaign_id', got {by!r}")
    if by not in campaign_daily.columns:
        raise ValueError(f"campaign_daily: missing column {by!r}")
    acquired = acquisition_of(orders, campaign_daily)
    values = customer_values(
        orders,
        model,
        horizon_weeks=horizon_weeks,
        annual_discount=annual_discount,
        as_of=as_of,
        campaign_daily=campaign_daily,
    ).merge(acquired[["customer_id", by]], on="customer_id", how="left")
    g = values.groupby(by)
    clv = pd.DataFrame(
        {
            "customers": g.size(),
            "clv_mean": g["clv"].mean(),
            "realized_share": g["realized_value"].sum() / g["clv"].sum(),
            "residual_clv_mean": g["residual_clv"].mean(),
            "p_alive_mean": g["p_alive"].mean(),
        }
    )
    cac = _cac(campaign_daily, by, acquired.merge(values[["customer_id"]], on="customer_id"))
    out = clv.join(cac, how="outer")
    out["customers"] = out["customers"].fillna(0).astype(int)
    out["cac_source"] = out["cac_source"].fillna(cac["cac_source"].iloc[0] if len(cac) else "none")
    out["clv_cac"] = out["clv_mean"] / out["cac"]
    out = out.rename_axis(by).reset_index()
    cols = [
        by,
        "customers",
        "clv_mean",
        "cac",
        "clv_cac",
        "spend",
        "new_customers",
        "realized_share",
        "residual_clv_mean",
        "p_alive_mean",
        "cac_source",
    ]
    return out[cols].sort_values("clv_cac", na_position="last", kind="stable").reset_index(drop=True)


def overall_clv_cac(table: pd.DataFrame) -> dict[str, float]:
    """Department-level CLV, CAC and CLV:CAC from a ``clv_by_acquisition`` table (for the scorecard).

    ``clv_mean`` is the customer-weighted mean over all groups (unattributed customers included), ``cac`` the
    total spend over the total new customers. Returns ``{customers, clv_mean, cac, clv_cac, spend,
    new_customers}`` (NaN where undefined).
    """
    customers = float(table["customers"].sum())
    clv_mean = float((table["clv_mean"].fillna(0) * table["customers"]).sum() / customers) if customers else np.nan
    spend, new = float(table["spend"].sum()), float(table["new_customers"].sum())
    cac = spend / new if new > 0 else np.nan
    return {
        "customers": customers,
        "clv_mean": clv_mean,
        "cac": cac,
        "clv_cac": clv_mean / cac if cac and np.isfinite(cac) else np.nan,
        "spend": spend,
        "new_customers": new,
    }
