"""Department scorecard (SPEC §1 head of marketing, §5 ``scorecard``): KPI groups against targets.

Shown KPIs: the catalog's ``scorecard`` list (outcome, customer and process KPIs; those that read the business
totals — MER, blended CAC — only where the campaign rows carry no platform revenue or conversions, e.g. rows
derived from a media-mix table, and the tables include ``business_daily``; a note says when neither source of
outcomes exists) plus every KPI that has a target (a scoped target, e.g. ``{channel: search}``, is its own line). Each line has its value for the period,
target, status, attainment score in [0, 100] (:func:`~advisor.kpis.targets.assess`) and change against the
previous period. A group's score is the weighted mean of its lines' scores; the composite is the weighted
mean of group scores. Lines without a score (no target or no data) carry no weight.

Weights (``targets.weights``): a key naming a group weighs that group; a key naming a KPI id weighs its lines
within their group (default 1). When no group weight is given all groups weigh the same; when some are given,
groups not named weigh 0 (shown, but outside the composite). Reported weights are normalised to sum to 1 over
the groups (lines) that have a score.

Model-based values: ``model_kpis`` (a :class:`ModelKpis`, e.g. from ``advisor.customers.model_kpis``) replaces
the catalog value of the lines it covers — e.g. the probabilistic CLV instead of the catalog's historical
"revenue to date per customer" — for the current and the previous period (it is asked for the value as of each
period's end). Those lines say ``source: "model"`` and carry the provider's ``basis`` (what the number means);
all other lines say ``source: "data"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from advisor.core.findings import Finding
from advisor.core.periods import Period, last_full_month, parse_period, same_period
from advisor.core.status import as_status
from advisor.core.thresholds import TARGET_TOLERANCE
from advisor.kpis.business import BUSINESS_TABLE
from advisor.kpis.catalog import KpiCatalog, default_catalog
from advisor.kpis.engine import compute_kpis
from advisor.kpis.measures import as_dates
from advisor.kpis.targets import Target, assess, normalize_targets, pick_target

GROUP_ORDER = ("outcome", "customer", "process", "efficiency", "volume")

Scope = tuple[tuple[str, str], ...]
#: ``{(kpi, scope): value}``, scope as sorted ``(column, value)`` pairs, ``()`` for the whole department.
ModelValues = Mapping[tuple[str, Scope], float]


@dataclass(frozen=True)
class ModelKpis:
    """KPI values that come from a fitted model rather than from the KPI catalog's formula.

    ``values(as_of)`` returns :data:`ModelValues` as of ``as_of`` (a period's last day, or None for "all data");
    ``kpis`` lists the KPI ids it may provide (their lines are model-based even when a scope has no value —
    those lines stay null with a reason); ``basis`` is one sentence saying what the values mean (model,
    horizon, discount), shown on each model line; ``names`` optionally renames those lines (KPI id → name).
    """

    kpis: tuple[str, ...]
    values: Callable[[date | None], ModelValues] = field(compare=False)
    basis: str = ""
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScorecardLine:
    """One KPI (optionally scoped) in the scorecard; value/target/change in the KPI's ``unit``."""

    kpi: str
    name: str
    unit: str
    direction: str
    value: float | None
    target: float | None
    status: str
    score: float | None
    change: float | None
    change_relative: float | None
    scope: tuple[tuple[str, str], ...] = ()
    weight: float = 0.0
    reason: str | None = None
    source: str = "data"
    basis: str | None = None

    def finding(self) -> Finding | None:
        """This line as a ``kpi_vs_target`` finding (kind ``scorecard``) when it misses its target (at risk or
        off track); None when it is on track or has no target or value. Evidence: ``value``, ``target``,
        ``gap`` (value − target, KPI units), ``kpi_name``, ``score``."""
        status = as_status(self.status)
        if self.target is None or self.value is None or not status.is_problem:
            return None
        evidence = {
            "value": self.value,
            "target": self.target,
            "kpi_name": self.name,
            "score": self.score or 0.0,
            "gap": self.value - self.target,
        }
        message = f"{self.name} {self.value:.4g} against a target of {self.target:.4g}: {status.replace('_', ' ')}."
        return Finding(
            "kpi_vs_target", status, message, kpi=self.kpi, evidence=evidence, scope=dict(self.scope), kind="scorecard"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi,
            "name": self.name,
            "value": self.value,
            "target": self.target,
            "status": str(self.status),
            "unit": self.unit,
            "direction": self.direction,
            "score": self.score,
            "change": {"absolute": self.change, "relative": self.change_relative},
            "scope": dict(self.scope),
            "weight": self.weight,
            "reason": self.reason,
            "source": self.source,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class ScorecardGroup:
    name: str
    score: float | None
    weight: float
    lines: tuple[ScorecardLine, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "weight": self.weight,
            "kpis": [line.to_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class Scorecard:
    """Composite ``score`` in [0, 100] (None when no line has a score) for ``period`` (label) over
    ``start``..``end``; ``groups`` in the order outcome, customer, process, efficiency, volume, others."""

    score: float | None
    period: str
    start: date | None
    end: date | None
    groups: tuple[ScorecardGroup, ...]
    tolerance: float = TARGET_TOLERANCE
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """SPEC §5 ``scorecard`` JSON: ``{"score", "period", "start", "end", "tolerance", "groups", "notes"}``
        (``notes``: what the data lacks for the card, e.g. business totals; empty when nothing)."""
        return {
            "score": self.score,
            "period": self.period,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "tolerance": self.tolerance,
            "groups": [g.to_dict() for g in self.groups],
            "notes": list(self.notes),
        }

    def line(self, kpi: str, **scope: str) -> ScorecardLine:
        """The line of ``kpi`` with exactly this ``scope`` (KeyError when absent)."""
        want = tuple(sorted((k, str(v)) for k, v in scope.items()))
        for g in self.groups:
            for ln in g.lines:
                if ln.kpi == kpi and ln.scope == want:
                    return ln
        raise KeyError(f"no scorecard line for {kpi!r} with scope {scope}")


def _last_date(tables: Mapping[str, pd.DataFrame], cat: KpiCatalog) -> date | None:
    """Last date in campaign_daily (or, without it, in any dated table)."""
    names = ["campaign_daily"] if tables.get("campaign_daily") is not None else list(tables)
    found: list[np.datetime64] = []
    for name in names:
        df, spec = tables.get(name), cat.tables.get(name)
        col = None if spec is None else (spec.date or spec.month)
        if df is None or spec is None or col is None or col not in df.columns or df.empty:
            continue
        dates = as_dates(df[col], spec)
        if spec.month is not None:
            dates = (dates.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
        dates = dates[~np.isnat(dates)]
        if len(dates):
            found.append(dates.max())
    return pd.Timestamp(max(found)).date() if found else None


def _platform_outcomes_unknown(tables: Mapping[str, pd.DataFrame]) -> bool:
    """True when campaign_daily has no known platform revenue or conversions (absent, or missing in every row —
    campaign rows derived from a media-mix table): the scorecard's outcome lines then come from the business
    totals."""
    df = tables.get("campaign_daily")
    if df is None:
        return True
    return all(c not in df.columns or not df[c].notna().any() for c in ("revenue", "conversions"))


def _weighted(scores: list[float | None], weights: list[float]) -> tuple[float | None, list[float]]:
    """Weighted mean of the non-null scores and the weights normalised over them (0 for null scores)."""
    used = [(s, w) for s, w in zip(scores, weights, strict=True) if s is not None]
    total = sum(w for _, w in used)
    if not used or total <= 0:
        return None, [0.0] * len(scores)
    mean = sum(s * w for s, w in used) / total
    return float(mean), [(w / total if s is not None else 0.0) for s, w in zip(scores, weights, strict=True)]


def build_scorecard(
    tables: Mapping[str, pd.DataFrame],
    targets: Any,
    *,
    period: str | None = None,
    catalog: KpiCatalog | None = None,
    tolerance: float = TARGET_TOLERANCE,
    model_kpis: ModelKpis | None = None,
) -> Scorecard:
    """The KPI system against ``targets`` for ``period`` ("2026-10", "2026-Q3", "2026-W43", "2026", or
    "2026-10-01..2026-10-15"; default the last full month of campaign_daily).

    ``targets``: an ``advisor.data.TargetsFile``, dict or list (see :func:`normalize_targets`); unknown KPI
    raise :class:`~advisor.kpis.catalog.UnknownKpiError`. ``tolerance``: at-risk band, fraction of target.
    Without any dated data the whole history is scored (period ``"all"``). ``model_kpis``: model-based values
    that replace the catalog's for the KPIs it lists (see the module docstring).
    """
    cat = catalog if catalog is not None else default_catalog()
    tg = normalize_targets(targets, cat)
    if period is not None:
        per: Period | None = parse_period(period)
    else:
        last = _last_date(tables, cat)
        per = last_full_month(last) if last is not None else None
    label = per.label if per is not None else "all"

    business = [k for k in cat.scorecard if BUSINESS_TABLE in cat.source_tables(k)]
    unknown_outcomes = _platform_outcomes_unknown(tables)
    has_business = tables.get(BUSINESS_TABLE) is not None
    notes: list[str] = []
    if business and unknown_outcomes and not has_business:
        notes.append(
            "the campaign rows carry no platform revenue and the data has no business totals (outcomes_daily or an "
            f"mmm table): no outcome KPI can be computed ({', '.join(business)} need business totals)"
        )
    shown = [k for k in cat.scorecard if k not in business or (unknown_outcomes and has_business)]
    lines_wanted: list[tuple[str, tuple[tuple[str, str], ...]]] = [(k, ()) for k in shown]
    for t in tg.targets:
        applies = t.period is None or per is None or same_period(t.period, label)
        if applies and (t.kpi, t.scope) not in lines_wanted:
            lines_wanted.append((t.kpi, t.scope))

    values: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Any, Any, str | None]] = {}
    for scope in dict.fromkeys(s for _, s in lines_wanted):
        ids = [k for k, s in lines_wanted if s == scope]
        by = [k for k, _ in scope]
        kw: dict[str, Any] = {"by": by, "kpis": ids, "catalog": cat}
        cur = compute_kpis(tables, start=per.start if per else None, end=per.end if per else None, **kw)
        prev = compute_kpis(tables, start=per.previous().start, end=per.previous().end, **kw) if per else None
        for kid in ids:
            values[(kid, scope)] = _pick(cur, prev, kid, scope)
    if model_kpis is not None:
        values.update(_model_values(model_kpis, lines_wanted, per))

    groups: dict[str, list[ScorecardLine]] = {}
    for kid, scope in lines_wanted:
        spec = cat[kid]
        target: Target | None = pick_target(tg.targets, kid, scope, label if per else None)
        value, prev_value, reason = values[(kid, scope)]
        a = assess(value, None if target is None else target.target, spec.direction, tolerance)
        change = rel = None
        if value is not None and prev_value is not None:
            change = value - prev_value
            rel = change / abs(prev_value) if prev_value != 0 else None
        modelled = model_kpis is not None and kid in model_kpis.kpis
        line = ScorecardLine(
            kpi=kid,
            name=model_kpis.names.get(kid, spec.name) if model_kpis is not None and modelled else spec.name,
            unit=spec.unit,
            direction=spec.direction,
            value=value,
            target=None if target is None else target.target,
            status=a.status,
            score=a.score,
            change=change,
            change_relative=rel,
            scope=scope,
            weight=tg.weights.get(kid, 1.0),
            reason=reason,
            source="model" if modelled else "data",
            basis=model_kpis.basis if model_kpis is not None and modelled else None,
        )
        groups.setdefault(spec.group, []).append(line)

    order = sorted(groups, key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else len(GROUP_ORDER), g))
    named = any(g in tg.weights for g in groups)
    built: list[ScorecardGroup] = []
    for name in order:
        ls = groups[name]
        score, norm = _weighted([ln.score for ln in ls], [ln.weight for ln in ls])
        ls = [_with_weight(ln, w) for ln, w in zip(ls, norm, strict=True)]
        built.append(ScorecardGroup(name, score, tg.weights.get(name, 0.0 if named else 1.0), tuple(ls)))
    composite, gnorm = _weighted([g.score for g in built], [g.weight for g in built])
    final = tuple(ScorecardGroup(g.name, g.score, w, g.lines) for g, w in zip(built, gnorm, strict=True))
    return Scorecard(
        score=composite,
        period=label,
        start=per.start if per else None,
        end=per.end if per else None,
        groups=final,
        tolerance=tolerance,
        notes=tuple(notes),
    )


def _model_values(
    provider: ModelKpis, wanted: list[tuple[str, Scope]], per: Period | None
) -> dict[tuple[str, Scope], tuple[Any, Any, str | None]]:
    """(value, previous value, reason) of the wanted lines the provider covers, as of each period's end."""
    keys = [(k, s) for k, s in wanted if k in provider.kpis]
    if not keys:
        return {}
    cur = provider.values(per.end if per else None)
    prev = provider.values(per.previous().end) if per else {}
    out: dict[tuple[str, Scope], tuple[Any, Any, str | None]] = {}
    for key in keys:
        value, before = _finite(cur.get(key)), _finite(prev.get(key))
        where = ", ".join(f"{k}={v}" for k, v in key[1]) or "the department"
        out[key] = (value, before, None if value is not None else f"the model gives no value for {where}")
    return out


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if np.isfinite(v) else None


def _with_weight(line: ScorecardLine, weight: float) -> ScorecardLine:
    return replace(line, weight=weight)


def _pick(cur: Any, prev: Any, kid: str, scope: tuple[tuple[str, str], ...]) -> tuple[Any, Any, str | None]:
    """(value, previous value, reason when value is null) of ``kid`` for the row matching ``scope``."""
    keys = dict(scope)

    def one(table: Any) -> tuple[float | None, str | None]:
        if table is None:
            return None, "no previous period"
        try:
            row = table.find(**keys)
        except KeyError:
            where = ", ".join(f"{k}={v}" for k, v in scope) or "the department"
            return None, f"no data for {where} in this period"
        return table.value(kid, **keys), table.reason(row, kid)

    value, reason = one(cur)
    prev_value, _ = one(prev)
    return value, prev_value, (reason if value is None else None)
