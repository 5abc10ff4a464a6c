"""Where a channel works, by geo, on a geo model (SPEC §5 ``attribution`` per geo; a ``segment`` question by the
geo column that names a channel or a geo: "How does Channel3 do by geo?", "Which channel works best in Geo12?",
"Где лучше всего работает Channel3?").

The figures are the ``attribution`` operation's per-geo split (``advisor.diagnostics.incremental.geo_effects``):
each geo's incremental conversions or revenue over the window with its 80 % interval (the pooled coefficient's
uncertainty and the geo's own, added in quadrature), its spend, ROI (revenue) or cost per incremental conversion.
Window and basis as the ``contribution`` kind's (question period, else the last 13 weeks; revenue when the models
have it and the question does not ask for conversions).

Ranked by return on spend: ROI on the revenue basis, incremental conversions per unit of spend on the conversions
basis (the answer quotes its inverse, the cost per incremental conversion), best first unless the question asks
for the worst. A geo whose interval reaches 0 is one where the data cannot tell the channel's effect from none;
when that holds in at least half the geos the answer says the split cannot be read, gives the national figure to
read instead and recommends a geo holdout test (``run_lift_test``).

Beside each figure, what the next unit of spend returns there (``advisor.diagnostics.geo_split.geo_marginal_units``:
the geo model's curve at the geo's spend over the window; its interval from the figure's): a budget question
("which geos should get more X?", :data:`BUDGET`) is ranked by it, any other by the average return, and the answer
says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, clean
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.contribution import figure_bounds, figure_text, run_attribution, window_label
from advisor.advise.question import Question
from advisor.diagnostics.geo_split import GeoReadability, geo_marginal_units, reaches_zero
from advisor.recommend import Recommendation

#: a budget question ("which geos should get more X?", "где добавить бюджет X?"): ranked by the next unit's return
BUDGET = re.compile(
    r"\b(?:budgets?|more|less|increase|raise|cut|reduce|invest\w*|saturat\w*|marginal|next (?:unit|dollar))\b"
    r"|бюджет|добав|увелич|сократ|урез|влож|насыщ|маржинал",
    re.IGNORECASE,
)
#: rows listed in full up to this many; beyond it the best and the worst :data:`SHOWN_EACH_END` of each end
MAX_ROWS = 12
SHOWN_EACH_END = 5

T: dict[str, dict[str, str]] = {
    "en": {
        "lead_channel_best": "Return of {ch} by geo, {start}..{end} ({label}): best in {first} ({first_v}); worst "
                             "in {last} ({last_v}).",
        "lead_channel_worst": "Return of {ch} by geo, {start}..{end} ({label}): worst in {first} ({first_v}); best "
                              "in {last} ({last_v}).",
        "lead_geo_best": "In {geo}, {start}..{end} ({label}): {first} returns the most ({first_v}); {last} the "
                         "least ({last_v}).",
        "lead_geo_worst": "In {geo}, {start}..{end} ({label}): {first} returns the least ({first_v}); {last} the "
                          "most ({last_v}).",
        "one": "In {geo}, {start}..{end} ({label}), {ch} added {v} {what} (80% interval {lo}..{hi}) on {spend} of "
               "spend{tail}.",
        "roi": "ROI {roi} (80% interval {lo}..{hi})",
        "cpic": "cost per incremental conversion {v}",
        "none_fitted": "no incremental conversions fitted",
        "cpic_span": "cost per incremental conversion {v} ({lo}..{hi})",
        "cpic_open": "cost per incremental conversion {v} (from {lo}; the interval reaches 0 conversions)",
        "unreadable": "In {n} of {g} geos its 80% interval reaches 0: the data cannot tell the geos apart for "
                      "{ch_gen}, only its effect as a whole: {v} {what} (80% interval {lo}..{hi}). The ranking "
                      "below is the model's best guess, not a finding.",
        "some_zero": "In {n} of {g} geos its 80% interval reaches 0 ({names}): there the model cannot tell whether "
                     "it works.",
        "all_clear": "In every geo its 80% interval stays above 0: it works in each.",
        "overlap": "The 80% intervals of the best and the worst overlap: the data cannot firmly rank them.",
        "zero_here": "The 80% interval of {names} reaches 0 in this geo: the model cannot tell whether {it} "
                     "there.",
        "it_one": "it works", "it_many": "they work",
        "average": "These are average returns over the window; the next unit of spend returns less where the channel "
                   "saturates (\"next unit\", read off each geo's curve at its spend).",
        "by_next": "Ranked by what the next unit of spend returns (each geo's curve at its spend over the window), "
                   "not by the average return, because the question is where more budget pays.",
        "lead_next_best": "Where more spend on {ch} returns the most, {start}..{end} ({label}): {first} (next unit: "
                          "{first_v}); the least: {last} ({last_v}).",
        "lead_next_worst": "Where more spend on {ch} returns the least, {start}..{end} ({label}): {first} (next unit: "
                           "{first_v}); the most: {last} ({last_v}).",
        "row": "{i}. {name}: {v} {what} (80% interval {lo}..{hi}) on {spend} of spend; {metric}{next}.",
        "next": "; next unit: {metric}",
        "more": "The other {k} {word} are in the analysis.",
        "geos_word": "geos", "channels_word": "channels",
        "conversions": "incremental conversions", "revenue": "of incremental revenue",
        "no_spend": "No spend of {ch} in {geo} over {start}..{end}.",
        "no_geo_model": "The models are not geo models: there is no split by geo to read.",
        "error": "No split by geo: {error}.",
        "holdout": "Run a geo holdout test of {ch} before moving its budget between geos",
        "holdout_why": "In {n} of {g} geos its 80% interval of incremental {what} reaches 0: the data cannot tell in "
                       "which geos it works, and a test that switches it off in some geos would.",
        "kpi_conversions": "conversions", "kpi_revenue": "revenue",
    },
    "ru": {
        "lead_channel_best": "Отдача {ch} по регионам, {start}..{end} ({label}): лучше всего в {first} "
                             "({first_v}); хуже всего в {last} ({last_v}).",
        "lead_channel_worst": "Отдача {ch} по регионам, {start}..{end} ({label}): хуже всего в {first} "
                              "({first_v}); лучше всего в {last} ({last_v}).",
        "lead_geo_best": "В регионе {geo}, {start}..{end} ({label}): больше всего отдаёт {first} ({first_v}), меньше "
                         "всего {last} ({last_v}).",
        "lead_geo_worst": "В регионе {geo}, {start}..{end} ({label}): меньше всего отдаёт {first} ({first_v}), "
                          "больше всего {last} ({last_v}).",
        "one": "В регионе {geo}, {start}..{end} ({label}), {ch} принёс {v} {what} (80% интервал {lo}..{hi}) при "
               "расходах {spend}{tail}.",
        "roi": "ROI {roi} (80% интервал {lo}..{hi})",
        "cpic": "стоимость приростной конверсии {v}",
        "none_fitted": "приростных конверсий модель не нашла",
        "cpic_span": "стоимость приростной конверсии {v} ({lo}..{hi})",
        "cpic_open": "стоимость приростной конверсии {v} (от {lo}; интервал доходит до 0 конверсий)",
        "unreadable": "В {n} из {g} регионов его 80% интервал доходит до 0: по данным регионы для {ch_gen} "
                      "не различить, виден только его эффект в целом: {v} {what} (80% интервал {lo}..{hi}). "
                      "Порядок ниже — лучшая догадка модели, а не вывод.",
        "some_zero": "В {n} из {g} регионов его 80% интервал доходит до 0 ({names}): там модель не может сказать, "
                     "работает ли он.",
        "all_clear": "Во всех регионах его 80% интервал выше 0: он работает в каждом.",
        "overlap": "80% интервалы лучшего и худшего пересекаются: по данным их нельзя твёрдо упорядочить.",
        "zero_here": "В этом регионе 80% интервал доходит до 0 для {names}: модель не может сказать, {it} там.",
        "it_one": "работает ли он", "it_many": "работают ли они",
        "average": "Это средняя отдача за период; следующий рубль отдаёт меньше там, где канал насыщается («следующий "
                   "рубль» — по кривой региона при его расходах).",
        "by_next": "Порядок — по отдаче следующего рубля (кривая региона при его расходах за период), а не по средней "
                   "отдаче: вопрос о том, где дополнительный бюджет окупится.",
        "lead_next_best": "Где дополнительные расходы на {ch} отдают больше всего, {start}..{end} ({label}): {first} "
                          "(следующий рубль: {first_v}); меньше всего: {last} ({last_v}).",
        "lead_next_worst": "Где дополнительные расходы на {ch} отдают меньше всего, {start}..{end} ({label}): {first} "
                           "(следующий рубль: {first_v}); больше всего: {last} ({last_v}).",
        "row": "{i}. {name}: {v} {what} (80% интервал {lo}..{hi}) при расходах {spend}; {metric}{next}.",
        "next": "; следующий рубль: {metric}",
        "more": "Остальные {k} {word} — в анализе.",
        "geos_word": "регионов", "channels_word": "каналов",
        "conversions": "приростных конверсий", "revenue": "приростной выручки",
        "no_spend": "У {ch} нет расходов в регионе {geo} за {start}..{end}.",
        "no_geo_model": "Модели не региональные: разбивки по регионам нет.",
        "error": "Разбивки по регионам нет: {error}.",
        "holdout": "Проведите гео-тест {ch} (отключение в части регионов), прежде чем переносить его бюджет между "
                   "регионами",
        "holdout_why": "В {n} из {g} регионов 80% интервал его приростных {what} доходит до 0: по данным нельзя "
                       "сказать, в каких регионах он работает, а тест с отключением в части регионов покажет.",
        "kpi_conversions": "конверсий", "kpi_revenue": "выручки",
    },
}


def is_geo_model(env: Env) -> bool:
    """True when a response model of ``env`` is a geo model (it has per-geo coefficients)."""
    models = env.bundle.models.values() if env.bundle is not None else ()
    return any(tuple(getattr(m, "geos_", ()) or ()) for m in models)


def applies(question: Question, env: Env) -> bool:
    """A ``segment`` question this kind answers: by the data's geo column (its values are the geo model's geos)
    naming a channel or a geo, on a geo model."""
    attr = question.attribute
    if attr is None or not is_geo_model(env) or attr not in env.dataset.campaign_daily:
        return False
    geos = {str(g) for m in env.bundle.models.values() for g in (getattr(m, "geos_", ()) or ())}  # type: ignore[union-attr]
    values = {str(v) for v in env.dataset.campaign_daily[attr].dropna().unique()}
    named_geo = bool(question.extra.get("values", {}).get(attr))
    return bool(values & geos) and bool(question.channels or named_geo)


def _row(name: str, doc: Mapping[str, Any], basis: str) -> dict[str, Any]:
    """One ranked row: the basis figure with its interval, spend, ROI or cost per incremental conversion (with the
    interval's inverse), ``ret`` the ranking key (ROI, or incremental conversions per unit spend)."""
    v, lo, hi = figure_bounds(doc, basis)
    spend = float(doc.get("spend") or 0.0)
    row: dict[str, Any] = {"value": name, "spend": spend, "incremental": v, "lower_80": lo, "upper_80": hi,
                           "reaches_zero": reaches_zero(doc, basis)}
    if basis == "revenue":
        row.update(roi=doc.get("roi"), roi_lower_80=doc.get("roi_lower_80"), roi_upper_80=doc.get("roi_upper_80"))
        row["ret"] = doc.get("roi") if spend > 0 else None
    else:
        row["cpic"] = spend / v if v and spend > 0 else None
        row["cpic_lower_80"] = spend / hi if hi and spend > 0 else None
        row["cpic_upper_80"] = spend / lo if lo and spend > 0 else None
        row["ret"] = v / spend if v is not None and spend > 0 else None
    return row


def _firm(ranked: Sequence[Mapping[str, Any]], key: str = "ret") -> bool | None:
    """Whether the first and the last of ``ranked`` (by the average return on spend, ``key="ret"``, or the next
    unit's, ``"marginal"``) have 80 % intervals of that return that do not overlap; None with fewer than two."""
    if len(ranked) < 2:
        return None

    def span(r: Mapping[str, Any]) -> tuple[float, float]:
        if key == "marginal":
            return float(r["marginal_lower_80"] or 0.0), float(r["marginal_upper_80"] or 0.0)
        return float(r["lower_80"] or 0.0) / r["spend"], float(r["upper_80"] or 0.0) / r["spend"]

    (lo_a, hi_a), (lo_b, hi_b) = span(ranked[0]), span(ranked[-1])
    return hi_a < lo_b or hi_b < lo_a


def _add_marginal(
    rows: list[dict[str, Any]], env: Env, basis: str, split: str, channel: str | None, geo: str | None,
    start: pd.Timestamp, end: pd.Timestamp,
) -> None:
    """Add to each row what the next unit of spend returns (``marginal``: incremental KPI per unit of spend, with
    ``marginal_lower/upper_80`` from the row's interval, :func:`advisor.diagnostics.geo_split.geo_marginal_units`)
    and its ROI (revenue) or cost per incremental conversion; rows stay as they are when the model cannot say."""
    from advisor.diagnostics.incremental import geo_panel

    model = env.bundle.models.get(basis) if env.bundle is not None else None
    panel = geo_panel(env.dataset)
    if model is None or panel is None:
        return
    if split == "channels":  # one geo: its own rows are enough (each geo's adstock runs on its own spend)
        panel = panel[panel["geo"].astype(str) == str(geo)]
    by_channel: dict[str, pd.DataFrame] = {}  # one computation per channel: it covers every geo
    for r in rows:
        ch, g = (r["value"], geo) if split == "channels" else (channel, r["value"])
        if ch is None or g is None or r["spend"] <= 0 or ch not in panel.columns:
            continue
        if ch not in by_channel:
            try:
                by_channel[ch] = geo_marginal_units(model, panel, ch, start, end)
            except (ValueError, KeyError):
                return
        units = by_channel[ch]
        if g not in units.index or not units.at[g, "unit_window"] > 0 or pd.isna(units.at[g, "unit_marginal"]):
            continue
        per = float(units.at[g, "unit_marginal"]) / float(units.at[g, "unit_window"])  # per unit of the figure
        m, lo, hi = (None if x is None else float(x) * per for x in (r["incremental"], r["lower_80"], r["upper_80"]))
        r.update(marginal=m, marginal_lower_80=lo, marginal_upper_80=hi)
        if basis == "revenue":
            r.update(next_roi=None if m is None else m - 1.0, next_roi_lower_80=None if lo is None else lo - 1.0,
                     next_roi_upper_80=None if hi is None else hi - 1.0)
        else:
            r.update(next_cpic=1.0 / m if m else None, next_cpic_lower_80=1.0 / hi if hi else None,
                     next_cpic_upper_80=1.0 / lo if lo else None)


def run_geo_split(env: Env, question: Question) -> Analysis:
    """The ``geo_split`` analysis: ``rows`` (geos for a named channel, else channels in the named geo) ranked by
    return on spend, with the window, basis, the channel or geo, ``n_reach_zero`` and the channel's national
    figures (``national``)."""
    base = run_attribution(env.dataset, env.bundle, question)
    res = base.result
    attr = question.attribute or "geo"
    named_geos = list(question.extra.get("values", {}).get(attr, []))
    params: dict[str, Any] = {"channel": question.channels[0] if question.channels else None,
                              "geo": named_geos[0] if named_geos else None}
    if "error" in res:
        return Analysis("geo_split", params, {"error": res["error"]})
    geos: Mapping[str, Mapping[str, Mapping[str, Any]]] = res.get("geos") or {}
    if not geos:
        return Analysis("geo_split", params, {"error": "no_geo_model"})
    basis = res["basis"]
    channel, geo = params["channel"], params["geo"]
    if geo is not None:  # channels in one geo (the named channels only, when there are)
        block = geos.get(geo, {})
        rows = [_row(ch, doc, basis) for ch, doc in block.items() if not question.channels or ch in question.channels]
        split = "channels"
    else:
        rows = [_row(g, block[channel], basis) for g, block in geos.items() if channel in block]
        split = "geos"
    _add_marginal(rows, env, basis, split, channel, geo, pd.Timestamp(res["from"]), pd.Timestamp(res["to"]))
    by_next = bool(BUDGET.search(question.text)) and any(r.get("marginal") is not None for r in rows)
    key = "marginal" if by_next else "ret"
    higher_first = question.extra.get("order") != "worst"
    known = sorted((r for r in rows if r.get(key) is not None), key=lambda r: r[key], reverse=higher_first)
    rows = known + [r for r in rows if r.get(key) is None]
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    national = next((c for c in res["channels"] if c["channel"] == channel), None) if channel else None
    result = {
        "from": res["from"], "to": res["to"], "freq": res["freq"], "window": res["window"],
        "window_words": res.get("window_words"), "default_weeks": res.get("default_weeks"), "basis": basis,
        "split": split, "channel": channel, "geo": geo, "order": "best" if higher_first else "worst",
        "ranked_by": "next_unit" if by_next else "average", "rows": rows, "n_rows": len(rows),
        "n_spending": sum(1 for r in rows if r["spend"] > 0),
        "n_reach_zero": sum(1 for r in rows if r["reaches_zero"]),
        "n_left_out": _listed(rows)[1],
        "firm_ranking": _firm(known, key),
        "national": dict(zip(("incremental", "lower_80", "upper_80"), figure_bounds(national, basis), strict=True))
        if national is not None else None,
    }
    params.update({"from": res["from"], "to": res["to"], "window": res["window"]})
    return Analysis("geo_split", params, clean(result))


def _unreadable(res: Mapping[str, Any]) -> bool:
    """The named channel's split by geo cannot be read (:attr:`GeoReadability.unreadable`)."""
    return GeoReadability(str(res.get("channel")), res["basis"], res["n_reach_zero"], res["n_spending"]).unreadable


def _metric(r: Mapping[str, Any], basis: str, lang: str, short: bool = False) -> str:
    """ROI or cost per incremental conversion with its 80 % interval (``short``: the figure alone)."""
    t = T[lang]
    if short and basis == "revenue" and r.get("roi") is not None:
        return "ROI " + pc.signed_pct(r["roi"], lang)
    if short and basis != "revenue" and r.get("cpic") is not None:
        return t["cpic"].format(v=figure_text(r["cpic"], lang))
    if basis == "revenue":
        if r.get("roi") is None:
            return "ROI —"
        return t["roi"].format(roi=pc.signed_pct(r["roi"], lang), lo=pc.signed_pct(r["roi_lower_80"], lang),
                               hi=pc.signed_pct(r["roi_upper_80"], lang))
    if r.get("cpic") is None:
        return t["none_fitted"] if r.get("spend", 0) > 0 else t["cpic"].format(v="—")
    if r.get("cpic_upper_80") is None:
        return t["cpic_open"].format(v=figure_text(r["cpic"], lang), lo=figure_text(r.get("cpic_lower_80"), lang))
    return t["cpic_span"].format(v=figure_text(r["cpic"], lang), lo=figure_text(r["cpic_lower_80"], lang), hi=figure_text(r["cpic_upper_80"], lang))


def _next_metric(r: Mapping[str, Any], basis: str, lang: str, short: bool = False) -> str | None:
    """The next unit's ROI or cost per incremental conversion (with its 80 % interval unless ``short``), None when
    the row has none."""
    if r.get("marginal") is None:
        return None
    if basis == "revenue":
        nxt = {"roi": r.get("next_roi"), "roi_lower_80": r.get("next_roi_lower_80"),
               "roi_upper_80": r.get("next_roi_upper_80")}
    else:
        nxt = {"cpic": r.get("next_cpic"), "cpic_lower_80": r.get("next_cpic_lower_80"),
               "cpic_upper_80": r.get("next_cpic_upper_80"), "spend": r.get("spend")}
    return _metric(nxt, basis, lang, short=short)


def _name(r: Mapping[str, Any], lang: str) -> str:
    return pc.channel_label(r["value"], lang, "bare")


def _listed(rows: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], int]:
    """The rows to list (all up to :data:`MAX_ROWS`, else both ends) and how many are left out."""
    if len(rows) <= MAX_ROWS:
        return list(rows), 0
    return [*rows[:SHOWN_EACH_END], *rows[-SHOWN_EACH_END:]], len(rows) - 2 * SHOWN_EACH_END


