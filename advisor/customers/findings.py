"""Findings as data for the diagnostics: acquisition groups whose CLV:CAC is too low, satisfaction drops.

Status words follow the KPI statuses of SPEC §3: ``off_track`` (CLV:CAC < 1: a customer is worth less than
it costs to acquire), ``at_risk`` (1 ≤ CLV:CAC < threshold, 3 by default, the usual rule of thumb),
``on_track``. Every number in a message is also in ``evidence``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from advisor.customers.satisfaction import TREND_COLUMNS


@dataclass(frozen=True)
class CustomerFinding:
    """One check's result: ``check`` id, ``status``, ``kpi``, ``scope`` (e.g. ``{"channel": "video"}``), a
    one-sentence ``message``, ``evidence`` (the numbers behind it), the funnel ``stage`` and the period it
    ``started`` (label, when known)."""

    check: str
    status: str
    kpi: str
    scope: Mapping[str, str]
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    stage: str = "retention"
    started: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "kpi": self.kpi,
            "scope": dict(self.scope),
            "stage": self.stage,
            "message": self.message,
            "started": self.started,
            "evidence": dict(self.evidence),
        }


def _num(value: Any) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def clv_cac_findings(
    table: pd.DataFrame,
    *,
    by: str = "channel",
    threshold: float = 3.0,
    min_customers: int = 30,
    horizon_weeks: float = 52,
    annual_discount: float = 0.10,
    include_on_track: bool = False,
    period_days: float | None = None,
) -> list[CustomerFinding]:
    """Findings from a ``clv_by_acquisition`` table (give the same horizon/discount it was made with, for the
    message). Groups with fewer than ``min_customers`` customers or no CAC are skipped. Worst first.
    ``period_days``: length of the campaign_daily period the spend and new customers were summed over; it goes
    into the evidence as ``days`` so a recommendation can scale the spend to its own horizon."""
    out: list[CustomerFinding] = []
    for row in table.sort_values("clv_cac", na_position="last").itertuples(index=False):
        r = row._asdict()
        ratio, cac = _num(r["clv_cac"]), _num(r["cac"])
        if ratio is None or cac is None or r["customers"] < min_customers:
            continue
        status = "off_track" if ratio < 1 else "at_risk" if ratio < threshold else "on_track"
        if status == "on_track" and not include_on_track:
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
        out.append(CustomerFinding("clv_cac", status, "clv_cac", {by: group}, message, evidence))
    return out


def satisfaction_findings(
    trends: pd.DataFrame, *, nps_drop: float = 10.0, csat_drop: float = 0.3, min_n: int = 30
) -> list[CustomerFinding]:
    """``at_risk`` findings for periods whose NPS fell by ≥ ``nps_drop`` points or CSAT by ≥ ``csat_drop``
    against the previous period, from a ``satisfaction_trends`` table (periods with < ``min_n`` answers of the
    metric are skipped). The group columns of the table become the scope."""
    keys = [c for c in trends.columns if c not in TREND_COLUMNS]
    out: list[CustomerFinding] = []
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
                CustomerFinding(f"{kpi}_drop", "at_risk", kpi, scope, message, evidence, "satisfaction", r["period"])
            )
    return out


