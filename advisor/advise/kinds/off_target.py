"""``off_target``: which KPIs are off target, and why? → the scorecard, and for each off-target KPI what drives it.

With targets (``targets.yaml``): the scorecard (:func:`advisor.advise.analyses.run_scorecard`) names the KPIs off
track; for each (at most :data:`MAX_KPIS`), the channels whose own value of that KPI misses its target over the
scorecard's period (``kpis_by_channel``, worst relative gap first) and the failing campaign stages of the
attention scan (:mod:`advisor.advise.kinds.scan_screen`, the 90 days to the scorecard's end) at the funnel stages
that move the KPI (:data:`KPI_STAGES`), plus the over-funded channels for the return and cost KPIs.

Without targets: one note says so, and the answer still names the KPIs that moved the wrong way most over the
last 28 days against the 28 before (``kpi_moves``) and the attention scan's failing items (what drives them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, clean, run_scorecard
from advisor.advise.kinds import attention
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.scan_screen import (
    KPI_STAGES,
    SPEND_KPIS,
    CampaignIssue,
    ChannelView,
    Screen,
    cache_of,
    last_day,
    screen,
    screen_analysis,
    screen_recommendations,
)
from advisor.advise.kinds.scan_words import change, kpi_value, quoted
from advisor.advise.question import Question
from advisor.core.names import scope_label
from advisor.core.words import kpi_name, stage_word, status_word
from advisor.kpis import compute_kpis
from advisor.kpis.business import kpi_tables
from advisor.kpis.catalog import UnknownKpiError, default_catalog
from advisor.recommend import Recommendation

MAX_KPIS = 5
#: KPIs whose recent moves are reported when no targets are set
MOVE_KPIS = ("revenue", "conversions", "roi", "roas", "ctr", "conversion_rate", "cpa", "cac", "aov", "engagement_rate")
#: smallest worsening that counts as "moved the wrong way" (below it the change rounds to "-0%")
MIN_HARM = 0.005
#: the KPIs whose move is reported on media-mix data (no platform-reported figures: the business totals instead)
BUSINESS_MOVE_KPIS = ("business_revenue", "business_conversions", "mer", "blended_cac")
MOVE_DAYS = 28
#: KPIs not split by channel here: customer-cohort KPIs need a cumulative pass over every order (slow) and are
#: judged by the ``clv`` analysis per acquisition channel
NOT_BY_CHANNEL = frozenset({"clv", "clv_cac", "repeat_rate"})

T: dict[str, dict[str, str]] = {
    "en": {
        "head": "{n} of {total} KPIs with a target are off target in {period}: {names}.",
        "head_risk": "{n} of {total} KPIs with a target are off target in {period}: {names}; {risk} more at risk.",
        "none": "No KPI is off target in {period}: {on} on track, {risk} at risk.",
        "none_kpi": "{kpi} is not off target in {period}.",
        "head_kpi": "{names} is off target in {period}.",
        "kpi_status": "{kpi} is not off target in {period}: {value} against a target of {target} ({status}).",
        "kpi": "- {kpi}{scope}: {value} against a target of {target}{why}.",
        "channels": "; worse than the target in {items}",
        "channel_item": "{label} ({value})",
        "stages": "; failing at its funnel stages: {items}",
        "stage_item": "{label} ({stage} {chg} since {started})",
        "over": "; over-funded: {items}",
        "over_item": "{label} (marginal ROI {roi})",
        "nothing": "; no channel or campaign stands out",
        "moves_head": "The KPIs that moved the wrong way most over {start}..{end} against the previous {days} days: "
                      "{items}.",
        "moves_none": "No KPI moved the wrong way over {start}..{end} against the previous {days} days.",
        "move_item": "{kpi} {chg} (now {value})",
        "drivers": "What drives them, ranked by money at stake over the next {h} days:",
        "no_drivers": "No campaign stage failed and no channel is over- or under-funded over {start}..{end}.",
        "no_targets": "No targets are set (no {file} in the data folder), so no KPI can be called off target; "
                      "the answer ranks the KPIs that moved the wrong way instead.",
    },
    "ru": {
        "head": "Вне цели в {period} — {n} из {total} KPI с целью: {names}.",
        "head_risk": "Вне цели в {period} — {n} из {total} KPI с целью: {names}; ещё под угрозой: {risk}.",
        "none": "В {period} ни один KPI не вне цели: в норме — {on}, под угрозой — {risk}.",
        "none_kpi": "{kpi} в {period} не вне цели.",
        "head_kpi": "{names} в {period} вне цели.",
        "kpi_status": "{kpi} в {period} не вне цели: {value} при цели {target} ({status}).",
        "kpi": "- {kpi}{scope}: {value} при цели {target}{why}.",
        "channels": "; хуже цели у {items}",
        "channel_item": "{label} ({value})",
        "stages": "; провалы на этапах воронки: {items}",
        "stage_item": "у {label} ({stage} {chg} с {started})",
        "over": "; избыточный бюджет: {items}",
        "over_item": "у {label} (предельный ROI {roi})",
        "nothing": "; ни один канал или кампания не выделяется",
        "moves_head": "Сильнее всего в худшую сторону за {start}..{end} по сравнению с предыдущими {days} днями "
                      "изменились: {items}.",
        "moves_none": "За {start}..{end} ни один KPI не ухудшился по сравнению с предыдущими {days} днями.",
        "move_item": "{kpi} {chg} (сейчас {value})",
        "drivers": "Что за этим стоит, по убыванию суммы под угрозой на ближайшие {h} дней:",
        "no_drivers": "За {start}..{end} нет ни провалов на этапах воронки, ни каналов с избыточным или "
                      "недостаточным бюджетом.",
        "no_targets": "Цели не заданы (в папке данных нет файла {file}), поэтому ни один KPI нельзя назвать вне "
                      "цели; вместо этого ответ называет KPI, которые ухудшились сильнее всего.",
    },
}


def _t(lang: str) -> dict[str, str]:
    return T.get(lang, T["en"])


def _direction(kpi: str) -> str:
    try:
        return str(default_catalog()[kpi].direction)
    except (UnknownKpiError, KeyError):
        return "higher"


def _scope_suffix(scope: Mapping[str, str], lang: str) -> str:
    return f" ({scope_label(scope, lang)})" if scope else ""


def run_kpis_by_channel(env: Env, kpis: Sequence[str], start: str, end: str) -> Analysis:
    """Each KPI by channel over ``start``..``end`` (the scorecard's period); KPIs without a channel value are left
    out."""
    rows: list[dict[str, Any]] = []
    tables = kpi_tables(env.dataset)
    cache = cache_of(env)
    wanted = [k for k in dict.fromkeys(kpis) if k not in NOT_BY_CHANNEL]
    try:  # one pass for all; a KPI the engine rejects is then left out alone
        frames = [compute_kpis(tables, by=("channel",), start=start, end=end, kpis=wanted, compare=False, cache=cache).frame]
    except (UnknownKpiError, ValueError):
        frames = []
        for kpi in wanted:
            try:
                frames.append(compute_kpis(tables, by=("channel",), start=start, end=end, kpis=[kpi], compare=False, cache=cache).frame)
            except (UnknownKpiError, ValueError):
                continue
    for frame in frames:
        for r in frame.to_dict("records"):
            for kpi in wanted:
                v = r.get(kpi)
                if v is not None and pd.notna(v):
                    rows.append({"kpi": kpi, "channel": str(r["channel"]), "value": float(v)})
    return Analysis("kpis_by_channel", {"kpis": wanted, "from": start, "to": end}, clean({"rows": rows}))


def run_kpi_moves(env: Env, days: int = MOVE_DAYS) -> Analysis:
    """The department-wide KPIs of :data:`MOVE_KPIS` over the last ``days`` days and their relative change against
    the ``days`` before; ``harm``: the change in the worse direction (positive = worse)."""
    end = last_day(env)
    start = end - pd.Timedelta(days=days - 1)
    params = {"from": str(start.date()), "to": str(end.date()), "days": days}
    kpis = MOVE_KPIS if pc.platform_numbers(env.dataset) else BUSINESS_MOVE_KPIS
    tables = kpi_tables(env.dataset)
    if kpis is BUSINESS_MOVE_KPIS and "business_daily" not in tables:
        kpis = MOVE_KPIS
    frame = compute_kpis(tables, start=start.date(), end=end.date(), kpis=list(kpis), compare=True,
                         cache=cache_of(env)).frame
    row = frame.iloc[0].to_dict() if len(frame) else {}
    moves: list[dict[str, Any]] = []
    for kpi in kpis:
        v, rel = row.get(kpi), row.get(f"{kpi}_change_rel")
        if v is None or rel is None or not (pd.notna(v) and pd.notna(rel)):
            continue
        harm = float(rel) if _direction(kpi) == "lower" else -float(rel)
        moves.append({"kpi": kpi, "value": float(v), "change_rel": float(rel), "harm": harm})
    moves.sort(key=lambda m: -m["harm"])
    return Analysis("kpi_moves", params, clean({"period": {"from": params["from"], "to": params["to"]}, "moves": moves,
                                                  "days": days}))


def scorecard(env: Env) -> Analysis:
    """:func:`advisor.advise.analyses.run_scorecard`, kept in the scan cache per dataset and targets."""
    ds = env.dataset
    kept: tuple[object, Analysis] = cache_of(env).get(
        ds.campaign_daily, ("off_target.scorecard", id(ds.targets)), lambda: (ds.targets, run_scorecard(ds))
    )
    return kept[1] if kept[0] is ds.targets else run_scorecard(ds)


def _worse(kpi: str, value: float, target: float) -> bool:
    return value < target if _direction(kpi) == "higher" else value > target


def kpi_line(line: Mapping[str, Any], by_channel: Sequence[Mapping[str, Any]], s: Screen, lang: str) -> tuple[str, set[str]]:
    """The line of one off-target KPI and the scopes it names (``campaign_id:x`` / ``channel:x``)."""
    t = _t(lang)
    kpi, value, target = str(line["kpi"]), float(line["value"]), float(line["target"])
    scope = {str(k): str(v) for k, v in (line.get("scope") or {}).items()}
    named: set[str] = set()
    why = ""
    chans = [r for r in by_channel if r["kpi"] == kpi and (not scope.get("channel") or r["channel"] == scope["channel"])]
    below = [r for r in chans if _worse(kpi, float(r["value"]), target)]
    if not scope.get("channel") and below:
        below.sort(key=lambda r: -abs(float(r["value"]) - target) / max(abs(target), 1e-12))
        items = [t["channel_item"].format(label=scope_label({"channel": r["channel"]}, lang),
                                          value=kpi_value(kpi, float(r["value"]), lang)) for r in below[:3]]
        why += t["channels"].format(items=", ".join(items))
        named |= {f"channel:{r['channel']}" for r in below[:3]}
    stages = KPI_STAGES.get(kpi, ())
    issues = [i for i in s.failing() if i.finding.stage in stages and (not scope.get("channel") or i.channel == scope["channel"])]
    issues.sort(key=lambda i: -(i.money_at_stake or 0.0))
    if issues:
        items = [_stage_item(i, lang) for i in issues[:3]]
        why += t["stages"].format(items=", ".join(items))
        named |= {f"campaign_id:{i.campaign_id}" for i in issues[:3]}
    over: list[ChannelView] = []
    if kpi in SPEND_KPIS:
        over = [c for c in s.flagged() if c.problem == "over_funded" and (not scope.get("channel") or c.channel == scope["channel"])]
    if over:
        items = [t["over_item"].format(label=scope_label({"channel": c.channel}, lang), roi=change(c.marginal_roi, lang))
                 for c in over[:3]]
        why += t["over"].format(items=", ".join(items))
        named |= {f"channel:{c.channel}" for c in over[:3]}
    if not why:
        why = t["nothing"]
    text = t["kpi"].format(kpi=kpi_name(kpi, lang), scope=_scope_suffix(scope, lang), value=kpi_value(kpi, value, lang),
                           target=kpi_value(kpi, target, lang), why=why)
    return text, named


def _stage_item(i: CampaignIssue, lang: str) -> str:
    f = i.finding
    return _t(lang)["stage_item"].format(
        label=scope_label({"campaign_id": i.campaign_id}, lang), stage=stage_word(f.stage or "", lang),
        chg=change(float(f.evidence.get("relative_change", 0.0)), lang), started=f.started_label or "—",
    )


def _recs_for(recs: Sequence[Recommendation], named: set[str]) -> list[Recommendation]:
    """The recommendations about the scopes the lines name (a budget move: its source channel)."""
    return [r for r in recs if any(f"{k}:{v}" in named for k, v in r.scope.items())]


def _scan(env: Env, end: date) -> Screen:
    return screen(env, (pd.Timestamp(end) - pd.Timedelta(days=89)).date(), end)


def _no_targets(question: Question, env: Env, reason: str | None = None) -> Answer:
    lang = question.lang
    t = _t(lang)
    moves = run_kpi_moves(env)
    res = moves.result
    period = res["period"]
    worse = [m for m in res["moves"] if m["harm"] >= MIN_HARM][:3]
    lines: list[str] = []
    if worse:
        items = [t["move_item"].format(kpi=kpi_name(m["kpi"], lang), chg=change(m["change_rel"], lang),
                                       value=kpi_value(m["kpi"], m["value"], lang)) for m in worse]
        lines.append(t["moves_head"].format(start=period["from"], end=period["to"], days=res["days"], items=", ".join(items)))
    else:
        lines.append(t["moves_none"].format(start=period["from"], end=period["to"], days=res["days"]))
    s = _scan(env, last_day(env).date())
    scan = attention.answer_for(s, env, lang)
    if s.ranked():
        lines.append(t["drivers"].format(h=scan.analyses[0].result["horizon_days"]))
        lines += attention.item_lines(s, lang, limit=5)
    else:
        lines.append(t["no_drivers"].format(start=s.start.isoformat(), end=s.end.isoformat()))
    note = reason if reason is not None else t["no_targets"].format(file=quoted("targets.yaml", lang))
    return Answer((moves, *scan.analyses), tuple(lines), scan.recommendations, (note, *scan.notes))


def handle(question: Question, env: Env) -> Answer:
    """The scorecard's off-target KPIs (the question's KPI only, when it names one) and what drives each; without
    targets, one note and the KPIs that moved the wrong way with the attention scan's failing items."""
    lang = question.lang
    t = _t(lang)
    if env.dataset.targets is None:
        return _no_targets(question, env)
    sc = scorecard(env)
    if "error" in sc.result:
        return _no_targets(question, env)
    res = sc.result
    period = str(res.get("period"))
    every = [k for g in res.get("groups", []) for k in g.get("kpis", [])]
    judged = [k for k in every if k.get("status") in ("on_track", "at_risk", "off_track")]
    off = [k for k in judged if k.get("status") == "off_track" and k.get("value") is not None and k.get("target") is not None]
    if question.kpi:
        off = [k for k in off if k.get("kpi") == question.kpi]
    off.sort(key=lambda k: float(k.get("score") if k.get("score") is not None else 100.0))  # furthest off first
    counts = res.get("counts") or {}
    risk = int(counts.get("at_risk", 0))
    end = pd.Timestamp(str(res.get("end") or last_day(env).date())).date()
    s = _scan(env, end)
    lines: list[str] = []
    if not off:
        asked = [k for k in judged if k.get("kpi") == question.kpi and k.get("value") is not None and not k.get("scope")]
        if question.kpi and asked:
            k = asked[0]
            lines.append(t["kpi_status"].format(
                kpi=kpi_name(question.kpi, lang), period=period, value=kpi_value(question.kpi, float(k["value"]), lang),
                target=kpi_value(question.kpi, float(k["target"]), lang), status=status_word(str(k["status"]), lang),
            ))
        elif question.kpi:
            lines.append(t["none_kpi"].format(kpi=kpi_name(question.kpi, lang), period=period))
        else:
            lines.append(t["none"].format(period=period, on=int(counts.get("on_track", 0)), risk=risk))
        return Answer((sc,), tuple(_cap(lines)))
    sc = Analysis(sc.name, sc.params, {**res, "kpis_with_target": len(judged), "off_target": len(off)}, sc.findings,
                  sc.context)
    names = ", ".join(kpi_name(str(k["kpi"]), lang) + _scope_suffix(k.get("scope") or {}, lang) for k in off)
    key = "head_kpi" if question.kpi else "head_risk" if risk else "head"
    lines.append(t[key].format(n=len(off), total=len(judged), period=period, names=names, risk=risk))
    shown = off[:MAX_KPIS]
    by_channel = run_kpis_by_channel(env, [str(k["kpi"]) for k in shown], str(res.get("start")), str(res.get("end")))
    named: set[str] = set()
    for k in shown:
        text, scopes = kpi_line(k, by_channel.result["rows"], s, lang)
        lines.append(text)
        named |= scopes
    recs = _recs_for(screen_recommendations(s, env, lang), named)
    return Answer((sc, by_channel, screen_analysis(s)), tuple(_cap(lines)), tuple(recs))


def _cap(lines: list[str]) -> list[str]:
    """The first line starts with a capital (it may open with a KPI name)."""
    return [lines[0][:1].upper() + lines[0][1:], *lines[1:]] if lines else lines
