"""Diagnose one scope (campaign, channel or attribute value) over a period: checks, verdict, drivers.

``diagnose`` runs the checks in :mod:`advisor.diagnostics.checks`, ranks the findings (status first, then
materiality — the revenue or conversions at stake), gives a verdict and, when driver models are given,
splits the change of the main funnel KPIs against the previous period into SHAP drivers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from advisor.diagnostics.attribution import ChannelAttribution, ResponseLike, attribution
from advisor.diagnostics.base import DiagnoseConfig, Finding, Status, Verdict
from advisor.diagnostics.checks import (
    Anomaly,
    channel_daily,
    check_saturation,
    check_sufficiency,
    find_anomalies,
    fit_stages,
    funnel_decomposition,
    stage_changes,
)
from advisor.diagnostics.kpis import kpi_report
from advisor.diagnostics.scope import Scope, ScopeFrame, per_scope, scope_frame
from advisor.kpis.measures import MeasureCache
from models.drivers import DriverModelSet
from models.explain import CAUSALITY_NOTE, Driver, decompose_change, explain_rows

ROOT_CAUSE_CHECKS = frozenset({"creative_fatigue", "audience_change", "diminishing_returns", "saturation"})


@dataclass(frozen=True)
class Diagnosis:
    """Result of :func:`diagnose`; :meth:`to_dict` gives the SPEC §5 ``diagnose`` JSON."""

    scope: Scope
    start: date
    end: date
    verdict: Verdict
    findings: tuple[Finding, ...]
    kpis: tuple[dict[str, Any], ...] = ()
    drivers: tuple[Driver, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    summary: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    attribution: tuple[ChannelAttribution, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": {"column": self.scope.column, "value": self.scope.value, "label": self.scope.label},
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "verdict": self.verdict.value,
            "kpis": list(self.kpis),
            "findings": [f.to_dict() for f in self.findings],
            "drivers": [
                {
                    "feature": d.feature,
                    "impact": _r(d.impact),
                    "kpi": d.kpi,
                    "impact_conversions": _r(d.conversions),
                    "impact_revenue": _r(d.revenue),
                }
                for d in self.drivers
            ],
            "drivers_note": CAUSALITY_NOTE,
            "anomalies": [a.to_dict() for a in self.anomalies],
            "recommendations": [],
            "attribution": [a.to_dict() for a in self.attribution],
            "summary": self.summary,
            "notes": list(self.notes),
        }


def _r(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 6)


def rank_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Worst status first; within a status the larger revenue (or conversions) at stake first."""
    return sorted(findings, key=lambda f: (-f.status.severity, -f.materiality))


def verdict_of(findings: Sequence[Finding], kpis: Sequence[dict[str, Any]]) -> Verdict:
    """failing if any check fails; under-performing on any warning; succeeding when every KPI with a target
    meets it; otherwise on track."""
    statuses = {f.status for f in findings}
    if Status.FAILING in statuses:
        return Verdict.FAILING
    if Status.WARNING in statuses:
        return Verdict.UNDER_PERFORMING
    with_target = [k for k in kpis if k.get("target") is not None]
    if with_target and all(k["status"] == "on_track" for k in with_target):
        return Verdict.SUCCEEDING
    return Verdict.ON_TRACK


def _drivers(
    models: DriverModelSet,
    frame: ScopeFrame,
    kpis: Sequence[str],
    top: int,
    X: pd.DataFrame,
    cache: MeasureCache | None = None,
) -> list[Driver]:
    if not frame.in_reference.any():
        return []
    out: list[Driver] = []
    for kpi in kpis:
        if kpi not in models.models:
            continue
        shap = None
        if cache is not None:  # SHAP of every row of the scope, once: a row's values do not depend on the period
            shap = per_scope(cache, frame.rows, ("diagnose.shap", kpi), models, partial(explain_rows, models, kpi, X))
        dec = decompose_change(models, kpi, frame.rows, frame.in_reference, frame.in_period, X, shap=shap)
        out += list(dec.parts[:top])
    return out


def scope_matrix(models: DriverModelSet, frame: ScopeFrame, cache: MeasureCache | None = None) -> pd.DataFrame:
    """The driver models' feature matrix of the scope's rows (``frame.rows``, its whole history), kept in
    ``cache`` per scope and models (it does not depend on the period). Read-only."""
    return per_scope(cache, frame.rows, "diagnose.features", models, lambda: models.matrix(frame.rows))


def _channel_daily(campaign_daily: pd.DataFrame, channel: str, cache: MeasureCache | None) -> pd.DataFrame:
    """Daily spend, revenue and conversions of the channel (parsed dates, for the saturation check), kept in
    ``cache``."""

    def compute() -> pd.DataFrame:
        all_rows = campaign_daily.assign(date=pd.to_datetime(campaign_daily["date"]))
        return channel_daily(all_rows[all_rows["channel"].astype(str) == channel])

    if cache is None:
        return compute()
    daily: pd.DataFrame = cache.get(campaign_daily, ("diagnose.channel_daily", channel), compute)
    return daily


