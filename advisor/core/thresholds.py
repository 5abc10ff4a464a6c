"""Shared thresholds: the numbers that decide a status in more than one place, defined once.

Changing one here changes the scorecard, the customer findings, the diagnosis, ``advise`` and the actions'
impact together. Thresholds used by a single check stay with that check's config (e.g.
``advisor.diagnostics.DiagnoseConfig``).
"""

from __future__ import annotations

from typing import Final

#: A KPI that misses its target by at most this fraction of |target| is ``at_risk``, beyond it ``off_track``.
TARGET_TOLERANCE: Final = 0.10

#: CLV:CAC below this is ``at_risk`` (the usual rule of thumb: a customer should be worth 3× their cost);
#: the ``cut_cac``-style actions aim to bring CAC down to CLV / this.
CLV_CAC_TARGET: Final = 3.0
#: CLV:CAC below this (a customer worth less than their cost) is ``off_track``.
CLV_CAC_BREAKEVEN: Final = 1.0
#: Acquisition groups with fewer customers give no CLV:CAC finding (too noisy).
MIN_CUSTOMERS: Final = 30

#: Model CLV horizon: weeks from acquisition, first order included.
CLV_HORIZON_WEEKS: Final = 52.0
#: Annual discount of the customer-value tables when the caller does not choose one.
CLV_ANNUAL_DISCOUNT: Final = 0.10
#: Discount of the CLV the scorecard, diagnosis and ``advise`` compare with CAC: undiscounted, so that it
#: measures the same thing as the catalog's historical CLV and the demo target.
CLV_COMPARED_DISCOUNT: Final = 0.0

#: A period whose NPS fell by at least this many points against the previous one is ``at_risk``.
NPS_DROP_POINTS: Final = 10.0
#: A period whose CSAT (1–5 scale) fell by at least this much against the previous one is ``at_risk``.
CSAT_DROP: Final = 0.3
#: Survey periods with fewer answers of a metric are not judged.
MIN_ANSWERS: Final = 30


__all__ = [
    "CLV_ANNUAL_DISCOUNT",
    "CLV_CAC_BREAKEVEN",
    "CLV_CAC_TARGET",
    "CLV_COMPARED_DISCOUNT",
    "CLV_HORIZON_WEEKS",
    "CSAT_DROP",
    "MIN_ANSWERS",
    "MIN_CUSTOMERS",
    "NPS_DROP_POINTS",
    "TARGET_TOLERANCE",
]
