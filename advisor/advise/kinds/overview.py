"""``overview``: how are we doing? (SPEC §5 "Advise").

With targets: the scorecard (composite score 0..100 of the last full month, the KPIs off track with their
values vs targets, how many are at risk) and the channels' marginal returns (response models, else the local
elasticity estimate). Without ``targets.yaml``: ONE note, and the answer compares the last 28 days of data with
the 28 days before (the KPI engine's ``compare``), then the same returns line. Recommendations come from the
scorecard's findings and the channel returns together (budget moves between channels), so they follow the lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, clean, run_returns, run_scorecard
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.segment import fmt_value
from advisor.advise.question import Period, Question
from advisor.core.names import scope_label
from advisor.core.words import kpi_name
from advisor.data import Dataset
from advisor.kpis import compute_kpis
from advisor.kpis.business import kpi_tables
from advisor.kpis.catalog import default_catalog
from advisor.narrative.template import num, pct
from advisor.recommend import ActionCatalog, Recommendation, RecommendContext, recommend
from models.response import ResponseBundle

#: KPIs of the no-targets comparison (last 28 days vs the 28 before)
RECENT_KPIS = ("revenue", "conversions", "roi", "cpa", "conversion_rate", "spend")
#: the same from the business totals, for media-mix data (campaign rows carry no platform revenue or conversions)
BUSINESS_KPIS = ("business_revenue", "business_conversions", "mer", "blended_cac", "spend")
RECENT_DAYS = 28
#: changes smaller than this (relative) count as unchanged
FLAT = 0.02

T: dict[str, dict[str, str]] = {
    "en": {
        "score": "Composite score {score} of 100 for {period}: {off} of {n} KPIs off track{items}.",
        "score_ok": "Composite score {score} of 100 for {period}: no KPI is off track.",
        "off_item": "{kpi} {value} vs target {target}",
        "scoped": "{kpi} of {scope}",
        "unchanged": "Within {flat}: {items}.",
        "at_risk": "At risk (within the tolerance of their targets): {items}.",
        "on_track": "{n} KPIs are on track.",
        "recent_lead": "Last {days} days ({start}..{end}) against the {days} before: better on {better}, worse on "
                       "{worse}.",
        "recent_lead_none": "Last {days} days ({start}..{end}) against the {days} before: no KPI changed by more than "
                            "{flat}.",
        "recent_empty": "Last {days} days ({start}..{end}): the data has no revenue or conversions to compare with the "
                        "{days} days before.",
        "recent_item": "{kpi} {value} ({change})",
        "nothing": "nothing",
        "spend_line": "Spend {value} ({change}).",
        "returns": "Channel returns: marginal ROI is highest for {best} ({best_roi}) and lowest for {worst} "
                   "({worst_roi}).",
        "returns_negative": "Spending more loses money at the margin on {items}.",
        "note_targets": "No targets.yaml in the data folder: KPIs are compared with the previous {days} days "
                        "instead of targets.",
    },
    "ru": {
        "score": "Общий балл {score} из 100 за {period}: вне цели {off} KPI из {n}{items}.",
        "score_ok": "Общий балл {score} из 100 за {period}: все KPI в пределах целей.",
        "off_item": "{kpi} {value} при цели {target}",
        "scoped": "{kpi} {scope}",
        "unchanged": "В пределах {flat}: {items}.",
        "at_risk": "Под угрозой (в пределах допуска к цели): {items}.",
        "on_track": "В норме KPI: {n}.",
        "recent_lead": "Последние {days} дней ({start}..{end}) против предыдущих {days}: лучше — {better}, хуже — "
                       "{worse}.",
        "recent_lead_none": "Последние {days} дней ({start}..{end}) против предыдущих {days}: ни один KPI не "
                            "изменился больше чем на {flat}.",
        "recent_empty": "Последние {days} дней ({start}..{end}): в данных нет выручки и конверсий, чтобы сравнить их с "
                        "предыдущими {days} днями.",
        "recent_item": "{kpi} {value} ({change})",
        "nothing": "ничего",
        "spend_line": "Расходы {value} ({change}).",
        "returns": "Отдача каналов: предельный ROI выше всего у {best} ({best_roi}) и ниже всего у {worst} "
                   "({worst_roi}).",
        "returns_negative": "Дополнительные расходы убыточны на границе у {items}.",
        "note_targets": "В папке данных нет «targets.yaml»: KPI сравниваются с предыдущими {days} днями, а не с "
                        "целями.",
    },
}


#: the lead's span wording for an asked period instead of the last days ("last month" → its dates)
ASKED_SPAN = {"en": ("Last {days} days ({start}..{end})", "{start}..{end} ({days} days)"),
              "ru": ("Последние {days} дней ({start}..{end})", "{start}..{end} ({days} дн.)")}


def run_recent(ds: Dataset, days: int = RECENT_DAYS, period: Period | None = None) -> Analysis:
    """KPIs of the last ``days`` days of data against the ``days`` before (``<kpi>_change_rel``: a fraction): revenue,
    conversions, ROI, CPA, conversion rate and spend; for media-mix data the business totals' (revenue,
    conversions, MER, blended CAC) and spend. ``period``: a past period asked for ("last month"), clipped to the
    data, instead of the last ``days`` days (compared with as many days before it)."""
    end = pd.Timestamp(ds.campaign_daily["date"].max()).normalize()
    first = pd.Timestamp(ds.campaign_daily["date"].min()).normalize()
    asked = False
    if period is not None:
        p0, p1 = max(pd.Timestamp(period.start), first), min(pd.Timestamp(period.end), end)
        if p0 <= p1 and (p1 - p0).days >= 6:
            end, days, asked = p1, int((p1 - p0).days) + 1, True
    start = end - pd.Timedelta(days=days - 1)
    ids = BUSINESS_KPIS if ds.campaign_source == "mmm" else RECENT_KPIS
    frame = compute_kpis(kpi_tables(ds), start=start.date(), end=end.date(), kpis=list(ids), compare=True).frame
    row = frame.iloc[0].to_dict() if len(frame) else {}
    cat = default_catalog()
    kpis = [
        {"kpi": k, "value": row.get(k), "change": row.get(f"{k}_change"), "change_rel": row.get(f"{k}_change_rel"),
         "direction": cat[k].direction}
        for k in ids
    ]
    params = {"from": str(start.date()), "to": str(end.date()), "compare": "previous_period", "days": days}
    return Analysis("kpis_recent", params, clean({"from": str(start.date()), "to": str(end.date()), "days": days,
                                                  "flat": FLAT, "kpis": kpis, "asked_period": asked}))


def rank_recommendations(recs: Sequence[Recommendation]) -> list[Recommendation]:
    """Deduplicated (id, scope); those with a currency impact first by impact, then the rest by confidence."""
    best: dict[tuple[str, tuple[tuple[str, str], ...]], Recommendation] = {}
    for r in recs:
        best.setdefault((r.id, tuple(sorted(r.scope.items()))), r)
    uniq = list(best.values())
    money = [r for r in uniq if r.impact_units == "currency" and r.expected_impact is not None]
    other = [r for r in uniq if r not in money]
    return sorted(money, key=lambda r: -(r.expected_impact or 0.0)) + sorted(other, key=lambda r: -r.confidence)


def recommendations(
    analyses: Sequence[Analysis], bundle: ResponseBundle | None, catalog: ActionCatalog | None, lang: str
) -> list[Recommendation]:
    findings = [f for a in analyses for f in a.findings]
    if not findings:
        return []
    return rank_recommendations(recommend(findings, RecommendContext(bundle=bundle, catalog=catalog, lang=lang)))


def _value(kpi: str, v: float, lang: str) -> str:
    return fmt_value(kpi, v, lang)


def _kpi_label(k: Mapping[str, Any], lang: str) -> str:
    """The KPI's name, with its scope when the target is for one campaign or channel."""
    name = kpi_name(k["kpi"], lang)
    scope = k.get("scope") or {}
    return T[lang]["scoped"].format(kpi=name, scope=scope_label(scope, lang)) if scope else name