def _stage_findings(df: pd.DataFrame, frame: ScopeFrame, cfg: DiagnoseConfig, fits: Any) -> list[Finding]:
    """Stage changes of the scope; a scope of several campaigns is analysed campaign by campaign (a channel
    total moves when a campaign starts or stops — a mix effect, not a broken funnel), findings labelled with
    the campaign."""
    ids = frame.rows["campaign_id"].astype(str).unique() if "campaign_id" in frame.rows else []
    if len(ids) <= 1:
        return stage_changes(frame, cfg, fits)
    out: list[Finding] = []
    active = frame.period["campaign_id"].astype(str).unique()
    for cid in sorted(active):
        sub = scope_frame(df, Scope("campaign_id", cid), frame.start, frame.end)
        if check_sufficiency(sub, cfg).status is Status.INSUFFICIENT:
            continue
        for f in stage_changes(sub, cfg):
            evidence = {**f.evidence, "campaign_id": cid}
            out.append(replace(f, message=f"Campaign {cid}: {f.message}", evidence=evidence))
    return out


def _summary(scope: Scope, start: date, end: date, verdict: Verdict, findings: Sequence[Finding]) -> str:
    head = f"{scope.label}, {start}..{end}: {verdict.value.replace('_', ' ')}."
    top = [f for f in findings if f.status in (Status.FAILING, Status.WARNING)][:2]
    if not top:
        return head + " No material problem found."
    return head + " " + " ".join(f.message for f in top)


def diagnose(
    campaign_daily: pd.DataFrame,
    scope: Scope,
    start: date | str | None = None,
    end: date | str | None = None,
    *,
    models: DriverModelSet | None = None,
    targets: Any = None,
    config: DiagnoseConfig | None = None,
    driver_kpis: Sequence[str] | None = None,
    top_drivers: int = 4,
    response: Mapping[str, ResponseLike] | None = None,
    kpi_cache: MeasureCache | None = None,
) -> Diagnosis:
    """Diagnose ``scope`` over ``start``..``end`` (inclusive; default: the scope's whole history).

    Raises :class:`~advisor.diagnostics.scope.ScopeError` (with the closest known ids) for an unknown scope
    and :class:`~advisor.diagnostics.scope.PeriodError` for a period outside the data. A scope with too little
    data gets verdict ``insufficient_data`` and no other finding. ``response``: fitted response models by KPI
    for the attribution block (reported vs incremental of the scope's channel); without them the incremental
    fields are labelled unavailable. ``driver_kpis``: KPIs whose change against the previous period is split
    into SHAP drivers (default: the funnel KPI of the top staged finding, else conversion rate; and revenue).
    ``kpi_cache``: a :class:`~advisor.kpis.measures.MeasureCache` kept with ``campaign_daily`` (e.g. one per
    loaded dataset in a service): the scope's rows are cut and sorted once per table and scope, and the KPI
    engine reuses its precomputation on them, and the scope's feature matrix, driver-model predictions and SHAP
    values (of all its rows: a row's values do not depend on the period) are computed once per scope and driver
    models; same result.
    """
    cfg = config or DiagnoseConfig()
    frame = scope_frame(campaign_daily, scope, start, end, cache=kpi_cache)
    suff = check_sufficiency(frame, cfg)
    if suff.status is Status.INSUFFICIENT:
        return Diagnosis(frame.scope, frame.start, frame.end, Verdict.INSUFFICIENT, (suff,), summary=suff.message)
    fits = fit_stages(frame, cfg, kpi_cache)
    findings: list[Finding] = [suff, *_stage_findings(campaign_daily, frame, cfg, fits)]
    findings.append(funnel_decomposition(frame, cfg))
    anomaly_finding, anomalies = find_anomalies(frame, fits, cfg, kpi_cache)
    findings.append(anomaly_finding)
    channels = frame.rows["channel"].astype(str).unique() if "channel" in frame.rows else []
    if len(channels) == 1:
        ch_daily = _channel_daily(campaign_daily, str(channels[0]), kpi_cache)
        findings.append(check_saturation(ch_daily, str(channels[0]), pd.Timestamp(frame.end), cfg))
    X = scope_matrix(models, frame, kpi_cache) if models is not None else None
    kpi_rows, kpi_findings = kpi_report(frame, targets, models, cfg, X, cache=kpi_cache)
    findings += kpi_findings
    ranked = rank_findings(findings)
    verdict = verdict_of(ranked, kpi_rows)
    if driver_kpis is None:  # the KPI of the most material staged finding, and revenue
        staged = [f.stage for f in ranked if f.stage in ("ctr", "conversion_rate", "aov")]
        driver_kpis = (staged[0] if staged else "conversion_rate", "revenue")
    drivers = _drivers(models, frame, driver_kpis, top_drivers, X, kpi_cache) if models is not None and X is not None else []
    notes = [] if models is not None else ["no driver models given: drivers not computed"]
    attr = attribution(campaign_daily, frame.start, frame.end, response, [str(c) for c in channels], cache=kpi_cache)
    return Diagnosis(
        frame.scope,
        frame.start,
        frame.end,
        verdict,
        tuple(ranked),
        tuple(kpi_rows),
        tuple(drivers),
        tuple(anomalies),
        _summary(frame.scope, frame.start, frame.end, verdict, ranked),
        tuple(notes),
        tuple(attr),
    )
