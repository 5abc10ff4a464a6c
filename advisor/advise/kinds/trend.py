"""``trend``: "ROI trend", "how did CPA change over time for search?" → the KPI by month with its direction.

The KPI (``question.kpi``, default ROI) comes from :func:`advisor.kpis.compute_kpis` with the monthly grain, grouped
by the scope's own column: a campaign's number for a campaign, the channel's own number (all its campaigns
together) for a channel, the whole business for no scope. Months the data covers only in part (at either end of
the history, e.g. data ending on the 20th) are left out and the answer says so; a past ``question.period`` limits
the months to it.

Direction: least-squares slope of the last :data:`WINDOW` full months (all when fewer); the fitted change over
that window relative to the window's mean absolute level is ``trend_change_rel``; ``up`` when it is ≥
:data:`TOLERANCE` (+10%), ``down`` when ≤ −10%, else ``flat`` (words: :data:`advisor.core.words.DIRECTION`),
with "better"/"worse" from the KPI's direction in the catalog.

Answer: EN ``ROI of channel "search" is falling over 6 months (2026-05..2026-10): 62.0% in 2026-05, 31.0% in
2026-10 (fitted trend -48% of its average level, worse).`` then one line per month ``- 2026-05: 62.0%``; RU the
same (``ROI канала «search» снижается за 6 мес. ...``, ``- 2026-05: 62,0%``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from advisor.advise.analyses import Analysis
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question
from advisor.core.names import scope_label
from advisor.core.words import DIRECTION, kpi_name
from advisor.kpis import compute_kpis
from advisor.kpis.business import kpi_tables
from advisor.kpis.catalog import KpiSpec, default_catalog
from advisor.narrative.template import num, sig

#: a platform-reported KPI → the business-wide KPI that stands in for it when the data has no platform-reported
#: conversions or revenue (media-mix data: ``business_daily`` holds the totals, ``campaign_daily`` only spend)
STAND_IN = {"roi": "mer", "roas": "blended_roas", "revenue": "business_revenue", "conversions": "business_conversions",
            "cpa": "blended_cac", "cac": "blended_cac"}
#: KPIs of the business totals (no campaign scope: "of the whole business", not "of all campaigns")
BUSINESS_KPIS = frozenset({"mer", "blended_roas", "blended_cac", "business_revenue", "business_conversions"})
#: months of the direction's window
WINDOW = 6
#: |fitted change over the window| / mean |level| below which the KPI is flat
TOLERANCE = 0.10
DEFAULT_KPI = "roi"

T: dict[str, dict[str, str]] = {
    "en": {
        "lead": "{kpi} of {scope} is {dir} over {n} months ({first}..{last}): {v_first} in {first}, "
                "{v_last} in {last} (fitted trend {rel} of its average level{judge}).",
        "better": ", better", "worse": ", worse",
        "month": "- {period}: {value}",
        "dropped_start": "{period} is left out: the data starts on {date}, within the month.",
        "dropped_end": "{period} is left out: the data ends on {date}, within the month.",
        "few": "{kpi} of {scope} has too few full months to show a trend.",
        "none": "{kpi} of {scope} has no monthly values in the data.",
        "unknown_kpi": "The KPI catalog has no KPI {kpi}.",
        "months_of": "{kpi} of {scope} by month:",
        "business": "the whole business",
        "stand_in": "The platforms' {kpi} figures are not in this data (media-mix data has no platform-reported conversions "
                    "or revenue); the answer shows {other} of the whole business instead (business totals over all "
                    "spend).",
        "stand_in_scope": "{kpi} needs platform-reported conversions and revenue, which this data does not have "
                          "(media-mix data), so it cannot be shown for {scope}; the answer shows {other} of the "
                          "whole business instead.",
    },
    "ru": {
        "lead": "{kpi} {scope} {dir} за {n} мес. ({first}..{last}): {v_first} в {first}, {v_last} в {last} "
                "(тренд {rel} от среднего уровня{judge}).",
        "better": ", лучше", "worse": ", хуже",
        "month": "- {period}: {value}",
        "dropped_start": "{period} не учтён: данные начинаются {date}, внутри месяца.",
        "dropped_end": "{period} не учтён: данные заканчиваются {date}, внутри месяца.",
        "few": "Для {kpi} {scope} слишком мало полных месяцев, чтобы оценить тренд.",
        "none": "Для {kpi} {scope} нет помесячных значений в данных.",
        "unknown_kpi": "В каталоге нет такого KPI.",
        "months_of": "{kpi} {scope} по месяцам:",
        "business": "всего бизнеса",
        "stand_in": "Для показателя «{kpi}» нужны конверсии и выручка, заявленные площадками, а в этих данных их нет "
                    "(данные медиамикса); поэтому показан показатель «{other}» всего бизнеса (итоги бизнеса по всем "
                    "расходам).",
        "stand_in_scope": "Для показателя «{kpi}» нужны конверсии и выручка, заявленные площадками, а в этих данных их "
                          "нет (данные медиамикса), поэтому для {scope} его не посчитать; показан показатель «{other}» "
                          "всего бизнеса.",
    },
}


def direction_of(values: Sequence[float]) -> tuple[str, float, float]:
    """``(direction, slope per month, fitted change over the window / mean |level|)`` of the last :data:`WINDOW`
    values (``up``/``down``/``flat`` by :data:`TOLERANCE`)."""
    y = np.asarray(values[-WINDOW:], dtype=float)
    if len(y) < 2:
        return "flat", 0.0, 0.0
    x = np.arange(len(y), dtype=float)
    slope = float(np.polyfit(x, y, 1)[0])
    level = float(np.mean(np.abs(y)))
    rel = slope * (len(y) - 1) / level if level > 0 else 0.0
    d = "up" if rel >= TOLERANCE else "down" if rel <= -TOLERANCE else "flat"
    return d, slope, rel


def fmt_value(v: float, spec: KpiSpec | None, lang: str) -> str:
    """A KPI value in its catalog format: ``.1%`` → ``62.0%``, ``,.2f`` → ``31.45``; RU notation and minus."""
    f = spec.format if spec is not None else ",.2f"
    digits = "".join(c for c in f.split(".")[-1] if c.isdigit()) if "." in f else "2"
    d = int(digits) if digits else 2
    pct = f.endswith("%")
    x = abs(v) * (100.0 if pct else 1.0)
    if 0 < x < 0.1:  # a tiny value (cost per conversion of a huge-volume set): significant digits, not "0.00"
        body = sig(x, lang, 3) + ("%" if pct else "")
        return ("−" if lang == "ru" else "-") + body if v < 0 else body
    if not pct and x >= 1000:  # totals (revenue, spend): whole units, as the other kinds write them
        d = 0
    body = num(x, lang, d) + ("%" if pct else "")
    return ("−" if lang == "ru" else "-") + body if v < 0 and round(x, d) > 0 else body


def _month_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{period}-01")
    return start, start + pd.offsets.MonthEnd(0)


#: an asked period shorter than this many months is widened by :data:`AROUND` months on each side (a trend of one
#: month is no trend: "did revenue drop in December?" shows the months around it)
MIN_MONTHS = 3
AROUND = 3


def _months_around(start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``start``..``end``, widened by :data:`AROUND` months each side when it spans fewer than :data:`MIN_MONTHS`."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months >= MIN_MONTHS:
        return start, end
    return start - pd.DateOffset(months=AROUND), end + pd.DateOffset(months=AROUND)


def _scopes(question: Question) -> list[tuple[str | None, str | None]]:
    """(column, value) of each scope asked about: the campaigns, else the channels, else the whole business."""
    if question.campaigns:
        return [("campaign_id", c) for c in question.campaigns[:3]]
    if question.channels:
        return [("channel", c) for c in question.channels[:3]]
    return [(None, None)]


def _series(env: Env, kpi: str, col: str | None, value: str | None) -> pd.DataFrame:
    tab = compute_kpis(kpi_tables(env.dataset), by=(col,) if col else (), grain="month", kpis=[kpi])
    frame = tab.frame
    if col is not None:
        frame = frame[frame[col].astype(str) == value]
    return frame[["period", kpi]].rename(columns={kpi: "value"})


def _one(question: Question, env: Env, kpi: str, spec: KpiSpec | None, col: str | None, value: str | None
         ) -> tuple[dict[str, Any], list[str], list[str]]:
    """The result, the lines and the notes (months left out) of one scope."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    scope = {col: value} if col and value else {}
    label = scope_label(scope, lang) if scope or kpi not in BUSINESS_KPIS else t["business"]
    # "conversions of the whole business", not "business conversions of the whole business"
    name = kpi_name(kpi.removeprefix("business_") if label == t["business"] else kpi, lang)
    cap = name[:1].upper() + name[1:]
    frame = _series(env, kpi, col, value)
    dates = pd.to_datetime(env.dataset.campaign_daily["date"])
    first_day, last_day = dates.min().normalize(), dates.max().normalize()
    result: dict[str, Any] = {"kpi": kpi, "scope": scope, "data_start": str(first_day.date()),
                              "data_end": str(last_day.date()), "tolerance": TOLERANCE, "window_months": WINDOW}
    notes: list[str] = []
    rows = []
    dropped = []
    for period, v in zip(frame["period"].astype(str), frame["value"], strict=True):
        m0, m1 = _month_bounds(period)
        if m0 < first_day:
            dropped.append({"period": period, "reason": "partial_start", "date": str(first_day.date())})
            notes.append(t["dropped_start"].format(period=period, date=first_day.date()))
            continue
        if m1 > last_day:
            dropped.append({"period": period, "reason": "partial_end", "date": str(last_day.date())})
            notes.append(t["dropped_end"].format(period=period, date=last_day.date()))
            continue
        p = question.period
        if p is not None and pd.Timestamp(p.end) <= last_day:
            p0, p1 = _months_around(pd.Timestamp(p.start), pd.Timestamp(p.end))
            if m1 < p0 or m0 > p1:
                continue
        if v is None or not np.isfinite(v):
            continue
        rows.append({"period": period, "value": float(v)})
    result.update({"months": rows, "dropped": dropped})
    if not rows:
        return result, [t["none"].format(kpi=name if lang == "ru" else cap, scope=label)], notes
    months = [t["month"].format(period=r["period"], value=fmt_value(r["value"], spec, lang)) for r in rows]
    if len(rows) < 2:
        return result, [t["few"].format(kpi=name if lang == "ru" else cap, scope=label), *months], notes
    d, slope, rel = direction_of([r["value"] for r in rows])
    window = rows[-WINDOW:]
    result.update({"direction": d, "slope_per_month": slope, "trend_change_rel": rel,
                   "window": {"from": window[0]["period"], "to": window[-1]["period"], "months": len(window)}})
    judge = ""
    if d != "flat" and spec is not None:
        good = (d == "up") == (spec.direction == "higher")
        judge = t["better" if good else "worse"]
    lead = t["lead"].format(kpi=cap, scope=label, dir=DIRECTION[lang][d], n=len(window), first=window[0]["period"],
                            last=window[-1]["period"], v_first=fmt_value(window[0]["value"], spec, lang),
                            v_last=fmt_value(window[-1]["value"], spec, lang), rel=pc.signed_pct(rel, lang),
                            judge=judge)
    return result, [lead, t["months_of"].format(kpi=cap, scope=label), *months], notes


