"""``attention``: what needs attention? Every campaign and every channel is scanned over the question's period
(default: the last 90 days) and the failing ones are ranked by money at stake over the next 28 days
(:mod:`advisor.advise.kinds.scan_screen` defines the scan and the money at stake).

Speed: the scan runs the stage checks of a campaign diagnosis without driver models (the full diagnosis with SHAP
drivers costs about 0.5–1 s per campaign cold, ~20 s for a world of 20 campaigns; the stage checks of all of them
about 0.2–0.4 s), and the channels' marginal returns. The answer's analysis is ``attention`` (its ``result``
holds every number the lines write).
"""

from __future__ import annotations

import pandas as pd

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.scan_screen import (
    HORIZON_DAYS,
    KPI_STAGES,
    SHARE,
    SPEND_KPIS,
    STAGES,
    CampaignIssue,
    ChannelView,
    Screen,
    check_key,
    period_of,
    screen,
    screen_analysis,
    screen_recommendations,
)
from advisor.advise.kinds.scan_words import change, check_word, money, quoted
from advisor.advise.question import Question
from advisor.core.names import scope_label
from advisor.core.words import stage_word

T: dict[str, dict[str, str]] = {
    "en": {
        "head": "{n} item(s) need attention over {start}..{end}, ranked by money at stake over the next {h} days "
                "({total} in total):",
        "none": "Nothing needs urgent attention over {start}..{end}: no failing campaign stage and no over- or "
                "under-funded channel among {k} campaign(s) and {m} channel(s) scanned.",
        "campaign": "{rank}. {who} ({ch}) — {stage}: {chg} since {started}, {check}{attr}; about {money} at stake.",
        "campaign_nodate": "{rank}. {who} ({ch}) — {stage}: {check}.",
        "attr": ", {attribute} switched from {old} to {new}",
        "over": "{rank}. {who} — {stage}: {check}, marginal ROI {roi} at its current spend (the last units of spend "
                "lose money){step}; about {money} to save by cutting its spend {share}.",
        "under": "{rank}. {who} — {stage}: {check}, marginal ROI {roi} at its current spend (money left on the "
                 "table){step}; about {money} to gain by raising its spend {share}.",
        "step": ", spend {chg} since {started}",
        "tail": "Scanned {k} campaign(s) and {m} channel(s); the others show no failing problem.",
        "tail_mmm": "Scanned {m} channel(s) (media-mix data has no campaigns); the others show no failing problem.",
        "none_mmm": "Nothing needs urgent attention over {start}..{end}: no channel's spend, response or budget "
                    "shows a failing problem among the {k} channel(s) scanned (media-mix data has no campaigns).",
        "watch": "Weaker signals to watch: {items}.",
        "watch_item": "{who} ({stage} {chg})",
        "local": "Channel returns are local elasticity estimates: no trained response models.",
        "no_revenue": "Channel budgets are not judged: the models have no revenue, which marginal ROI needs (ask which "
                      "channel deserves more budget for the cost per extra conversion).",
        "scope_none": "No campaign or channel of {scope} needs urgent attention over {start}..{end}.",
    },
    "ru": {
        "head": "Требуют внимания за {start}..{end} (пунктов: {n}), по убыванию суммы под угрозой на ближайшие "
                "{h} дней (всего {total}):",
        "none": "За {start}..{end} срочного внимания ничего не требует: среди проверенных кампаний ({k}) и каналов "
                "({m}) нет ни провала на этапах воронки, ни канала с избыточным или недостаточным бюджетом.",
        "campaign": "{rank}. У {who} ({ch}) — {stage}: {chg} с {started}, {check}{attr}; под угрозой около {money}.",
        "campaign_nodate": "{rank}. У {who} ({ch}) — {stage}: {check}.",
        "attr": ", аудитория сменилась с {old} на {new}",
        "over": "{rank}. У {who} — {stage}: {check}, предельный ROI {roi} при текущих расходах (последние единицы "
                "бюджета убыточны){step}; около {money} можно сэкономить, сократив расходы на {share}.",
        "under": "{rank}. У {who} — {stage}: {check}, предельный ROI {roi} при текущих расходах (недополученная "
                 "выручка){step}; около {money} можно выиграть, увеличив расходы на {share}.",
        "step": ", расходы {chg} с {started}",
        "tail": "Проверено кампаний: {k}, каналов: {m}; у остальных серьёзных проблем не найдено.",
        "tail_mmm": "Проверено каналов: {m} (в данных медиамикса нет кампаний); у остальных серьёзных проблем не найдено.",
        "none_mmm": "За {start}..{end} срочного внимания ничего не требует: среди проверенных каналов ({k}) ни у "
                    "одного нет серьёзной проблемы с расходами, откликом или бюджетом (в данных медиамикса нет кампаний).",
        "watch": "Слабые сигналы, за которыми стоит следить: {items}.",
        "watch_item": "{who} ({stage} {chg})",
        "local": "Предельная отдача каналов оценена по локальной эластичности: обученных моделей отклика нет.",
        "no_revenue": "Бюджеты каналов не оценены: у моделей нет выручки, а она нужна для предельного ROI (спросите, "
                      "какому каналу добавить бюджет, — ответ покажет стоимость дополнительной конверсии).",
        "scope_none": "У {scope} за {start}..{end} срочного внимания ничего не требует.",
    },
}
#: the attribute switch sentence in Russian names the attribute itself
ATTRIBUTES_RU = {"audience": "аудитория", "creative_type": "тип креатива", "objective": "цель кампании",
                 "region": "регион"}


