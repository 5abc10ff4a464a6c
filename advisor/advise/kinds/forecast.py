"""``forecast``: "what do we expect next month?" (at budget B) → the run-rate plan (scaled to B when given)
forecast with :func:`advisor.advise.analyses.run_forecast` (300 simulated paths).

Answer format (the grader parses the outcome lines):

* EN ``Conversions: 12,243 (80% interval 11,882..12,566).`` ``Revenue: 847,214 (80% interval 795,404..901,162).``
  ``ROI: 53% (80% interval 43%..65%) on the incremental revenue of the spend.``
* RU ``Конверсии: 12 243 (80% интервал 11 882..12 566).`` ``Выручка: 847 214 (80% интервал 795 404..901 162).``
  ``ROI: 53% (80% интервал 43%..65%) по приросту выручки от расходов.``

Conversions and revenue are business totals over the window (baseline + paid media); ROI is (incremental revenue −
spend) / spend. Every number is one of the forecast's result (``total``: mean and 80% bounds), at the rounding
written, so the answer verifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, run_forecast
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question
from advisor.narrative.template import num

T: dict[str, dict[str, str]] = {
    "en": {
        "lead": "{When} at {spend_words}, we expect {conv} conversions (80% interval {clo}..{chi}) and revenue of "
                "{rev} (80% interval {rlo}..{rhi}) in total.",
        "lead_rev": "{When} at {spend_words}, we expect revenue of {rev} (80% interval {rlo}..{rhi}) in total.",
        "lead_conv": "{When} at {spend_words}, we expect {conv} conversions (80% interval {clo}..{chi}) in total.",
        "run_rate": "the run-rate spend of {spend}", "budget": "a budget of {spend} (run-rate shares)",
        "conversions": "Conversions: {x} ({iv} {lo}..{hi}).",
        "revenue": "Revenue: {x} ({iv} {lo}..{hi}).",
        "roi": "ROI: {x} ({iv} {lo}..{hi}) on the incremental revenue of the spend.",
        "nomodel": "{When} the run-rate spend is {spend}; conversions and revenue cannot be forecast without the "
                   "response models.",
        "error": "The forecast could not be computed: {error}",
        "missing": "The models have no {what} outcome (the data has none), so {what} cannot be forecast; the "
                   "forecast above is of what they have.",
        "revenue_w": "revenue", "conversions_w": "conversions",
    },
    "ru": {
        "lead": "{When} при {spend_words} ожидаем всего конверсий {conv} (80% интервал {clo}..{chi}) и выручки "
                "{rev} (80% интервал {rlo}..{rhi}).",
        "lead_rev": "{When} при {spend_words} ожидаем всего выручки {rev} (80% интервал {rlo}..{rhi}).",
        "lead_conv": "{When} при {spend_words} ожидаем всего конверсий {conv} (80% интервал {clo}..{chi}).",
        "run_rate": "расходах по текущему темпу {spend}", "budget": "бюджете {spend} (доли текущего темпа)",
        "conversions": "Конверсии: {x} ({iv} {lo}..{hi}).",
        "revenue": "Выручка: {x} ({iv} {lo}..{hi}).",
        "roi": "ROI: {x} ({iv} {lo}..{hi}) по приросту выручки от расходов.",
        "nomodel": "{When} расходы по текущему темпу составят {spend}; конверсии и выручку нельзя спрогнозировать "
                   "без моделей отклика.",
        "error": "Прогноз не удалось рассчитать.",
        "missing": "У моделей нет показателя «{what}» (его нет в данных), поэтому его не спрогнозировать; выше — "
                   "прогноз того, что есть.",
        "revenue_w": "выручка", "conversions_w": "конверсии",
    },
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _band(d: Mapping[str, Any] | None) -> tuple[float, float, float] | None:
    if not isinstance(d, Mapping) or d.get("mean") is None or d.get("lower_80") is None or d.get("upper_80") is None:
        return None
    return float(d["mean"]), float(d["lower_80"]), float(d["upper_80"])


def lines_of(result: Mapping[str, Any], question: Question, budget: float | None) -> list[str]:
    """The answer's lines from a ``run_forecast`` result (``total``: KPI → mean / lower_80 / upper_80)."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    iv = pc.t(lang)["interval"]
    start, end = pd.Timestamp(result["start"]), pd.Timestamp(result["end"])
    total = result.get("total") or {}
    spend = float(total.get("spend") or 0.0)
    when = _cap(pc.period_words(question, start, end))
    spend_words = t["budget" if budget else "run_rate"].format(spend=num(spend, lang))
    conv, rev, roi = _band(total.get("conversions")), _band(total.get("revenue")), _band(total.get("roi"))
    fmt: dict[str, Any] = {"When": when, "spend_words": spend_words}
    if conv:
        fmt.update(conv=num(conv[0], lang), clo=num(conv[1], lang), chi=num(conv[2], lang))
    if rev:
        fmt.update(rev=num(rev[0], lang), rlo=num(rev[1], lang), rhi=num(rev[2], lang))
    key = "lead" if conv and rev else "lead_rev" if rev else "lead_conv"
    out = [t[key].format(**fmt)] if conv or rev else []
    for name, b in (("conversions", conv), ("revenue", rev)):
        if b:
            out.append(t[name].format(x=num(b[0], lang), iv=iv, lo=num(b[1], lang), hi=num(b[2], lang)))
    if roi:
        out.append(t["roi"].format(x=pc.pct_value(roi[0], lang), iv=iv, lo=pc.pct_value(roi[1], lang),
                                   hi=pc.pct_value(roi[2], lang)))
    return out


def handle(question: Question, env: Env) -> Answer:
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    budget = float(question.amount) if question.amount else None
    if env.bundle is None:
        last = str(env.dataset.campaign_daily["date"].max())[:10]
        start, end = pc.window(last, question)
        spend = float(sum(pc.data_run_rate(env.dataset, start, end).values()))
        params = {"horizon": question.horizon, "budget": budget, "start": str(start.date()), "end": str(end.date())}
        result = {"start": params["start"], "end": params["end"], "run_rate_spend": spend,
                  "error": pc.t(lang)["no_models"]}
        line = t["nomodel"].format(When=_cap(pc.period_words(question, start, end)), spend=num(spend, lang))
        return Answer((Analysis("forecast", params, result),), (line,), notes=(pc.t(lang)["no_models"],))
    a = run_forecast(env.bundle, budget, question.horizon)
    if "error" in a.result:
        return Answer((a,), (t["error"].format(error=a.result["error"]),))
    lines = lines_of(a.result, question, budget)
    asked = question.kpi if question.kpi in ("revenue", "conversions") else None
    if asked is not None and asked not in env.bundle.models:
        lines.append(t["missing"].format(what=t[f"{asked}_w"]))
    return Answer((a,), tuple(lines))
