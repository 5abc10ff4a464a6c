"""``split``: "how should we split 150k next month?" → the optimised allocation channel by channel.

:func:`models.optimize.optimize_budget` splits ``question.amount`` (default: the run-rate total) over the window
(next week/month/quarter or the question's future period) for revenue (conversions when the question is about
conversions or CPA, or the models have no revenue). Any budget works: the default ±50% channel bounds widen when
the budget is outside them, and the answer says so. The uplift is the allocation against the run-rate split of the
SAME budget (the gain of the split alone), simulated path by path with the same draws
(:func:`advisor.advise.kinds.plan_common.difference`). When the 80 % interval of that gain in the objective holds 0,
one more line says so in words and names the channel the split moves most for a lift test
(``result["uplift_holds_zero"]``, ``result["most_moved"]``).

Answer format (the grader parses the channel lines and the uplift lines):

* EN ``- "search": 45,200 (+12% vs run-rate; 30% of the budget)`` — one line per channel, largest first;
  ``(new; ...)`` for a channel with no run-rate spend. ``Total: 150,000 (run-rate 182,670).``
  ``Revenue: +40,198 (80% interval +30,001..+50,210) vs run-rate split 806,000.`` and the same for conversions.
* RU ``- «search»: 45 200 (+12% к текущему темпу; 30% бюджета)``, ``Итого: 150 000 (текущий темп 182 670).``
  ``Выручка: +40 198 (80% интервал +30 001..+50 210) к распределению по текущему темпу 806 000.``
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question
from advisor.narrative.template import num, pct
from models.forecast import response_curves
from models.optimize import Objective, default_objective, optimize_budget
from models.plan import Plan, PlanError, reference_plan
from models.response import ResponseBundle

T: dict[str, dict[str, str]] = {
    "en": {
        "lead": "Split {budget} {when} as below to maximise {objective}: expected revenue {rev} (80% interval "
                "{rlo}..{rhi}) and {conv} conversions (80% interval {clo}..{chi}).",
        "lead_conv": "Split {budget} {when} as below to maximise {objective}: expected {conv} conversions (80% "
                     "interval {clo}..{chi}).",
        "lead_rev": "Split {budget} {when} as below to maximise {objective}: expected revenue {rev} (80% interval "
                    "{rlo}..{rhi}).",
        "channel": "- {ch}: {amount} ({change} vs run-rate; {share} of the budget)",
        "new": "new",
        "total": "Total: {budget} (run-rate {ref}).",
        "revenue": "Revenue: {x} ({iv} {lo}..{hi}) vs run-rate split {ref}.",
        "conversions": "Conversions: {x} ({iv} {lo}..{hi}) vs run-rate split {ref}.",
        "uplift_note": "The uplift is against the run-rate shares applied to the same budget.",
        "holds_zero": "The gain in {objective} of this split over the run-rate shares cannot be told from zero: its "
                      "80% interval runs from {lo} to {hi}. Moving budget on this evidence is a bet; a lift test on "
                      "{ch}, the channel the split moves most, would settle it.",
        "s_curve": "Channel {ch} gets more although its marginal ROI at the run-rate is {at_ref}: its response curve "
                   "is steeper further up (S-shaped), so at the proposed spend its marginal ROI is {at_plan}.",
        "losing": "Channel {ch} gets more although the extra spend returns less than it costs (marginal ROI {at_ref} "
                  "at the run-rate, {at_plan} at the proposed spend): the split maximises {objective} with the whole "
                  "budget spent, so money goes where it still adds {objective}; a smaller budget would keep it.",
        "widened": "The budget is {ratio}× the run-rate {ref}, outside the usual ±50% per channel, so the channel "
                   "limits were widened to fit it.",
        "approx": "The optimiser stopped before it converged: the split is approximate.",
        "infeasible": "No split of {budget} fits the channel limits.",
        "error": "The split could not be computed: {error}",
        "nomodel": "The best split of {budget} {when} needs the response models; at the run-rate shares the "
                   "channels would get:",
        "revenue_word": "revenue", "conversions_word": "conversions",
    },
    "ru": {
        "lead": "Распределите {budget} {when} так, как ниже, чтобы максимизировать {objective}: ожидаемая выручка "
                "{rev} (80% интервал {rlo}..{rhi}), конверсий {conv} (80% интервал {clo}..{chi}).",
        "lead_conv": "Распределите {budget} {when} так, как ниже, чтобы максимизировать {objective}: ожидается "
                     "конверсий {conv} (80% интервал {clo}..{chi}).",
        "lead_rev": "Распределите {budget} {when} так, как ниже, чтобы максимизировать {objective}: ожидаемая "
                    "выручка {rev} (80% интервал {rlo}..{rhi}).",
        "channel": "- {ch}: {amount} ({change} к текущему темпу; {share} бюджета)",
        "new": "новый",
        "total": "Итого: {budget} (текущий темп {ref}).",
        "revenue": "Выручка: {x} ({iv} {lo}..{hi}) к распределению по текущему темпу {ref}.",
        "conversions": "Конверсии: {x} ({iv} {lo}..{hi}) к распределению по текущему темпу {ref}.",
        "uplift_note": "Прирост считается относительно долей текущего темпа при том же бюджете.",
        "holds_zero": "Прирост ({objective}) от этого распределения по сравнению с долями текущего темпа нельзя "
                      "отличить от нуля: его 80% интервал от {lo} до {hi}. Перераспределять бюджет на таких данных — "
                      "ставка; тест на инкрементальность по каналу {ch}, который распределение меняет сильнее всего, "
                      "это решит.",
        "s_curve": "Канал {ch} получает больше, хотя его предельный ROI при текущем темпе {at_ref}: кривая отклика "
                   "круче при больших расходах (S-образная), и при предлагаемых расходах предельный ROI {at_plan}.",
        "losing": "Канал {ch} получает больше, хотя дополнительные расходы возвращают меньше, чем стоят (предельный "
                  "ROI {at_ref} при текущем темпе, {at_plan} при предлагаемых расходах): распределение максимизирует "
                  "{objective} при полностью потраченном бюджете, поэтому деньги идут туда, где ещё добавляют "
                  "{objective}; при меньшем бюджете их можно сохранить.",
        "widened": "Бюджет составляет {ratio}× текущего темпа {ref}, что вне обычных ±50% по каналу, поэтому "
                   "границы каналов расширены под него.",
        "approx": "Оптимизация остановилась до сходимости: распределение приблизительное.",
        "infeasible": "Ни одно распределение {budget} не укладывается в границы каналов.",
        "error": "Распределение не удалось рассчитать.",
        "nomodel": "Для лучшего распределения {budget} {when} нужны модели отклика; по долям текущего темпа каналы "
                   "получили бы:",
        "revenue_word": "выручку", "conversions_word": "конверсии",
    },
}


def _objective(question: Question, models: Mapping[str, Any]) -> Objective:
    if question.kpi in ("conversions", "cpa", "conversion_rate") and "conversions" in models:
        return "conversions"
    return "revenue" if "revenue" in models else "conversions"


def _channel_lines(alloc: Mapping[str, float], ref: Mapping[str, float], lang: str) -> list[str]:
    t = T[lang]
    total = sum(alloc.values())
    out = []
    for ch in sorted(alloc, key=lambda c: -alloc[c]):
        r = ref.get(ch, 0.0)
        change = t["new"] if r <= 0 and alloc[ch] > 0 else pc.signed_pct(alloc[ch] / r - 1.0 if r > 0 else 0.0, lang)
        share = f"{num(alloc[ch] / total * 100 if total > 0 else 0.0, lang)}%"
        out.append(t["channel"].format(ch=pc.channel_label(ch, lang, "bare"), amount=num(alloc[ch], lang),
                                       change=change, share=share))
    return out


def _channel_rows(alloc: Mapping[str, float], ref: Mapping[str, float]) -> list[dict[str, Any]]:
    total = sum(alloc.values())
    return [
        {"channel": ch, "amount": v, "run_rate": ref.get(ch, 0.0),
         "change_rel": v / ref[ch] - 1.0 if ref.get(ch, 0.0) > 0 else None,
         "share": v / total if total > 0 else 0.0}
        for ch, v in alloc.items()
    ]


#: an allocation this much above run-rate on a channel losing money at the margin gets a line saying why (ratio)
S_CURVE_RAISE = 1.2


def raised_at_a_loss(
    bundle: ResponseBundle, alloc: Mapping[str, float], ref: Mapping[str, float], periods: int
) -> dict[str, tuple[float, float]]:
    """Channels the split raises (> ``S_CURVE_RAISE`` × run-rate) although their marginal ROI at the run-rate is
    negative → (marginal ROI at run-rate, at the proposed spend): either the curve is steeper further up (S-shaped:
    positive at the proposed spend) or the whole budget must be spent and the channel still adds revenue.
    ``alloc``/``ref``: currency over ``periods`` periods of the models' grain. Empty without a revenue model."""
    if "revenue" not in bundle.models or periods <= 0:
        return {}
    raised = [ch for ch, v in alloc.items() if ref.get(ch, 0.0) > 0 and v > S_CURVE_RAISE * ref[ch]]
    if not raised:
        return {}
    at_ref = response_curves(bundle, {ch: ref[ch] / periods for ch in raised}, points=3)
    at_plan = response_curves(bundle, {ch: alloc[ch] / periods for ch in raised}, points=3)
    out = {}
    for ch in raised:
        a, b = at_ref.get(ch, {}).get("marginal_roi"), at_plan.get(ch, {}).get("marginal_roi")
        if a is not None and b is not None and a < 0:
            out[ch] = (float(a), float(b))
    return out


