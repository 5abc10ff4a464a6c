"""What the planning kinds (``what_if``, ``split``, ``forecast``) share: the plan window, paired simulation of
plans and the signed number formats of their answers.

Paired simulation: :func:`simulate` draws a plan's horizon totals with each KPI model's ``simulate`` under a
fixed seed per KPI (the same seeds :func:`models.forecast.forecast` uses), so two plans over the same window get
the same coefficient, residual and level-error draws; the draw-by-draw difference of two plans is the
difference's distribution (its interval is much narrower than the difference of two separate intervals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from advisor.advise.kinds.base import Env
from advisor.advise.question import Question
from advisor.core.names import scope_label
from advisor.data import Dataset
from advisor.narrative.template import num
from models.forecast import expected_totals
from models.plan import Plan, spend_path
from models.response.bundle import KPIS, ResponseBundle

#: simulated paths per plan (speed: the whole ``advise`` answers in about a second)
N_SIMS = 300
#: days of history the data's run-rate is the mean of (as ``PlanningContext.run_rate``)
RUN_RATE_DAYS = 28
#: relative s.d. of the response-shape error of a channel's change of outcome (:func:`shape_error`). The
#: simulated paths vary the media coefficients, residuals and level but keep each curve's shape (half-saturation,
#: adstock) fixed, so alone they made the intervals of a plan CHANGE too narrow: the true change of the demo
#: worlds' plans (seeds 1-5, ten edits each, month and quarter, conversions/revenue/ROI: 300 checks) lay inside the
#: 80% interval 75% of the time with no shape error (seeds 1-3), 82% with 0.10, 91% with 0.15, 94% with 0.20; the
#: sign was right in all 300.
SHAPE_SD = 0.15

T: dict[str, dict[str, str]] = {
    "en": {
        "no_models": "No trained response models: train them on this data to forecast plans.",
        "week": "next week", "month": "next month", "quarter": "next quarter",
        "interval": "80% interval",
    },
    "ru": {
        "no_models": "Нет обученных моделей отклика: обучите их на этих данных, чтобы прогнозировать планы.",
        "week": "на следующей неделе", "month": "в следующем месяце", "quarter": "в следующем квартале",
        "interval": "80% интервал",
    },
}


def t(lang: str) -> dict[str, str]:
    return T.get(lang, T["en"])


def window(last_date: str | pd.Timestamp, question: Question) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The plan window: the question's period when it lies after the history (``"next month"`` parsed to
    dates), else the next week, month (default) or quarter (3 months) after ``last_date``, inclusive."""
    last = pd.Timestamp(last_date).normalize()
    p = question.period
    if p is not None and pd.Timestamp(p.start) > last and pd.Timestamp(p.end) >= pd.Timestamp(p.start):
        return pd.Timestamp(p.start), pd.Timestamp(p.end)
    start = last + pd.Timedelta(days=1)
    if question.horizon == "week":
        return start, start + pd.Timedelta(days=6)
    months = 3 if question.horizon == "quarter" else 1
    return start, start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def plan_window(question: Question, env: Env) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The plan window of ``question`` after the models' history (else the data's last date) and its words
    (:func:`window`, :func:`period_words`)."""
    bundle = env.bundle
    last = bundle.context.last_date if bundle is not None else str(env.dataset.campaign_daily["date"].max())[:10]
    start, end = window(last, question)
    return start, end, period_words(question, start, end)


def period_words(question: Question, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """``next month (2026-11-01..2026-11-30)`` / ``в следующем месяце (2026-11-01..2026-11-30)``; the question's
    own label when it named exactly this period."""
    p = question.period
    own = p is not None and p.label and pd.Timestamp(p.start) == start and pd.Timestamp(p.end) == end
    label = p.label if own and p is not None else t(question.lang)[question.horizon]
    return f"{label} ({start.date()}..{end.date()})"


def channel_label(channel: str, lang: str, case: str = "gen") -> str:
    """A channel named in text, quoted as data: EN ``channel "x"`` (``"x"`` for ``case="bare"``); RU by case:
    ``gen`` ``канала «x»`` (as :func:`advisor.core.names.scope_label`), ``acc`` ``канал «x»``, ``bare`` ``«x»``."""
    if case == "bare":
        return f"«{channel}»" if lang == "ru" else f'"{channel}"'
    if lang == "ru" and case == "acc":
        return f"канал «{channel}»"
    return scope_label({"channel": channel}, lang)


def data_run_rate(ds: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, float]:
    """Run-rate spend by channel over ``[start, end]`` from the data alone (no models): the mean daily spend of
    the last :data:`RUN_RATE_DAYS` days times the window's days."""
    cd = ds.campaign_daily
    dates = pd.to_datetime(cd["date"])
    last = dates.max().normalize()
    recent = cd[dates > last - pd.Timedelta(days=RUN_RATE_DAYS)]
    days = (end - start).days + 1
    by = recent.groupby(recent["channel"].astype(str))["spend"].sum()
    return {str(ch): float(v) / RUN_RATE_DAYS * days for ch, v in by.items()}


