"""``contribution``: what did a channel (each channel, media as a whole) add over a window? (SPEC §5 ``advise``,
the attribution question; the numbers are the ``attribution`` operation's, ``advisor.diagnostics.incremental``).

Window: the question's period (``last quarter``, ``last 13 weeks``, ``this year`` ...), the whole history when the
question says so (``extra["all_history"]``), else the last :data:`DEFAULT_WEEKS` weeks; it is cut to the model
periods dated inside it, as ``attribution`` does.

The ``attribution`` analysis holds, per channel (all of them, ranked by the answer's basis: incremental revenue
when the models have revenue and the question does not ask for conversions, else incremental conversions): spend,
incremental conversions and revenue with 80 % intervals, ROI with its interval, cost per incremental conversion,
the platform-reported figures and reported / incremental; the channel's rank and its share of the media total.
``media``: per KPI, the sum over channels with an 80 % interval (:func:`media_total`: the coefficients'
covariance and, for weekly spend-driven fits, the curves' uncertainty, as the channel intervals) and the KPI the
models were fitted on over the same periods (``observed``, from the data) with the share media drove. ``lift_tests``: measured vs fitted.

Recommendations: a channel whose platform reports more than :data:`OVERCLAIM` times its incremental figure →
judge it by incremental figures (``judge_by_incremental``); a channel whose 80 % interval reaches 0 →
run a lift test before moving budget (``run_lift_test``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from advisor.advise.analyses import NO_MODELS, Analysis, clean
from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Question
from advisor.data import Dataset
from advisor.diagnostics.history import spend_history
from advisor.diagnostics.incremental import Z80, attribute, contribution, in_window
from advisor.narrative.template import num, sig
from advisor.recommend import Recommendation
from models.response import ResponseBundle
from models.response.model import MEDIA_SHARE_WARN, seasonality_read

#: the window when the question names none: the last 13 weeks (a quarter)
DEFAULT_WEEKS = 13
#: reported / incremental above this: the platform's figure is not a basis for budget decisions
OVERCLAIM = 1.5
KPIS = ("conversions", "revenue")

T: dict[str, dict[str, str]] = {
    "en": {
        "window_default": "the last 13 weeks",
        "window_all": "the whole history",
        "conversions": "incremental conversions",
        "revenue": "incremental revenue",
        "kpi_conversions": "conversions",
        "kpi_revenue": "revenue",
        "one": "Over {start}..{end} ({label}), {ch} added {parts} on {spend} of spend.",
        "part_conversions": "{v} incremental conversions (80% interval {lo}..{hi})",
        "part_revenue": "{v} of incremental revenue (80% interval {lo}..{hi})",
        "and": " and ",
        "roi": "ROI {roi} (80% interval {lo}..{hi}).",
        "cpic": "Cost per incremental conversion: {v}.",
        "rank": "It ranks {rank} of {n} channels by {what}: {share} of what media drove in the window.",
        "reported": "The platform reported {rep} {what}: {ratio} times the incremental figure.",
        "no_reported": "The data has no platform-reported figures for it (media-mix data).",
        "zero": "Its 80% interval reaches 0: the data cannot tell its effect from none.",
        "media": "Media as a whole drove {share} of the window's {kpi} (80% interval {slo}..{shi}): {v} {what} "
        "(80% interval {lo}..{hi}) of {total}.",
        "media_no_total": "Media as a whole drove {v} {what} (80% interval {lo}..{hi}) in the window.",
        "implausible": "Caution: in this model the channels explain {share} of {kpi} over the whole history, more than "
        "is plausible for most businesses (when spend rises with seasonal demand, the peak is read as media). Read "
        "these figures as an upper bound until lift tests confirm them.",
        "try_auto": "With 'seasonality: auto' in the mmm config the model reads the yearly shape from {kpi} first.",
        "each_lead": "Over {start}..{end} ({label}), the channels by {what}, largest first:",
        "most_lead": "Over {start}..{end} ({label}), {ch} drove the most {what}: {v} (80% interval {lo}..{hi}), "
        "{share} of what media drove.",
        "row": "- {ch}: {v} (80% interval {lo}..{hi}), {share} of the media total; spend {spend}{tail}",
        "row_roi": ", ROI {roi} (80% interval {lo}..{hi})",
        "row_cpic": ", cost per incremental conversion {v}",
        "row_rep": "; reported {rep}, {ratio} times",
        "lift_head": "Lift tests of {ch}:",
        "lift": "- {start}..{end}: measured {m} {kpi}, the model fits {f}{z}.",
        "lift_z": " ({z} standard errors from the test)",
        "lift_none": "- {start}..{end}: measured {m} {kpi}; the model has no figure for it.",
        "error": "The channels' contributions could not be computed: {error}",
        "no_models": "What each channel added needs the response models (incremental conversions and revenue per "
        "channel, with intervals), and none are trained for this data.",
        "note_models": "Run «kpi-advisor train» and pass the models to see each channel's incremental conversions, "
        "revenue and ROI.",
        "unknown_channel": "There is no channel {name} in the models; the channels are: {names}.",
        "judge": "Judge {ch} by its incremental figures, not the platform's, and confirm with a lift test",
        "judge_why": "The platform reports {ratio} times the {what} the response model attributes to it.",
        "lift_run": "Run a lift test of {ch} before moving budget to or from it",
        "lift_run_why": "Its incremental {what} over the window are {v} with an 80% interval from {lo} to {hi}: "
        "the effect is not told apart from none.",
    },
    "ru": {
        "window_default": "последние 13 недель",
        "window_all": "вся история",
        "conversions": "приростных конверсий",
        "revenue": "приростной выручки",
        "kpi_conversions": "конверсий",
        "kpi_revenue": "выручки",
        "one": "За {start}..{end} ({label}) {ch} принёс {parts} при расходах {spend}.",
        "part_conversions": "{v} приростных конверсий (80% интервал {lo}..{hi})",
        "part_revenue": "{v} приростной выручки (80% интервал {lo}..{hi})",
        "and": " и ",
        "roi": "ROI {roi} (80% интервал {lo}..{hi}).",
        "cpic": "Стоимость приростной конверсии: {v}.",
        "rank": "По {what_dat} он {rank}-й из {n} каналов: {share} того, что принесла реклама за это время.",
        "reported": "Площадка заявила {rep} {what}: в {ratio} раза больше приростной цифры.",
        "no_reported": "Заявленных площадкой цифр по нему в данных нет (данные медиамикса).",
        "zero": "Его 80% интервал доходит до 0: по данным его эффект нельзя отличить от нулевого.",
        "media": "Реклама в целом дала {share} {kpi} за это время (80% интервал {slo}..{shi}): {v} {what} "
        "(80% интервал {lo}..{hi}) из {total}.",
        "media_no_total": "Реклама в целом принесла {v} {what} (80% интервал {lo}..{hi}) за это время.",
        "implausible": "Осторожно: в этой модели каналы объясняют {share} {kpi} за всю историю, больше, чем "
        "правдоподобно для большинства бизнесов (когда бюджет растёт вместе с сезонным спросом, пик читается как "
        "эффект рекламы). Считайте эти цифры верхней оценкой, пока их не подтвердят тесты инкрементальности.",
        "try_auto": "С «seasonality: auto» в разделе «mmm» конфигурации модель сначала берёт годовую форму из {kpi}.",
        "each_lead": "За {start}..{end} ({label}) каналы по {what_dat}, от большего к меньшему:",
        "most_lead": "За {start}..{end} ({label}) больше всего {what} принёс {ch}: {v} (80% интервал {lo}..{hi}), "
        "{share} того, что принесла реклама.",
        "row": "- {ch}: {v} (80% интервал {lo}..{hi}), {share} от всей рекламы; расходы {spend}{tail}",
        "row_roi": ", ROI {roi} (80% интервал {lo}..{hi})",
        "row_cpic": ", стоимость приростной конверсии {v}",
        "row_rep": "; заявлено {rep}, в {ratio} раза больше",
        "lift_head": "Лифт-тесты {ch_gen}:",
        "lift": "- {start}..{end}: измерено {m} {kpi}, модель даёт {f}{z}.",
        "lift_z": " ({z} стандартных ошибок от теста)",
        "lift_none": "- {start}..{end}: измерено {m} {kpi}; у модели нет цифры для него.",
        "error": "Вклад каналов посчитать не удалось: {error}",
        "no_models": "Чтобы сказать, что принёс каждый канал, нужны модели отклика (приростные конверсии и выручка "
        "по каналам с интервалами), а для этих данных они не обучены.",
        "note_models": "Запустите «kpi-advisor train» и передайте модели, чтобы увидеть приростные конверсии, выручку "
        "и ROI каждого канала.",
        "unknown_channel": "Канала {name} в моделях нет; каналы: {names}.",
        "judge": "Оценивайте {ch_acc} по приростным цифрам, а не по цифрам площадки, и проверьте лифт-тестом",
        "judge_why": "Площадка заявляет в {ratio} раза больше {what}, чем модель отклика приписывает каналу.",
        "lift_run": "Проведите лифт-тест {ch_gen}, прежде чем переносить бюджет в него или из него",
        "lift_run_why": "Его {what} за период — {v}, 80% интервал от {lo} до {hi}: эффект не отличим от нулевого.",
    },
}
#: Russian: "по приростной выручке" / "по приростным конверсиям"
WHAT_DAT = {"conversions": "приростным конверсиям", "revenue": "приростной выручке"}
#: Russian nominative of the basis (a row's "what" in recommendations)
WHAT_NOM = {"conversions": "приростные конверсии", "revenue": "приростная выручка"}


# ------------------------------------------------------------------------------------------------ the analysis
def _periods(history: pd.DataFrame, question: Question) -> tuple[pd.DatetimeIndex, str]:
    """The model periods in the question's window and which window it is (``period``, ``all``, ``default``)."""
    idx = pd.DatetimeIndex(history.index)
    if question.period is not None:
        lo, hi = pd.Timestamp(question.period.start), pd.Timestamp(question.period.end)
        return idx[(idx >= lo) & (idx <= hi)], "period"
    if question.extra.get("all_history"):
        return idx, "all"
    return idx[idx >= idx[-1] - pd.Timedelta(days=7 * DEFAULT_WEEKS - 1)], "default"