def handle(question: Question, env: Env) -> Answer:
    lang = question.lang if question.lang in T else "en"
    kpi = question.kpi or DEFAULT_KPI
    if kpi in STAND_IN and not pc.platform_numbers(env.dataset):
        answer = _stand_in(question, env, kpi, STAND_IN[kpi], lang)
        if STAND_IN[kpi] in ("mer", "blended_roas") and not answer.analyses[0].result.get("months"):
            return _stand_in(question, env, kpi, "blended_cac", lang)  # no business revenue: cost per conversion
        return answer
    params: dict[str, Any] = {"kpi": kpi, "grain": "month", "scopes": [dict([s]) if s[0] else {} for s in _scopes(question)],
                              "window_months": WINDOW, "tolerance": TOLERANCE}
    catalog = default_catalog()
    if kpi not in catalog:
        return Answer((Analysis("trend", params, {"error": f"unknown KPI {kpi!r}"}),),
                      (T[lang]["unknown_kpi"].format(kpi=kpi),))
    spec = catalog.kpis.get(kpi)
    results: list[Mapping[str, Any]] = []
    lines: list[str] = []
    notes: list[str] = []
    for col, value in _scopes(question):
        res, ls, ns = _one(question, env, kpi, spec, col, value)
        results.append(res)
        lines += ls
        notes += ns
    result = results[0] if len(results) == 1 else {"scopes": results}
    return Answer((Analysis("trend", params, pc.clean_result(dict(result))),), tuple(lines),
                  notes=tuple(dict.fromkeys(notes)))


def _stand_in(question: Question, env: Env, kpi: str, other: str, lang: str) -> Answer:
    """The trend of the business-wide ``other`` for a platform KPI the data cannot give (media-mix data), with the
    reason said once, first."""
    t = T[lang]
    scoped = bool(question.campaigns or question.channels)
    business = dataclasses.replace(question, kpi=other, campaigns=(), channels=())
    inner = handle(business, env)
    name, other_name = kpi_name(kpi, lang), kpi_name(other.removeprefix("business_"), lang)
    if scoped:
        scope = ({"campaign_id": question.campaigns[0]} if question.campaigns
                 else {"channel": question.channels[0]})
        why = t["stand_in_scope"].format(kpi=name, scope=scope_label(scope, lang), other=other_name)
    else:
        why = t["stand_in"].format(kpi=name, other=other_name)
    why = why[:1].upper() + why[1:]
    analyses = tuple(
        Analysis(a.name, {**a.params, "asked_kpi": kpi, "stand_in": other}, a.result, a.findings, a.context)
        for a in inner.analyses
    )
    return Answer(analyses, (*inner.lines[:1], why, *inner.lines[1:]), inner.recommendations, inner.notes)
