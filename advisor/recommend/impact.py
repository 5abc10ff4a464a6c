"""Expected impact of an action over the horizon, from the models where they allow.

* ``restore_loss`` — the revenue (else conversions) the finding measured as lost since its onset, per day,
  times the horizon and the action's ``recovery`` share. With SHAP drivers of the same scope, a driver that
  names the finding's cause (campaign age for creative fatigue, the attribute for a targeting change) gives the
  loss instead (``impact_source: shap``).
* ``reallocate`` — revenue gained by moving ``share`` of the source channel's spend over the horizon to the
  destination: the difference of the response models' expected revenue between the shifted and the
  run-rate plan (``response_model``), else the local constant-elasticity curves
  R(s) = R₀ (s/s₀)^e of both channels (``local_elasticity``).
* ``cac_to_clv`` — acquisition spend saved at the same number of new customers if CAC fell to CLV/``ratio``.
* ``target_gap`` — the distance to target in the KPI's own units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.core.findings import Finding

if TYPE_CHECKING:  # the models (LightGBM, SciPy) are imported where an impact needs them
    from models.explain import Driver
    from models.plan import Plan
    from models.response import ResponseBundle

#: driver features (substrings) that name the cause behind a finding's check
CAUSE_FEATURES = {
    "creative_fatigue": ("age",),
    "audience_change": ("audience",),
    "creative_type_change": ("creative",),
    "objective_change": ("objective",),
    "region_change": ("region",),
}


@dataclass(frozen=True)
class Impact:
    """``value`` in ``units`` of ``kpi`` (None: not quantifiable); ``money`` the currency-equivalent used for
    ranking (None when not convertible); ``source`` how it was computed; ``extra`` template/evidence fields."""

    value: float | None
    kpi: str | None
    units: str | None
    money: float | None
    source: str
    extra: Mapping[str, Any] = field(default_factory=dict)


NONE = Impact(None, None, None, None, "none")


def _days_since(started: date | str | None, end: date | None) -> float | None:
    if not started or end is None:
        return None
    return float((pd.Timestamp(end) - pd.Timestamp(started)).days + 1)


def restore_loss(
    f: Finding, recovery: float, horizon: int, end: date | None, drivers: Sequence[Driver], period_days: float | None
) -> Impact:
    """See module docstring; ``end``: last day of the diagnosed period; ``period_days``: its length."""
    names = CAUSE_FEATURES.get(f.check, ())
    # drivers of the finding's own KPI first (CTR for fatigue, conversion rate for a targeting change)
    ordered = sorted(drivers, key=lambda d: d.kpi not in (f.stage, f.kpi))
    for d in ordered:
        if d.revenue is not None and d.revenue < 0 and period_days and any(n in d.feature for n in names):
            gain = -d.revenue / period_days * horizon * recovery
            return Impact(gain, "revenue", "currency", gain, "shap", {"shap_feature": d.feature})
    days = _days_since(f.started, end) or period_days
    for kpi, loss in (("revenue", f.impact_revenue), ("conversions", f.impact_conversions)):
        if loss is not None and loss < 0:
            gain = -loss * recovery * (horizon / days if days else 1.0)
            units = "currency" if kpi == "revenue" else "conversions"
            return Impact(gain, kpi, units, gain if kpi == "revenue" else None, "diagnostic_stage_model")
    return NONE


def _shift_plan(plan: Plan, src: str, dst: str, amount: float) -> Plan:
    from models.plan import Plan

    spend = dict(plan.spend)
    spend[src] -= amount
    spend[dst] += amount
    return Plan(plan.start, plan.end, spend)


def reallocate(src: Finding, dst: Finding, share: float, horizon: int, bundle: ResponseBundle | None) -> Impact:
    """See module docstring. ``extra``: ``amount`` (currency moved over the horizon), ``horizon_days``."""
    s_ch, d_ch = src.scope.get("channel"), dst.scope.get("channel")
    if s_ch is None or d_ch is None or s_ch == d_ch:
        return NONE
    if bundle is not None and {s_ch, d_ch} <= set(bundle.context.channels) and "revenue" in bundle.models:
        from models.forecast import expected_totals
        from models.plan import reference_plan

        start = pd.Timestamp(bundle.context.last_date) + pd.Timedelta(days=1)
        ref = reference_plan(bundle, start, start + pd.Timedelta(days=horizon - 1))
        amount = share * float(ref.spend[s_ch])
        base = expected_totals(bundle, ref)
        moved = expected_totals(bundle, _shift_plan(ref, s_ch, d_ch, amount))
        gain = moved["revenue"] - base["revenue"]
        extra = {"amount": amount, "horizon_days": horizon}
        if "conversions" in base:
            extra["conversions_change"] = moved["conversions"] - base["conversions"]
        return Impact(gain, "revenue", "currency", gain, "response_model", extra)
    ev_s, ev_d = src.evidence, dst.evidence
    need = ("spend_per_day", "elasticity", "average_return_per_spend")
    if not all(isinstance(e.get(k), int | float) for e in (ev_s, ev_d) for k in need):
        return NONE
    s0, d0 = float(ev_s["spend_per_day"]), float(ev_d["spend_per_day"])
    if s0 <= 0 or d0 <= 0:
        return NONE
    a = share * s0
    r_s, r_d = ev_s["average_return_per_spend"] * s0, ev_d["average_return_per_spend"] * d0
    lost = r_s * (1.0 - (1.0 - share) ** ev_s["elasticity"])
    won = r_d * ((1.0 + a / d0) ** ev_d["elasticity"] - 1.0)
    gain = (won - lost) * horizon
    return Impact(gain, "revenue", "currency", gain, "local_elasticity", {"amount": a * horizon, "horizon_days": horizon})


def cac_to_clv(f: Finding, ratio: float, horizon: int) -> Impact:
    """Spend saved over the horizon at the same new customers per day, were CAC at CLV/``ratio``
    (evidence ``spend``, ``new_customers`` over ``days`` days, ``clv_mean``); over the evidence's period when
    ``days`` is absent."""
    ev = f.evidence
    try:
        spend, new, clv = float(ev["spend"]), float(ev["new_customers"]), float(ev["clv_mean"])
    except (KeyError, TypeError, ValueError):
        return NONE
    saved = spend - new * clv / ratio
    if saved <= 0:
        return NONE
    days = ev.get("days")
    if isinstance(days, int | float) and days > 0:
        saved *= horizon / float(days)
    return Impact(saved, "spend", "currency", saved, "clv_cac", {"target_cac": clv / ratio})


def target_gap(f: Finding) -> Impact:
    ev = f.evidence
    if not isinstance(ev.get("value"), int | float) or not isinstance(ev.get("target"), int | float):
        return NONE
    gap = abs(float(ev["target"]) - float(ev["value"]))
    return Impact(gap, f.kpi, "kpi_units", None, "target_gap")
