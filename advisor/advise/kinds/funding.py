"""``funding``: "is email under-funded?", "which channel deserves more budget?", "which is over-funded?".

Per channel: the marginal ROI at its run-rate spend (:func:`advisor.diagnostics.bundle_returns`, from the
response curves; without models :func:`advisor.diagnostics.local_returns`, a local elasticity of the last 28 days)
and, with models, its saturation: the share of the response ceiling its run-rate spend reaches on the revenue
curve (``beta · sat(spend)`` of ``beta``; 50% at the half-saturation point).

Verdict rule (marginal ROI = extra revenue per extra unit of spend − 1):

* **under-funded**: marginal ROI > 0 and the channel is the best one, or marginal ROI ≥ :data:`CLEAR_ROI` (+50%:
  each extra unit clearly returns more than it costs);
* **over-funded**: marginal ROI < 0 (the last units of spend lose money);
* otherwise **near its efficient level**.

For a named channel the answer opens with an explicit verdict: EN ``Yes — ...`` / ``No — ...``, RU ``Да — ...`` /
``Нет — ...`` (about under-funding, or over-funding when ``question.direction == "less"``). Without a named channel
it opens with the channel that deserves more (``direction`` more/None) or the over-funded ones (``less``), then
ranks every channel, the one deserving more first: ``- "search": marginal ROI +250%, 45% of its response
ceiling, 1,230 per day — under-funded``. The recommendation moves budget from the weakest channel INTO an
under-funded one (or out of an over-funded one into the best), never against the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question
from advisor.core.findings import Finding
from advisor.diagnostics import bundle_returns, local_returns
from advisor.narrative.template import num, sig
from advisor.recommend import Recommendation
from advisor.recommend.impact import reallocate
from models.forecast import expected_totals
from models.plan import Plan, PlanError, reference_plan
from models.response import ResponseBundle

#: marginal ROI from which a channel that is not the best still counts as under-funded (+50%)
CLEAR_ROI = 0.5
#: share of the source channel's spend over :data:`HORIZON_DAYS` a recommended move shifts
MOVE_SHARE = 0.2
HORIZON_DAYS = 28

T: dict[str, dict[str, str]] = {
    "en": {
        "under": "under-funded", "over": "over-funded", "ok": "near its efficient level",
        "yes_under": "Yes — {ch} is under-funded: its marginal ROI is {roi} at the run-rate spend{rank}, so more "
                     "budget there would likely pay.",
        "no_over": "No — {ch} is over-funded, not under-funded: its marginal ROI is {roi} at the run-rate spend, so "
                   "its last units of spend lose money.",
        "no_ok": "No — {ch} is near its efficient level: its marginal ROI is {roi} at the run-rate spend, below the "
                 "+50% that would make it clearly under-funded{best}.",
        "yes_over": "Yes — {ch} is over-funded: its marginal ROI is {roi} at the run-rate spend, so its last units "
                    "of spend lose money.",
        "no_under": "No — {ch} is under-funded, not over-funded: its marginal ROI is {roi} at the run-rate spend{rank}.",
        "no_ok_less": "No — {ch} is not over-funded: its marginal ROI is {roi} at the run-rate spend, at or above "
                      "break-even.",
        "rank_best": " (the highest of {n} channels)", "best": "; the best is {ch} at {roi}",
        "more": "{ch} deserves more budget: its marginal ROI is {roi} at the run-rate spend, the highest of {n} "
                "channels.",
        "more_none": "No channel deserves more budget: every marginal ROI is below break-even (the best is {ch} at "
                     "{roi}).",
        "less": "Over-funded (marginal ROI below zero): {items}.",
        "less_none": "No channel is over-funded: every marginal ROI is at or above break-even (the lowest is {ch} at "
                     "{roi}).",
        "saturation": "{ch} reaches {sat} of its response ceiling at {spend} per day (half-saturation at {half} per "
                      "day).",
        "ranking": "Channels, the one deserving more budget first:",
        "row": "- {ch}: marginal ROI {roi}{sat}, {spend} per day — {verdict}",
        "row_sat": ", {sat} of its response ceiling",
        "unknown": "{ch} has no marginal ROI estimate (no recent spend, or too little variation in it).",
        "local": "Without response models, marginal ROI is a local elasticity of the last 28 days (less reliable).",
        "none": "No channel has a marginal ROI estimate.",
        "conv_lead": "Marginal ROI needs revenue, and the models have conversions only, so whether {ch} is under- or "
                     "over-funded cannot be judged in money. What they do show: {ch} costs {cost} per extra conversion "
                     "at the run-rate spend ({rank} of {n} channels; the cheapest is {best} at {best_cost}).",
        "conv_lead_any": "Marginal ROI needs revenue, and the models have conversions only, so under- or over-funding "
                         "cannot be judged in money. The next unit of budget buys conversions most cheaply on {best} "
                         "({best_cost} per extra conversion at the run-rate spend) and most dearly on {worst} "
                         "({worst_cost}).",
        "conv_rank": "Cost per extra conversion at the run-rate spend, cheapest first:",
        "conv_row": "- {ch}: {cost} per extra conversion, {spend} per day",
        "conv_row_none": "- {ch}: no measurable extra conversions, {spend} per day",
        "cheapest": "the cheapest", "dearest": "the dearest", "middle": "number {k}",
        "move": "Move {amount} of spend over the next {h} days from {src} to {dst}",
        "move_why": "Marginal ROI of {src} is {src_roi} against {dst_roi} for {dst}: the last units of spend earn "
                    "more there.",
        "cut": "Cut the spend of {src} until its marginal ROI is positive",
        "cut_why": "The next unit of spend in {src} loses money (marginal ROI {src_roi}).",
    },
    "ru": {
        "under": "недофинансирован", "over": "перефинансирован", "ok": "около эффективного уровня",
        "yes_under": "Да — {ch} недофинансирован: предельный ROI {roi} при текущем темпе расходов{rank}, поэтому "
                     "дополнительный бюджет там, скорее всего, окупится.",
        "no_over": "Нет — {ch} перефинансирован, а не недофинансирован: предельный ROI {roi} при текущем темпе "
                   "расходов, последние единицы бюджета убыточны.",
        "no_ok": "Нет — {ch} около эффективного уровня: предельный ROI {roi} при текущем темпе расходов, ниже "
                 "+50%, с которых канал явно недофинансирован{best}.",
        "yes_over": "Да — {ch} перефинансирован: предельный ROI {roi} при текущем темпе расходов, последние единицы "
                    "бюджета убыточны.",
        "no_under": "Нет — {ch} недофинансирован, а не перефинансирован: предельный ROI {roi} при текущем темпе "
                    "расходов{rank}.",
        "no_ok_less": "Нет — {ch} не перефинансирован: предельный ROI {roi} при текущем темпе расходов, не ниже "
                      "безубыточности.",
        "rank_best": " (самый высокий из {n} каналов)", "best": "; лучший — {ch}, {roi}",
        "more": "Больше бюджета заслуживает {ch}: предельный ROI {roi} при текущем темпе расходов, самый высокий из "
                "{n} каналов.",
        "more_none": "Ни один канал не заслуживает большего бюджета: предельный ROI везде ниже безубыточности "
                     "(лучший — {ch}, {roi}).",
        "less": "Перефинансированы (предельный ROI ниже нуля): {items}.",
        "less_none": "Перефинансированных каналов нет: предельный ROI везде не ниже безубыточности (самый низкий — "
                     "{ch}, {roi}).",
        "saturation": "{ch} достигает {sat} потолка отклика при {spend} в день (половина насыщения при {half} в "
                      "день).",
        "ranking": "Каналы, начиная с заслуживающего большего бюджета:",
        "row": "- {ch}: предельный ROI {roi}{sat}, {spend} в день — {verdict}",
        "row_sat": ", {sat} потолка отклика",
        "unknown": "Для {ch} нет оценки предельного ROI (нет недавних расходов или они почти не менялись).",
        "local": "Без моделей отклика предельный ROI — локальная эластичность за последние 28 дней (менее надёжно).",
        "none": "Ни для одного канала нет оценки предельного ROI.",
        "conv_lead": "Для предельного ROI нужна выручка, а модели знают только конверсии, поэтому в деньгах не "
                     "оценить, недо- или перефинансирован {ch}. Что видно: дополнительная конверсия в {ch_loc} стоит "
                     "{cost} при текущем темпе расходов ({rank} из {n} каналов; дешевле всего в {best_loc}: "
                     "{best_cost}).",
        "conv_lead_any": "Для предельного ROI нужна выручка, а модели знают только конверсии, поэтому недо- или "
                         "перефинансирование в деньгах не оценить. Следующая единица бюджета дешевле всего даёт "
                         "конверсии в {best_loc} ({best_cost} за дополнительную конверсию при текущем темпе) и "
                         "дороже всего в {worst_loc} ({worst_cost}).",
        "conv_rank": "Стоимость дополнительной конверсии при текущем темпе, от самого дешёвого канала:",
        "conv_row": "- {ch}: {cost} за дополнительную конверсию, {spend} в день",
        "conv_row_none": "- {ch}: без измеримых дополнительных конверсий, {spend} в день",
        "cheapest": "самый дешёвый", "dearest": "самый дорогой", "middle": "место {k}",
        "move": "Перенесите {amount} бюджета на ближайшие {h} дней из {src} в пользу {dst}",
        "move_why": "Предельный ROI {src} {src_roi} против {dst_roi} у {dst}: последние единицы бюджета там "
                    "приносят больше.",
        "cut": "Сократите расходы {src}, пока предельный ROI не станет положительным",
        "cut_why": "Следующая единица бюджета в {src} убыточна (предельный ROI {src_roi}).",
    },
}


@dataclass(frozen=True)
class ChannelReturn:
    """One channel's marginal return: ``marginal_roi`` (fraction), ``spend_per_day`` (currency),
    ``saturation`` (share of the response ceiling reached, None without models), ``half_saturation`` (spend per
    day), ``verdict`` (``under``/``over``/``ok``) and the finding it came from."""

    channel: str
    marginal_roi: float
    spend_per_day: float
    saturation: float | None
    half_saturation: float | None
    verdict: str
    finding: Finding

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "marginal_roi": self.marginal_roi, "spend_per_day": self.spend_per_day,
                "saturation": self.saturation, "half_saturation": self.half_saturation, "verdict": self.verdict}


def verdict_of(roi: float, best: float) -> str:
    """``under`` / ``over`` / ``ok`` by the module's rule (``best``: the highest marginal ROI of the channels)."""
    if roi > 0 and (roi >= best or roi >= CLEAR_ROI):
        return "under"
    return "over" if roi < 0 else "ok"