def observed(ds: Dataset, start: pd.Timestamp, end: pd.Timestamp, freq: str) -> dict[str, float]:
    """The KPIs the response models were fitted on, summed over the model periods ``start..end``: the ``mmm``
    table's national outcomes, else ``outcomes_daily`` (business totals), else ``campaign_daily``'s sums."""
    last = end + pd.Timedelta(days=6) if freq == "W" else end
    mmm = getattr(ds, "mmm", None)
    if mmm is not None:
        nat = mmm.national()
        dates = pd.DatetimeIndex(nat.index)
        rows = nat[(dates >= start) & (dates <= end)]
        return {k: float(rows[k].sum()) for k in KPIS if k in rows.columns and k in getattr(mmm, "outcomes", KPIS)}
    table = ds.tables.get("outcomes_daily")
    if table is None or not len(table):
        table = ds.campaign_daily
    dates = pd.to_datetime(table["date"])
    rows = table[(dates >= start) & (dates <= last)]
    return {k: float(pd.to_numeric(rows[k], errors="coerce").sum()) for k in KPIS if k in rows.columns}


def media_total(
    model: Any, history: pd.DataFrame, mask: np.ndarray, channels: Sequence[str]
) -> dict[str, float] | None:
    """The sum over ``channels`` of their incremental KPI over ``mask`` with the 80 % interval of the sum:
    ``total = Σ beta_j · S_j`` is linear in the coefficients, so given the curves its standard error is
    ``sqrt(Sᵀ Σ S)`` (the fitted covariance, times ``max(media_scale, 1)`` as each channel's); when the sum is over
    every channel of a weekly spend-driven fit, the fit's ``media_total_rse`` (the curve parameters' uncertainty
    too, as each channel's interval has it; :mod:`models.response.uncertainty`) as a share of the total, if wider.
    Bounds clipped at 0."""
    f = model.fitted
    names = list(f.channels)
    cov = np.asarray(f.beta_cov, dtype=float)
    scale = max(float(getattr(f, "media_scale", 1.0) or 1.0), 1.0)
    unit = np.zeros(len(names))
    total = 0.0
    for ch in channels:
        if ch not in names or ch not in history or ch not in f.transforms:
            continue
        beta = float(f.transforms[ch].beta)
        contrib = contribution(model, ch, history[ch])
        if contrib is None or not beta > 0 or not np.isfinite(beta):
            continue
        s = float(contrib[mask].sum())
        total += s
        unit[names.index(ch)] = s / beta
    if cov.shape != (len(names), len(names)):
        return None
    se = float(np.sqrt(max(float(unit @ cov @ unit), 0.0))) * scale
    rse = getattr(f, "media_total_rse", None)
    if rse is not None and set(names) <= set(channels) and np.isfinite(rse):
        se = max(se, float(rse) * total)
    return {"mean": total, "lower_80": max(total - Z80 * se, 0.0), "upper_80": max(total + Z80 * se, 0.0)}


