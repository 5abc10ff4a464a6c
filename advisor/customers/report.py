"""All customer KPIs of a dataset in one result (issue 7): model CLV and CLV:CAC by acquisition channel, their
findings, repeat rate by channel, retention by cohort and CSAT/NPS trends — what ``kpi-advisor customers`` and
notebook 04 show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from advisor.core.findings import Finding
from advisor.core.thresholds import CLV_CAC_TARGET, CLV_COMPARED_DISCOUNT, CLV_HORIZON_WEEKS
from advisor.customers.findings import clv_cac_findings, satisfaction_findings
from advisor.customers.retention import repeat_rate, retention_by_cohort
from advisor.customers.satisfaction import satisfaction_trends
from advisor.customers.value import clv_by_acquisition, overall_clv_cac
from models.clv import CLVModel, CLVModelSet


@dataclass(frozen=True, eq=False)
class CustomerReport:
    """Customer KPIs as of ``as_of`` (last order date).

    ``by_channel``: ``clv_by_acquisition`` rows (CLV in currency per acquired customer over ``horizon_weeks``
    from acquisition, first order included, discounted at ``annual_discount`` per year; CAC = spend / new
    customers; ``clv_cac`` ratio) joined with ``repeat_rate`` (share in [0, 1]); ``overall``: department
    CLV, CAC, CLV:CAC (``overall_clv_cac``); ``retention``: ``retention_by_cohort`` long table at ``grain``;
    ``satisfaction``: ``satisfaction_trends`` at ``grain`` (None without surveys); ``findings``: channels with
    CLV:CAC below ``threshold`` and CSAT/NPS drops in the last two periods.
    """

    as_of: str
    grain: str
    horizon_weeks: float
    annual_discount: float
    threshold: float
    overall: Mapping[str, float]
    by_channel: pd.DataFrame
    retention: pd.DataFrame
    satisfaction: pd.DataFrame | None
    findings: tuple[Finding, ...]

    def retention_matrix(self) -> pd.DataFrame:
        """Retention as a cohort × period-number matrix (shares in [0, 1]; NaN where not yet observed)."""
        return self.retention.pivot(index="cohort", columns="period_number", values="retention")

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "clv": {
                "horizon_weeks": self.horizon_weeks,
                "annual_discount": self.annual_discount,
                "first_order_included": True,
                "threshold": self.threshold,
                "overall": dict(self.overall),
                "by_channel": self.by_channel.to_dict(orient="records"),
            },
            "retention": {"grain": self.grain, "rows": self.retention.to_dict(orient="records")},
            "satisfaction": None
            if self.satisfaction is None
            else {"grain": self.grain, "rows": self.satisfaction.to_dict(orient="records")},
            "findings": [f.to_dict() for f in self.findings],
        }


def customer_report(
    tables: Mapping[str, pd.DataFrame],
    model: CLVModel | CLVModelSet,
    *,
    grain: str = "month",
    horizon_weeks: float = CLV_HORIZON_WEEKS,
    annual_discount: float = CLV_COMPARED_DISCOUNT,
    threshold: float = CLV_CAC_TARGET,
) -> CustomerReport:
    """Build the report from contract tables (needs ``orders`` and ``campaign_daily``; ``surveys`` optional)
    and a fitted CLV model. Defaults: first-year CLV, undiscounted (the demo world's ``clv`` definition)."""
    orders, cd = tables.get("orders"), tables.get("campaign_daily")
    if orders is None or cd is None:
        raise ValueError("customer KPIs need the orders and campaign_daily tables")
    table = clv_by_acquisition(orders, cd, model, horizon_weeks=horizon_weeks, annual_discount=annual_discount)
    repeat = repeat_rate(orders, by="channel", campaign_daily=cd)[["channel", "repeat_rate"]]
    by_channel = table.merge(repeat, on="channel", how="left")
    dates = pd.to_datetime(cd["date"])
    findings = list(
        clv_cac_findings(
            table,
            threshold=threshold,
            horizon_weeks=horizon_weeks,
            annual_discount=annual_discount,
            period_days=float((dates.max() - dates.min()).days + 1),
        )
    )
    surveys = tables.get("surveys")
    trends = None
    if surveys is not None and len(surveys):
        trends = satisfaction_trends(surveys, grain)
        recent = sorted(trends["period"].unique())[-2:]
        findings += satisfaction_findings(trends[trends["period"].isin(recent)])
    last = pd.to_datetime(orders["order_date"]).max()
    return CustomerReport(
        as_of=last.date().isoformat(),
        grain=grain,
        horizon_weeks=horizon_weeks,
        annual_discount=annual_discount,
        threshold=threshold,
        overall=overall_clv_cac(table),
        by_channel=by_channel,
        retention=retention_by_cohort(orders, grain),
        satisfaction=trends,
        findings=tuple(findings),
    )
