"""``recommend``: findings → ranked, de-duplicated corrective actions with expected impact and evidence."""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.core.findings import Finding
from advisor.core.names import scope_label
from advisor.core.status import Status
from advisor.core.thresholds import CLV_CAC_TARGET
from advisor.kpis.expr import evaluate_filter
from advisor.recommend import impact as imp
from advisor.recommend.catalog import ActionCatalog, ActionSpec, Condition, default_actions
from advisor.recommend.findings import prepare_all

if TYPE_CHECKING:
    from models.explain import Driver
    from models.response import ResponseBundle


@dataclass(frozen=True)
class RecommendContext:
    """What the actions need besides the findings.

    ``scope``: the diagnosed scope (``{"campaign_id": "c1"}``) for findings that carry none; ``end`` and
    ``period_days``: last day and length of the diagnosed period; ``horizon_days``: the period over which
    impacts are stated; ``bundle``: fitted response models; ``drivers``: SHAP drivers of the scope;
    ``catalog``: the actions (default: built-in); ``lang``: ``en`` or ``ru``; ``channel``: the channel of a
    diagnosed campaign (scope of its channel-level saturation finding).
    """

    scope: Mapping[str, str] = field(default_factory=dict)
    end: date | None = None
    period_days: float | None = None
    horizon_days: int = 28
    bundle: ResponseBundle | None = None
    drivers: Sequence[Driver] = ()
    catalog: ActionCatalog | None = None
    lang: str = "en"
    channel: str | None = None


@dataclass(frozen=True)
class Recommendation:
    """One action. ``expected_impact`` in ``impact_units`` of ``impact_kpi`` over ``horizon_days`` (None:
    not quantified); ``confidence`` in [0, 1]; ``evidence``: the numbers behind it; ``based_on``: the checks."""

    id: str
    action: str
    rationale: str
    expected_impact: float | None
    impact_kpi: str | None
    impact_units: str | None
    confidence: float
    scope: Mapping[str, str]
    evidence: Mapping[str, Any]
    based_on: tuple[str, ...] = ()
    impact_source: str = "none"
    horizon_days: int = 28

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "rationale": self.rationale,
            "expected_impact": None if self.expected_impact is None else float(f"{self.expected_impact:.6g}"),
            "impact_kpi": self.impact_kpi,
            "impact_units": self.impact_units,
            "impact_source": self.impact_source,
            "horizon_days": self.horizon_days,
            "confidence": self.confidence,
            "scope": dict(self.scope),
            "evidence": {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.evidence.items()},
            "based_on": list(self.based_on),
        }


def matches(cond: Condition, f: Finding) -> bool:
    """True when ``f`` meets every part of ``cond``; a ``where`` that reads missing evidence is False."""
    if f.check not in cond.check:
        return False
    for allowed, value in ((cond.kind, f.kind), (cond.stage, f.stage), (cond.kpi, f.kpi), (cond.status, f.status)):
        if allowed and value not in allowed:
            return False
    if cond.where is None:
        return True
    row = pd.DataFrame([{k: v for k, v in f.fields().items() if not isinstance(v, bool)}])
    try:
        return bool(evaluate_filter(cond.where, row)[0])
    except (KeyError, TypeError):
        return False


