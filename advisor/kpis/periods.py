"""Periods of the KPI engine: the product's one convention, :mod:`advisor.core.periods` (labels ``2026-10-05``,
``2026-W43``, ``2026-10``, ``2026-Q3``), re-exported here so existing ``advisor.kpis.periods`` imports keep
working. New code imports from ``advisor.core.periods`` / ``advisor.core.grains``."""

from advisor.core.grains import GRAINS, Grain, check_grain
from advisor.core.periods import (
    Period,
    label,
    labels,
    last_full_month,
    parse_period,
    period_start,
    periods_between,
    same_period,
    shift,
)

__all__ = [
    "GRAINS",
    "Grain",
    "Period",
    "check_grain",
    "label",
    "labels",
    "last_full_month",
    "parse_period",
    "period_start",
    "periods_between",
    "same_period",
    "shift",
]
