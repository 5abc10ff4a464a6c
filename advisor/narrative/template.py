"""The deterministic narrator (English and Russian): a few sentences built only from the result's numbers.

Input: the ``advise`` JSON (``{"analyses": [{"name","params","result"}], "recommendations": [...]}``).
Every number is written at a rounding the verifier accepts (percentages of fractions, whole currency).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from advisor.core.names import scope_label
from advisor.core.status import Status
from advisor.core.words import kpi_name

T: dict[str, dict[str, str]] = {
    "en": {
        "verdict": "{scope}, {start}..{end}: verdict {verdict}.",
        "finding": "{name} {change} since {started}.",
        "finding_nodate": "{name}: {status}.",
        "score": "KPI scorecard for {period}: composite score {score} (0..100); {off} KPI(s) off track{worst}.",
        "forecast": "Forecast {start}..{end}: revenue {rev} (80% interval {lo}..{hi}), ROI {roi}.",
        "optimize": "Best split of {budget}: expected revenue uplift {uplift} over the reference plan.",
        "returns": "Marginal ROI is highest for {best} ({best_roi}) and lowest for {worst} ({worst_roi}).",
        "clv": "Lowest CLV:CAC: {scope} at {ratio}.",
        "kpis": "ROI by channel ranges from {lo} ({lo_ch}) to {hi} ({hi_ch}).",
        "recs": "Recommended actions:",
        "rec": "- {action} — expected {impact}, confidence {conf}.",
        "rec_noimpact": "- {action} — impact not quantified, confidence {conf}.",
        "none": "No corrective action is needed on this evidence.",
        "missing": "{name} was not run: {error}",
        "currency": "{x} in revenue over {h} days",
        "spend": "{x} of spend saved over {h} days",
        "units": "{x} {kpi} to target",
        "conversions": "{x} conversions over {h} days",
    },
    "ru": {
        "verdict": "{scope}, {start}..{end}: вердикт {verdict}.",
        "finding": "{name}: {change} с {started}.",
        "finding_nodate": "{name}: {status}.",
        "score": "Система KPI за {period}: общий балл {score} (0..100); вне цели KPI: {off}{worst}.",
        "forecast": "Прогноз {start}..{end}: выручка {rev} (80% интервал {lo}..{hi}), ROI {roi}.",
        "optimize": "Лучшее распределение {budget}: ожидаемый прирост выручки {uplift} к базовому плану.",
        "returns": "Предельный ROI выше всего у {best} ({best_roi}) и ниже всего у {worst} ({worst_roi}).",
        "clv": "Самый низкий CLV:CAC: {scope}, {ratio}.",
        "kpis": "ROI по каналам: от {lo} ({lo_ch}) до {hi} ({hi_ch}).",
        "recs": "Рекомендуемые действия:",
        "rec": "- {action} — ожидаемый эффект {impact}, уверенность {conf}.",
        "rec_noimpact": "- {action} — эффект не оценён, уверенность {conf}.",
        "none": "По этим данным корректирующие действия не требуются.",
        "missing": "{name} не выполнен: {error}",
        "currency": "{x} выручки за {h} дней",
        "spend": "{x} экономии бюджета за {h} дней",
        "units": "{x} ({kpi}) до цели",
        "conversions": "{x} конверсий за {h} дней",
    },
}
CHECKS = {
    "en": {
        "creative_fatigue": "CTR (creative fatigue)",
        "ctr_drop": "CTR",
        "conversion_rate_drop": "Conversion rate",
        "audience_change": "Conversion rate (audience change)",
        "aov_drop": "Average order value",
        "cpm_increase": "CPM",
        "diminishing_returns": "Returns on spend",
        "funnel": "Revenue per day",
        "saturation": "Marginal ROI",
        "kpi_vs_target": "KPI vs target",
    },
    "ru": {
        "creative_fatigue": "CTR (выгорание креатива)",
        "ctr_drop": "CTR",
        "conversion_rate_drop": "Конверсия",
        "audience_change": "Конверсия (смена аудитории)",
        "aov_drop": "Средний чек",
        "cpm_increase": "CPM",
        "diminishing_returns": "Отдача от расходов",
        "funnel": "Выручка в день",
        "saturation": "Предельный ROI",
        "kpi_vs_target": "KPI против цели",
    },
}


def num(x: float, lang: str, decimals: int = 0) -> str:
    """``12,345.6`` (en) / ``12 345,6`` (ru)."""
    s = f"{x:,.{decimals}f}"
    return s.replace(",", " ").replace(".", ",") if lang == "ru" else s


def sig(x: float, lang: str, digits: int = 4) -> str:
    """About ``digits`` significant digits, fixed-point (no exponent)."""
    import math

    d = 0 if x == 0 else max(0, min(6, digits - 1 - math.floor(math.log10(abs(x)))))
    return num(x, lang, d)


def pct(x: float, lang: str) -> str:
    """A fraction as a signed whole percentage: 0.43 → ``+43%``."""
    s = f"{x * 100:+.0f}%"
    return s


def _diagnose(r: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[str]:
    sc = r.get("scope") or {}
    scope = scope_label({sc.get("column", ""): sc.get("value", "")} if sc.get("column") else {}, lang)
    per = r.get("period") or {}
    out = [t["verdict"].format(scope=scope, start=per.get("from"), end=per.get("to"), verdict=r.get("verdict"))]
    names = CHECKS[lang]
    for f in [f for f in r.get("findings", []) if f.get("status") in (Status.FAILING, Status.WARNING)][:2]:
        rel = (f.get("evidence") or {}).get("relative_change")
        name = names.get(f["check"], f["check"].replace("_", " "))
        if rel is not None and f.get("started"):
            out.append(t["finding"].format(name=name, change=pct(rel, lang), started=f["started"]))
        else:
            out.append(t["finding_nodate"].format(name=name, status=f["status"]))
    return out


def _scorecard(r: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[str]:
    lines = [k for g in r.get("groups", []) for k in g.get("kpis", [])]
    off = [k for k in lines if k.get("status") == Status.OFF_TRACK and k.get("value") is not None]
    worst = ""
    if off:
        worst = " (" + ", ".join(f"{k['kpi']} {sig(k['value'], lang)} / {sig(k['target'], lang)}" for k in off[:3]) + ")"
    score = "—" if r.get("score") is None else num(r["score"], lang, 1)
    n_off = (r.get("counts") or {}).get(Status.OFF_TRACK.value, len(off))
    return [t["score"].format(period=r.get("period"), score=score, off=n_off, worst=worst)]


def _forecast(r: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[str]:
    rev, roi = r.get("total", {}).get("revenue") or {}, r.get("total", {}).get("roi") or {}
    if rev.get("mean") is None:
        return []
    roi_s = "—" if roi.get("mean") is None else pct(roi["mean"], lang)
    return [
        t["forecast"].format(
            start=r.get("start"), end=r.get("end"), rev=num(rev["mean"], lang), lo=num(rev["lower_80"], lang),
            hi=num(rev["upper_80"], lang), roi=roi_s,
        )
    ]


def _optimize(r: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[str]:
    up = (r.get("uplift") or {}).get("revenue")
    if up is None:
        return []
    budget = sum((r.get("allocation") or {}).values())
    return [t["optimize"].format(budget=num(budget, lang), uplift=num(up, lang))]


def _returns(r: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[str]:
    ch = [c for c in r.get("channels", []) if c.get("marginal_roi") is not None]
    if len(ch) < 2:
        return []
    ch.sort(key=lambda c: c["marginal_roi"])
    lo, hi = ch[0], ch[-1]
    return [
        t["returns"].format(
            best=scope_label({"channel": hi["channel"]}, lang), best_roi=pct(hi["marginal_roi"], lang),
            worst=scope_label({"channel": lo["channel"]}, lang), worst_roi=pct(lo["marginal_roi"], lang),
        )
    ]


def _clv(r: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[str]:
    rows = [x for x in r.get("rows", []) if x.get("clv_cac") is not None]
    if not rows:
        return []
    w = min(rows, key=lambda x: x["clv_cac"])
    return [t["clv"].format(scope=scope_label({"channel": w["channel"]}, lang), ratio=num(w["clv_cac"], lang, 2))]


def _kpis(r: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> list[str]:
    rows = [x for x in r.get("rows", []) if x.get("roi") is not None and x.get("channel") is not None]
    if len(rows) < 2:
        return []
    rows.sort(key=lambda x: x["roi"])
    return [
        t["kpis"].format(
            lo=pct(rows[0]["roi"], lang), lo_ch=scope_label({"channel": rows[0]["channel"]}, lang),
            hi=pct(rows[-1]["roi"], lang), hi_ch=scope_label({"channel": rows[-1]["channel"]}, lang),
        )
    ]


SECTIONS = {
    "diagnose": _diagnose,
    "scorecard": _scorecard,
    "forecast": _forecast,
    "optimize": _optimize,
    "returns": _returns,
    "clv": _clv,
    "kpis": _kpis,
}


def _impact(rec: Mapping[str, Any], lang: str, t: Mapping[str, str]) -> str | None:
    x, units = rec.get("expected_impact"), rec.get("impact_units")
    if x is None:
        return None
    h = rec.get("horizon_days", 28)
    if units == "currency":
        key = "spend" if rec.get("impact_kpi") == "spend" else "currency"
        return t[key].format(x=num(x, lang), h=h)
    if units == "conversions":
        return t["conversions"].format(x=num(x, lang, 1), h=h)
    return t["units"].format(x=sig(x, lang), kpi=kpi_name(str(rec.get("impact_kpi")), lang))


def impact_text(rec: Mapping[str, Any], lang: str = "en") -> str | None:
    """A recommendation's expected impact as the narrative words it in ``lang`` (``en`` / ``ru``): "6,674 in revenue
    over 28 days", "12.5 конверсий за 28 дней"; None when the action has no impact estimate."""
    return _impact(rec, lang, T[lang if lang in T else "en"])