def _saturation(bundle: ResponseBundle | None, channel: str) -> tuple[float | None, float | None]:
    if bundle is None:
        return None, None
    m = bundle.models.get("revenue") or bundle.models.get("conversions")
    tr = m.transforms_.get(channel) if m is not None else None
    if tr is None:
        return None, None
    spend = float(bundle.context.run_rate.get(channel, 0.0))
    return float(tr.saturate(spend)), float(tr.half_saturation)


def channel_returns(findings: Sequence[Finding], bundle: ResponseBundle | None) -> list[ChannelReturn]:
    """The channels with a marginal ROI, best first, each with its verdict."""
    rows = [(f.scope["channel"], float(f.evidence["marginal_roi"]), float(f.evidence.get("spend_per_day", 0.0)), f)
            for f in findings if isinstance(f.evidence.get("marginal_roi"), int | float) and "channel" in f.scope]
    if not rows:
        return []
    best = max(r[1] for r in rows)
    out = []
    for ch, roi, spend, f in sorted(rows, key=lambda r: -r[1]):
        sat, half = _saturation(bundle, ch)
        out.append(ChannelReturn(ch, roi, spend, sat, half, verdict_of(roi, best), f))
    return out


def _subject(channel: str, lang: str, cap: bool = False) -> str:
    """The channel as the subject of a sentence (RU nominative ``канал «x»``), capitalised when it opens one."""
    label = pc.channel_label(channel, lang, "acc")
    return label[:1].upper() + label[1:] if cap else label


