"""``segment``: which audience / creative / region ... performs worst (or best)? (SPEC §5 "Advise").

The KPI (``question.kpi``; default the conversion rate) by the attribute (``question.attribute``: a
``campaign_daily`` column; default: each of the dataset's attribute columns, the one whose values spread the
widest kept) over ``question.period`` (default: the last 90 days of data), from the KPI engine
(:func:`advisor.kpis.compute_kpis` ``by=(attribute,)``, or ``(channel, attribute)`` restricted to the channel the
question names), ranked worst first — best first when ``question.extra["order"] == "best"`` (what the parser
sets for "which ... performs best?"). Worse / better follows the KPI's catalog ``direction`` (a lower CPA is
better). Each row carries its spend and its share of the spend over the same window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, clean
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.words import kpi_name
from advisor.advise.question import Question
from advisor.data import Dataset
from advisor.kpis import compute_kpis
from advisor.kpis.business import kpi_tables
from advisor.kpis.catalog import KpiCatalog, default_catalog
from advisor.narrative.template import num

DEFAULT_KPI = "conversion_rate"
DEFAULT_DAYS = 90
#: groups below this share of spend do not decide which attribute spreads the widest (still ranked)
MIN_SHARE = 0.01

#: attribute column → (singular, plural genitive) words
ATTRIBUTES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {"audience": ("audience", "audiences"), "creative_type": ("creative type", "creative types"),
           "region": ("region", "regions"), "objective": ("objective", "objectives"),
           "channel": ("channel", "channels"), "campaign_id": ("campaign", "campaigns")},
    "ru": {"audience": ("аудитория", "аудиторий"), "creative_type": ("тип креатива", "типов креатива"),
           "region": ("регион", "регионов"), "objective": ("цель кампании", "целей кампаний"),
           "channel": ("канал", "каналов"), "campaign_id": ("кампания", "кампаний")},
}

T: dict[str, dict[str, str]] = {
    "en": {
        "lead_worst": "Worst {attr} by {kpi}, {start}..{end}{where}: {first} at {first_v} ({first_share} of spend); "
                      "best: {last} at {last_v}.",
        "lead_best": "Best {attr} by {kpi}, {start}..{end}{where}: {first} at {first_v} ({first_share} of spend); "
                     "worst: {last} at {last_v}.",
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
        "where": " в канале «{channel}»",
        "widest": "Из признаков ({names}) сильнее всего по этому показателю различаются {attr_pl}.",
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


def attribute_words(attr: str, lang: str) -> tuple[str, str]:
    """(singular, plural genitive) name of an attribute column; unknown columns quoted as data."""
    known = ATTRIBUTES.get(lang, ATTRIBUTES["en"])
    if attr in known:
        return known[attr]
    q = f"«{attr}»" if lang == "ru" else f'"{attr}"'
    return q, q


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


def _rank(
    ds: Dataset, kpi: str, attr: str, start: pd.Timestamp, end: pd.Timestamp, channel: str | None, higher: bool
) -> list[dict[str, Any]]:
    """Rows ``{"value", kpi, "spend", "spend_share"}`` worst first (None KPIs last)."""
    by = ("channel", attr) if channel is not None and attr != "channel" else (attr,)
    frame = compute_kpis(
        kpi_tables(ds), by=by, start=start.date(), end=end.date(), kpis=list(dict.fromkeys([kpi, "spend"])),
    ).frame
    if channel is not None:
        frame = frame[frame["channel"].astype(str) == channel]
    total = float(frame["spend"].fillna(0.0).sum())
    rows = []
    for r in frame.to_dict("records"):
        value = r.get(kpi)
        ok = value is not None and isinstance(value, int | float) and math.isfinite(float(value))
        spend = float(r.get("spend") or 0.0)
        rows.append({"value": str(r[attr]), kpi: float(value) if ok else None, "spend": spend,
                     "spend_share": spend / total if total > 0 else None})
    known = sorted((r for r in rows if r[kpi] is not None), key=lambda r: r[kpi], reverse=not higher)
    return known + [r for r in rows if r[kpi] is None]


def spread(rows: Sequence[Mapping[str, Any]], kpi: str) -> float | None:
    """(max − min) / |spend-weighted mean| of the KPI over groups with at least :data:`MIN_SHARE` of spend."""
    vals = [(r[kpi], r["spend"]) for r in rows if r[kpi] is not None and (r["spend_share"] or 0.0) >= MIN_SHARE]
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
        attr, rows = asked, _rank(ds, kpi, asked, start, end, channel, higher)
    else:
        ranked = {a: _rank(ds, kpi, a, start, end, channel, higher) for a in candidates}
        spreads = {a: spread(r, kpi) for a, r in ranked.items()}
        attr = max(candidates, key=lambda a: spreads[a] if spreads[a] is not None else -1.0)
        rows = ranked[attr]
    if order == "best":
        known = [r for r in rows if r[kpi] is not None]
        rows = known[::-1] + [r for r in rows if r[kpi] is None]
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    params["attribute"] = attr
    result = {"kpi": kpi, "direction": cat[kpi].direction, "attribute": attr,
              "chosen": "asked" if asked is not None else "widest_spread", "from": str(start.date()),
              "to": str(end.date()), "channel": channel, "order": order, "rows": rows, "spreads": spreads,
              "problems": problems}
    return Analysis("segment", params, clean(result))


def _lines(res: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    kpi, attr = res["kpi"], res["attribute"]
    name = kpi_name(kpi, lang)
    sing, plural = attribute_words(attr, lang)
    where = t["where"].format(scope=f'channel "{res["channel"]}"', channel=res["channel"]) if res["channel"] else ""
    span = {"start": res["from"], "end": res["to"], "where": where}
    rows = list(res["rows"])
    known = [r for r in rows if r[kpi] is not None]
    if not known:
        return [t["empty"].format(kpi=name, attr=attr if lang == "ru" else sing, **span)]
    if len(known) == 1:
        r = known[0]
        return [t["single"].format(attr=sing, value=quoted(r["value"], lang), kpi=name,
                                   v=fmt_value(kpi, r[kpi], lang), **span)]
    first, last = known[0], known[-1]
    lead = t["lead_best" if res["order"] == "best" else "lead_worst"]
    out = [lead.format(
        attr=sing, attr_pl=plural, kpi=name, first=quoted(first["value"], lang), first_v=fmt_value(kpi, first[kpi], lang),
        first_share=share(first["spend_share"] or 0.0, lang), last=quoted(last["value"], lang),
        last_v=fmt_value(kpi, last[kpi], lang), **span,
    )]
    spreads = res.get("spreads") or {}
    if res["chosen"] == "widest_spread" and len(spreads) > 1:
        names = ", ".join(attribute_words(a, lang)[0] for a in spreads)
        out.append(t["widest"].format(names=names, attr=sing, attr_pl=plural))
    for r in rows:
        key = "row" if r[kpi] is not None else "row_none"
        v = fmt_value(kpi, r[kpi], lang) if r[kpi] is not None else ""
        out.append(t[key].format(i=r["rank"], value=quoted(r["value"], lang), kpi=name, v=v,
                                 share=share(r["spend_share"] or 0.0, lang)))
    return out


def handle(question: Question, env: Env) -> Answer:
    """The KPI by the attribute, ranked (worst first unless the question asks for the best)."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    a = run_segment(env.dataset, question)
    res = a.result
    notes = []
    for p in res.get("problems", []):
        notes.append(t[p].format(kpi=question.kpi, attr=question.attribute))
    if "error" in res:
        return Answer((a,), (t["no_attr"],), notes=tuple(notes))
    return Answer((a,), tuple(_lines(res, lang)), notes=tuple(notes))
