"""``what_if``: "what happens to conversions if we cut video by 30%?", "switch off display", "move 10k from social
to search".

The reference plan is the run-rate over the window (``models.plan.reference_plan``: the mean spend per day of the
last 28 days with its weekday pattern, over the next week/month/quarter or the question's future period); the
changed plan applies ``question.changes`` (:class:`~advisor.advise.question.SpendChange`: scale / off / move / set
/ total) to it. Both are simulated with the same draws (:func:`advisor.advise.kinds.plan_common.simulate`: the
response models' coefficient, residual and level-error draws are shared, so the interval is the interval of the
DIFFERENCE, path by path, plus a response-shape error of each channel's change, ``plan_common.SHAPE_SD``) and the
answer states the change of the changed plan against the run-rate. ``models.forecast.forecast`` exposes only
summary statistics, not its paths, so the paths are drawn here with the same ``simulate`` calls and seeds it uses
(a ``forecast`` of the run-rate plan makes the same draws).

Answer format (one line per outcome, always in this order, the grader parses them; the sign is always written,
``0`` when it rounds to zero):

* EN ``Conversions: -412 (80% interval -530..-300) vs run-rate 5,100.``
  ``Revenue: -30,125 (80% interval -41,000..-19,800) vs run-rate 847,214.``
  ``ROI: +4.2 pp (80% interval +3.1..+5.3) vs run-rate 53%.``
* RU ``Конверсии: −412 (80% интервал −530..−300) к текущему темпу 5 100.``
  ``Выручка: −30 125 (80% интервал −41 000..−19 800) к текущему темпу 847 214.``
  ``ROI: +4,2 п.п. (80% интервал +3,1..+5,3) к текущему темпу 53%.``

Conversions and revenue are business totals over the window (baseline + paid media), so their run-rate value is
the whole business' expected total; ROI is ``(incremental revenue − spend) / spend`` of the plan, its change in
percentage points. The first line says what changes and what the plan spends; without response models the answer
still says the spend change (from the data's run-rate) and one note says the forecast needs the models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from advisor.advise.analyses import Analysis
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question, SpendChange
from advisor.narrative.template import num
from models.plan import Plan, PlanError, reference_plan

T: dict[str, dict[str, str]] = {
    "en": {
        "scale_down": "cutting {ch} by {p}", "scale_up": "raising {ch} by {p}", "off": "switching off {ch}",
        "move": "moving {amount} from {ch} to {to}", "set": "setting {ch} to {amount}",
        "total_down": "cutting every channel by {p}", "total_up": "raising every channel by {p}",
        "budget": "spending {amount} in total (every channel {p})",
        "lead": "{what} {when} would {conv}{rev}; the plan spends {plan} instead of the run-rate {ref} ({diff}).",
        "lead_same": "{what} {when} would {conv}{rev}; the plan's total spend stays {plan}.",
        "lead_nomodel": "{what} {when} changes the plan's spend from the run-rate {ref} to {plan} ({diff}); "
                        "its effect on conversions and revenue needs the response models.",
        "conversions_up": "raise conversions by about {x}", "conversions_down": "lower conversions by about {x}",
        "conversions_same": "leave conversions about unchanged", "revenue_up": "raise revenue by about {x}",
        "revenue_down": "lower revenue by about {x}", "revenue_same": "leave revenue about unchanged",
        "and": ", and ", "join": " and ",
        "spend": "Plan spend by channel: {items}.",
        "conversions": "Conversions: {x} ({iv} {lo}..{hi}) vs run-rate {ref}.",
        "revenue": "Revenue: {x} ({iv} {lo}..{hi}) vs run-rate {ref}.",
        "roi": "ROI: {x} pp ({iv} {lo}..{hi}) vs run-rate {ref}.",
        "none": "The question names no change of the plan (e.g. \"cut video by 30%\", \"switch off display\", "
                "\"move 10k from social to search\"); the run-rate plan spends {ref} {when}.",
        "skipped": "Not applied: {items} — the models know no such channel, or it has no spend to move.",
        "capped": "Only {amount} can move from {ch}: that is all it spends {when}.",
        "unchanged": "The change leaves the plan as it is ({ch} spends nothing at the run-rate).",
    },
    "ru": {
        "scale_down": "сокращение расходов {ch} на {p}", "scale_up": "увеличение расходов {ch} на {p}",
        "off": "отключение {ch}", "move": "перенос {amount} из {ch} в {to}",
        "set": "расходы {ch} на уровне {amount}",
        "total_down": "сокращение расходов всех каналов на {p}", "total_up": "увеличение расходов всех каналов на {p}",
        "budget": "общие расходы {amount} (каждый канал {p})",
        "lead": "{what} {when}: {conv}{rev} относительно текущего темпа; план тратит {plan} вместо {ref} ({diff}).",
        "lead_same": "{what} {when}: {conv}{rev} относительно текущего темпа; общие расходы плана те же, {plan}.",
        "lead_nomodel": "{what} {when} меняет расходы плана с текущего темпа {ref} на {plan} ({diff}); "
                        "для оценки влияния на конверсии и выручку нужны модели отклика.",
        "conversions_up": "конверсии вырастут примерно на {x}", "conversions_down": "конверсии снизятся примерно на {x}",
        "conversions_same": "конверсии почти не изменятся", "revenue_up": "выручка вырастет примерно на {x}",
        "revenue_down": "выручка снизится примерно на {x}", "revenue_same": "выручка почти не изменится",
        "and": ", ", "join": " и ",
        "spend": "Расходы плана по каналам: {items}.",
        "conversions": "Конверсии: {x} ({iv} {lo}..{hi}) к текущему темпу {ref}.",
        "revenue": "Выручка: {x} ({iv} {lo}..{hi}) к текущему темпу {ref}.",
        "roi": "ROI: {x} п.п. ({iv} {lo}..{hi}) к текущему темпу {ref}.",
        "none": "В вопросе нет изменения плана (например, «сократить video на 30%», «отключить display», "
                "«перенести 10 тыс. из social в search»); план по текущему темпу тратит {ref} {when}.",
        "skipped": "Не применено: {items} — такого канала нет в моделях или у него нет расходов для переноса.",
        "capped": "Из {ch} можно перенести только {amount}: это все его расходы {when}.",
        "unchanged": "Изменение не меняет план ({ch} ничего не тратит при текущем темпе).",
    },
}
#: a change smaller than this share of the run-rate value, with an interval holding 0, reads "about unchanged"
SAME_REL = 0.005


def _ch(channel: str, lang: str, case: str = "gen") -> str:
    return pc.channel_label(channel, lang, case)


def apply_changes(
    spend: Mapping[str, float], changes: Sequence[SpendChange]
) -> tuple[dict[str, float], list[dict[str, Any]], list[dict[str, Any]]]:
    """``spend`` (channel → run-rate total over the window) edited by ``changes`` in order. Returns the new
    spend, the changes as applied (JSON: ``op``, ``channel``, ``to``, ``factor``, ``amount``, ``percent``,
    ``capped``) and the changes that could not apply (unknown channel, nothing to move)."""
    new = dict(spend)
    done: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for c in changes:
        doc: dict[str, Any] = {"op": c.op, "channel": c.channel, "to": c.to, "factor": c.factor, "amount": c.amount}
        total = sum(new.values())
        if c.op == "total" or (c.op == "scale" and c.channel is None):
            # a factor of every channel; an amount is the new total ("total") or a change of it ("scale")
            if c.factor is None and c.amount is not None and total > 0:
                target = float(c.amount) if c.op == "total" else total + float(c.amount)
                f = max(target, 0.0) / total
            else:
                f = 1.0 if c.factor is None else max(c.factor, 0.0)
            new = {ch: v * f for ch, v in new.items()}
            done.append({**doc, "factor": f, "percent": f - 1.0, "budget": c.amount})
            continue
        if c.channel not in new or (c.op == "move" and c.to not in new):
            skipped.append(doc)
            continue
        ch = str(c.channel)
        if c.op in ("scale", "off"):
            if c.op == "scale" and c.factor is None and c.amount is not None and new[ch] > 0:
                f = max(new[ch] + float(c.amount), 0.0) / new[ch]  # "add 10k to search", "cut video by 5k"
            else:
                f = 0.0 if c.op == "off" else max(1.0 if c.factor is None else c.factor, 0.0)
            doc.update({"factor": f, "percent": f - 1.0, "before": new[ch], "after": new[ch] * f})
            new[ch] *= f
        elif c.op == "set":
            amount = max(float(c.amount or 0.0), 0.0)
            doc.update({"amount": amount, "before": new[ch], "after": amount})
            new[ch] = amount
        else:  # move
            to = str(c.to)
            want = float(c.amount) if c.amount is not None else new[ch] * float(c.factor or 0.0)
            amount = min(max(want, 0.0), new[ch])
            if amount <= 0:
                skipped.append(doc)
                continue
            doc.update({"amount": amount, "requested": want, "capped": want > amount + 1e-6,
                        "before": new[ch], "after": new[ch] - amount,
                        "to_before": new[to], "to_after": new[to] + amount})
            new[ch] -= amount
            new[to] += amount
        done.append(doc)
    return new, done, skipped


def _describe(c: Mapping[str, Any], lang: str) -> str:
    t = T[lang]
    op = c["op"]
    if op == "total":
        if c.get("budget") is not None:
            return t["budget"].format(amount=num(c["budget"], lang), p=pc.signed_pct(c["percent"], lang))
        up = c["percent"] >= 0
        return t["total_up" if up else "total_down"].format(p=f"{num(abs(c['percent']) * 100, lang)}%")
    ch = _ch(c["channel"], lang)
    if op == "off" or (op == "scale" and c["factor"] == 0):
        return t["off"].format(ch=ch)
    if op == "scale":
        key = "scale_up" if c["percent"] >= 0 else "scale_down"
        return t[key].format(ch=ch, p=f"{num(abs(c['percent']) * 100, lang)}%")
    if op == "set":
        return t["set"].format(ch=ch, amount=num(c["amount"], lang))
    return t["move"].format(ch=ch, to=_ch(c["to"], lang, "acc"), amount=num(c["amount"], lang))


def _what(done: Sequence[Mapping[str, Any]], lang: str) -> str:
    text = T[lang]["join"].join(_describe(c, lang) for c in done)
    return text[:1].upper() + text[1:]


def _budget_change(question: Question) -> tuple[SpendChange, ...]:
    """A question with an amount and no edit ("what if we spend 150k next month?"): every channel scaled to it
    (resolved against the run-rate total by the caller)."""
    return (SpendChange("total", amount=question.amount),) if question.amount else ()


def _resolve_total(changes: Sequence[SpendChange], total: float) -> tuple[SpendChange, ...]:
    """``total`` changes given as an amount become a factor on the run-rate ``total``."""
    out = []
    for c in changes:
        if c.op == "total" and c.factor is None and c.amount is not None and total > 0:
            c = SpendChange("total", factor=c.amount / total, amount=c.amount)
        out.append(c)
    return tuple(out)


def _outcome_lines(diff: Mapping[str, Mapping[str, float]], lang: str) -> list[str]:
    t = T[lang]
    iv = pc.t(lang)["interval"]
    out = []
    for kpi in ("conversions", "revenue"):
        d = diff.get(kpi)
        if d is not None:
            out.append(t[kpi].format(x=pc.signed(d["change"], lang), iv=iv, lo=pc.signed(d["lower_80"], lang),
                                     hi=pc.signed(d["upper_80"], lang), ref=num(d["reference"], lang)))
    r = diff.get("roi")
    if r is not None:
        out.append(t["roi"].format(x=pc.signed(r["change_pp"], lang, 1), iv=iv, lo=pc.signed(r["lower_80_pp"], lang, 1),
                                   hi=pc.signed(r["upper_80_pp"], lang, 1), ref=pc.pct_value(r["reference"], lang)))
    return out


def _effect(kpi: str, d: Mapping[str, float], lang: str) -> str:
    if pc.holds_zero(d) and abs(d["change"]) < SAME_REL * abs(d["reference"]):
        return T[lang][f"{kpi}_same"]
    return T[lang][f"{kpi}_{'up' if d['change'] > 0 else 'down'}"].format(x=num(abs(d["change"]), lang))


def _spend_items(ref: Mapping[str, float], new: Mapping[str, float], lang: str) -> str:
    items = [f"{_ch(ch, lang, 'bare')} {num(ref[ch], lang)} → {num(new[ch], lang)}" for ch in ref if abs(new[ch] - ref[ch]) > 0.5]
    return "; ".join(items)


def handle(question: Question, env: Env) -> Answer:
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    bundle = env.bundle
    start, end, when = pc.plan_window(question, env)
    params: dict[str, Any] = {"start": str(start.date()), "end": str(end.date()), "horizon": question.horizon,
                              "changes": [vars(c) for c in question.changes], "n_sims": pc.N_SIMS}
    ref_spend = dict(reference_plan(bundle, start, end).spend) if bundle is not None else pc.data_run_rate(
        env.dataset, start, end)
    ref_total = float(sum(ref_spend.values()))
    changes = _resolve_total(question.changes or _budget_change(question), ref_total)
    new_spend, done, skipped = apply_changes(ref_spend, changes)
    new_total = float(sum(new_spend.values()))
    result: dict[str, Any] = {
        "start": str(start.date()), "end": str(end.date()), "changes": done, "skipped": skipped,
        "channels": [{"channel": ch, "reference": ref_spend[ch], "plan": new_spend[ch],
                      "change": new_spend[ch] - ref_spend[ch]} for ch in ref_spend],
        "spend": {"reference": ref_total, "plan": new_total, "change": new_total - ref_total},
    }
    notes: list[str] = []
    extra: list[str] = []
    if skipped:
        named = dict.fromkeys(str(x) for c in skipped for x in (c.get("channel"), c.get("to")) if x)
        extra.append(t["skipped"].format(items=", ".join(_ch(x, lang, "bare") for x in named) or "—"))
    for c in done:
        if c.get("capped"):
            extra.append(t["capped"].format(ch=_ch(c["channel"], lang), amount=num(c["amount"], lang), when=when))
    if not done:
        result["examples"] = {"cut_percent": 30, "move_amount": 10000, "move_amount_thousands": 10}
        return Answer((Analysis("what_if", params, pc.clean_result(result)),),
                      (t["none"].format(ref=num(ref_total, lang), when=when), *extra))
    what = _what(done, lang)
    diff_s = pc.signed(new_total - ref_total, lang)
    spend_line = t["spend"].format(items=_spend_items(ref_spend, new_spend, lang)) if any(
        abs(new_spend[ch] - ref_spend[ch]) > 0.5 for ch in ref_spend) else t["unchanged"].format(
        ch=", ".join(_ch(str(c.get("channel")), lang) for c in done if c.get("channel")) or "—")
    if bundle is None:
        result["error"] = pc.t(lang)["no_models"]
        lead = t["lead_nomodel"].format(what=what, when=when, ref=num(ref_total, lang), plan=num(new_total, lang),
                                        diff=diff_s)
        notes.append(pc.t(lang)["no_models"])
        return Answer((Analysis("what_if", params, pc.clean_result(result)),), (lead, spend_line, *extra),
                      notes=tuple(notes))
    try:
        ref_plan = Plan(start, end, ref_spend)
        new_plan = Plan(start, end, new_spend)
        diff = pc.difference(pc.simulate(bundle, new_plan), pc.simulate(bundle, ref_plan))
    except PlanError as exc:
        result["error"] = str(exc)
        return Answer((Analysis("what_if", params, pc.clean_result(result)),), (spend_line, *extra))
    result["outcomes"] = diff
    effects = [_effect(k, diff[k], lang) for k in ("conversions", "revenue") if k in diff]
    conv, rev = (effects[0], t["and"] + effects[1]) if len(effects) == 2 else (effects[0] if effects else "", "")
    key = "lead_same" if abs(new_total - ref_total) < 0.5 else "lead"
    lead = t[key].format(what=what, when=when, conv=conv, rev=rev, plan=num(new_total, lang),
                            ref=num(ref_total, lang), diff=diff_s)
    lines = [lead, spend_line, *_outcome_lines(diff, lang), *extra]
    return Answer((Analysis("what_if", params, pc.clean_result(result)),), tuple(lines), notes=tuple(notes))