def _roi(x: float, lang: str) -> str:
    return pc.signed_pct(x, lang)


def _move(src: ChannelReturn, dst: ChannelReturn, bundle: ResponseBundle | None, lang: str) -> Recommendation | None:
    """Move :data:`MOVE_SHARE` of ``src``'s spend into ``dst`` when the response curves say it pays."""
    if src.channel == dst.channel or dst.marginal_roi <= 0 or src.marginal_roi >= dst.marginal_roi:
        return None
    impact = reallocate(src.finding, dst.finding, MOVE_SHARE, HORIZON_DAYS, bundle)
    if impact.value is None or impact.value <= 0:
        return None
    t = T[lang]
    s, d = pc.channel_label(src.channel, lang), pc.channel_label(dst.channel, lang)
    amount = float(impact.extra.get("amount", 0.0))
    evidence: dict[str, Any] = {"marginal_roi": src.marginal_roi, "spend_per_day": src.spend_per_day,
                                "to_marginal_roi": dst.marginal_roi, "to_spend_per_day": dst.spend_per_day,
                                "to_channel": dst.channel, "amount": amount, "horizon_days": HORIZON_DAYS}
    d_acc = pc.channel_label(dst.channel, lang, "gen")
    return Recommendation(
        "move_budget",
        t["move"].format(amount=num(amount, lang), h=HORIZON_DAYS, src=s, dst=d_acc),
        t["move_why"].format(src=s, dst=d, src_roi=_roi(src.marginal_roi, lang), dst_roi=_roi(dst.marginal_roi, lang)),
        impact.value, "revenue", "currency", 0.7 if impact.source == "response_model" else 0.5,
        {"channel": src.channel}, evidence, ("marginal_return", "marginal_return"), impact.source, HORIZON_DAYS,
    )


