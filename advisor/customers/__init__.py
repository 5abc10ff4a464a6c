"""Customer KPIs: CLV and CLV:CAC by acquisition channel/campaign, repeat rate, retention by cohort, CSAT/NPS.

Domain functions over contract tables (SPEC §2 orders, surveys, campaign_daily) that the KPI scorecard and the
diagnostics call; the CLV models themselves live in ``models.clv`` and are fitted by ``training.clv``.
"""

from advisor.customers.findings import clv_cac_findings, clv_cac_status, satisfaction_findings
from advisor.customers.model_kpis import clv_values_as_of, model_kpis
from advisor.customers.report import CustomerReport, customer_report
from advisor.customers.retention import repeat_rate, retention_by_cohort
from advisor.customers.satisfaction import satisfaction_trends
from advisor.customers.scope import scope_customer_value
from advisor.customers.value import acquisition_of, clv_by_acquisition, customer_values, overall_clv_cac

__all__ = [
    "CustomerReport",
    "acquisition_of",
    "clv_by_acquisition",
    "clv_cac_findings",
    "clv_cac_status",
    "clv_values_as_of",
    "customer_report",
    "customer_values",
    "model_kpis",
    "overall_clv_cac",
    "repeat_rate",
    "retention_by_cohort",
    "satisfaction_findings",
    "satisfaction_trends",
    "scope_customer_value",
]