def _basis(question: Question, models: Mapping[str, Any]) -> str:
    """``conversions`` when the question asks for conversions (or cost per conversion) or there is no revenue
    model; else ``revenue``."""
    if "revenue" not in models:
        return "conversions"
    if "conversions" in models and question.kpi in ("conversions", "cpa", "conversion_rate"):
        return "conversions"
    return "revenue"


def run_attribution(ds: Dataset, bundle: ResponseBundle | None, question: Question) -> Analysis:
    """The ``attribution`` analysis over the question's window (see the module docstring); ``{"error": ...}``
    without models or when the window misses the history."""
    params: dict[str, Any] = {"channels": list(question.channels) or "all"}
    if bundle is None:
        return Analysis("attribution", params, {"error": NO_MODELS})
    models: dict[str, Any] = dict(bundle.models)
    freq = str(bundle.context.freq)
    history = spend_history(ds, freq)
    inside, which = _periods(history, question)
    if not len(inside):
        assert question.period is not None
        err = f"the period {question.period.start}..{question.period.end} is outside the model history"
        return Analysis("attribution", params, {"error": err})
    start, end = inside[0], inside[-1]
    channels = list(history.columns)
    found = attribute(ds, models, history, start, end, channels, freq)
    effects = found.effects
    basis = _basis(question, models)
    mask = in_window(history.index, start, end)
    seen = observed(ds, start, end, freq)
    media: dict[str, Any] = {}
    for kpi in KPIS:
        if kpi not in models:
            continue
        tot = media_total(models[kpi], history, mask, channels)
        if tot is None:
            continue
        effect_sum = sum(float(getattr(e, kpi).mean) for e in effects if getattr(e, kpi) is not None)
        if tot["mean"] > 0 and abs(effect_sum - tot["mean"]) > 1e-9 * max(abs(effect_sum), 1.0):
            factor = effect_sum / tot["mean"]  # geo models: the national lines are the geo sums
            tot = {k: v * factor for k, v in tot.items()}
        block: dict[str, Any] = {"incremental": tot["mean"], "lower_80": tot["lower_80"], "upper_80": tot["upper_80"]}
        total = seen.get(kpi)
        if total is not None and total > 0:
            block.update(
                observed=total,
                share=tot["mean"] / total,
                share_lower_80=tot["lower_80"] / total,
                share_upper_80=tot["upper_80"] / total,
            )
        share_fit = getattr(models[kpi].fitted, "media_share", None)
        if share_fit is not None and share_fit > MEDIA_SHARE_WARN:
            block["history_share"] = share_fit
            block["seasonality_read"] = seasonality_read(models[kpi])
        media[kpi] = block
    rows = []
    media_basis = media.get(basis, {}).get("incremental")
    for e in effects:
        row = {"channel": e.channel, **e.to_dict()}
        value = row["incremental_revenue" if basis == "revenue" else "incremental_conversions"]
        row["share_of_media"] = value / media_basis if value is not None and media_basis else None
        rows.append(row)
    key = "incremental_revenue" if basis == "revenue" else "incremental_conversions"
    rows.sort(key=lambda r: -(r[key] if r[key] is not None else -np.inf))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    tests = [t.to_dict() for t in found.lift_tests]
    result: dict[str, Any] = {
        "from": str(start.date()),
        "to": str(end.date()),
        "freq": freq,
        "window": which,
        "window_words": question.period.label if which == "period" and question.period is not None else None,
        "default_weeks": DEFAULT_WEEKS,
        "periods": len(inside),
        "basis": basis,
        "n_channels": len(rows),
        "channels": rows,
        "media": media,
        "lift_tests": tests,
        "reported_available": any(
            r["reported_conversions"] is not None or r["reported_revenue"] is not None for r in rows
        ),
    }
    if found.geos:
        result["geos"] = found.geos
    params.update({"from": result["from"], "to": result["to"], "freq": freq, "window": which})
    return Analysis("attribution", params, clean(result))