def _cut(src: ChannelReturn, lang: str) -> Recommendation:
    t = T[lang]
    s = pc.channel_label(src.channel, lang)
    return Recommendation(
        "cut_saturated_spend", t["cut"].format(src=s), t["cut_why"].format(src=s, src_roi=_roi(src.marginal_roi, lang)),
        None, None, None, 0.5, {"channel": src.channel},
        {"marginal_roi": src.marginal_roi, "spend_per_day": src.spend_per_day}, ("marginal_return",),
    )


def _recommend(rows: Sequence[ChannelReturn], src: ChannelReturn | None, dst: ChannelReturn | None,
               bundle: ResponseBundle | None, lang: str) -> tuple[Recommendation, ...]:
    """A move from ``src`` into ``dst`` when it pays; else cutting an over-funded ``src``."""
    if src is not None and dst is not None:
        rec = _move(src, dst, bundle, lang)
        if rec is not None:
            return (rec,)
    if src is not None and src.verdict == "over":
        return (_cut(src, lang),)
    return ()


def _named_answer(named: ChannelReturn, rows: Sequence[ChannelReturn], less: bool, lang: str
                  ) -> tuple[str, ChannelReturn | None, ChannelReturn | None]:
    """The verdict line for a named channel and the move (source, destination) consistent with it."""
    t = T[lang]
    ch, roi = _subject(named.channel, lang), _roi(named.marginal_roi, lang)
    best, worst = rows[0], rows[-1]
    rank = t["rank_best"].format(n=len(rows)) if named is best else ""
    others = [r for r in rows if r is not named]
    weakest = others[-1] if others else None
    if named.verdict == "under":
        line = t["no_under" if less else "yes_under"].format(ch=ch, roi=roi, rank=rank)
        return line, weakest, named
    if named.verdict == "over":
        line = t["yes_over" if less else "no_over"].format(ch=ch, roi=roi)
        return line, named, best if best is not named else None
    if less:
        line = t["no_ok_less"].format(ch=ch, roi=roi)
    else:
        best_s = t["best"].format(ch=_subject(best.channel, lang), roi=_roi(best.marginal_roi, lang))
        line = t["no_ok"].format(ch=ch, roi=roi, best=best_s if best is not named else "")
    src = worst if worst is not named and worst.verdict == "over" else None
    dst = best if best is not named and best.verdict == "under" else None
    return line, src, dst