def template_narrative(result: Mapping[str, Any], lang: str = "en", top: int = 3) -> str:
    """Deterministic narrative of an ``advise`` (or ``diagnose``-shaped) result in ``en`` or ``ru``."""
    t = T.get(lang, T["en"])
    lang = lang if lang in T else "en"
    parts: list[str] = []
    for a in result.get("analyses", []):
        res = a.get("result") or {}
        if "error" in res:
            parts.append(t["missing"].format(name=a.get("name"), error=res["error"]))
            continue
        fn = SECTIONS.get(str(a.get("name")))
        if fn is not None:
            parts += fn(res, lang, t)
    recs = list(result.get("recommendations", []))[:top]
    parts += recommendation_lines(recs, lang) if recs else [t["none"]]
    return "\n".join(parts)


def recommendation_lines(recs: Sequence[Mapping[str, Any]], lang: str = "en") -> list[str]:
    """"Recommended actions:" and one line per recommendation (its JSON: action, expected impact, confidence)."""
    t = T.get(lang, T["en"])
    lang = lang if lang in T else "en"
    out = [t["recs"]]
    for r in recs:
        impact = _impact(r, lang, t)
        conf = num(float(r.get("confidence", 0.0)), lang, 2)
        key = "rec" if impact else "rec_noimpact"
        out.append(t[key].format(action=r["action"], impact=impact, conf=conf))
    return out
