"""``segment``: which audience / creative / region ... performs worst (or best)? (SPEC §5 "Advise").

The KPI (``question.kpi``; default the conversion rate) by the attribute (``question.attribute``: a
``campaign_daily`` column; default: each of the dataset's attribute columns, the one whose values spread the
widest kept) over ``question.period`` (default: the last 90 days of data), from the KPI engine
(:func:`advisor.kpis.compute_kpis` ``by=(attribute,)``, or ``(channel, attribute)`` restricted to the channel the
question names), ranked worst first — best first when ``question.extra["order"] == "best"`` (what the parser
sets for "which ... performs best?"). Worse / better follows the KPI's catalog ``direction`` (a lower CPA is
better). Each row carries its spend and its share of the spend over the same window.

Without a named channel and with several channels, the rows are ranked WITHIN channels: by the value's KPI
relative to its channels' (``index``, spend-weighted; see :func:`_rank`), since the plain KPI by attribute mixes
the attribute with the channels each value runs on (on the demo world, seeds 1-3, the plain conversion rate by
audience puts "retargeting" or "prospecting" last, the within-channel index puts the planted poor audience
"broad" last). The answer says when the plain ranking differs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, clean
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question
from advisor.core.words import kpi_name
from advisor.data import Dataset
from advisor.kpis import compute_kpis
from advisor.kpis.business import kpi_tables
from advisor.kpis.catalog import KpiCatalog, default_catalog
from advisor.narrative.template import num, sig

DEFAULT_KPI = "conversion_rate"
#: KPIs of the business totals (computable on media-mix data)
BUSINESS = frozenset({"mer", "blended_roas", "blended_cac", "business_revenue", "business_conversions", "spend"})
DEFAULT_DAYS = 90
#: groups below this share of spend do not decide which attribute spreads the widest (still ranked)
MIN_SHARE = 0.01

#: attribute column → (singular, plural genitive, plural nominative) words
ATTRIBUTES: dict[str, dict[str, tuple[str, str, str]]] = {
    "en": {"audience": ("audience", "audiences", "audiences"),
           "creative_type": ("creative type", "creative types", "creative types"),
           "region": ("region", "regions", "regions"), "objective": ("objective", "objectives", "objectives"),
           "channel": ("channel", "channels", "channels"), "campaign_id": ("campaign", "campaigns", "campaigns")},
    "ru": {"audience": ("аудитория", "аудиторий", "аудитории"), "creative_type": ("тип креатива", "типов креатива",
           "типы креатива"), "region": ("регион", "регионов", "регионы"),
           "objective": ("цель кампании", "целей кампаний", "цели кампаний"), "channel": ("канал", "каналов", "каналы"),
           "campaign_id": ("кампания", "кампаний", "кампании")},
}

T: dict[str, dict[str, str]] = {
    "en": {
        "lead_worst": "Worst {attr} by {kpi}, {start}..{end}{where}: {first} at {first_v} ({first_share} of spend); "
                      "best: {last} at {last_v}.",
        "lead_best": "Best {attr} by {kpi}, {start}..{end}{where}: {first} at {first_v} ({first_share} of spend); "
                     "worst: {last} at {last_v}.",
        "lead_worst_within": "Worst {attr} by {kpi} within channels, {start}..{end}: {first} at {first_v} "
                             "({first_share} of spend); best: {last} at {last_v}.",
        "lead_best_within": "Best {attr} by {kpi} within channels, {start}..{end}: {first} at {first_v} "
                            "({first_share} of spend); worst: {last} at {last_v}.",
        "index_v": "{x} times its channels' average",
        "mix": "Over all channels together {value} has the {plain} {kpi} ({v}): the {attr_nom} run on different "
               "channels, so the plain figures mix the channel with the {attr}.",
        "plain_worst": "worst", "plain_best": "best",
        "row_within": "{i}. {value}: {x} times its channels' average; {kpi} {v} overall, {share} of spend.",
        "where": " on {scope}",
        "widest": "Of the attributes ({names}), {attr} spreads the widest on this KPI.",
        "row": "{i}. {value}: {kpi} {v}, {share} of spend.",
        "row_none": "{i}. {value}: {kpi} not available, {share} of spend.",
        "single": "Only one {attr} ({value}) has {kpi} over {start}..{end}{where}: {v}; there is nothing to rank.",
        "empty": "No {kpi} by {attr} over {start}..{end}{where}: the data has no rows with it.",
        "no_attr": "The data has no attribute columns (audience, creative, region ...) to rank segments by.",
        "unknown_kpi": "{kpi} is not a KPI of the catalog; ranked by conversion rate instead.",
        "unknown_attr": "The data has no column {attr}; ranked by the attribute that spreads the widest instead.",
    },
    "ru": {
        "lead_worst": "Хуже всего по показателю «{kpi}» среди {attr_pl} за {start}..{end}{where}: {first}, {first_v} "
                      "({first_share} расходов); лучше всего: {last}, {last_v}.",
        "lead_best": "Лучше всего по показателю «{kpi}» среди {attr_pl} за {start}..{end}{where}: {first}, {first_v} "
                     "({first_share} расходов); хуже всего: {last}, {last_v}.",
        "lead_worst_within": "Хуже всего по показателю «{kpi}» среди {attr_pl} с учётом каналов за {start}..{end}: "
                             "{first}, {first_v} ({first_share} расходов); лучше всего: {last}, {last_v}.",
        "lead_best_within": "Лучше всего по показателю «{kpi}» среди {attr_pl} с учётом каналов за {start}..{end}: "
                            "{first}, {first_v} ({first_share} расходов); хуже всего: {last}, {last_v}.",
        "index_v": "{x} от среднего по своим каналам",
        "mix": "По всем каналам вместе {plain} показатель «{kpi}» у {value} ({v}): {attr_nom} работают в разных "
               "каналах, и простые цифры смешивают канал с сегментом.",
        "plain_worst": "худший", "plain_best": "лучший",
        "row_within": "{i}. {value}: {x} от среднего по своим каналам; {kpi} {v} в целом, {share} расходов.",
        "where": " в канале «{channel}»",
        "widest": "Из признаков ({names}) сильнее всего по этому показателю различаются {attr_nom}.",
        "row": "{i}. {value}: {kpi} {v}, {share} расходов.",
        "row_none": "{i}. {value}: {kpi} нет данных, {share} расходов.",
        "single": "Показатель «{kpi}» за {start}..{end}{where} есть только у одного значения ({value}): {v}; "
                  "сравнивать не с чем.",
        "empty": "Показателя «{kpi}» по признаку «{attr}» за {start}..{end}{where} нет: в данных нет таких строк.",
        "no_attr": "В данных нет признаков (аудитория, креатив, регион ...), по которым можно сравнить сегменты.",
        "unknown_kpi": "Показателя «{kpi}» нет в каталоге; сравнение по конверсии.",
        "unknown_attr": "В данных нет столбца «{attr}»; сравнение по признаку с наибольшим разбросом.",
    },
}


def attribute_words(attr: str, lang: str) -> tuple[str, str, str]:
    """(singular, plural genitive, plural nominative) names of an attribute column; unknown columns quoted."""
    known = ATTRIBUTES.get(lang, ATTRIBUTES["en"])
    if attr in known:
        return known[attr]
    q = f"«{attr}»" if lang == "ru" else f'"{attr}"'
    return q, q, q


def fmt_value(kpi: str, value: float, lang: str, catalog: KpiCatalog | None = None) -> str:
    """A KPI value as the catalog formats it (``.2%`` → ``2.30%``, ``,.2f`` → ``45.60``; values of 1,000 or more
    in whole units: ``12,346``) in ``lang``'s notation; the verifier reads both at the written rounding."""
    cat = catalog or default_catalog()
    spec = cat[kpi].format if kpi in cat else ",.2f"
    decimals = next((int(c) for c in spec if c.isdigit()), 2)
    if spec.endswith("%"):
        return num(value * 100.0, lang, decimals) + "%"
    if abs(value) >= 1000:  # totals: whole units
        decimals = 0
    if 0 < abs(value) < 0.1:  # a tiny ratio (cost per conversion of a huge-volume set): significant digits
        return sig(value, lang, 3)
    return num(value, lang, decimals)


