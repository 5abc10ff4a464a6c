"""KPI values of a scope and period against target, previous period and model expectation.

Values come from the KPI engine (:func:`advisor.kpis.compute_kpis`, ratio of sums). A target applies when
its scope is the diagnosed scope; for a campaign, a target of its channel, then a department-wide target,
applies when none is set for the campaign itself. ``expected`` is the driver models' prediction for the same
rows (ratio semantics), when models are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from advisor.diagnostics.base import DiagnoseConfig, Finding, Status
from advisor.diagnostics.scope import ScopeFrame, per_scope
from advisor.kpis import compute_kpis, default_catalog
from advisor.kpis.measures import MeasureCache
from advisor.kpis.targets import Target, assess, normalize_targets, pick_target
from models.drivers import DriverModelSet

SHOWN = ("spend", "revenue", "conversions", "roi", "roas", "cpa", "cpm", "ctr", "conversion_rate", "aov")


def _scopes(frame: ScopeFrame) -> list[tuple[tuple[str, str], ...]]:
    out: list[tuple[tuple[str, str], ...]] = [((frame.scope.column, frame.scope.value),)]
    if frame.scope.column == "campaign_id" and "channel" in frame.rows:
        out.append((("channel", str(frame.rows["channel"].iloc[0])),))
    out.append(())
    return out


def expected_values(
    models: DriverModelSet | None,
    frame: ScopeFrame,
    X: pd.DataFrame | None = None,
    cache: MeasureCache | None = None,
) -> dict[str, float]:
    """Model-expected KPI values for the period rows (rates weighted by their actual denominators).
    ``X``: the feature matrix of ``frame.rows`` when already built. ``cache``: the predictions for every row of
    the scope are kept per scope and models (a row's prediction does not depend on the other rows)."""
    if models is None:
        return {}
    full = models.matrix(frame.rows) if X is None else X
    X = full[frame.in_period]
    out = {}
    for kpi, model in models.models.items():
        if cache is not None:
            every = per_scope(cache, frame.rows, ("diagnose.predict", kpi), models, partial(model.predict, full))
            pred = every[frame.in_period]
            # row weights (the KPI's denominator per row) of the whole scope, kept per scope and masked
            values = partial(model.target.values, frame.rows)
            _, w_all = per_scope(cache, frame.rows, ("diagnose.weights", kpi), models, values)
            w = w_all[frame.in_period]
        else:
            pred = model.predict(X)
            _, w = model.target.values(frame.period)
        if model.target.is_rate:
            out[kpi] = float(np.sum(pred * w) / w.sum()) if w.sum() > 0 else float("nan")
        else:
            out[kpi] = float(pred.sum())
    return out


def kpi_report(
    frame: ScopeFrame,
    targets: Any,
    models: DriverModelSet | None,
    cfg: DiagnoseConfig,
    X: pd.DataFrame | None = None,
    *,
    cache: MeasureCache | None = None,
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Rows ``{kpi, value, previous, change_rel, target, target_scope, status, expected}`` and findings for
    KPIs off target (warning) or well below expectation (warning).

    ``cache``: a :class:`~advisor.kpis.measures.MeasureCache` for the KPI engine; it pays off when
    ``frame.rows`` is itself kept across calls (``scope_frame(..., cache=)``); same values either way."""
    catalog = default_catalog()
    table = compute_kpis(
        {"campaign_daily": frame.rows}, start=frame.start, end=frame.end, kpis=list(SHOWN), compare=True, cache=cache
    ).frame.iloc[0]
    tg = normalize_targets(targets).targets if targets is not None else ()
    expected = expected_values(models, frame, X, cache)
    rows: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for kpi in SHOWN:
        value = _f(table.get(kpi))
        spec = catalog[kpi]
        target: Target | None = None
        for sc in _scopes(frame):
            target = pick_target(tg, kpi, sc, None)
            if target is not None:
                break
        a = assess(value, target.target if target else None, spec.direction, cfg.target_tolerance)
        exp = _f(expected.get(kpi))
        rows.append(
            {
                "kpi": kpi,
                "value": value,
                "previous": _f(table.get(f"{kpi}_change") and value - table.get(f"{kpi}_change")),
                "change_rel": _f(table.get(f"{kpi}_change_rel")),
                "target": target.target if target else None,
                "target_scope": target.scope_label() or "all" if target else None,
                "status": a.status,
                "expected": exp,
                "unit": spec.unit,
            }
        )
        if a.status == "off_track" and target is not None and value is not None:
            msg = (
                f"{spec.name} {spec.display(value)} against a target of {spec.display(target.target)} "
                f"({target.scope_label() or 'department-wide'}): off track."
            )
            findings.append(
                Finding("kpi_vs_target", Status.WARNING, msg, kpi=kpi, evidence={"gap": a.gap or 0.0})
            )
        worse = spec.direction == "higher" and exp is not None and value is not None and exp > 0
        if worse and value is not None and exp is not None and value < exp * (1 - 2 * cfg.warn_change):
            msg = f"{spec.name} {spec.display(value)} is {value / exp - 1:+.0%} against the model's expectation."
            findings.append(
                Finding("kpi_vs_expectation", Status.WARNING, msg, kpi=kpi, evidence={"expected": exp})
            )
    return rows, findings


def _f(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def kpis_as_mapping(rows: list[dict[str, Any]]) -> Mapping[str, float | None]:
    return {r["kpi"]: r["value"] for r in rows}


__all__ = ["SHOWN", "expected_values", "kpi_report", "kpis_as_mapping"]
