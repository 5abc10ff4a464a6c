"""Model-based customer KPIs for the scorecard: probabilistic CLV and CLV:CAC, overall and per channel.

The KPI catalog's ``clv`` is historical (order revenue to date per customer), which understates lifetime value.
:func:`model_kpis` instead gives, as of a date, the mean CLV per acquired customer from a fitted BG/NBD +
Gamma-Gamma model (``clv_by_acquisition``: observed value of each customer's first ``horizon_weeks`` from
acquisition plus the model's expectation for the part not yet observed) and CLV:CAC = that CLV / CAC (spend /
new customers, both summed over ``campaign_daily`` up to the date).

Default definition — **52 weeks from acquisition, first order included, undiscounted** (``annual_discount=0``):
this is the definition of the demo world's ``clv`` target (``demo_world``: true 365-day CLV, first order
included, undiscounted) and the usual "first-year value" read on a scorecard, so the model line and the target
measure the same thing. Pass ``annual_discount`` (e.g. 0.10) for a discounted value; the line's ``basis`` says
which horizon and discount were used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from advisor.core.thresholds import CLV_COMPARED_DISCOUNT, CLV_HORIZON_WEEKS
from advisor.customers.value import clv_by_acquisition, overall_clv_cac
from advisor.kpis import ModelKpis
from models.clv import CLVModel, CLVModelSet
from models.clv.rfm import parse_dates

MODEL_KPIS = ("clv", "clv_cac")


def _until(df: pd.DataFrame, column: str, as_of: date | None) -> pd.DataFrame:
    if as_of is None:
        return df
    return df[parse_dates(df[column]) <= pd.Timestamp(as_of)]


def clv_values_as_of(
    tables: Mapping[str, pd.DataFrame],
    model: CLVModel | CLVModelSet,
    as_of: date | None,
    *,
    by: Sequence[str] = ("channel",),
    horizon_weeks: float = CLV_HORIZON_WEEKS,
    annual_discount: float = CLV_COMPARED_DISCOUNT,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``{(kpi, scope): value}`` for ``clv`` (currency per customer) and ``clv_cac`` (ratio), overall (scope
    ``()``) and per acquisition group of each ``by`` column ("channel", "campaign_id"), from the orders and
    campaign_daily up to ``as_of`` (None: all). Empty when no customer was acquired by then."""
    orders = _until(tables["orders"], "order_date", as_of)
    cd = _until(tables["campaign_daily"], "date", as_of)
    if orders.empty or cd.empty:
        return {}
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for i, col in enumerate(list(by) or ["channel"]):
        table = clv_by_acquisition(
            orders, cd, model, by=col, horizon_weeks=horizon_weeks, annual_discount=annual_discount, as_of=as_of
        )
        if i == 0:
            total = overall_clv_cac(table)
            out[("clv", ())] = total["clv_mean"]
            out[("clv_cac", ())] = total["clv_cac"]
        if col not in by:
            break
        for row in table.itertuples(index=False):
            r = row._asdict()
            scope = ((col, str(r[col])),)
            if r["customers"] > 0:
                out[("clv", scope)] = float(r["clv_mean"])
            out[("clv_cac", scope)] = float(r["clv_cac"])
    return {k: v for k, v in out.items() if np.isfinite(v)}


def model_kpis(
    tables: Mapping[str, pd.DataFrame],
    model: CLVModel | CLVModelSet,
    *,
    by: Sequence[str] = ("channel",),
    horizon_weeks: float = CLV_HORIZON_WEEKS,
    annual_discount: float = CLV_COMPARED_DISCOUNT,
    label: str | None = None,
) -> ModelKpis:
    """A scorecard provider (``advisor.kpis.ModelKpis``) of model ``clv`` / ``clv_cac`` from ``tables``
    (needs ``orders`` and ``campaign_daily``). ``label`` (e.g. the registry version) goes into the basis.
    Results are memoised per date, so the scorecard's current and previous period cost one computation each."""
    if "orders" not in tables or "campaign_daily" not in tables:
        raise ValueError("model CLV needs the orders and campaign_daily tables")
    memo: dict[Any, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}

    def values(as_of: date | None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        if as_of not in memo:
            memo[as_of] = clv_values_as_of(
                tables, model, as_of, by=by, horizon_weeks=horizon_weeks, annual_discount=annual_discount
            )
        return memo[as_of]

    disc = "undiscounted" if annual_discount == 0 else f"discounted at {annual_discount:.0%}/yr"
    basis = (
        f"BG/NBD + Gamma-Gamma{f' ({label})' if label else ''}: mean value per customer acquired by the period end "
        f"over {horizon_weeks:g} weeks from acquisition, first order included, {disc}; CAC = spend / new "
        "customers to the period end"
    )
    names = {
        "clv": f"Customer lifetime value (model, {horizon_weeks:g} weeks)",
        "clv_cac": "CLV to CAC ratio (model CLV)",
    }
    return ModelKpis(kpis=MODEL_KPIS, values=values, basis=basis, names=names)
