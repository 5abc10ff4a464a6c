"""The ``customer_value`` block of a diagnosis: CLV, CAC, CLV:CAC of the scope, its findings and their actions.

One function for every interface (CLI ``diagnose``, HTTP ``POST /v1/diagnose``, MCP ``diagnose``), so they
render the same block for the same scope and model. It composes the customer KPIs and the action catalog, so it
sits in ``advisor.advise`` above both (moved from ``advisor.customers.diagnosis``, which imported
``advisor.recommend`` while ``advisor.recommend`` imported ``advisor.customers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from advisor.core.names import scope_word
from advisor.core.thresholds import CLV_COMPARED_DISCOUNT, CLV_HORIZON_WEEKS
from advisor.customers.scope import scope_customer_value
from advisor.recommend import RecommendContext, recommend
from models.clv import CLVModel, CLVModelSet

#: Scope columns whose customers can be traced to their acquisition (``orders.acquisition_*``).
ACQUISITION_COLUMNS = ("channel", "campaign_id")


def diagnosis_customer_value(
    tables: Mapping[str, pd.DataFrame],
    clv_model: CLVModel | CLVModelSet | None,
    column: str,
    value: str,
    *,
    scope_label: str | None = None,
    table: pd.DataFrame | None = None,
) -> dict[str, Any] | None:
    """Customer value of the diagnosed scope ``column == value`` with ``clv_model``, or None when there is no
    CLV model or the scope is not a channel or campaign (customers are acquired by those only).

    Returns ``{"scope", "horizon_weeks", "annual_discount", "customers", "clv", "cac", "clv_cac", "findings",
    "actions", "reason"}``: ``clv`` and ``cac`` in currency units per customer (CLV over ``horizon_weeks`` from
    acquisition, undiscounted), ``clv_cac`` a ratio; ``findings`` are ``Finding.to_dict()`` (CLV:CAC
    below 3); ``actions`` the corrective actions for them (``advisor.recommend.recommend``, ``to_dict()``,
    scoped to the diagnosed scope). When the numbers cannot be computed (no orders table, no customer acquired
    by the scope) they are null and ``reason`` says why and what to add; otherwise ``reason`` is None.
    ``scope_label``: how the scope is named in ``reason`` (default e.g. "channel search"); ``table``: the
    precomputed ``advisor.customers.scope.acquisition_value_table`` for ``column`` (optional, saves the work).
    """
    if clv_model is None or column not in ACQUISITION_COLUMNS:
        return None
    label = scope_label or f"{scope_word(column)} {value}"
    block = scope_customer_value(tables, clv_model, column, value, table=table)
    if block is None:
        if tables.get("orders") is None:
            reason = "the dataset has no orders table: add orders.csv to compute CLV and CAC"
        elif tables.get("campaign_daily") is None:
            reason = "the dataset has no campaign_daily table: CAC needs the spend"
        else:
            reason = f"no customer in orders was acquired by {label}: CLV and CAC are undefined for it"
        return {
            "scope": {column: str(value)},
            "horizon_weeks": CLV_HORIZON_WEEKS,
            "annual_discount": CLV_COMPARED_DISCOUNT,
            "customers": 0,
            "clv": None,
            "cac": None,
            "clv_cac": None,
            "findings": [],
            "actions": [],
            "reason": reason,
        }
    actions = recommend(block["findings"], RecommendContext(scope={column: str(value)})) if block["findings"] else []
    return {**block, "actions": [a.to_dict() for a in actions], "reason": None}


__all__ = ["ACQUISITION_COLUMNS", "diagnosis_customer_value"]