class _Fields(string.Formatter):
    """``{name}`` / ``{name:spec}`` only (checked at load); missing names raise KeyError. In Russian, numbers
    use a space for thousands and a decimal comma (``12 345,6``)."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        return kwargs[field_name], field_name

    def format_field(self, value: Any, format_spec: str) -> Any:
        out = super().format_field(value, format_spec)
        if self.lang == "ru" and isinstance(value, int | float) and not isinstance(value, bool):
            out = out.replace(",", "\u00a0").replace(".", ",")
        return out


def _render(template: Mapping[str, str], lang: str, values: Mapping[str, Any]) -> str | None:
    text = template.get(lang) or template["en"]
    try:
        return _Fields(lang).format(text, **values)
    except (KeyError, ValueError, TypeError):
        return None


def _confidence(spec: ActionSpec, f: Finding, source: str) -> float:
    strength = {Status.FAILING: 1.0, Status.OFF_TRACK: 0.9, Status.WARNING: 0.8, Status.AT_RISK: 0.8}.get(f.status, 0.7)
    lo = f.evidence.get("marginal_roi_95_1")
    if spec.impact_method == "reallocate" and isinstance(lo, int | float):
        strength = 1.0 if lo < 1.0 else 0.7  # the source's upper 95% bound is below the threshold
    bonus = 0.1 if source in ("response_model", "shap") else 0.0
    return round(min(0.95, spec.confidence * strength + bonus), 2)


def _build(spec: ActionSpec, f: Finding, pair: Finding | None, ctx: RecommendContext) -> Recommendation | None:
    p = spec.impact_params
    horizon = ctx.horizon_days
    impact: imp.Impact
    if spec.impact_method == "restore_loss":
        impact = imp.restore_loss(f, p.get("recovery", 0.5), horizon, ctx.end, ctx.drivers, ctx.period_days)
    elif spec.impact_method == "reallocate" and pair is not None:
        impact = imp.reallocate(f, pair, p.get("share", 0.2), horizon, ctx.bundle)
        if impact.value is None or impact.value <= 0:
            return None  # moving money there is not expected to pay off
    elif spec.impact_method == "cac_to_clv":
        impact = imp.cac_to_clv(f, p.get("ratio", CLV_CAC_TARGET), horizon)
    elif spec.impact_method == "target_gap":
        impact = imp.target_gap(f)
    else:
        impact = imp.NONE
    values: dict[str, Any] = dict(f.fields())
    values.update({"scope": scope_label(f.scope, ctx.lang), "horizon_days": horizon, **impact.extra})
    if pair is not None:
        values.update({f"pair_{k}": v for k, v in pair.fields().items()})
        values["pair_scope"] = scope_label(pair.scope, ctx.lang)
    text = _render(spec.text, ctx.lang, values)
    if text is None:
        return None
    rationale = _render(spec.rationale, ctx.lang, values) or f.message
    evidence = {k: v for k, v in f.evidence.items() if isinstance(v, int | float | str) and not isinstance(v, bool)}
    evidence.update({k: v for k, v in impact.extra.items() if isinstance(v, int | float | str)})
    if pair is not None:
        evidence.update({f"to_{k}": v for k, v in pair.evidence.items() if isinstance(v, int | float)})
        evidence["to_channel"] = pair.scope.get("channel", "")
    if f.started_label:
        evidence["started"] = f.started_label
    return Recommendation(
        spec.id,
        text,
        rationale,
        impact.value if impact.value is None or math.isfinite(impact.value) else None,
        impact.kpi,
        impact.units,
        _confidence(spec, f, impact.source),
        dict(f.scope),
        evidence,
        (f.check,) + ((pair.check,) if pair is not None else ()),
        impact.source,
        horizon,
    )


def _rank_key(r: Recommendation, money: Mapping[int, float | None]) -> tuple[int, float, float]:
    m = money.get(id(r))
    return (0 if m is not None else 1, -(m or 0.0), -r.confidence)


def _upper_roi(r: Recommendation) -> float:
    v = r.evidence.get("marginal_roi_95_1", r.evidence.get("marginal_roi", 0.0))
    return float(v) if isinstance(v, int | float) else 0.0


def _cap_sources(catalog: ActionCatalog, recs: list[Recommendation]) -> list[Recommendation]:
    """For paired actions with ``max_sources``: keep only that many per destination, since each move is valued
    as if it were the only one. The sources with the lowest marginal ROI go first (the money that earns least
    moves first, as an optimiser equalising marginal returns would) — by the upper end of its 95% interval
    when known, so a channel that is surely saturated beats a noisy estimate — then the larger impact."""
    out: list[Recommendation] = []
    groups: dict[tuple[str, str], list[Recommendation]] = {}
    for r in recs:
        cap = catalog[r.id].impact_params.get("max_sources") if r.id in catalog.ids else None
        if cap is None or "to_channel" not in r.evidence:
            out.append(r)
        else:
            groups.setdefault((r.id, str(r.evidence["to_channel"])), []).append(r)
    for (aid, _), rs in groups.items():
        cap = int(catalog[aid].impact_params["max_sources"])
        out += sorted(rs, key=lambda r: (_upper_roi(r), -(r.expected_impact or 0.0)))[:cap]
    return out


def recommend(
    findings: Iterable[Finding | Mapping[str, Any]], context: RecommendContext | None = None
) -> list[Recommendation]:
    """Ranked corrective actions for ``findings`` (core findings or their JSON mappings; see
    :func:`advisor.recommend.findings.prepare`; a scorecard line enters as ``line.finding()``).

    Each action of the catalog is tried on each finding whose status is a problem (failing, warning,
    off_track, at_risk) or that is a channel-return finding; a ``pair`` condition takes the best other
    finding (highest ``marginal_roi``, else the first). One recommendation per (action, scope): the one with
    the larger impact; paired actions keep at most ``max_sources`` sources per destination. Ranked by currency impact (revenue gained or spend saved), then the unquantified
    ones by confidence.
    """
    ctx = context or RecommendContext()
    catalog = ctx.catalog or default_actions()
    fs = prepare_all(findings, ctx.scope, ctx.channel)
    best: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Recommendation, float | None]] = {}
    for spec in catalog.actions:
        for f in fs:
            if not f.status.is_problem and f.kind != "response":
                continue
            if not any(matches(c, f) for c in spec.when):
                continue
            pair = None
            if spec.pair is not None:
                cands = [g for g in fs if g is not f and g.scope != f.scope and matches(spec.pair, g)]
                if not cands:
                    continue
                pair = max(cands, key=lambda g: float(g.evidence.get("marginal_roi", 0.0)))
            rec = _build(spec, f, pair, ctx)
            if rec is None:
                continue
            money = rec.expected_impact if rec.impact_units == "currency" else None
            key = (spec.id, tuple(sorted(rec.scope.items())))
            old = best.get(key)
            if old is None or (money or -math.inf) > (old[1] or -math.inf):
                best[key] = (rec, money)
    recs = _cap_sources(catalog, [r for r, _ in best.values()])
    money_of = {id(r): m for r, m in best.values()}
    return sorted(recs, key=lambda r: _rank_key(r, money_of))