def share(x: float, lang: str) -> str:
    """A fraction as a whole percentage without sign: 0.243 → ``24%``."""
    return num(x * 100.0, lang, 0) + "%"


def quoted(value: str, lang: str) -> str:
    return f"«{value}»" if lang == "ru" else f'"{value}"'


def _window(ds: Dataset, question: Question) -> tuple[pd.Timestamp, pd.Timestamp]:
    dates = pd.to_datetime(ds.campaign_daily["date"])
    if question.period is not None:
        return pd.Timestamp(question.period.start), pd.Timestamp(question.period.end)
    end = dates.max().normalize()
    return max(end - pd.Timedelta(days=DEFAULT_DAYS - 1), dates.min().normalize()), end


def _finite(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(float(x)) else None


def _rank(
    ds: Dataset, kpi: str, attr: str, start: pd.Timestamp, end: pd.Timestamp, channel: str | None, higher: bool
) -> tuple[list[dict[str, Any]], str]:
    """Rows ``{"value", kpi, "spend", "spend_share", "index"}`` worst first (None last) and the ranking basis.

    ``index``: the value's KPI relative to its channel's, ``KPI(channel, value) / KPI(channel)``, averaged over
    channels weighted by the value's spend in each (1 = as good as the channels it runs on). With several
    channels the rows are ranked by it (basis ``within_channels``): the plain KPI by attribute mixes the
    attribute's effect with which channels each value runs on. With one channel (named, or the data's only
    one) they are ranked by the KPI itself (basis ``kpi``)."""
    tables = kpi_tables(ds)
    span = {"start": start.date(), "end": end.date()}
    kpis = list(dict.fromkeys([kpi, "spend"]))
    if channel is not None and attr != "channel":
        frame = compute_kpis(tables, by=("channel", attr), kpis=kpis, **span).frame
        frame = frame[frame["channel"].astype(str) == channel]
    else:
        frame = compute_kpis(tables, by=(attr,), kpis=kpis, **span).frame
    total = float(frame["spend"].fillna(0.0).sum())
    rows: dict[str, dict[str, Any]] = {
        str(r[attr]): {"value": str(r[attr]), kpi: _finite(r.get(kpi)), "spend": float(r.get("spend") or 0.0),
                       "spend_share": float(r.get("spend") or 0.0) / total if total > 0 else None, "index": None}
        for r in frame.to_dict("records")
    }
    basis = "kpi"
    if channel is None and attr != "channel":
        pair = compute_kpis(tables, by=("channel", attr), kpis=kpis, **span).frame
        chan = compute_kpis(tables, by=("channel",), kpis=[kpi], **span).frame
        base = {str(r["channel"]): _finite(r.get(kpi)) for r in chan.to_dict("records")}
        if len(base) > 1:
            acc: dict[str, list[float]] = {}
            for r in pair.to_dict("records"):
                v, b, spend = _finite(r.get(kpi)), base.get(str(r["channel"])), float(r.get("spend") or 0.0)
                if v is not None and b is not None and b > 0 and spend > 0:
                    a = acc.setdefault(str(r[attr]), [0.0, 0.0])
                    a[0] += spend * v / b
                    a[1] += spend
            for value, (num_, den) in acc.items():
                if value in rows and den > 0:
                    rows[value]["index"] = num_ / den
            basis = "within_channels" if any(r["index"] is not None for r in rows.values()) else "kpi"
    key = "index" if basis == "within_channels" else kpi
    known = sorted((r for r in rows.values() if r[key] is not None), key=lambda r: r[key], reverse=not higher)
    return known + [r for r in rows.values() if r[key] is None], basis


def spread(rows: Sequence[Mapping[str, Any]], key: str) -> float | None:
    """(max − min) / |spend-weighted mean| of ``rows[key]`` over groups with at least :data:`MIN_SHARE` of spend."""
    vals = [(r[key], r["spend"]) for r in rows if r[key] is not None and (r["spend_share"] or 0.0) >= MIN_SHARE]
    if len(vals) < 2:
        return None
    weight = sum(s for _, s in vals)
    mean = sum(v * s for v, s in vals) / weight if weight > 0 else sum(v for v, _ in vals) / len(vals)
    lo, hi = min(v for v, _ in vals), max(v for v, _ in vals)
    return (hi - lo) / abs(mean) if mean else None


def run_segment(ds: Dataset, question: Question) -> Analysis:
    """The ``segment`` analysis (see the module docstring). ``result``: ``kpi``, ``direction`` (catalog),
    ``attribute``, ``chosen`` (``asked`` or ``widest_spread``), ``from``/``to``, ``channel``, ``order``,
    ``rows`` (in answer order), ``spreads`` (attribute → spread, when the attribute was chosen), ``problems``."""
    cat = default_catalog()
    problems: list[str] = []
    kpi = question.kpi or DEFAULT_KPI
    if kpi not in cat:
        problems.append("unknown_kpi")
        kpi = DEFAULT_KPI
    higher = cat[kpi].direction == "higher"
    order = "best" if question.extra.get("order") == "best" else "worst"
    start, end = _window(ds, question)
    cd = ds.campaign_daily
    channel = question.channels[0] if question.channels else None
    compared = list(question.channels) if question.attribute == "channel" and len(question.channels) >= 2 else []
    if compared:
        channel = None  # "compare search and social": the KPI by channel, those channels only
    candidates = [a for a in ds.attributes if a in cd and a != "campaign_id"]
    asked = question.attribute
    if asked is not None and asked not in cd:
        problems.append("unknown_attr")
        asked = None
    params: dict[str, Any] = {"kpi": kpi, "attribute": asked, "from": str(start.date()), "to": str(end.date()),
                              "channel": channel, "order": order}
    if asked is None and not candidates:
        return Analysis("segment", params, {"error": "no attribute columns", "problems": problems})
    spreads: dict[str, float | None] = {}
    if asked is not None:
        attr, (rows, basis) = asked, _rank(ds, kpi, asked, start, end, channel, higher)
    else:
        ranked = {a: _rank(ds, kpi, a, start, end, channel, higher) for a in candidates}
        spreads = {a: spread(r, "index" if b == "within_channels" else kpi) for a, (r, b) in ranked.items()}
        attr = max(candidates, key=lambda a: spreads.get(a) or -1.0)
        rows, basis = ranked[attr]
    if compared:
        rows = [r for r in rows if r["value"] in compared]
    key = "index" if basis == "within_channels" else kpi
    if order == "best":
        known = [r for r in rows if r[key] is not None]
        rows = known[::-1] + [r for r in rows if r[key] is None]
    plain = sorted((r for r in rows if r[kpi] is not None), key=lambda r: r[kpi], reverse=not higher)
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    params["attribute"] = attr
    result = {"kpi": kpi, "direction": cat[kpi].direction, "attribute": attr,
              "chosen": "asked" if asked is not None else "widest_spread", "from": str(start.date()),
              "to": str(end.date()), "channel": channel, "order": order, "basis": basis, "rows": rows,
              "plain_worst": plain[0]["value"] if plain else None, "plain_best": plain[-1]["value"] if plain else None,
              "spreads": spreads, "problems": problems}
    return Analysis("segment", params, clean(result))


def _lines(res: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    kpi, attr = res["kpi"], res["attribute"]
    name = kpi_name(kpi, lang)
    sing, plural, plural_nom = attribute_words(attr, lang)
    where = t["where"].format(scope=f'channel "{res["channel"]}"', channel=res["channel"]) if res["channel"] else ""
    span = {"start": res["from"], "end": res["to"], "where": where}
    rows = list(res["rows"])
    within = res.get("basis") == "within_channels"
    key = "index" if within else kpi
    known = [r for r in rows if r[key] is not None]
    if not known:
        return [t["empty"].format(kpi=name, attr=attr if lang == "ru" else sing, **span)]
    if len(known) == 1:
        r = known[0]
        v = fmt_value(kpi, r[kpi], lang) if r[kpi] is not None else "—"
        return [t["single"].format(attr=sing, value=quoted(r["value"], lang), kpi=name, v=v, **span)]
    first, last = known[0], known[-1]

    def shown(r: Mapping[str, Any]) -> str:
        return t["index_v"].format(x=num(r["index"], lang, 2)) if within else fmt_value(kpi, r[kpi], lang)

    lead = t[("lead_best" if res["order"] == "best" else "lead_worst") + ("_within" if within else "")]
    out = [lead.format(
        attr=sing, attr_pl=plural, kpi=name, first=quoted(first["value"], lang), first_v=shown(first),
        first_share=share(first["spend_share"] or 0.0, lang), last=quoted(last["value"], lang), last_v=shown(last),
        **span,
    )]
    if within:
        plain_first = res["plain_best"] if res["order"] == "best" else res["plain_worst"]
        if plain_first is not None and plain_first != first["value"]:
            p = next(r for r in rows if r["value"] == plain_first)
            out.append(t["mix"].format(value=quoted(plain_first, lang), kpi=name, v=fmt_value(kpi, p[kpi], lang),
                                       attr_nom=plural_nom, attr=sing, plain=t["plain_" + res["order"]]))
    spreads = res.get("spreads") or {}
    if res["chosen"] == "widest_spread" and len(spreads) > 1:
        names = ", ".join(attribute_words(a, lang)[0] for a in spreads)
        out.append(t["widest"].format(names=names, attr=sing, attr_nom=plural_nom))
    for r in rows:
        v = fmt_value(kpi, r[kpi], lang) if r[kpi] is not None else "—"
        if within and r["index"] is not None:
            out.append(t["row_within"].format(i=r["rank"], value=quoted(r["value"], lang), x=num(r["index"], lang, 2),
                                              kpi=name, v=v, share=share(r["spend_share"] or 0.0, lang)))
        elif r[kpi] is not None:
            out.append(t["row"].format(i=r["rank"], value=quoted(r["value"], lang), kpi=name, v=v,
                                       share=share(r["spend_share"] or 0.0, lang)))
        else:
            out.append(t["row_none"].format(i=r["rank"], value=quoted(r["value"], lang), kpi=name,
                                            share=share(r["spend_share"] or 0.0, lang)))
    return out


#: the reason a platform KPI is replaced by a business one on media-mix data (said once, after the lead)
STAND_IN_T = {
    "en": "{kpi} needs platform-reported clicks, conversions and revenue, which this data does not have (media-mix "
          "data), so the ranking uses {other} (business totals over spend) instead.",
    "ru": "Для показателя «{kpi}» нужны клики, конверсии и выручка площадок, а в этих данных их нет (данные "
          "медиамикса), поэтому ранжирование — по показателю «{other}» (итоги бизнеса к расходам).",
}


def _media_mix(question: Question, env: Env, lang: str) -> Answer:
    """Segment on media-mix data: the asked platform KPI is replaced by MER (blended CAC when the data has no
    business revenue), with the reason said once."""
    from advisor.advise.kinds.trend import STAND_IN

    asked = question.kpi or DEFAULT_KPI
    answer = Answer((), ())
    for other in dict.fromkeys([STAND_IN.get(asked, "mer"), "mer", "blended_cac"]):
        q = dataclasses.replace(question, kpi=other)
        answer = handle(q, env, stand_in=False)
        rows = answer.analyses[0].result.get("rows", []) if answer.analyses else []
        if any(r.get(other) is not None for r in rows):
            why = STAND_IN_T[lang].format(kpi=kpi_name(asked, lang), other=kpi_name(other, lang))
            why = why[:1].upper() + why[1:]
            a = answer.analyses[0]
            a = Analysis(a.name, {**a.params, "asked_kpi": asked, "stand_in": other}, a.result, a.findings, a.context)
            return Answer((a,), (*answer.lines[:1], why, *answer.lines[1:]), answer.recommendations, answer.notes)
    return answer


def handle(question: Question, env: Env, stand_in: bool = True) -> Answer:
    """The KPI by the attribute, ranked (worst first unless the question asks for the best). On media-mix data
    (no platform-reported figures) a platform KPI is replaced by a business one (:func:`_media_mix`). A question by
    the geo column naming a channel or a geo, on a geo model, is the geo split's (``advisor.advise.kinds.geo``)."""
    from advisor.advise.kinds import geo

    if geo.applies(question, env):  # a channel by geo, or the channels in a geo: the geo model's split
        return geo.handle(question, env)
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    if stand_in and not pc.platform_numbers(env.dataset) and question.kpi not in BUSINESS:
        return _media_mix(question, env, lang)
    a = run_segment(env.dataset, question)
    res = a.result
    notes = []
    for p in res.get("problems", []):
        notes.append(t[p].format(kpi=question.kpi, attr=question.attribute))
    if "error" in res:
        return Answer((a,), (t["no_attr"],), notes=tuple(notes))
    return Answer((a,), tuple(_lines(res, lang)), notes=tuple(notes))