@dataclass(frozen=True)
class Draws:
    """Simulated horizon totals of one plan (``n`` paths each): ``totals[kpi]`` business totals (baseline +
    media), ``incremental[kpi]`` media only; ``spend`` the plan's total (currency); ``expected`` the
    deterministic totals (:func:`models.forecast.expected_totals`)."""

    totals: dict[str, NDArray[np.float64]]
    incremental: dict[str, NDArray[np.float64]]
    spend: float
    expected: dict[str, float]
    by_channel: dict[str, NDArray[np.float64]]

    def shifted(self, extra: Mapping[str, NDArray[np.float64]]) -> Draws:
        """The same draws with ``extra[kpi]`` ``(n,)`` added to the totals and the incremental draws."""
        return Draws(
            {k: v + extra.get(k, 0.0) for k, v in self.totals.items()},
            {k: v + extra.get(k, 0.0) for k, v in self.incremental.items()},
            self.spend, self.expected, self.by_channel,
        )

    def roi(self) -> NDArray[np.float64] | None:
        """ROI draws ``(incremental revenue − spend) / spend`` (None without a revenue model or spend)."""
        inc = self.incremental.get("revenue")
        if inc is None or self.spend <= 0:
            return None
        return (inc - self.spend) / self.spend

    def expected_roi(self) -> float | None:
        inc = self.expected.get("incremental_revenue")
        if inc is None or self.spend <= 0:
            return None
        return (inc - self.spend) / self.spend


def simulate(bundle: ResponseBundle, plan: Plan, n_sims: int = N_SIMS, seed: int = 0) -> Draws:
    """Draws of ``plan``'s totals, paired with any other plan over the same window (module docstring)."""
    path, g = spend_path(bundle, plan)
    totals: dict[str, NDArray[np.float64]] = {}
    incremental: dict[str, NDArray[np.float64]] = {}
    by_channel: dict[str, NDArray[np.float64]] = {}
    for k, kpi in enumerate(KPIS):
        m = bundle.models.get(kpi)
        if m is None:
            continue
        sim = m.simulate(path, n=n_sims, seed=seed + k)
        media = sim.media_by_period(g)
        totals[kpi] = (sim.baseline[g:][None, :] + sim.noise[:, g:] + media).sum(axis=1)
        incremental[kpi] = media.sum(axis=1)
        per = sim.media_by_channel(g)
        by_channel[kpi] = np.column_stack(
            [per[:, sim.channels.index(ch)] if ch in sim.channels else np.zeros(n_sims) for ch in bundle.context.channels]
        )
    exp = expected_totals(bundle, plan)
    expected = {k: float(v) for k, v in exp.items() if k in KPIS}
    expected.update({f"incremental_{k}": float(sum(v.values())) for k, v in exp["incremental"].items()})
    spend = float(path[list(bundle.context.channels)].to_numpy(dtype=float)[g:].sum())
    return Draws(totals, incremental, spend, expected, by_channel)


def band(draws: NDArray[np.float64], mean: float, scale: float = 1.0) -> dict[str, float]:
    """``{"mean", "lower_80", "upper_80"}`` of ``draws`` (central 80%), all times ``scale``."""
    lo, hi = np.quantile(draws, [0.1, 0.9])
    return {"mean": float(mean) * scale, "lower_80": float(lo) * scale, "upper_80": float(hi) * scale}


def shape_error(new: Draws, ref: Draws, sd: float = SHAPE_SD, seed: int = 0) -> dict[str, NDArray[np.float64]]:
    """Per KPI, draws ``(n,)`` of the response-shape error of the change ``new − ref``: each channel's change of
    incremental outcome times ``sd · z`` (``z`` standard normal per path and channel, shared by the KPIs)."""
    out: dict[str, NDArray[np.float64]] = {}
    z: NDArray[np.float64] | None = None
    for kpi, a in new.by_channel.items():
        b = ref.by_channel.get(kpi)
        if b is None:
            continue
        delta = a.mean(axis=0) - b.mean(axis=0)  # (C,) expected change by channel
        if z is None:
            z = np.random.default_rng(seed + 1000).standard_normal(a.shape)
        out[kpi] = (z * delta[None, :]).sum(axis=1) * sd
    return out