def most_moved(alloc: Mapping[str, float], same: Mapping[str, float]) -> str | None:
    """The channel whose spend the split changes most in currency against ``same`` (run-rate shares of the same
    budget); None when nothing moves."""
    moves = {ch: abs(v - same.get(ch, 0.0)) for ch, v in alloc.items()}
    return max(moves, key=lambda c: moves[c]) if moves and max(moves.values()) > 0 else None


def holds_zero_line(
    diff: Mapping[str, Mapping[str, float]], objective: str, word: str, channel: str | None, lang: str
) -> str | None:
    """The line saying the split's gain in ``objective`` cannot be told from zero (its 80 % interval holds 0), naming
    ``channel`` for a lift test; None when the interval excludes 0, the objective has no uplift or nothing moves."""
    d = diff.get(objective)
    if d is None or channel is None or not pc.holds_zero(d):
        return None
    return T[lang]["holds_zero"].format(objective=word, lo=pc.signed(d["lower_80"], lang),
                                        hi=pc.signed(d["upper_80"], lang), ch=pc.channel_label(channel, lang, "bare"))


def handle(question: Question, env: Env) -> Answer:
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    bundle = env.bundle
    start, end, when = pc.plan_window(question, env)
    params: dict[str, Any] = {"start": str(start.date()), "end": str(end.date()), "horizon": question.horizon,
                              "budget": question.amount, "n_sims": pc.N_SIMS}
    if bundle is None:
        ref = pc.data_run_rate(env.dataset, start, end)
        r_total = sum(ref.values())
        budget = float(question.amount or r_total)
        scaled = {ch: v * budget / r_total if r_total > 0 else 0.0 for ch, v in ref.items()}
        doc = {"start": params["start"], "end": params["end"], "budget": budget, "run_rate_total": r_total,
               "channels": _channel_rows(scaled, ref), "error": pc.t(lang)["no_models"]}
        lines = [t["nomodel"].format(budget=num(budget, lang), when=when), *_channel_lines(scaled, ref, lang),
                 t["total"].format(budget=num(budget, lang), ref=num(r_total, lang))]
        return Answer((Analysis("split", params, pc.clean_result(doc)),), tuple(lines),
                      notes=(pc.t(lang)["no_models"],))
    ref = dict(reference_plan(bundle, start, end).spend)
    r_total = float(sum(ref.values()))
    budget = float(question.amount or r_total)
    objective = _objective(question, bundle.models) if bundle.models else default_objective(bundle)
    params.update({"budget": budget, "objective": objective})
    try:
        res = optimize_budget(bundle, budget, start, end, objective=objective, n_sims=pc.N_SIMS, with_forecast=False)
    except PlanError as exc:
        return Answer((Analysis("split", params, {"error": str(exc), "budget": budget}),),
                      (t["error"].format(error=str(exc)),))
    if res.status == "infeasible" or not res.allocation:
        return Answer((Analysis("split", params, {"error": res.message, "budget": budget, "status": res.status}),),
                      (t["infeasible"].format(budget=num(budget, lang)),))
    alloc = dict(res.allocation)
    same = {ch: v * budget / r_total if r_total > 0 else budget / len(ref) for ch, v in ref.items()}
    new_d = pc.simulate(bundle, Plan(start, end, alloc))
    same_d = pc.simulate(bundle, Plan(start, end, same))
    diff = pc.difference(new_d, same_d)
    expected = {k: pc.band(new_d.totals[k], new_d.expected[k]) for k in new_d.totals}
    widened = any("widened" in n for n in res.notes)
    periods = len(pd.date_range(start, end, freq="D" if bundle.context.freq == "D" else "7D"))
    s_curves = raised_at_a_loss(bundle, alloc, ref, periods)
    rows = _channel_rows(alloc, ref)
    for row in rows:
        if row["channel"] in s_curves:
            row["marginal_roi_run_rate"], row["marginal_roi_planned"] = s_curves[row["channel"]]
    result: dict[str, Any] = {
        "start": params["start"], "end": params["end"], "budget": budget, "objective": objective,
        "run_rate_total": r_total, "budget_ratio": budget / r_total if r_total > 0 else None,
        "channels": rows, "expected": expected, "uplift": diff,
        "bounds_widened": widened, "status": res.status, "notes": list(res.notes),
    }
    word = t[f"{objective}_word"] if objective in ("revenue", "conversions") else objective
    c, r = expected.get("conversions"), expected.get("revenue")
    if r is not None and c is not None:
        lead = t["lead"].format(budget=num(budget, lang), when=when, objective=word, rev=num(r["mean"], lang),
                                rlo=num(r["lower_80"], lang), rhi=num(r["upper_80"], lang), conv=num(c["mean"], lang),
                                clo=num(c["lower_80"], lang), chi=num(c["upper_80"], lang))
    elif c is not None:
        lead = t["lead_conv"].format(budget=num(budget, lang), when=when, objective=word, conv=num(c["mean"], lang),
                                     clo=num(c["lower_80"], lang), chi=num(c["upper_80"], lang))
    elif r is not None:  # revenue-only data (a media-mix set with one outcome, e.g. Robyn's)
        lead = t["lead_rev"].format(budget=num(budget, lang), when=when, objective=word, rev=num(r["mean"], lang),
                                    rlo=num(r["lower_80"], lang), rhi=num(r["upper_80"], lang))
    else:
        lead = t["total"].format(budget=num(budget, lang), ref=num(r_total, lang))
    lines = [lead, *_channel_lines(alloc, ref, lang), t["total"].format(budget=num(budget, lang), ref=num(r_total, lang))]
    iv = pc.t(lang)["interval"]
    for kpi in ("revenue", "conversions"):
        d = diff.get(kpi)
        if d is not None:
            lines.append(t[kpi].format(x=pc.signed(d["change"], lang), iv=iv, lo=pc.signed(d["lower_80"], lang),
                                       hi=pc.signed(d["upper_80"], lang), ref=num(d["reference"], lang)))
    moved = most_moved(alloc, same)
    zero_line = holds_zero_line(diff, objective, word, moved, lang)
    result["uplift_holds_zero"] = zero_line is not None
    if zero_line is not None:
        result["most_moved"] = moved
        lines.append(zero_line)
    for ch, (a, b) in s_curves.items():
        key = "losing" if b < 0 else "s_curve"
        lines.append(t[key].format(ch=pc.channel_label(ch, lang, "bare"), at_ref=pct(a, lang), at_plan=pct(b, lang),
                                   objective=word))
    if abs(budget - r_total) > 0.5:
        lines.append(t["uplift_note"])
    if widened and r_total > 0:
        lines.append(t["widened"].format(ratio=num(budget / r_total, lang, 1), ref=num(r_total, lang)))
    if res.status == "approximate":
        lines.append(t["approx"])
    return Answer((Analysis("split", params, pc.clean_result(result)),), tuple(lines))
