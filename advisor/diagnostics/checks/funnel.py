"""Funnel decomposition of the change in revenue per day between the reference window and the period.

revenue = spend / CPM · 1000 · CTR · CVR · AOV, so Δ ln revenue = Δ ln spend − Δ ln CPM + Δ ln CTR + Δ ln CVR
+ Δ ln AOV exactly. Each log part is turned into currency with the logarithmic mean of the two revenues
(LMDI), so the currency parts also sum exactly to the change in revenue per day.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from advisor.diagnostics.base import DiagnoseConfig, Finding, Status
from advisor.diagnostics.scope import ScopeFrame

STAGE_SIGN = {"spend": 1, "cpm": -1, "ctr": 1, "conversion_rate": 1, "aov": 1}


def _factors(rows: pd.DataFrame, mask: np.ndarray) -> dict[str, float] | None:
    """Funnel factors of the rows of ``mask`` (len(rows),): spend and revenue per day with data, CPM, CTR,
    conversion rate and AOV as ratios of sums; None when a total is not positive."""
    days = len(np.unique(rows["date"].to_numpy()[mask]))
    s = {c: float(np.nansum(rows[c].to_numpy()[mask])) for c in ("spend", "impressions", "clicks", "conversions", "revenue")}
    if days == 0 or min(s.values()) <= 0:
        return None
    return {
        "spend": s["spend"] / days,
        "cpm": s["spend"] / s["impressions"] * 1000.0,
        "ctr": s["clicks"] / s["impressions"],
        "conversion_rate": s["conversions"] / s["clicks"],
        "aov": s["revenue"] / s["conversions"],
        "revenue": s["revenue"] / days,
    }


def funnel_decomposition(frame: ScopeFrame, cfg: DiagnoseConfig) -> Finding:
    """Which stage moved revenue per day from the reference window to the period (currency per day)."""
    ref, cur = _factors(frame.rows, frame.in_reference), _factors(frame.rows, frame.in_period)
    if ref is None or cur is None:
        msg = "No reference window with spend, clicks and conversions before the period; funnel not decomposed."
        return Finding("funnel", Status.INFO, msg)
    r0, r1 = ref["revenue"], cur["revenue"]
    dlog = math.log(r1 / r0)
    lmdi = (r1 - r0) / dlog if abs(dlog) > 1e-12 else r1
    parts = {k: STAGE_SIGN[k] * math.log(cur[k] / ref[k]) for k in STAGE_SIGN}
    money = {k: lmdi * v for k, v in parts.items()}
    worst = min(money, key=lambda k: money[k])
    days = int(frame.period["date"].nunique())
    rel = r1 / r0 - 1.0
    status = Status.WARNING if rel <= -0.2 and worst != "spend" else Status.OK
    described = ", ".join(f"{k} {cur[k] / ref[k] - 1:+.0%}" for k in STAGE_SIGN)
    msg = (
        f"Revenue per day {rel:+.0%} ({r0:,.0f} → {r1:,.0f}) against the previous {days} days; "
        f"by stage: {described}. Largest drag: {worst} ({money[worst]:+,.0f} per day)."
    )
    evidence = {
        "revenue_per_day_from": r0,
        "revenue_per_day_to": r1,
        "log_parts": parts,
        "revenue_per_day_parts": money,
        "reference": ref,
        "period": cur,
    }
    return Finding(
        "funnel",
        status,
        msg,
        kpi="revenue",
        stage=worst,
        impact_revenue=(r1 - r0) * days if status is Status.WARNING else 0.0,
        evidence=evidence,
    )