def _t(lang: str) -> dict[str, str]:
    return T.get(lang, T["en"])


def campaign_line(rank: int, i: CampaignIssue, lang: str) -> str:
    t = _t(lang)
    f = i.finding
    who = scope_label({"campaign_id": i.campaign_id}, lang)
    ch = scope_label({"channel": i.channel}, lang) if i.channel else ""
    ch = ch.replace("канала", "канал") if lang == "ru" else ch
    stage = stage_word(f.stage or "", lang)
    rel = f.evidence.get("relative_change")
    if rel is None or not f.started_label:
        return t["campaign_nodate"].format(rank=rank, who=who, ch=ch, stage=stage, check=check_word(check_key(f), lang))
    attr = ""
    if f.evidence.get("from") is not None and f.evidence.get("to") is not None:
        attribute = str(f.evidence.get("attribute", ""))
        name = ATTRIBUTES_RU.get(attribute, quoted(attribute, lang)) if lang == "ru" else attribute
        attr = t["attr"].format(attribute=name, old=quoted(str(f.evidence["from"]), lang),
                                new=quoted(str(f.evidence["to"]), lang))
        if lang == "ru" and attribute != "audience":
            attr = attr.replace("аудитория сменилась", f"{name}: смена")
    amount = money(i.money_at_stake, lang) if i.money_at_stake is not None else "—"
    check = attr[2:] if attr else check_word(check_key(f), lang)  # an attribute switch names the cause itself
    return t["campaign"].format(rank=rank, who=who, ch=ch, stage=stage, chg=change(float(rel), lang),
                                started=f.started_label, check=check, attr="", money=amount)


def channel_line(rank: int, c: ChannelView, lang: str) -> str:
    t = _t(lang)
    step = ""
    if c.spend_change is not None and c.spend_onset is not None:
        step = t["step"].format(chg=change(c.spend_change, lang), started=c.spend_onset.isoformat())
    key = "over" if c.problem == "over_funded" else "under"
    return t[key].format(
        rank=rank, who=scope_label({"channel": c.channel}, lang), stage=stage_word(c.stage or "", lang),
        check=check_word(c.problem or "", lang), roi=change(c.marginal_roi, lang), step=step,
        money=money(c.money_at_stake or 0.0, lang), share=f"{SHARE:.0%}",
    )


def item_lines(s: Screen, lang: str, limit: int = 8) -> list[str]:
    """One line per ranked item (campaign stage or channel), at most ``limit``."""
    out = []
    for rank, item in enumerate(s.ranked()[:limit], 1):
        out.append(campaign_line(rank, item, lang) if isinstance(item, CampaignIssue) else channel_line(rank, item, lang))
    return out


def restrict(s: Screen, channels: tuple[str, ...], campaigns: tuple[str, ...]) -> Screen:
    """The scan limited to the question's channels and campaigns (unchanged when it names none): their stage
    issues and the named channels' views."""
    if not channels and not campaigns:
        return s
    issues = tuple(i for i in s.issues if i.channel in channels or i.campaign_id in campaigns)
    return Screen(s.start, s.end, s.campaigns, issues, tuple(c for c in s.channels if c.channel in channels),
                  s.rank_channels)