# ------------------------------------------------------------------------------------------------ the answer
def figure_text(x: float | None, lang: str) -> str:
    """A KPI or money figure: whole units from 100 up, else 2 significant decimals."""
    if x is None:
        return "—"
    return num(x, lang) if abs(x) >= 100 else sig(x, lang, 3)


def _share(x: float | None, lang: str) -> str:
    if x is None:
        return "—"
    return pc.pct_value(x, lang, 1 if abs(x) < 0.1 else 0)


_LEAD_WORDS = re.compile(r"^(?:(?:over|in|for|during|within|за|в|во|на)\s+)?(?:the\s+)?", re.IGNORECASE)


def window_label(result: Mapping[str, Any], question: Question, lang: str) -> str:
    """The window's words: the question's own ("last quarter", without "over the"), the whole history or the
    default's."""
    t = T[lang]
    if result["window"] == "period" and question.period is not None:
        return _LEAD_WORDS.sub("", question.period.label) or question.period.label
    return t["window_all"] if result["window"] == "all" else t["window_default"]


def _ch(channel: str, lang: str, case: str = "acc") -> str:
    return pc.channel_label(channel, lang, case)


def _one(r: Mapping[str, Any], result: Mapping[str, Any], question: Question, lang: str) -> list[str]:
    """A named channel: what it added, ROI or cost per incremental conversion, rank and share, reported figure."""
    t = T[lang]
    parts = []
    if r.get("incremental_conversions") is not None:
        parts.append(
            t["part_conversions"].format(
                v=figure_text(r["incremental_conversions"], lang), lo=figure_text(r["lower_80"], lang), hi=figure_text(r["upper_80"], lang)
            )
        )
    if r.get("incremental_revenue") is not None:
        parts.append(
            t["part_revenue"].format(
                v=figure_text(r["incremental_revenue"], lang),
                lo=figure_text(r["revenue_lower_80"], lang),
                hi=figure_text(r["revenue_upper_80"], lang),
            )
        )
    if not parts:
        return [t["error"].format(error="; ".join(r.get("notes") or ()))]
    out = [
        t["one"].format(
            start=result["from"],
            end=result["to"],
            label=window_label(result, question, lang),
            ch=_ch(r["channel"], lang),
            parts=t["and"].join(parts),
            spend=figure_text(r["spend"], lang),
        )
    ]
    if r.get("roi") is not None:
        out.append(
            t["roi"].format(
                roi=pc.signed_pct(r["roi"], lang),
                lo=pc.signed_pct(r["roi_lower_80"], lang),
                hi=pc.signed_pct(r["roi_upper_80"], lang),
            )
        )
    elif r.get("cost_per_incremental_conversion") is not None:
        out.append(t["cpic"].format(v=figure_text(r["cost_per_incremental_conversion"], lang)))
    basis = result["basis"]
    if r.get("share_of_media") is not None and result["n_channels"] > 1:
        out.append(
            t["rank"].format(
                rank=r["rank"],
                n=result["n_channels"],
                what=t[basis],
                what_dat=WHAT_DAT[basis],
                share=_share(r["share_of_media"], lang),
            )
        )
    low = r["lower_80"] if basis == "conversions" else r["revenue_lower_80"]
    if low is not None and low <= 0:
        out.append(t["zero"])
    out += _reported(r, lang)
    return out


