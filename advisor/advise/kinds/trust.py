"""``trust``: can we trust the platforms' numbers? (SPEC §5 "Advise": reported vs incremental per channel).

Per channel, over the question's period (default: the whole history, as ``attribution``), the conversions (and
revenue) the platforms REPORTED beside the response model's INCREMENTAL ones with their 80 % intervals
(:func:`advisor.diagnostics.incremental.channel_effects`). ``ratio`` = reported / incremental (a multiple, 1 =
the platform's claim equals the channel's effect); its 80 % range is reported / upper and reported / lower
bound of the incremental figure.

Verdict per channel (:func:`verdict`), on conversions (revenue when the data or the models have no
conversions), with the tolerance :data:`TOLERANCE`: ``over`` (over-claims) when the reported figure exceeds
the upper 80 % bound of the incremental one by more than the tolerance, ``under`` when it is below the lower
bound by more than the tolerance, ``about_right`` otherwise (the claim is within the model's uncertainty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, clean
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question
from advisor.core.names import scope_label
from advisor.data import Dataset
from advisor.diagnostics.history import reported as reported_rows
from advisor.diagnostics.history import spend_history
from advisor.diagnostics.incremental import ChannelEffect, channel_effects
from advisor.narrative.template import num
from models.response import ResponseBundle

#: a ratio reported / incremental within ``1 ± TOLERANCE`` of the incremental 80 % interval is "about right"
TOLERANCE = 0.10

T: dict[str, dict[str, str]] = {
    "en": {
        "lead_over": "The platforms over-claim on {n} of {total} channels: {items}.",
        "lead_over_item": "{scope} reports {ratio} times its incremental {what}",
        "conversions_gen": "conversions", "revenue_gen": "revenue",
        "lead_none": "No platform clearly over-claims: on every channel the reported {what} are within the response "
                     "model's 80% interval of the incremental ones (±{tol}).",
        "about_right": "About right (within the model's uncertainty): {items}.",
        "lean_over": "Probably over-claim (reported above the model's 80% interval, but by less than {tol}): {items}.",
        "lean_under": "Probably under-claim (reported below the model's 80% interval, but by less than {tol}): "
                      "{items}.",
        "lean_over_v": "probably over-claims", "lean_under_v": "probably under-claims",
        "under": "Under-claimed (the platform reports less than the channel brings): {items}.",
        "ratio_item": "{scope} {ratio} times",
        "row": "- {scope}: reported {rep} vs incremental {inc} {what} (80% interval {lo}..{hi}), {ratio} times "
               "(range {rlo}..{rhi}){rev}; {verdict}.",
        "row_rev": "; revenue reported {rep} vs incremental {inc}, {ratio} times",
        "rule": "Period {start}..{end}. Rule: a channel over-claims when its reported figure exceeds the upper end of "
                "the model's 80% interval by more than {tol}, under-claims when it is that far below the lower end.",
        "over": "over-claims", "under_v": "under-claims", "about_right_v": "about right",
        "conversions": "conversions", "revenue": "revenue",
        "no_models": "Whether the platforms' numbers can be trusted needs the response models (incremental conversions "
                     "per channel, with intervals); without them only the platforms' own figures are known: {items}.",
        "no_models_empty": "Whether the platforms' numbers can be trusted needs the response models (incremental "
                           "conversions per channel, with intervals), and the data has no platform-reported figures.",
        "rep_item": "{scope} {rep} conversions",
        "note_models": "No trained response models: run «kpi-advisor train» and pass the models to compare the "
                       "platforms' figures with incremental ones.",
        "no_reported": "There is nothing to check: the data has no platform-reported conversions or revenue (media-mix "
                       "data only), so only the model's incremental figures are known: {items}.",
        "inc_item": "{scope} {inc} incremental conversions (80% interval {lo}..{hi})",
        "inc_item_rev": "{scope} {inc} incremental revenue (80% interval {lo}..{hi})",
        "error": "The comparison could not be made: {error}",
    },
    "ru": {
        "lead_over": "Площадки завышают результат на {n} из {total} каналов: {items}.",
        "lead_over_item": "{scope} — в {ratio} раза больше приростных {what_gen}",
        "lead_none": "Ни одна площадка явно не завышает результат: на каждом канале заявленные {what} лежат в "
                     "пределах 80% интервала модели отклика для приростных (±{tol}).",
        "about_right": "Близки к истине (в пределах неопределённости модели): {items}.",
        "lean_over": "Вероятно, завышают (заявлено больше верхней границы 80% интервала модели, но меньше чем на "
                     "{tol}): {items}.",
        "lean_under": "Вероятно, занижают (заявлено меньше нижней границы 80% интервала модели, но меньше чем на "
                      "{tol}): {items}.",
        "lean_over_v": "вероятно, завышает", "lean_under_v": "вероятно, занижает",
        "under": "Занижают (площадка показывает меньше, чем даёт канал): {items}.",
        "ratio_item": "{scope}, в {ratio} раза",
        "row": "- {scope}: заявлено {rep}, приростных {inc} ({what}; 80% интервал {lo}..{hi}), в {ratio} раза "
               "(диапазон {rlo}..{rhi}){rev}; {verdict}.",
        "row_rev": "; выручка: заявлено {rep}, приростной {inc}, в {ratio} раза",
        "rule": "Период {start}..{end}. Правило: канал завышает, если заявленная цифра выше верхней границы 80% "
                "интервала модели больше чем на {tol}, занижает, если настолько же ниже нижней границы.",
        "over": "завышает", "under_v": "занижает", "about_right_v": "близко к истине",
        "conversions": "конверсии", "revenue": "выручка", "conversions_gen": "конверсий", "revenue_gen": "выручки",
        "no_models": "Чтобы проверить цифры площадок, нужны модели отклика (приростные конверсии по каналам с "
                     "интервалами); без них известны только цифры самих площадок: {items}.",
        "no_models_empty": "Чтобы проверить цифры площадок, нужны модели отклика (приростные конверсии по каналам с "
                           "интервалами), а заявленных площадками цифр в данных нет.",
        "rep_item": "{scope}: {rep} конверсий",
        "note_models": "Нет обученных моделей отклика: запустите «kpi-advisor train» и передайте модели, чтобы "
                       "сравнить цифры площадок с приростными.",
        "no_reported": "Проверять нечего: в данных нет заявленных площадками конверсий и выручки (только данные "
                       "медиамикса), поэтому известны лишь приростные цифры модели: {items}.",
        "inc_item": "{scope}: {inc} приростных конверсий (80% интервал {lo}..{hi})",
        "inc_item_rev": "{scope}: {inc} приростной выручки (80% интервал {lo}..{hi})",
        "error": "Сравнение не удалось: {error}",
    },
}


def reported(ds: Dataset, start: pd.Timestamp, end: pd.Timestamp, freq: str) -> dict[str, tuple[float | None, float | None]]:
    """Platform-reported (conversions, revenue) per channel over ``start..end`` (``advisor.diagnostics.history``);
    none at all on media-mix data (its campaign rows are derived, with nothing reported)."""
    return {} if ds.campaign_source == "mmm" else reported_rows(ds, start, end, freq)


def verdict(reported_value: float, lower: float, upper: float, tolerance: float = TOLERANCE) -> str:
    """``over`` when ``reported > upper · (1 + tolerance)``, ``under`` when ``reported < lower · (1 − tolerance)``,
    else ``about_right`` (``lower``/``upper``: the incremental figure's 80 % bounds, same units)."""
    if reported_value > upper * (1.0 + tolerance):
        return "over"
    if reported_value < lower * (1.0 - tolerance):
        return "under"
    return "about_right"


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b is not None and b > 0 else None


def _sort_key(row: Mapping[str, Any]) -> float:
    """Highest ratio first, channels without one last."""
    return -float(row["ratio"]) if row.get("ratio") is not None else float("inf")


def _row(e: ChannelEffect) -> dict[str, Any]:
    """The channel's comparison: reported, incremental (80 % bounds), ratio and its range, verdict and basis."""
    doc = e.to_dict()
    row: dict[str, Any] = {"channel": e.channel, **doc}
    row["ratio_revenue"] = _div(e.reported_revenue, e.revenue.mean if e.revenue else None)
    basis = None
    if e.conversions is not None and e.reported_conversions is not None and e.conversions.mean > 0:
        basis, inc, rep = "conversions", e.conversions, e.reported_conversions
    elif e.revenue is not None and e.reported_revenue is not None and e.revenue.mean > 0:
        basis, inc, rep = "revenue", e.revenue, e.reported_revenue
    row["basis"] = basis
    if basis is None:
        row.update(ratio=None, ratio_low=None, ratio_high=None, verdict=None)
        return row
    row.update(
        reported_basis=rep, incremental_basis=inc.mean, basis_lower_80=inc.lower_80, basis_upper_80=inc.upper_80,
        ratio=rep / inc.mean, ratio_low=_div(rep, inc.upper_80), ratio_high=_div(rep, inc.lower_80),
        verdict=verdict(rep, inc.lower_80, inc.upper_80),
    )
    return row


def _window(history: pd.DataFrame, question: Question) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last period of the history inside the question's period (default: all of it); None when
    the period does not overlap the history."""
    idx = pd.DatetimeIndex(history.index)
    if question.period is None:
        return idx[0], idx[-1]
    inside = idx[(idx >= pd.Timestamp(question.period.start)) & (idx <= pd.Timestamp(question.period.end))]
    return (inside[0], inside[-1]) if len(inside) else None


def run_trust(ds: Dataset, bundle: ResponseBundle | None, question: Question) -> Analysis:
    """The ``trust`` analysis: per channel, reported vs incremental conversions and revenue with the verdict.
    ``result``: ``from``/``to`` (first and last model period in the window), ``tolerance``, ``channels`` (rows of
    :func:`_row`, highest ratio first), ``reported_available``; ``{"error": ...}`` without models."""
    params: dict[str, Any] = {"tolerance": TOLERANCE}
    if bundle is None:
        rep = reported(ds, pd.Timestamp(ds.campaign_daily["date"].min()), pd.Timestamp(ds.campaign_daily["date"].max()), "D")
        rows = [{"channel": ch, "reported_conversions": c, "reported_revenue": r} for ch, (c, r) in sorted(rep.items())]
        return Analysis("trust", params, clean({"error": "no trained response models", "reported": rows}))
    freq = str(bundle.context.freq)
    history = spend_history(ds, freq)
    window = _window(history, question)
    if window is None:
        assert question.period is not None
        err = f"the period {question.period.start}..{question.period.end} is outside the model history"
        return Analysis("trust", params, {"error": err})
    start, end = window
    channels = [c for c in history.columns if not question.channels or c in question.channels] or list(history.columns)
    effects = channel_effects(history, start, end, dict(bundle.models), channels, reported(ds, start, end, freq))
    rows = [_row(e) for e in effects]
    rows.sort(key=_sort_key)
    params.update({"from": str(start.date()), "to": str(end.date()), "freq": freq})
    available = any(r["reported_conversions"] is not None or r["reported_revenue"] is not None for r in rows)
    result = {"from": str(start.date()), "to": str(end.date()), "tolerance": TOLERANCE, "channels": rows,
              "reported_available": available, "counts": _counts(rows)}
    return Analysis("trust", params, clean(result))


def lean(row: Mapping[str, Any]) -> str | None:
    """For an ``about_right`` row whose whole ratio range lies on one side of 1 (the reported figure is outside
    the incremental 80 % interval, by less than the tolerance): ``over`` / ``under``; else None. Such a channel is
    not "within the model's uncertainty", only within the tolerance."""
    if row.get("verdict") != "about_right":
        return None
    low, high = row.get("ratio_low"), row.get("ratio_high")
    if low is not None and float(low) > 1.0:
        return "over"
    if high is not None and float(high) < 1.0:
        return "under"
    return None


def _counts(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {v: sum(r.get("verdict") == v for r in rows) for v in ("over", "about_right", "under")}


def channel_label(channel: str, lang: str) -> str:
    """``channel "x"`` / ``канал «x»`` (nominative; ``scope_label`` gives the Russian genitive)."""
    return f"канал «{channel}»" if lang == "ru" else scope_label({"channel": channel}, lang)


def _ratio(x: float, lang: str) -> str:
    return num(x, lang, 2)


def _lines(result: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    rows = [r for r in result["channels"] if r.get("verdict") is not None]
    what = t[rows[0]["basis"]] if rows else t["conversions"]
    tol = f"{TOLERANCE * 100:.0f}%"
    over = [r for r in rows if r["verdict"] == "over"]
    under = [r for r in rows if r["verdict"] == "under"]
    lean_over = [r for r in rows if lean(r) == "over"]
    lean_under = [r for r in rows if lean(r) == "under"]
    right = [r for r in rows if r["verdict"] == "about_right" and lean(r) is None]

    def label(r: Mapping[str, Any]) -> str:
        return channel_label(r["channel"], lang)

    out = []
    if over:
        items = "; ".join(
            t["lead_over_item"].format(
                scope=label(r), ratio=_ratio(r["ratio"], lang), what=t[r["basis"]], what_gen=t[r["basis"] + "_gen"]
            ) for r in over
        )
        out.append(t["lead_over"].format(n=len(over), total=len(rows), items=items))
    else:
        out.append(t["lead_none"].format(what=what, tol=tol))
    if right:
        out.append(t["about_right"].format(
            items=", ".join(t["ratio_item"].format(scope=label(r), ratio=_ratio(r["ratio"], lang)) for r in right)
        ))
    for key, group in (("lean_over", lean_over), ("lean_under", lean_under)):
        if group:
            out.append(t[key].format(tol=tol, items=", ".join(
                t["ratio_item"].format(scope=label(r), ratio=_ratio(r["ratio"], lang)) for r in group)))
    if under:
        out.append(t["under"].format(
            items=", ".join(t["ratio_item"].format(scope=label(r), ratio=_ratio(r["ratio"], lang)) for r in under)
        ))
    verdict_word = {"over": t["over"], "under": t["under_v"], "about_right": t["about_right_v"]}
    for r in rows:
        rev = ""
        if r["basis"] == "conversions" and r.get("ratio_revenue") is not None:
            rev = t["row_rev"].format(
                rep=num(r["reported_revenue"], lang), inc=num(r["incremental_revenue"], lang),
                ratio=_ratio(r["ratio_revenue"], lang),
            )
        out.append(t["row"].format(
            scope=label(r), rep=num(r["reported_basis"], lang), inc=num(r["incremental_basis"], lang),
            what=t[r["basis"]], lo=num(r["basis_lower_80"], lang), hi=num(r["basis_upper_80"], lang),
            ratio=_ratio(r["ratio"], lang),
            rlo=_ratio(r["ratio_low"], lang) if r.get("ratio_low") is not None else "—",
            rhi=_ratio(r["ratio_high"], lang) if r.get("ratio_high") is not None else "∞",
            rev=rev, verdict=t[f"lean_{lean(r)}_v"] if lean(r) else verdict_word[r["verdict"]],
        ))
    out.append(t["rule"].format(start=result["from"], end=result["to"], tol=tol))
    return out


def _incremental_items(result: Mapping[str, Any], lang: str) -> str:
    """Each channel's incremental conversions with their 80 % interval (incremental revenue when the models have
    no conversions outcome, e.g. a revenue-only media-mix set)."""
    t = T[lang]
    items = []
    for r in result["channels"]:
        scope = channel_label(r["channel"], lang)
        if r.get("incremental_conversions") is not None:
            items.append(t["inc_item"].format(scope=scope, inc=num(r["incremental_conversions"], lang),
                                              lo=num(r["lower_80"], lang), hi=num(r["upper_80"], lang)))
        elif r.get("incremental_revenue") is not None:
            items.append(t["inc_item_rev"].format(scope=scope, inc=num(r["incremental_revenue"], lang),
                                                  lo=num(r["revenue_lower_80"], lang),
                                                  hi=num(r["revenue_upper_80"], lang)))
    return "; ".join(items)


def handle(question: Question, env: Env) -> Answer:
    """Reported vs incremental per channel; leads with the channels whose platforms over-claim most."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    a = run_trust(env.dataset, env.bundle, question)
    res = a.result
    if "error" in res:
        if "reported" not in res:
            return Answer((a,), (t["error"].format(error=res["error"]),))
        rows = [r for r in res["reported"] if r.get("reported_conversions") is not None]
        items = "; ".join(
            t["rep_item"].format(scope=channel_label(r["channel"], lang), rep=num(r["reported_conversions"], lang))
            for r in rows
        )
        line = t["no_models"].format(items=items) if rows else t["no_models_empty"]
        return Answer((a,), (line,), notes=(t["note_models"],))
    if not res["reported_available"]:
        return Answer((a,), (t["no_reported"].format(items=_incremental_items(res, lang)),))
    return Answer((a,), tuple(_lines(res, lang)))