def _ranking(rows: Sequence[ChannelReturn], lang: str) -> list[str]:
    t = T[lang]
    out = [t["ranking"]]
    for r in rows:
        sat = t["row_sat"].format(sat=f"{num(r.saturation * 100, lang)}%") if r.saturation is not None else ""
        out.append(t["row"].format(ch=pc.channel_label(r.channel, lang, "bare"), roi=_roi(r.marginal_roi, lang),
                                   sat=sat, spend=num(r.spend_per_day, lang), verdict=t[r.verdict]))
    return out


#: relative step of a channel's run-rate spend for its marginal cost per conversion (conversions-only models)
COST_STEP = 0.1


def marginal_costs(bundle: ResponseBundle) -> list[dict[str, Any]]:
    """Per channel, the marginal cost of one extra conversion at the run-rate spend over the next
    :data:`HORIZON_DAYS` days: extra spend / extra expected conversions when its spend rises by :data:`COST_STEP`
    (currency per conversion; None when the extra conversions are not positive); cheapest first."""
    start = pd.Timestamp(bundle.context.last_date) + pd.Timedelta(days=1)
    ref = reference_plan(bundle, start, start + pd.Timedelta(days=HORIZON_DAYS - 1))
    base = float(expected_totals(bundle, ref)["conversions"])
    days = float(HORIZON_DAYS)
    rows = []
    for ch, spend in ref.spend.items():
        spend = float(spend)
        if spend <= 0:
            continue
        moved = dict(ref.spend)
        moved[ch] = spend * (1.0 + COST_STEP)
        extra = float(expected_totals(bundle, Plan(ref.start, ref.end, moved))["conversions"]) - base
        cost = spend * COST_STEP / extra if extra > 0 else None
        rows.append({"channel": str(ch), "marginal_cost_per_conversion": cost, "spend_per_day": spend / days,
                     "extra_conversions": extra, "extra_spend": spend * COST_STEP})
    rows.sort(key=lambda r: (r["marginal_cost_per_conversion"] is None, r["marginal_cost_per_conversion"] or 0.0))
    return rows


def _in(channel: str, lang: str) -> str:
    """``channel "x"`` / ``канале «x»`` (Russian prepositional)."""
    return f"канале «{channel}»" if lang == "ru" else pc.channel_label(channel, lang)


def _conversions_only(question: Question, bundle: ResponseBundle, lang: str) -> Answer:
    """Funding on conversions-only models: no marginal ROI (no revenue); the marginal cost per extra conversion by
    channel instead, with the reason said first."""
    t = T[lang]
    rows = marginal_costs(bundle)
    params: dict[str, Any] = {"source": "response_model", "objective": "conversions", "step": COST_STEP,
                              "horizon_days": HORIZON_DAYS, "channels": list(question.channels)}
    result: dict[str, Any] = {"channels": rows, "horizon_days": HORIZON_DAYS, "step": COST_STEP,
                              "no_revenue": True}
    priced = [r for r in rows if r["marginal_cost_per_conversion"] is not None]
    if not priced:
        return Answer((Analysis("funding", params, result),), (t["none"],))

    def cost(r: Mapping[str, Any]) -> str:
        return sig(float(r["marginal_cost_per_conversion"]), lang, 3)

    best, worst = priced[0], priced[-1]
    named = next((r for r in rows if r["channel"] in question.channels), None)
    lines: list[str] = []
    if named is not None and named["marginal_cost_per_conversion"] is not None:
        k = priced.index(named) + 1
        rank = t["cheapest"] if k == 1 else t["dearest"] if k == len(priced) else t["middle"].format(k=k)
        ch = f"канал «{named['channel']}»" if lang == "ru" else pc.channel_label(named["channel"], lang)
        lines.append(t["conv_lead"].format(ch=ch, ch_loc=_in(named["channel"], lang), cost=cost(named), rank=rank,
                                           n=len(priced), best=pc.channel_label(best["channel"], lang),
                                           best_loc=_in(best["channel"], lang), best_cost=cost(best)))
        result["verdict"] = {"channel": named["channel"], "rank": k}
    else:
        lines.append(t["conv_lead_any"].format(best=pc.channel_label(best["channel"], lang),
                                               best_loc=_in(best["channel"], lang), best_cost=cost(best),
                                               worst=pc.channel_label(worst["channel"], lang),
                                               worst_loc=_in(worst["channel"], lang), worst_cost=cost(worst)))
    lines.append(t["conv_rank"])
    for r in rows:
        key = "conv_row" if r["marginal_cost_per_conversion"] is not None else "conv_row_none"
        lines.append(t[key].format(ch=pc.channel_label(r["channel"], lang, "bare"),
                                   cost=cost(r) if key == "conv_row" else "", spend=num(r["spend_per_day"], lang)))
    return Answer((Analysis("funding", params, pc.clean_result(result)),), tuple(lines))