def lines(res: Mapping[str, Any], question: Question, lang: str) -> list[str]:
    """The answer's lines (see the module docstring)."""
    t = T[lang]
    basis, split = res["basis"], res["split"]
    what = t[basis]
    span = {"start": res["from"], "end": res["to"], "label": window_label(res, question, lang)}
    rows = res["rows"]
    ranked = [r for r in rows if r.get("ret") is not None]
    geo_q = pc.channel_label(res["geo"], lang, "bare") if res.get("geo") else None
    ch_q = pc.channel_label(res["channel"], lang) if res.get("channel") else None
    out: list[str] = []
    if split == "channels" and len(rows) == 1:
        r = rows[0]
        if r["spend"] <= 0:
            return [t["no_spend"].format(ch=pc.channel_label(r["value"], lang), geo=geo_q, **span)]
        out.append(t["one"].format(geo=geo_q, ch=pc.channel_label(r["value"], lang, "acc" if lang == "ru" else "gen"),
                                   v=figure_text(r["incremental"], lang), what=what, lo=figure_text(r["lower_80"], lang),
                                   hi=figure_text(r["upper_80"], lang), spend=figure_text(r["spend"], lang),
                                   tail="; " + _metric(r, basis, lang), **span))
        if r["reaches_zero"]:
            out.append(t["zero_here"].format(names=_name(r, lang), it=t["it_one"]))
        return out
    by_next = res.get("ranked_by") == "next_unit"
    if by_next:
        ranked = [r for r in rows if r.get("marginal") is not None]
    if len(ranked) >= 2:
        first, last = ranked[0], ranked[-1]
        if by_next and split == "geos":
            ch_acc = pc.channel_label(res["channel"], lang, "acc")
            out.append(t["lead_next_" + res["order"]].format(
                ch=ch_acc, first=_name(first, lang), first_v=_next_metric(first, basis, lang, short=True),
                last=_name(last, lang), last_v=_next_metric(last, basis, lang, short=True), **span))
        else:
            key = ("lead_geo_" if split == "channels" else "lead_channel_") + res["order"]
            out.append(t[key].format(ch=ch_q, geo=geo_q, first=_name(first, lang),
                                     first_v=_metric(first, basis, lang, short=True), last=_name(last, lang),
                                     last_v=_metric(last, basis, lang, short=True), **span))
    n, g = res["n_reach_zero"], res["n_spending"]
    if split == "geos":
        nat = res.get("national") or {}
        if _unreadable(res) and nat.get("incremental") is not None:
            out.append(t["unreadable"].format(n=n, g=g, ch_gen=ch_q, v=figure_text(nat["incremental"], lang), what=what,
                                              lo=figure_text(nat["lower_80"], lang), hi=figure_text(nat["upper_80"], lang)))
        elif n:
            names = ", ".join(_name(r, lang) for r in rows if r["reaches_zero"])
            out.append(t["some_zero"].format(n=n, g=g, names=names))
        elif g:
            out.append(t["all_clear"])
        if res.get("firm_ranking") is False and not _unreadable(res):
            out.append(t["overlap"])
    elif n:
        zero = [r for r in rows if r["reaches_zero"]]
        out.append(t["zero_here"].format(names=", ".join(_name(r, lang) for r in zero),
                                         it=t["it_one" if len(zero) == 1 else "it_many"]))
    shown, left = _listed(rows)
    for r in shown:
        nxt = _next_metric(r, basis, lang)
        out.append(t["row"].format(i=r["rank"], name=_name(r, lang), v=figure_text(r["incremental"], lang), what=what,
                                   lo=figure_text(r["lower_80"], lang), hi=figure_text(r["upper_80"], lang),
                                   spend=figure_text(r["spend"], lang), metric=_metric(r, basis, lang),
                                   next=t["next"].format(metric=nxt) if nxt else ""))
    if left:
        out.append(t["more"].format(k=left, word=t["geos_word" if split == "geos" else "channels_word"]))
    out.append(t["by_next"] if by_next else t["average"])
    return out


def recommendations(res: Mapping[str, Any], lang: str) -> tuple[Recommendation, ...]:
    """``run_lift_test`` (a geo holdout) for a named channel whose interval reaches 0 in at least half the geos."""
    t = T[lang]
    n, g, ch = res.get("n_reach_zero", 0), res.get("n_spending", 0), res.get("channel")
    if res.get("split") != "geos" or ch is None or not _unreadable(res):
        return ()
    label = pc.channel_label(ch, lang)
    return (
        Recommendation(
            "run_lift_test",
            t["holdout"].format(ch=label),
            t["holdout_why"].format(n=n, g=g, what=t["kpi_" + res["basis"]]),
            None, None, None, 0.6, {"channel": ch}, {"geos_reaching_zero": n, "geos": g}, ("attribution",),
        ),
    )


def handle(question: Question, env: Env) -> Answer:
    """The channel by geo, or the channels in a geo (see the module docstring)."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    a = run_geo_split(env, question)
    res = a.result
    if "error" in res:
        err = res["error"]
        return Answer((a,), (t["no_geo_model"] if err == "no_geo_model" else t["error"].format(error=err),))
    return Answer((a,), tuple(lines(res, question, lang)), recommendations(res, lang))
