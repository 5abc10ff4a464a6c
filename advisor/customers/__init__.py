"""Customer KPIs: CLV and CLV:CAC by acquisition channel/campaign, repeat rate, retention by cohort, CSAT/NPS.

Domain functions over contract tables (SPEC §2 orders, surveys, campaign_daily) that the KPI scorecard and the
diagnostics call; the CLV models themselves live in ``models.clv`` and are fitted by ``training.clv``.
"""

from advisor.customers.value import acquisition_of, clv_by_acquisition, customer_values

__all__ = ["acquisition_of", "clv_by_acquisition", "customer_values"]