def _target_item(k: Mapping[str, Any], lang: str) -> str:
    return T[lang]["off_item"].format(
        kpi=_kpi_label(k, lang), value=_value(k["kpi"], k["value"], lang), target=_value(k["kpi"], k["target"], lang)
    )


def _valued(res: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [k for g in res.get("groups", []) for k in g.get("kpis", []) if k.get("value") is not None]


def scorecard_counts(res: Mapping[str, Any]) -> dict[str, int]:
    """What the lead counts: KPIs with a value, and those of them off track / at risk."""
    kpis = _valued(res)
    return {"kpis_with_value": len(kpis), "off_track_with_value": sum(k.get("status") == "off_track" for k in kpis),
            "at_risk_with_value": sum(k.get("status") == "at_risk" for k in kpis)}


def scorecard_lines(res: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    kpis = _valued(res)
    off = [k for k in kpis if k.get("status") == "off_track"]
    risk = [k for k in kpis if k.get("status") == "at_risk"]
    score = "—" if res.get("score") is None else num(res["score"], lang, 1)
    if off:
        items = ": " + "; ".join(_target_item(k, lang) for k in off)
        out = [t["score"].format(score=score, period=res.get("period"), off=len(off), n=len(kpis), items=items)]
    else:
        out = [t["score_ok"].format(score=score, period=res.get("period"))]
    if risk:
        out.append(t["at_risk"].format(items="; ".join(_target_item(k, lang) for k in risk)))
    return out


def recent_lines(res: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    better: list[str] = []
    worse: list[str] = []
    same: list[str] = []
    spend = None
    for k in res["kpis"]:
        if k["value"] is None:
            continue
        if k["kpi"] == "spend":
            spend = k
            continue
        rel = k["change_rel"]
        if rel is None:
            continue
        item = t["recent_item"].format(kpi=kpi_name(k["kpi"], lang), value=_value(k["kpi"], k["value"], lang),
                                       change=pct(rel, lang))
        if abs(rel) < FLAT:
            same.append(item)
            continue
        good = (rel > 0) == (k["direction"] == "higher")
        (better if good else worse).append(item)
    span = {"days": res["days"], "start": res["from"], "end": res["to"]}
    if res.get("asked_period"):
        was, now = ASKED_SPAN[lang]
        t = {k: v.replace(was, now) for k, v in t.items()}
    if not (better or worse or same):
        out = [t["recent_empty"].format(**span)]
    elif better or worse:
        out = [t["recent_lead"].format(better="; ".join(better) or t["nothing"], worse="; ".join(worse) or t["nothing"],
                                       **span)]
    else:
        out = [t["recent_lead_none"].format(flat=f"{FLAT * 100:.0f}%", **span)]
    if same and (better or worse):
        out.append(t["unchanged"].format(flat=f"{FLAT * 100:.0f}%", items="; ".join(same)))
    if spend is not None and spend["change_rel"] is not None:
        out.append(t["spend_line"].format(value=_value("spend", spend["value"], lang), change=pct(spend["change_rel"], lang)))
    return out


def returns_lines(res: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    ch = [c for c in res.get("channels", []) if c.get("marginal_roi") is not None]
    if len(ch) < 2:
        return []
    ch.sort(key=lambda c: c["marginal_roi"])
    lo, hi = ch[0], ch[-1]
    out = [t["returns"].format(
        best=scope_label({"channel": hi["channel"]}, lang), best_roi=pct(hi["marginal_roi"], lang),
        worst=scope_label({"channel": lo["channel"]}, lang), worst_roi=pct(lo["marginal_roi"], lang),
    )]
    negative = [c for c in ch if c["marginal_roi"] < 0]
    if negative:
        out.append(t["returns_negative"].format(items=", ".join(
            f"{scope_label({'channel': c['channel']}, lang)} ({pct(c['marginal_roi'], lang)})" for c in negative
        )))
    return out


def handle(question: Question, env: Env) -> Answer:
    """Scorecard against targets (or the last 28 days vs the 28 before) plus channel returns."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    ds = env.dataset
    notes: list[str] = []
    returns = run_returns(ds, env.bundle)
    if ds.targets is not None:
        main = run_scorecard(ds)
        if "error" not in main.result:
            main = dataclasses.replace(main, result={**main.result, **scorecard_counts(main.result)})
        lines = scorecard_lines(main.result, lang)
    else:
        past = question.period if question.period is not None and question.period.end <= str(
            pd.Timestamp(ds.campaign_daily["date"].max()).date()) else None
        main = run_recent(ds, period=past)
        lines = recent_lines(main.result, lang)
        notes.append(t["note_targets"].format(days=RECENT_DAYS))
    lines += returns_lines(returns.result, lang)
    analyses = (main, returns)
    recs = recommendations(analyses, env.bundle, env.catalog, lang)
    return Answer(analyses, tuple(lines), tuple(recs), tuple(notes))