def _reported(r: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    if r.get("reported_to_incremental") is not None:
        return [
            t["reported"].format(
                rep=figure_text(r["reported_conversions"], lang),
                what=t["kpi_conversions"],
                ratio=num(r["reported_to_incremental"], lang, 2),
            )
        ]
    if r.get("reported_to_incremental_revenue") is not None:
        return [
            t["reported"].format(
                rep=figure_text(r["reported_revenue"], lang),
                what=t["kpi_revenue"],
                ratio=num(r["reported_to_incremental_revenue"], lang, 2),
            )
        ]
    if r.get("reported_conversions") is None and r.get("reported_revenue") is None:
        return [t["no_reported"]]
    return []


def figure_bounds(r: Mapping[str, Any], basis: str) -> tuple[float | None, float | None, float | None]:
    """A channel effect's (``ChannelEffect.to_dict``) incremental ``basis`` figure and its 80 % bounds."""
    if basis == "revenue":
        return r.get("incremental_revenue"), r.get("revenue_lower_80"), r.get("revenue_upper_80")
    return r.get("incremental_conversions"), r.get("lower_80"), r.get("upper_80")


def _row(r: Mapping[str, Any], basis: str, lang: str) -> str:
    t = T[lang]
    v, lo, hi = figure_bounds(r, basis)
    tail = ""
    if r.get("roi") is not None:
        tail += t["row_roi"].format(
            roi=pc.signed_pct(r["roi"], lang),
            lo=pc.signed_pct(r["roi_lower_80"], lang),
            hi=pc.signed_pct(r["roi_upper_80"], lang),
        )
    elif r.get("cost_per_incremental_conversion") is not None:
        tail += t["row_cpic"].format(v=figure_text(r["cost_per_incremental_conversion"], lang))
    key, rep = (
        ("reported_to_incremental", "reported_conversions")
        if basis == "conversions"
        else ("reported_to_incremental_revenue", "reported_revenue")
    )
    if r.get(key) is not None:
        tail += t["row_rep"].format(rep=figure_text(r[rep], lang), ratio=num(r[key], lang, 2))
    return (
        t["row"].format(
            ch=_ch(r["channel"], lang, "bare"),
            v=figure_text(v, lang),
            lo=figure_text(lo, lang),
            hi=figure_text(hi, lang),
            share=_share(r.get("share_of_media"), lang),
            spend=figure_text(r["spend"], lang),
            tail=tail,
        )
        + "."
    )


def _media(result: Mapping[str, Any], lang: str) -> list[str]:
    t = T[lang]
    basis = result["basis"]
    m = result["media"].get(basis)
    if not m:
        return []
    caution = []
    if m.get("history_share") is not None:
        caution.append(t["implausible"].format(share=_share(m["history_share"], lang), kpi=t["kpi_" + basis]))
        if not m.get("seasonality_read"):
            caution.append(t["try_auto"].format(kpi=t["kpi_" + basis]))
    return _media_line(m, basis, lang) + caution


def _media_line(m: Mapping[str, Any], basis: str, lang: str) -> list[str]:
    t = T[lang]
    if m.get("share") is None:
        return [
            t["media_no_total"].format(
                v=figure_text(m["incremental"], lang), what=t[basis], lo=figure_text(m["lower_80"], lang), hi=figure_text(m["upper_80"], lang)
            )
        ]
    return [
        t["media"].format(
            v=figure_text(m["incremental"], lang),
            what=t[basis],
            lo=figure_text(m["lower_80"], lang),
            hi=figure_text(m["upper_80"], lang),
            total=figure_text(m["observed"], lang),
            kpi=t["kpi_" + basis],
            share=_share(m["share"], lang),
            slo=_share(m["share_lower_80"], lang),
            shi=_share(m["share_upper_80"], lang),
        )
    ]


def _lift(result: Mapping[str, Any], channel: str, lang: str) -> list[str]:
    t = T[lang]
    tests = [x for x in result["lift_tests"] if x["channel"] == channel]
    if not tests:
        return []
    out = [t["lift_head"].format(ch=_ch(channel, lang), ch_gen=_ch(channel, lang, "gen"))]
    for x in tests:
        kpi = t["kpi_" + x["kpi"]] if "kpi_" + x["kpi"] in t else x["kpi"]
        if x.get("fitted") is None:
            out.append(t["lift_none"].format(start=x["start"], end=x["end"], m=figure_text(x["measured"], lang), kpi=kpi))
            continue
        z = t["lift_z"].format(z=num(abs(x["z"]), lang, 1)) if x.get("z") is not None else ""
        out.append(
            t["lift"].format(
                start=x["start"], end=x["end"], m=figure_text(x["measured"], lang), kpi=kpi, f=figure_text(x["fitted"], lang), z=z
            )
        )
    return out


def recommendations(result: Mapping[str, Any], channels: Sequence[str], lang: str) -> tuple[Recommendation, ...]:
    """``judge_by_incremental`` for a channel whose platform claims more than :data:`OVERCLAIM` times its
    incremental figure, ``run_lift_test`` for one whose 80 % interval reaches 0 (only ``channels``, all when
    empty); the larger the channel's spend, the earlier."""
    t = T[lang]
    basis = result["basis"]
    out: list[tuple[float, Recommendation]] = []
    for r in result["channels"]:
        ch = r["channel"]
        if channels and ch not in channels:
            continue
        labels = {"ch": _ch(ch, lang), "ch_acc": _ch(ch, lang, "acc"), "ch_gen": _ch(ch, lang, "gen")}
        pairs = [("reported_to_incremental", "conversions"), ("reported_to_incremental_revenue", "revenue")]
        for key, what in pairs if basis == "conversions" else pairs[::-1]:
            ratio = r.get(key)
            if ratio is not None and ratio > OVERCLAIM:
                out.append(
                    (
                        float(r["spend"]),
                        Recommendation(
                            "judge_by_incremental",
                            t["judge"].format(**labels),
                            t["judge_why"].format(ratio=num(ratio, lang, 2), what=t["kpi_" + what]),
                            None,
                            None,
                            None,
                            0.6,
                            {"channel": ch},
                            {key: ratio, "threshold": OVERCLAIM, "spend": r["spend"]},
                            ("attribution",),
                        ),
                    )
                )
                break
        v, lo, hi = figure_bounds(r, basis)
        if v is not None and lo is not None and hi is not None and lo <= 0 and r["spend"] > 0:
            what = t[basis] if lang == "en" else WHAT_NOM[basis]
            out.append(
                (
                    float(r["spend"]),
                    Recommendation(
                        "run_lift_test",
                        t["lift_run"].format(**labels),
                        t["lift_run_why"].format(
                            what=what if lang == "ru" else t["kpi_" + basis],
                            v=figure_text(v, lang),
                            lo=figure_text(lo, lang),
                            hi=figure_text(hi, lang),
                        ),
                        None,
                        None,
                        None,
                        0.6,
                        {"channel": ch},
                        {"incremental": v, "lower_80": lo, "upper_80": hi, "spend": r["spend"]},
                        ("attribution",),
                    ),
                )
            )
    out.sort(key=lambda p: -p[0])
    return tuple(rec for _, rec in out)


def _asks_most(question: Question) -> bool:
    return bool(question.extra.get("most"))


def handle(question: Question, env: Env) -> Answer:
    """What the named channel(s) added (else every channel, ranked; "which drove most": the top one first), what
    media drove as a whole, lift tests of the named channel; recommendations from the facts."""
    lang = question.lang if question.lang in T else "en"
    t = T[lang]
    a = run_attribution(env.dataset, env.bundle, question)
    res = a.result
    if "error" in res:
        if env.bundle is None:
            return Answer((a,), (t["no_models"],), notes=(t["note_models"],))
        return Answer((a,), (t["error"].format(error=res["error"]),))
    by = {r["channel"]: r for r in res["channels"]}
    named = [c for c in question.channels if c in by]
    lines: list[str] = []
    missing = [c for c in question.channels if c not in by]
    for c in missing:
        lines.append(
            t["unknown_channel"].format(name=_ch(c, lang, "bare"), names=", ".join(_ch(x, lang, "bare") for x in by))
        )
    basis = res["basis"]
    if named:
        for c in named:
            lines += _one(by[c], res, question, lang)
        lines += _media(res, lang)
        for c in named:
            lines += _lift(res, c, lang)
    else:
        rows = [r for r in res["channels"] if figure_bounds(r, basis)[0] is not None]
        label = window_label(res, question, lang)
        if _asks_most(question) and rows:
            top = rows[0]
            v, lo, hi = figure_bounds(top, basis)
            lines.append(
                t["most_lead"].format(
                    start=res["from"],
                    end=res["to"],
                    label=label,
                    ch=_ch(top["channel"], lang),
                    what=t[basis],
                    v=figure_text(v, lang),
                    lo=figure_text(lo, lang),
                    hi=figure_text(hi, lang),
                    share=_share(top.get("share_of_media"), lang),
                )
            )
            lines += _media(res, lang)
            lines += [_row(r, basis, lang) for r in rows]
        else:
            media_first = bool(question.extra.get("media"))
            lines += _media(res, lang) if media_first else []
            lines.append(
                t["each_lead"].format(
                    start=res["from"], end=res["to"], label=label, what=t[basis], what_dat=WHAT_DAT[basis]
                )
            )
            lines += [_row(r, basis, lang) for r in rows]
            lines += [] if media_first else _media(res, lang)
    return Answer((a,), tuple(lines), recommendations(res, named, lang))
