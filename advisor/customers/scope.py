"""Customer value of one diagnosed scope (a channel or a campaign): CLV, CAC, CLV:CAC and its finding.

The diagnose command adds this block next to the funnel findings, so "why is channel X under-performing?" also
answers "are the customers it buys worth their cost?" (SPEC §1, issue 7: CLV:CAC available to diagnostics).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from advisor.core.thresholds import CLV_CAC_TARGET, CLV_COMPARED_DISCOUNT, CLV_HORIZON_WEEKS
from advisor.customers.findings import clv_cac_findings
from advisor.customers.value import clv_by_acquisition
from models.clv import CLVModel, CLVModelSet

#: Same definition as the scorecard's model CLV and the demo target: 52 weeks from acquisition, undiscounted.


def acquisition_value_table(
    tables: Mapping[str, pd.DataFrame], model: CLVModel | CLVModelSet, column: str
) -> pd.DataFrame:
    """CLV, CAC and CLV:CAC of every ``column`` value (``clv_by_acquisition`` with this module's horizon and
    discount): the scope-independent part of :func:`scope_customer_value`, worth keeping per dataset and model."""
    return clv_by_acquisition(
        tables["orders"], tables["campaign_daily"], model, by=column, horizon_weeks=CLV_HORIZON_WEEKS,
        annual_discount=CLV_COMPARED_DISCOUNT,
    )


def scope_customer_value(
    tables: Mapping[str, pd.DataFrame],
    model: CLVModel | CLVModelSet,
    column: str,
    value: str,
    *,
    threshold: float = CLV_CAC_TARGET,
    table: pd.DataFrame | None = None,
) -> dict[str, Any] | None:
    """CLV block for ``column == value`` (``column`` "channel" or "campaign_id"), or None when the scope is of
    another kind, the tables lack orders, or no customer was acquired by it.

    Returns ``{"scope", "horizon_weeks", "annual_discount", "customers", "clv", "cac", "clv_cac", "findings"}``;
    money in currency units per customer; ``findings`` are ``Finding.to_dict()`` (CLV:CAC below
    ``threshold``), empty when the scope is healthy. ``table``: :func:`acquisition_value_table` of the same
    tables, model and ``column``, when the caller keeps it (it does not depend on the scope)."""
    orders, campaign_daily = tables.get("orders"), tables.get("campaign_daily")
    if column not in ("channel", "campaign_id") or orders is None or campaign_daily is None:
        return None
    if table is None:
        table = acquisition_value_table(tables, model, column)
    rows = table[table[column].astype(str) == str(value)]
    if rows.empty or not rows["customers"].iloc[0]:
        return None
    row = rows.iloc[0]
    findings = clv_cac_findings(
        rows, by=column, threshold=threshold, horizon_weeks=CLV_HORIZON_WEEKS, annual_discount=CLV_COMPARED_DISCOUNT
    )

    def num(v: Any) -> float | None:
        return None if pd.isna(v) else float(v)

    return {
        "scope": {column: str(value)},
        "horizon_weeks": CLV_HORIZON_WEEKS,
        "annual_discount": CLV_COMPARED_DISCOUNT,
        "customers": int(row["customers"]),
        "clv": num(row["clv_mean"]),
        "cac": num(row["cac"]),
        "clv_cac": num(row["clv_cac"]),
        "findings": [f.to_dict() for f in findings],
    }
