"""Findings as data for the diagnostics: acquisition groups whose CLV:CAC is too low, satisfaction drops.

Each is an :class:`advisor.core.findings.Finding` (kind ``customer``). Status words follow the KPI statuses of
SPEC §3: ``off_track`` (CLV:CAC < 1: a customer is worth less than it costs to acquire), ``at_risk``
(1 ≤ CLV:CAC < threshold, :data:`advisor.core.thresholds.CLV_CAC_TARGET` by default, the usual rule of thumb),
``on_track``. Every number in a message is also in ``evidence``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from advisor.core.findings import Finding
from advisor.core.status import Status
from advisor.core.thresholds import (
    CLV_ANNUAL_DISCOUNT,
    CLV_CAC_BREAKEVEN,
    CLV_CAC_TARGET,
    CLV_HORIZON_WEEKS,
    CSAT_DROP,
    MIN_ANSWERS,
    MIN_CUSTOMERS,
    NPS_DROP_POINTS,
)
from advisor.customers.satisfaction import TREND_COLUMNS


def clv_cac_status(ratio: float, target: float = CLV_CAC_TARGET) -> Status:
    """``off_track`` below :data:`~advisor.core.thresholds.CLV_CAC_BREAKEVEN` (a customer is worth less than
    their cost), ``at_risk`` below ``target``, else ``on_track``."""
    if ratio < CLV_CAC_BREAKEVEN:
        return Status.OFF_TRACK
    return Status.AT_RISK if ratio < target else Status.ON_TRACK


def _num(value: Any) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def clv_cac_findings(
    table: pd.DataFrame,
    *,
    by: str = "channel",
    threshold: float = CLV_CAC_TARGET,
    min_customers: int = MIN_CUSTOMERS,
    horizon_weeks: float = CLV_HORIZON_WEEKS,
    annual_discount: float = CLV_ANNUAL_DISCOUNT,
    include_on_track: bool = False,
    period_days: float | None = None,
) -> list[Finding]:
    """Findings from a ``clv_by_acquisition`` table (give the same horizon/discount it was made with, for the
    message). Groups with fewer than ``min_customers`` customers or no CAC are skipped. Worst first.
    ``period_days``: length of the campaign_daily period the spend and new customers were summed over; it goes
    into the evidence as ``days`` so a recommendation can scale the spend to its own horizon."""
    out: list[Finding] = []
    for row in table.sort_values("clv_cac", na_position="last").itertuples(index=False):
        r = row._asdict()
        ratio, cac = _num(r["clv_cac"]), _num(r["cac"])
        if ratio is None or cac is None or r["customers"] < min_customers:
            continue
        status = clv_cac_status(ratio, threshold)
        if status == Status.ON_TRACK and not include_on_track:
            continue
        group = str(r[by])
        relation = "below" if ratio < threshold else "at or above"
        message = (
            f"{by} {group}: CLV:CAC {ratio:.2f} is {relation} {threshold:g}"
            f" (CLV {r['clv_mean']:.2f} per customer over {horizon_weeks:g} weeks"
            f" at {annual_discount:.0%}/yr, CAC {cac:.2f} = spend {r['spend']:.2f}"
            f" / {r['new_customers']:.0f} new customers)"
        )
        evidence = {
            "clv_cac": ratio,
            "threshold": threshold,
            "clv_mean": _num(r["clv_mean"]),
            "cac": cac,
            "spend": _num(r["spend"]),
            "new_customers": _num(r["new_customers"]),
            "customers": int(r["customers"]),
            "realized_share": _num(r["realized_share"]),
            "horizon_weeks": horizon_weeks,
            "annual_discount": annual_discount,
            "source": "model",
        }
        if period_days is not None:
            evidence["days"] = float(period_days)
        out.append(
            Finding(
                "clv_cac", status, message, kpi="clv_cac", stage="retention", evidence=evidence, scope={by: group},
                kind="customer",
            )
        )
    return out


def satisfaction_findings(
    trends: pd.DataFrame,
    *,
    nps_drop: float = NPS_DROP_POINTS,
    csat_drop: float = CSAT_DROP,
    min_n: int = MIN_ANSWERS,
) -> list[Finding]:
    """``at_risk`` findings for periods whose NPS fell by ≥ ``nps_drop`` points or CSAT by ≥ ``csat_drop``
    against the previous period, from a ``satisfaction_trends`` table (periods with < ``min_n`` answers of the
    metric are skipped). The group columns of the table become the scope."""
    keys = [c for c in trends.columns if c not in TREND_COLUMNS]
    out: list[Finding] = []
    for row in trends.itertuples(index=False):
        r = row._asdict()
        scope = {k: str(r[k]) for k in keys}
        where = ", ".join(f"{k} {v}" for k, v in scope.items()) or "all customers"
        for kpi, drop, unit in (("nps", nps_drop, " points"), ("csat", csat_drop, "")):
            change = _num(r[f"{kpi}_change"])
            if change is None or r[f"{kpi}_n"] < min_n or change > -drop:
                continue
            value = float(r[kpi])
            message = (
                f"{where}: {kpi.upper()} fell by {-change:.2f}{unit} to {value:.2f} in {r['period']} "
                f"({r[f'{kpi}_n']} answers)"
            )
            evidence = {"value": value, "change": change, "n": int(r[f"{kpi}_n"]), "period": r["period"]}
            out.append(
                Finding(
                    f"{kpi}_drop", Status.AT_RISK, message, kpi=kpi, stage="satisfaction", started=r["period"],
                    evidence=evidence, scope=scope, kind="customer",
                )
            )
    return out


