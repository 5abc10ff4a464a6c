"""``customers``: CLV, CAC, CLV:CAC, retention and satisfaction (CSAT / NPS) questions (SPEC §5 "Advise").

Two analyses: :func:`advisor.advise.analyses.run_clv` (CLV, CAC and CLV:CAC by acquisition channel — from the
fitted CLV model when there is one, else the historical revenue to date per customer — and the CSAT / NPS drops
of the last two months, overall and by channel) and :func:`run_customer_kpis` (CSAT, NPS, repeat purchase rate and
CAC of the last 28 days against the 28 before, from the KPI engine). The CLV:CAC threshold is the ``clv_cac``
target of ``targets.yaml`` (unscoped, no period) when there is one, else
:data:`advisor.core.thresholds.CLV_CAC_TARGET`.

The lead follows ``question.kpi``: ``csat`` / ``nps`` → satisfaction, ``repeat_rate`` → retention, ``cac`` → CAC
by channel, anything else → CLV:CAC by channel. Recommendations come from the findings the lead is about.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from advisor.advise.analyses import Analysis, clean, run_clv
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.overview import rank_recommendations
from advisor.advise.kinds.segment import fmt_value
from advisor.advise.question import Question
from advisor.core.names import scope_label
from advisor.core.thresholds import CLV_CAC_TARGET
from advisor.core.words import kpi_name
from advisor.data import Dataset
from advisor.kpis import compute_kpis
from advisor.kpis.business import kpi_tables
from advisor.narrative.template import num, pct
from advisor.recommend import RecommendContext, recommend
from models.clv import CLVModel, CLVModelSet

CUSTOMER_KPIS = ("csat", "nps", "repeat_rate", "cac")
RECENT_DAYS = 28
SATISFACTION = ("csat", "nps")

T: dict[str, dict[str, str]] = {
    "en": {
        "ratio_lead": "CLV:CAC is below {bar} on {n} of {total} channels: {items}; highest: {best} at {best_v}.",
        "ratio_lead_ok": "CLV:CAC is at or above {bar} on every channel: from {worst_v} ({worst}) to {best_v} ({best}).",
        "ratio_item": "{scope} {v}",
        "ratio_one": "CLV:CAC of {scope} is {v}, {side} {bar} (CLV {clv}, CAC {cac}).",
        "below": "below", "above": "at or above",
        "target": "the target of {x}", "benchmark": "the benchmark of {x}",
        "cac_lead": "CAC is highest on {worst} ({worst_v}) and lowest on {best} ({best_v}).",
        "row": "- {scope}: CLV {clv}, CAC {cac}, CLV:CAC {ratio}, new customers {new}.",
        "source_model": "CLV: the CLV model's value per acquired customer over {weeks} weeks.",
        "source_data": "CLV: revenue to date per customer (historical, no CLV model).",
        "recent_lead": "{kpi} is {value} over the last {days} days ({start}..{end}){change}.",
        "recent_change": ", {dir} {rel} from the {days} days before",
        "recent_other": "Also: {items}.",
        "recent_item": "{kpi} {value} ({change})",
        "up": "up", "down": "down",
        "no_value": "{kpi}: the data has no values over the last {days} days ({start}..{end}).",
        "drops": "Drops: {items}.",
        "drop_item": "{kpi} of {scope} fell by {change} points to {value} in {period}",
        "no_drops": "No significant CSAT or NPS drop in the last two months.",
        "no_surveys": "The data has no surveys, so CSAT and NPS are unknown.",
        "no_rows": "The data has no new customers by channel to compute CAC and CLV.",
    },
    "ru": {
        "ratio_lead": "CLV:CAC ниже {bar} на {n} из {total} каналов: {items}; выше всего: {best}, {best_v}.",
        "ratio_lead_ok": "CLV:CAC не ниже {bar} на всех каналах: от {worst_v} ({worst}) до {best_v} ({best}).",
        "ratio_item": "{scope} {v}",
        "ratio_one": "CLV:CAC {scope}: {v}, {side} {bar} (CLV {clv}, CAC {cac}).",
        "below": "ниже", "above": "не ниже",
        "target": "цели {x}", "benchmark": "ориентира {x}",
        "cac_lead": "CAC выше всего у {worst} ({worst_v}) и ниже всего у {best} ({best_v}).",
        "row": "- {scope}: CLV {clv}, CAC {cac}, CLV:CAC {ratio}, новых клиентов {new}.",
        "source_model": "CLV: ценность привлечённого клиента по модели CLV за {weeks} недели.",
        "source_data": "CLV: выручка на клиента на сегодня (по истории, без модели CLV).",
        "recent_lead": "{kpi} за последние {days} дней ({start}..{end}): {value}{change}.",
        "recent_change": ", {dir} на {rel} к предыдущим {days} дням",
        "recent_other": "Также: {items}.",
        "recent_item": "{kpi} {value} ({change})",
        "up": "рост", "down": "снижение",
        "no_value": "{kpi}: в данных нет значений за последние {days} дней ({start}..{end}).",
        "drops": "Снижения: {items}.",
        "drop_item": "{kpi} {scope} упал на {change} пункта до {value} за {period}",
        "no_drops": "Заметных снижений CSAT и NPS за последние два месяца нет.",
        "no_surveys": "В данных нет опросов, поэтому CSAT и NPS неизвестны.",
        "no_rows": "В данных нет новых клиентов по каналам, чтобы посчитать CAC и CLV.",
    },
}


#: run_clv results per dataset (weakly held: gone with the dataset) → (model, scope, threshold) → (model, analysis);
#: the model-based CLV takes seconds on the demo world and neither the frames nor a loaded model change
_CLV_CACHE: weakref.WeakKeyDictionary[Dataset, dict[tuple[int, str | None, float], tuple[object, Analysis]]] = (
    weakref.WeakKeyDictionary()
)


def cached_clv(ds: Dataset, channel: str | None, threshold: float, model: CLVModel | CLVModelSet | None) -> Analysis:
    """:func:`advisor.advise.analyses.run_clv` for the channel (None: all), memoised per dataset object and model."""
    per = _CLV_CACHE.setdefault(ds, {})
    key = (id(model), channel, threshold)
    hit = per.get(key)
    if hit is not None and hit[0] is model:
        return hit[1]
    a = run_clv(ds, {"channel": channel} if channel else None, threshold=threshold, clv_model=model)
    per[key] = (model, a)
    return a


def clv_cac_threshold(ds: Dataset) -> tuple[float, str]:
    """(threshold, ``"target"``) from ``targets.yaml``'s unscoped ``clv_cac`` target, else (the default,
    ``"benchmark"``)."""
    if ds.targets is not None:
        for t in ds.targets.targets:
            if t.kpi == "clv_cac" and not t.scope and t.period is None:
                return float(t.target), "target"
    return CLV_CAC_TARGET, "benchmark"


def run_customer_kpis(
    ds: Dataset, channel: str | None = None, kpis: Sequence[str] = CUSTOMER_KPIS, days: int = RECENT_DAYS
) -> Analysis:
    """``kpis`` (default CSAT, NPS, repeat purchase rate and CAC) of the last ``days`` days against the ``days``
    before (overall, or of ``channel``). ``result.kpis``: ``{"kpi", "value", "change", "change_rel"}`` (None where
    the data has none)."""
    end = pd.Timestamp(ds.campaign_daily["date"].max()).normalize()
    start = end - pd.Timedelta(days=days - 1)
    by = ("channel",) if channel else ()
    frame = compute_kpis(kpi_tables(ds), by=by, start=start.date(), end=end.date(), kpis=list(kpis),
                         compare=True).frame
    if channel:
        frame = frame[frame["channel"].astype(str) == channel]
    row = frame.iloc[0].to_dict() if len(frame) else {}
    values = [
        {"kpi": k, "value": row.get(k), "change": row.get(f"{k}_change"), "change_rel": row.get(f"{k}_change_rel")}
        for k in kpis
    ]
    result = {"from": str(start.date()), "to": str(end.date()), "days": days, "channel": channel, "kpis": values}
    params = {"from": str(start.date()), "to": str(end.date()), "compare": "previous_period", "channel": channel}
    return Analysis("customer_kpis", params, clean(result))


def _ch(channel: str, lang: str) -> str:
    """``channel "x"`` / ``канала «x»`` (genitive: "у канала", "NPS канала")."""
    return scope_label({"channel": channel}, lang)


def _ch_nom(channel: str, lang: str) -> str:
    """``channel "x"`` / ``канал «x»`` (nominative: list items)."""
    return f"канал «{channel}»" if lang == "ru" else scope_label({"channel": channel}, lang)


def _ratio_lines(res: Mapping[str, Any], kind: str, lang: str) -> list[str]:
    t = T[lang]
    rows = [r for r in res.get("rows", []) if r.get("clv_cac") is not None]
    if not rows:
        return [t["no_rows"]]
    rows.sort(key=lambda r: r["clv_cac"])
    threshold = float(res["threshold"])
    bar = t[kind].format(x=num(threshold, lang, 2))
    below = [r for r in rows if r["clv_cac"] < threshold]
    best = rows[-1]
    if len(rows) == 1:
        r = rows[0]
        return [t["ratio_one"].format(
            scope=_ch(r["channel"], lang), v=num(r["clv_cac"], lang, 2), side=t["below" if below else "above"], bar=bar,
            clv=num(float(r["clv"]), lang, 2), cac=num(float(r["cac"]), lang, 2),
        )]
    if below:
        items = ", ".join(t["ratio_item"].format(scope=_ch_nom(r["channel"], lang), v=num(r["clv_cac"], lang, 2)) for r in below)
        out = [t["ratio_lead"].format(bar=bar, n=len(below), total=len(rows), items=items,
                                      best=_ch_nom(best["channel"], lang), best_v=num(best["clv_cac"], lang, 2))]
    else:
        out = [t["ratio_lead_ok"].format(bar=bar, worst=_ch_nom(rows[0]["channel"], lang), worst_v=num(rows[0]["clv_cac"], lang, 2),
                                         best=_ch_nom(best["channel"], lang), best_v=num(best["clv_cac"], lang, 2))]
    return out + _rows(rows, lang)


def _cac_lines(res: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    rows = [r for r in res.get("rows", []) if r.get("cac") is not None]
    if not rows:
        return [t["no_rows"]]
    rows.sort(key=lambda r: -r["cac"])
    worst, best = rows[0], rows[-1]
    lead = t["cac_lead"].format(worst=_ch(worst["channel"], lang), worst_v=num(worst["cac"], lang, 2),
                                best=_ch(best["channel"], lang), best_v=num(best["cac"], lang, 2))
    return [lead, *_rows(rows, lang)]


def _rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[str]:
    t = T[lang]

    def f(x: Any, d: int = 2) -> str:
        return "—" if x is None else num(float(x), lang, d)

    return [t["row"].format(scope=_ch_nom(r["channel"], lang), clv=f(r.get("clv")), cac=f(r.get("cac")),
                            ratio=f(r.get("clv_cac")), new=f(r.get("new_customers"), 0)) for r in rows]


def _recent_lines(res: Mapping[str, Any], kpi: str, lang: str) -> list[str]:
    t = T[lang]
    span = {"days": res["days"], "start": res["from"], "end": res["to"]}
    by = {k["kpi"]: k for k in res["kpis"]}
    main = by.get(kpi)
    name = kpi_name(kpi, lang)
    if main is None or main["value"] is None:
        return [t["no_value"].format(kpi=name, **span)]
    change = ""
    if main["change_rel"] is not None:
        rel = abs(main["change_rel"])
        change = t["recent_change"].format(dir=t["up" if main["change_rel"] > 0 else "down"],
                                           rel=num(rel * 100.0, lang, 0) + "%", days=res["days"])
    out = [t["recent_lead"].format(kpi=name[:1].upper() + name[1:], value=fmt_value(kpi, main["value"], lang), change=change, **span)]
    others = [
        t["recent_item"].format(kpi=kpi_name(k["kpi"], lang), value=fmt_value(k["kpi"], k["value"], lang),
                                change=pct(k["change_rel"], lang))
        for k in res["kpis"]
        if k["kpi"] != kpi and k["kpi"] != "cac" and k["value"] is not None and k["change_rel"] is not None
    ]
    if others:
        out.append(t["recent_other"].format(items="; ".join(others)))
    return out


def _drop_lines(res: Mapping[str, Any], lang: str, channel: str | None, top: int = 4) -> list[str]:
    t = T[lang]
    drops = [f for f in res.get("satisfaction", []) if channel is None or (f.get("scope") or {}).get("channel") == channel]
    if not drops:
        return [t["no_drops"]]
    drops.sort(key=lambda f: (f.get("evidence") or {}).get("change") or 0.0)
    items = []
    for f in drops[:top]:
        ev = f.get("evidence") or {}
        if ev.get("change") is None or ev.get("value") is None:
            continue
        items.append(t["drop_item"].format(
            kpi=kpi_name(str(f.get("kpi")), lang), scope=scope_label(f.get("scope") or {}, lang),
            change=num(abs(float(ev["change"])), lang, 2), value=num(float(ev["value"]), lang, 2), period=ev.get("period"),
        ))
    return [t["drops"].format(items="; ".join(items))] if items else [t["no_drops"]]


def handle(question: Question, env: Env) -> Answer:
    """CLV:CAC (or CAC) by channel, or satisfaction / retention of the last 28 days, with the CSAT / NPS drops."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    ds = env.dataset
    channel = question.channels[0] if question.channels else None
    threshold, kind = clv_cac_threshold(ds)
    clv = cached_clv(ds, channel, threshold, env.clv_model)
    if "error" not in clv.result:
        extra: dict[str, Any] = {"threshold_kind": kind}
        if clv.params.get("horizon_weeks") is not None:
            extra["horizon_weeks"] = int(clv.params["horizon_weeks"])
        clv = Analysis(clv.name, clv.params, {**clv.result, **extra}, clv.findings, clv.context)
    kpi = question.kpi or "clv_cac"
    res = clv.result
    analyses: tuple[Analysis, ...] = (clv,)
    if kpi in SATISFACTION or kpi == "repeat_rate":
        recent = run_customer_kpis(ds, channel, (*SATISFACTION, "repeat_rate") if kpi == "repeat_rate" else SATISFACTION)
        analyses = (clv, recent)
        lines = _recent_lines(recent.result, kpi, lang)
        lines += _drop_lines(res, lang, channel) if kpi in SATISFACTION else []
        wanted = {"csat_drop", "nps_drop"} if kpi in SATISFACTION else {"clv_cac"}
    else:
        lines = _cac_lines(res, lang) if kpi == "cac" else _ratio_lines(res, kind, lang)
        if any(r.get("clv") is not None for r in res.get("rows", [])):
            src = res.get("source")
            lines.append(t["source_model"].format(weeks=res.get("horizon_weeks")) if src == "model" else t["source_data"])
        surveys = getattr(ds, "surveys", None)
        lines += _drop_lines(res, lang, channel) if surveys is not None and len(surveys) else [t["no_surveys"]]
        wanted = {"clv_cac", "csat_drop", "nps_drop"}
    findings = [f for f in clv.findings if f.check in wanted and (channel is None or f.scope.get("channel") == channel)]
    recs = rank_recommendations(recommend(findings, RecommendContext(bundle=env.bundle, catalog=env.catalog, lang=lang))) if findings else []
    return Answer(analyses, tuple(lines), tuple(recs))