def difference(new: Draws, ref: Draws, shape_sd: float = SHAPE_SD) -> dict[str, dict[str, float]]:
    """The change of ``new`` against ``ref`` per outcome, paired draw by draw (plus the response-shape error
    :func:`shape_error`, ``shape_sd`` relative to each channel's change): ``conversions`` and ``revenue``
    (business totals: ``reference``, ``plan``, ``change``, ``change_rel``, ``lower_80``, ``upper_80``) and
    ``roi`` (``reference``/``plan`` fractions, ``change_pp``/``lower_80_pp``/``upper_80_pp`` in percentage
    points). Outcomes the bundle has no model for are absent."""
    new = new.shifted(shape_error(new, ref, shape_sd)) if shape_sd > 0 else new
    out: dict[str, dict[str, float]] = {}
    for kpi in KPIS:
        if kpi not in new.totals or kpi not in ref.totals:
            continue
        r, p = ref.expected[kpi], new.expected[kpi]
        b = band(new.totals[kpi] - ref.totals[kpi], p - r)
        out[kpi] = {
            "reference": r, "plan": p, "change": b["mean"], "change_rel": (p - r) / r if r else 0.0,
            "lower_80": b["lower_80"], "upper_80": b["upper_80"],
        }
    roi_new, roi_ref = new.roi(), ref.roi()
    e_new, e_ref = new.expected_roi(), ref.expected_roi()
    if roi_new is not None and roi_ref is not None and e_new is not None and e_ref is not None:
        b = band(roi_new - roi_ref, e_new - e_ref, 100.0)
        out["roi"] = {
            "reference": e_ref, "plan": e_new, "change_pp": b["mean"], "lower_80_pp": b["lower_80"],
            "upper_80_pp": b["upper_80"],
        }
    return out


def holds_zero(d: Mapping[str, float]) -> bool:
    """Whether the 80 % interval of a change (:func:`difference`'s ``lower_80``/``upper_80``) holds 0."""
    return d["lower_80"] <= 0 <= d["upper_80"]


def signed(x: float, lang: str, decimals: int = 0) -> str:
    """An explicitly signed number: ``+1,234`` / ``-1,234`` (en), ``+1 234`` / ``−1 234`` (ru); a value that
    rounds to zero is ``0``."""
    if round(abs(x), decimals) == 0:
        return num(0.0, lang, decimals)
    minus = "−" if lang == "ru" else "-"
    return ("+" if x > 0 else minus) + num(abs(x), lang, decimals)


def signed_pct(x: float, lang: str, decimals: int = 0) -> str:
    """A fraction as an explicitly signed percentage: 0.123 → ``+12%``."""
    return signed(x * 100.0, lang, decimals) + "%"


def pct_value(x: float, lang: str, decimals: int = 0) -> str:
    """A fraction as a percentage without forced sign: 0.53 → ``53%``, −0.2 → ``-20%`` (ru ``−20%``)."""
    return (signed(x * 100.0, lang, decimals) if x < 0 else num(x * 100.0, lang, decimals)) + "%"


def span(lo: float, hi: float, lang: str, decimals: int = 0, suffix: str = "") -> str:
    """``-530..-300`` (both ends signed) for an interval of a change."""
    return f"{signed(lo, lang, decimals)}{suffix}..{signed(hi, lang, decimals)}{suffix}"


def clean_result(obj: Any) -> Any:
    """Floats rounded to 6 significant digits (smaller JSON, same verification), recursively."""
    if isinstance(obj, float):
        return float(f"{obj:.6g}")
    if isinstance(obj, dict):
        return {k: clean_result(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean_result(v) for v in obj]
    return obj


def platform_numbers(dataset: Dataset) -> bool:
    """Whether ``campaign_daily`` holds platform-reported conversions or revenue: False for rows derived from a
    media-mix table (``campaign_source == "mmm"``: spend and impressions only, conversions and revenue NaN)."""
    if getattr(dataset, "campaign_source", None) == "mmm":
        return False
    cd = dataset.campaign_daily
    return any(k in cd and bool(cd[k].notna().any()) for k in ("conversions", "revenue"))