def handle(question: Question, env: Env) -> Answer:
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    bundle = env.bundle
    if bundle is not None and "revenue" not in bundle.models and "conversions" in bundle.models:
        try:
            return _conversions_only(question, bundle, lang)
        except (PlanError, KeyError, ValueError):
            pass
    findings = bundle_returns(bundle) if bundle is not None else []
    if not findings:  # no models, or models without a revenue outcome: the data's local elasticities
        bundle = None
        findings = local_returns(env.dataset.campaign_daily)
    rows = channel_returns(findings, bundle)
    less = question.direction == "less"
    params: dict[str, Any] = {"source": "response_model" if bundle is not None else "local_elasticity",
                              "channels": list(question.channels), "direction": question.direction,
                              "clear_roi": CLEAR_ROI}
    result: dict[str, Any] = {"channels": [r.to_dict() for r in rows], "clear_roi": CLEAR_ROI,
                              "source": params["source"]}
    notes = () if bundle is not None else (t["local"],)
    if not rows:
        return Answer((Analysis("funding", params, result, findings),), (t["none"],), notes=notes)
    by_name = {r.channel: r for r in rows}
    lines: list[str] = []
    src: ChannelReturn | None
    dst: ChannelReturn | None
    named = next((by_name[c] for c in question.channels if c in by_name), None)
    missing = [c for c in question.channels if c not in by_name]
    if named is None and question.channels:
        lines += [t["unknown"].format(ch=pc.channel_label(c, lang)) for c in missing]
        missing = []
        src = dst = None
    elif named is not None:
        lead, src, dst = _named_answer(named, rows, less, lang)
        lines.append(lead)
        if named.saturation is not None and named.half_saturation is not None:
            lines.append(t["saturation"].format(ch=_subject(named.channel, lang, cap=True),
                                                sat=f"{num(named.saturation * 100, lang)}%",
                                                spend=num(named.spend_per_day, lang),
                                                half=num(named.half_saturation, lang)))
        result["verdict"] = {"channel": named.channel, "verdict": named.verdict,
                             "answer": "yes" if (named.verdict == "over") == less else "no"}
    elif less:
        over = [r for r in reversed(rows) if r.verdict == "over"]
        if over:
            items = ", ".join(f"{pc.channel_label(r.channel, lang, 'bare')} ({_roi(r.marginal_roi, lang)})" for r in over)
            lines.append(t["less"].format(items=items))
            src, dst = over[0], rows[0] if rows[0].verdict == "under" else None
        else:
            lines.append(t["less_none"].format(ch=_subject(rows[-1].channel, lang),
                                               roi=_roi(rows[-1].marginal_roi, lang)))
            src = dst = None
    else:
        best = rows[0]
        if best.verdict == "under":
            lines.append(t["more"].format(ch=_subject(best.channel, lang, cap=True),
                                          roi=_roi(best.marginal_roi, lang), n=len(rows)))
            src, dst = (rows[-1] if len(rows) > 1 else None), best
        else:
            lines.append(t["more_none"].format(ch=_subject(best.channel, lang),
                                               roi=_roi(best.marginal_roi, lang)))
            src = dst = None
    for c in missing:
        lines.append(t["unknown"].format(ch=pc.channel_label(c, lang)))
    lines += _ranking(rows, lang)
    recs = _recommend(rows, src, dst, bundle, lang)
    return Answer((Analysis("funding", params, result, findings),), tuple(lines), recs, notes)
