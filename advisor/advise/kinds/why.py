"""``why``: why did campaign/channel X under-perform (in period P)? → its diagnosis.

The scope is the question's first campaign, else its first channel; the period is the question's (clipped to the
data), else the last 90 days. The diagnosis is :func:`advisor.diagnostics.diagnose` with the driver models (SHAP
drivers of the change against the previous period) and the response models (attribution). The answer: the verdict
and the main cause first, then each failing or warning funnel-stage finding (stage, relative change, onset, revenue
effect), the scope's channel when it is over- or under-funded (marginal ROI, as the attention scan judges it), the
largest SHAP driver, and the KPIs off target; the recommendations are those of the diagnosis
(:func:`advisor.advise.recommendations.recommend_for_diagnosis`). A question naming no campaign or channel ("why
are we under-performing?") gets the attention scan's answer (:mod:`advisor.advise.kinds.attention`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from advisor.advise.analyses import Analysis, clean
from advisor.advise.kinds import attention
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.scan_screen import ChannelView, cache_of, channel_views, check_key, material, period_of
from advisor.advise.kinds.scan_words import (
    change,
    check_word,
    feature_word,
    kpi_value,
    money,
    quoted,
    rate,
    verdict_word,
)
from advisor.advise.question import Question
from advisor.advise.recommendations import recommend_for_diagnosis, scope_channel
from advisor.core.findings import Finding
from advisor.core.names import scope_label
from advisor.core.status import Status
from advisor.core.words import kpi_name, stage_word
from advisor.diagnostics import Diagnosis, PeriodError, Scope, ScopeError, diagnose
from advisor.narrative.template import num
from advisor.recommend.impact import CAUSE_FEATURES
from models.explain import Driver

#: stages of the funnel findings the answer lists (a diminishing-returns finding sits at conversion_rate)
STAGES = ("impressions", "cpm", "ctr", "conversion_rate", "aov")
RATE_STAGES = ("ctr", "conversion_rate")

T: dict[str, dict[str, str]] = {
    "en": {
        "cause": "Verdict for {scope} over {start}..{end}: {verdict}; the main cause is {stage}: {chg} since "
                 "{started} ({check}).",
        "cause_nodate": "Verdict for {scope} over {start}..{end}: {verdict}; the main cause is {stage} ({check}).",
        "cause_over_funded": "Verdict for {scope} over {start}..{end}: {verdict}; the main cause is its budget: "
                             "{channel} is over-funded (marginal ROI {roi} at its current spend).",
        "cause_under_funded": "Verdict for {scope} over {start}..{end}: {verdict}; what holds it back is its budget: "
                              "{channel} is under-funded (marginal ROI {roi} at its current spend).",
        "fine": "Verdict for {scope} over {start}..{end}: {verdict}; no funnel stage of it failed.",
        "finding": "- {who}{stage} ({check}): {chg} since {started}{rates}; revenue effect {impact} since then.",
        "finding_nodate": "- {who}{stage}: {check}.",
        "rates": " ({before} → {now})",
        "who": "{label} — ",
        "stage_of": "the {stage} of {label}",
        "its": "its {stage}",
        "over": "- {channel} is over-funded: marginal ROI {roi} at its current spend, the last units of spend lose "
                "money{step}.",
        "under": "- {channel} is under-funded: marginal ROI {roi} at its current spend, more budget would pay{step}.",
        "step": "; its spend {chg} since {started}",
        "driver": "Largest driver of the change (SHAP decomposition of the models: an association, not proof): "
                  "{feature}, {impact} in revenue over the period.",
        "revenue": "Revenue {chg} against the previous period ({prev} → {now}).",
        "targets": "Off target: {items}.",
        "target_item": "{kpi} {value} (target {target})",
        "insufficient": "Not enough data to diagnose {scope} over {start}..{end}: {days} days, {clicks} clicks and "
                        "{conv} conversions in the period.",
        "error": "{scope} has no data over {start}..{end}, so it cannot be diagnosed there.",
        "mmm": "Why {scope} under-performed cannot be traced to a funnel stage (click-through, conversion rate) on "
               "this data: it is media-mix data, spend and impressions per period without platform-reported clicks "
               "or conversions. What the response model says about its budget:",
    },
    "ru": {
        "cause": "Вердикт для {scope} за {start}..{end}: {verdict}; главная причина — {stage}: {chg} с {started} "
                 "({check}).",
        "cause_nodate": "Вердикт для {scope} за {start}..{end}: {verdict}; главная причина — {stage} ({check}).",
        "cause_over_funded": "Вердикт для {scope} за {start}..{end}: {verdict}; главная причина — бюджет: у "
                             "{channel} избыточный бюджет (предельный ROI {roi} при текущих расходах).",
        "cause_under_funded": "Вердикт для {scope} за {start}..{end}: {verdict}; сдерживает бюджет: у {channel} "
                              "недостаточный бюджет (предельный ROI {roi} при текущих расходах).",
        "fine": "Вердикт для {scope} за {start}..{end}: {verdict}; провалов на этапах воронки нет.",
        "finding": "- {who}{stage} ({check}): {chg} с {started}{rates}; влияние на выручку с тех пор {impact}.",
        "finding_nodate": "- {who}{stage}: {check}.",
        "rates": " ({before} → {now})",
        "who": "у {label} — ",
        "stage_of": "{stage} у {label}",
        "its": "{stage}",
        "over": "- У {channel} избыточный бюджет: предельный ROI {roi} при текущих расходах, последние единицы "
                "бюджета убыточны{step}.",
        "under": "- У {channel} недостаточный бюджет: предельный ROI {roi} при текущих расходах, дополнительный "
                 "бюджет окупится{step}.",
        "step": "; расходы {chg} с {started}",
        "driver": "Крупнейший фактор изменения (разложение моделей факторов: связь, а не доказательство причины): "
                  "{feature}, {impact} выручки за период.",
        "revenue": "Выручка {chg} к предыдущему периоду ({prev} → {now}).",
        "targets": "Вне цели: {items}.",
        "target_item": "{kpi} {value} (цель {target})",
        "insufficient": "Данных недостаточно для диагностики {scope} за {start}..{end}: дней — {days}, кликов — "
                        "{clicks}, конверсий — {conv}.",
        "error": "Для {scope} нет данных за {start}..{end}, диагностика за этот период невозможна.",
        "mmm": "Причину просадки {scope} нельзя свести к этапу воронки (кликабельность, конверсия) на этих данных: "
               "это данные медиамикса — расходы и показы по периодам, без кликов и конверсий площадок. Что "
               "показывает модель отклика о его бюджете:",
    },
}


def _t(lang: str) -> dict[str, str]:
    return T.get(lang, T["en"])


def run_diagnosis(env: Env, scope: Mapping[str, str], start: date, end: date) -> Analysis:
    """``diagnose`` of ``scope`` over ``start``..``end`` with the driver and response models (the ``run_diagnose``
    of :mod:`advisor.advise.analyses` for an explicit period). The finished analysis is kept in the scan cache
    per scope, period and models (a repeated question is answered at once); the diagnosis itself runs without the
    per-scope precomputation cache, whose SHAP values of a scope's whole history cost about twice a single cold
    diagnosis."""
    cd = env.dataset.campaign_daily
    key = ("why.diagnosis", tuple(sorted(scope.items())), start, end, id(env.drivers), id(env.bundle))
    kept: tuple[object, object, Analysis] = cache_of(env).get(
        cd, key, lambda: (env.drivers, env.bundle, _diagnosis(env, scope, start, end))
    )
    if kept[0] is env.drivers and kept[1] is env.bundle:
        return kept[2]
    return _diagnosis(env, scope, start, end)


def _diagnosis(env: Env, scope: Mapping[str, str], start: date, end: date) -> Analysis:
    ds = env.dataset
    col, value = next(iter(scope.items()))
    params = {"scope": dict(scope), "from": start.isoformat(), "to": end.isoformat()}
    response: Any = dict(env.bundle.models) if env.bundle is not None else None
    try:
        d = diagnose(ds.campaign_daily, Scope(col, value), start, end, models=env.drivers, targets=ds.targets,
                     response=response)
    except (ScopeError, PeriodError) as exc:
        return Analysis("diagnose", params, {"error": str(exc), "from": start.isoformat(), "to": end.isoformat()})
    return Analysis("diagnose", params, d.to_dict(), d.findings, {"diagnosis": d, "campaign_daily": ds.campaign_daily})


def stage_findings(d: Diagnosis) -> list[Finding]:
    """Failing then warning funnel-stage findings (the diagnosis' ranking: status, then revenue at stake)."""
    found = [
        f for f in d.findings
        if f.stage in STAGES and f.check != "funnel" and f.status in (Status.FAILING, Status.WARNING)
    ]
    return sorted(found, key=lambda f: not material(f))  # stable: material ones first, the diagnosis' order kept


def main_driver(d: Diagnosis, f: Finding | None) -> Driver | None:
    """The SHAP driver that names ``f``'s cause (campaign age for fatigue, the attribute for a targeting change),
    else the one of ``f``'s KPI (else any) that lost the most revenue; the model's unexplained part is no driver."""
    drivers = [x for x in d.drivers if x.revenue is not None and x.revenue < 0 and "unexplained" not in x.feature]
    if not drivers:
        return None
    if f is not None:
        names = CAUSE_FEATURES.get(f.check, ())
        named = [x for x in drivers if any(n in x.feature for n in names)]
        own = [x for x in drivers if x.kpi in (f.stage, f.kpi)]
        drivers = named or own or drivers
    return min(drivers, key=lambda x: x.revenue or 0.0)


def _label(f: Finding, d: Diagnosis, lang: str) -> str:
    """``campaign "x" — `` for a finding of one campaign of a channel diagnosis, else empty."""
    cid = f.evidence.get("campaign_id")
    if cid is None or d.scope.column == "campaign_id":
        return ""
    return _t(lang)["who"].format(label=scope_label({"campaign_id": str(cid)}, lang))


def finding_line(f: Finding, d: Diagnosis, lang: str) -> str:
    t = _t(lang)
    who = _label(f, d, lang)
    stage = stage_word(f.stage or "", lang)
    rel = f.evidence.get("relative_change")
    if rel is None or not f.started_label:
        return t["finding_nodate"].format(who=who, stage=stage, check=check_word(check_key(f), lang))
    rates = ""
    before, now = f.evidence.get("rate_before"), f.evidence.get("rate_now")
    if isinstance(before, float) and isinstance(now, float):
        if f.stage in RATE_STAGES:
            rates = t["rates"].format(before=rate(before, lang), now=rate(now, lang))
        elif f.stage == "aov":
            rates = t["rates"].format(before=num(before, lang, 2), now=num(now, lang, 2))
    impact = num(f.impact_revenue, lang) if f.impact_revenue is not None else "—"
    check = check_word(check_key(f), lang)
    if f.evidence.get("from") is not None and f.evidence.get("to") is not None:
        check += f" {quoted(str(f.evidence['from']), lang)} → {quoted(str(f.evidence['to']), lang)}"
    return t["finding"].format(who=who, stage=stage, check=check, chg=change(float(rel), lang),
                               started=f.started_label, rates=rates, impact=impact)


def channel_line(c: ChannelView, lang: str) -> str:
    t = _t(lang)
    step = ""
    if c.spend_change is not None and c.spend_onset is not None:
        step = t["step"].format(chg=change(c.spend_change, lang), started=c.spend_onset.isoformat())
    key = "over" if c.problem == "over_funded" else "under"
    label = scope_label({"channel": c.channel}, lang)
    return t[key].format(channel=label[0].upper() + label[1:] if lang == "en" else label,
                         roi=change(c.marginal_roi, lang), step=step)


def _targets_line(kpis: Sequence[Mapping[str, Any]], lang: str) -> str | None:
    t = _t(lang)
    off = [k for k in kpis if k.get("status") == "off_track" and k.get("value") is not None and k.get("target") is not None]
    if not off:
        return None
    items = [t["target_item"].format(kpi=kpi_name(str(k["kpi"]), lang), value=kpi_value(str(k["kpi"]), float(k["value"]), lang),
                                     target=kpi_value(str(k["kpi"]), float(k["target"]), lang)) for k in off[:3]]
    return t["targets"].format(items="; ".join(items))


def _revenue_line(kpis: Sequence[Mapping[str, Any]], lang: str) -> str | None:
    row = next((k for k in kpis if k.get("kpi") == "revenue"), None)
    if row is None or row.get("change_rel") is None or row.get("previous") is None or row.get("value") is None:
        return None
    return _t(lang)["revenue"].format(chg=change(float(row["change_rel"]), lang), prev=money(float(row["previous"]), lang),
                                      now=money(float(row["value"]), lang))


def explain(d: Diagnosis, view: ChannelView | None, lang: str) -> list[str]:
    """The answer's lines for a finished diagnosis (``view``: the scope's channel as the scan judges it)."""
    t = _t(lang)
    scope = scope_label({d.scope.column: d.scope.value}, lang)
    start, end = d.start.isoformat(), d.end.isoformat()
    verdict = verdict_word(d.verdict.value, lang)
    if d.verdict.value == "insufficient_data":
        ev = d.findings[0].evidence if d.findings else {}
        return [t["insufficient"].format(scope=scope, start=start, end=end, days=num(float(ev.get("days", 0)), lang),
                                         clicks=num(float(ev.get("clicks", 0)), lang),
                                         conv=num(float(ev.get("conversions", 0)), lang))]
    staged = stage_findings(d)
    flagged = view if view is not None and view.problem is not None else None
    lines: list[str] = []
    lead = staged[0] if staged and (material(staged[0]) or flagged is None) else None
    if lead is not None:
        rel = lead.evidence.get("relative_change")
        stage = stage_word(lead.stage or "", lang)
        cid = lead.evidence.get("campaign_id")
        if cid is not None and d.scope.column != "campaign_id":  # a campaign of the diagnosed channel
            stage = t["stage_of"].format(stage=stage, label=scope_label({"campaign_id": str(cid)}, lang))
        else:
            stage = t["its"].format(stage=stage)
        key = "cause" if rel is not None and lead.started_label else "cause_nodate"
        lines.append(t[key].format(scope=scope, start=start, end=end, verdict=verdict, stage=stage,
                                   chg=change(float(rel or 0.0), lang), started=lead.started_label,
                                   check=check_word(check_key(lead), lang)))
    elif flagged is not None:
        lines.append(t[f"cause_{flagged.problem}"].format(scope=scope, start=start, end=end, verdict=verdict,
                                                          channel=scope_label({"channel": flagged.channel}, lang),
                                                          roi=change(flagged.marginal_roi, lang)))
    else:
        lines.append(t["fine"].format(scope=scope, start=start, end=end, verdict=verdict))
    lines += [finding_line(f, d, lang) for f in staged[:3]]
    if flagged is not None:
        lines.append(channel_line(flagged, lang))
    driver = main_driver(d, staged[0] if staged else None)
    if driver is not None and driver.revenue is not None:
        lines.append(t["driver"].format(feature=feature_word(driver.feature, lang), impact=num(driver.revenue, lang)))
    if not staged:
        rev = _revenue_line(d.kpis, lang)
        if rev is not None:
            lines.append(rev)
    tl = _targets_line(d.kpis, lang)
    if tl is not None:
        lines.append(tl)
    return lines


def _media_mix(question: Question, env: Env, scope: Mapping[str, str]) -> Answer:
    """``why`` on media-mix data: the reason a funnel diagnosis cannot be made, then the channel's marginal return
    and budget verdict (:mod:`advisor.advise.kinds.funding`)."""
    from advisor.advise.kinds import funding

    col, value = next(iter(scope.items()))
    cd = env.dataset.campaign_daily
    channel = value if col == "channel" else scope_channel(cd, col, value)
    lead = _t(question.lang)["mmm"].format(scope=scope_label(dict(scope), question.lang))
    if channel is None:
        return Answer((Analysis("diagnose", {"scope": dict(scope)}, {"error": "media-mix data: no funnel"}),), (lead,))
    asked = dataclasses.replace(question, kind="funding", channels=(channel,), campaigns=(), direction="more")
    inner = funding.handle(asked, env)
    verdict = next((a.result.get("verdict", {}).get("verdict") for a in inner.analyses if a.name == "funding"), None)
    if verdict == "over":  # worded as over-funding ("is over-funded: …"), not as a denial of under-funding
        inner = funding.handle(dataclasses.replace(asked, direction="less"), env)
    lines = list(inner.lines)
    if lines:
        first = re.sub(r"^(?:Yes|No|Да|Нет) — ", "", lines[0])
        lines[0] = first[:1].upper() + first[1:]
    return Answer(inner.analyses, (lead, *lines), inner.recommendations, inner.notes)


#: days of the default diagnosis window, also the least a too-short asked period is widened to (days)
MIN_DAYS = 90


def handle(question: Question, env: Env) -> Answer:
    """Diagnose the question's campaign (else channel); without either, the attention scan answers. On media-mix
    data (no platform-reported clicks or conversions) a funnel diagnosis is impossible: the answer says so and
    gives the channel's budget verdict (the ``funding`` kind's analysis) instead."""
    scope = question.scope()
    if scope is None:
        return attention.handle(question, env)
    lang = question.lang
    if not pc.platform_numbers(env.dataset):
        return _media_mix(question, env, scope)
    start, end = period_of(question, env)
    analysis = run_diagnosis(env, scope, start, end)
    d = analysis.context.get("diagnosis")
    if isinstance(d, Diagnosis) and d.verdict.value == "insufficient_data" and (end - start).days + 1 < MIN_DAYS:
        # "in recent weeks": too short a window to see an onset; diagnose the 90 days that end with it instead
        start = end - timedelta(days=MIN_DAYS - 1)
        analysis = run_diagnosis(env, scope, start, end)
        d = analysis.context.get("diagnosis")
    if not isinstance(d, Diagnosis):
        label = scope_label(dict(scope), lang)
        label = label[0].upper() + label[1:] if lang == "en" else label
        text = _t(lang)["error"].format(scope=label, start=start.isoformat(), end=end.isoformat())
        return Answer((analysis,), (text,))
    cd = env.dataset.campaign_daily
    channel = d.scope.value if d.scope.column == "channel" else scope_channel(cd, d.scope.column, d.scope.value)
    view = None
    if channel is not None:
        confounded = frozenset({channel}) if any(material(f) for f in stage_findings(d)) else frozenset()
        views = channel_views(env, d.start, d.end, cache_of(env), confounded)
        view = next((c for c in views if c.channel == channel), None)
    if view is not None and view.problem is not None:
        result = dict(analysis.result)
        result["channel_returns"] = clean(view.to_dict())
        analysis = Analysis(analysis.name, analysis.params, result, analysis.findings, analysis.context)
    lines = explain(d, view, lang)
    recs = recommend_for_diagnosis(d, cd, bundle=env.bundle, lang=lang, catalog=env.catalog)
    return Answer((analysis,), tuple(lines), tuple(recs))