def for_kpi(s: Screen, kpi: str) -> Screen:
    """The scan limited to what moves ``kpi``: campaign issues at its funnel stages (``KPI_STAGES``; every stage for
    a KPI not listed) and, for the return, cost and volume KPIs, the over-/under-funded channels."""
    stages = KPI_STAGES.get(kpi, STAGES)
    issues = tuple(i for i in s.issues if i.finding.stage in stages)
    keep_channels = kpi in SPEND_KPIS or kpi in ("revenue", "conversions", "new_customers")
    return Screen(s.start, s.end, s.campaigns, issues, s.channels, s.rank_channels and keep_channels)


#: at most this many weaker signals are named
WATCH = 3


def _watch_line(s: Screen, lang: str, dated_only: bool = False) -> str | None:
    """"Weaker signals to watch": warning-level stage findings (not failing), largest money at stake first.
    ``dated_only``: only those with an onset inside the scanned period and a revenue loss (beside a ranked list,
    the older or cost-free ones are noise)."""
    t = _t(lang)
    watch = s.warnings()
    if dated_only:
        watch = [i for i in watch if i.money_at_stake is not None and i.days is not None
                 and i.finding.started_label is not None and pd.Timestamp(i.finding.started_label) >= pd.Timestamp(s.start)]
        watch.sort(key=lambda i: -(i.money_at_stake or 0.0))
    if not watch:
        return None
    items = [
        t["watch_item"].format(
            who=scope_label({"campaign_id": i.campaign_id}, lang), stage=stage_word(i.finding.stage or "", lang),
            chg=change(float(i.finding.evidence.get("relative_change", 0.0)), lang),
        )
        for i in watch[:WATCH]
    ]
    return t["watch"].format(items="; ".join(items))


def answer_for(s: Screen, env: Env, lang: str, scope_text: str | None = None) -> Answer:
    """The attention answer for a finished scan (also ``why`` without a scope and ``off_target`` reuse it)."""
    t = _t(lang)
    start, end = s.start.isoformat(), s.end.isoformat()
    analysis = screen_analysis(s)
    ranked = s.ranked()
    lines: list[str] = []
    if ranked:
        total = sum(i.money_at_stake or 0.0 for i in ranked)
        lines.append(t["head"].format(n=len(ranked), start=start, end=end, h=HORIZON_DAYS, total=money(total, lang)))
        lines += item_lines(s, lang)
        tail = "tail_mmm" if env.dataset.campaign_source == "mmm" else "tail"
        lines.append(t[tail].format(k=len(s.campaigns), m=len(s.channels)))
        watch_line = _watch_line(s, lang, dated_only=True)
        if watch_line is not None:
            lines.append(watch_line)
    else:
        if scope_text is not None:
            lines.append(t["scope_none"].format(scope=scope_text, start=start, end=end))
        else:
            none = "none_mmm" if env.dataset.campaign_source == "mmm" else "none"
            lines.append(t[none].format(start=start, end=end, k=len(s.campaigns), m=len(s.channels)))
        watch_line = _watch_line(s, lang)
        if watch_line is not None:
            lines.append(watch_line)
    notes: tuple[str, ...] = (t["local"],) if env.bundle is None and s.flagged() else ()
    if env.bundle is not None and "revenue" not in env.bundle.models and not s.channels:
        notes = (*notes, t["no_revenue"])
    return Answer((analysis,), tuple(lines), tuple(screen_recommendations(s, env, lang)), notes)


def handle(question: Question, env: Env) -> Answer:
    """Scan every campaign and channel over the question's period (default: last 90 days) and rank the failing
    ones by money at stake; a question naming channels or campaigns keeps only those."""
    lang = question.lang
    start, end = period_of(question, env)
    s = screen(env, start, end)
    scope_text = None
    if question.kpi:
        s = for_kpi(s, question.kpi)
    if question.channels or question.campaigns:
        s = restrict(s, question.channels, question.campaigns)
        scope = {"channel": question.channels[0]} if question.channels else {"campaign_id": question.campaigns[0]}
        scope_text = scope_label(scope, lang)
    return answer_for(s, env, lang, scope_text)
