"""What the question bank's graders know about one demo world, computed from its ``truth.json`` and its data only
(never from an ``advise`` answer): the planted problems, the placeholders the bank's questions are filled with,
the true effect of a spend plan, KPIs by month and by attribute, the scorecard's off-track KPIs.

Used by ``bank_grade.py`` (graders) and ``benchmarks/advise_bank.py`` (the benchmark).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from demo_world import TrueWorld

#: days of the run-rate window (the truth's reference plan and the models' run-rate use the last 28 days)
RUN_RATE_DAYS = 28
#: the split questions' budget: this many times the last-28-day spend, 2 significant digits
BUDGET_FACTOR = 1.3
#: a what-if "move" moves this share of the source channel's next-month run-rate (2 significant digits)
MOVE_SHARE = 0.25

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
#: Russian month names: nominative, genitive ("с мая"), prepositional ("в мае")
MONTHS_RU = {
    "nom": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
            "декабрь"),
    "gen": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
            "декабря"),
    "loc": ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре", "ноябре",
            "декабре"),
}
#: how a Russian marketing lead names a channel: nominative, accusative ("в поиск"), prepositional ("в поиске"),
#: genitive ("бюджет поиска"); channels without a common Russian word are named as the data value in «»
CHANNELS_RU: dict[str, dict[str, str]] = {
    "search": {"nom": "поиск", "acc": "поиск", "loc": "поиске", "gen": "поиска"},
    "social": {"nom": "соцсети", "acc": "соцсети", "loc": "соцсетях", "gen": "соцсетей"},
    "video": {"nom": "видео", "acc": "видео", "loc": "видео", "gen": "видео"},
}
#: KPIs where lower is better
LOWER_IS_BETTER = frozenset({"cpa", "cpc", "cpm", "cac"})
#: the planted campaign problems and their funnel stage
CAMPAIGN_PROBLEMS = {"creative_fatigue": "ctr", "broken_landing_page": "conversion_rate", "poor_audience": "conversion_rate"}
#: short placeholder names of the planted campaigns
PROBLEM_KEYS = {"creative_fatigue": "fatigue", "broken_landing_page": "landing", "poor_audience": "audience"}


def channel_ru(channel: str, case: str) -> str:
    """The channel as a Russian question names it in ``case`` (nom/acc/loc/gen)."""
    if channel in CHANNELS_RU:
        return CHANNELS_RU[channel][case]
    noun = {"nom": "канал", "acc": "канал", "loc": "канале", "gen": "канала"}[case]
    return f"{noun} «{channel}»"


def two_sig(x: float) -> float:
    """``x`` rounded to 2 significant digits (212,345 → 210,000)."""
    if x <= 0:
        return 0.0
    d = math.floor(math.log10(x)) - 1
    return float(round(x / 10**d) * 10**d)


def money_words(x: float) -> dict[str, str]:
    """How people write an amount: ``k`` ("210k", "1.2M"), full ("210,000"), Russian ("210 тыс.", "1,2 млн",
    "210 000")."""
    if x >= 1e6:
        m = f"{x / 1e6:.2f}".rstrip("0").rstrip(".")
        short_en, short_ru = f"{m}M", f"{m.replace('.', ',')} млн"
    else:
        k = f"{x / 1e3:.1f}".rstrip("0").rstrip(".")
        short_en, short_ru = f"{k}k", f"{k.replace('.', ',')} тыс."
    full = f"{x:,.0f}"
    return {"en": short_en, "en_full": full, "ru": short_ru, "ru_full": full.replace(",", " ")}


def month_start(d: date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(d).normalize().replace(day=1)


def kpi_value(frame: pd.DataFrame, kpi: str) -> float:
    """A KPI from summed campaign_daily columns (catalog formulas: roi = (revenue − spend)/spend, roas, ctr =
    clicks/impressions, conversion_rate = conversions/clicks, cpa, cpc, cpm per 1,000 impressions,
    engagement_rate = engagements/impressions; sums for spend, revenue, conversions, clicks, impressions)."""
    s = frame[["spend", "revenue", "conversions", "clicks", "impressions", "engagements"]].sum()

    def div(a: float, b: float) -> float:
        return float(a / b) if b else float("nan")

    formulas = {
        "roi": lambda: div(s.revenue - s.spend, s.spend),
        "roas": lambda: div(s.revenue, s.spend),
        "ctr": lambda: div(s.clicks, s.impressions),
        "conversion_rate": lambda: div(s.conversions, s.clicks),
        "cpa": lambda: div(s.spend, s.conversions),
        "cpc": lambda: div(s.spend, s.clicks),
        "cpm": lambda: 1000 * div(s.spend, s.impressions),
        "engagement_rate": lambda: div(s.engagements, s.impressions),
    }
    if kpi in formulas:
        return formulas[kpi]()
    return float(s[kpi])


@dataclass(frozen=True)
class Window:
    """An inclusive date range."""

    start: pd.Timestamp
    end: pd.Timestamp


@dataclass
class WorldFacts:
    """One world: ``truth`` (truth.json), ``campaign_daily`` (the data), optional ``scorecard`` facts
    (``off_track``: KPI ids marked off track; ``scores``: composite 0..100, per CLV basis) from :func:`scorecard_facts`."""

    truth: Mapping[str, Any]
    campaign_daily: pd.DataFrame
    off_track: frozenset[str] = frozenset()
    scores: tuple[float, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- truth ------------------------------------------------------------------------------------------------
    @cached_property
    def true_world(self) -> TrueWorld:
        return TrueWorld.from_dict(dict(self.truth))

    @property
    def channels(self) -> list[str]:
        return list(self.truth["channels"])

    def problem(self, kind: str) -> Mapping[str, Any]:
        return next(p for p in self.truth["problems"] if p["kind"] == kind)

    @property
    def planted_campaigns(self) -> dict[str, str]:
        """problem kind → campaign id (the three campaign-level problems)."""
        return {p["kind"]: p["campaign_id"] for p in self.truth["problems"] if p.get("campaign_id")}

    @property
    def over_channel(self) -> str:
        return str(self.problem("over_funded")["channel"])

    @property
    def under_channel(self) -> str:
        return str(self.problem("under_funded")["channel"])

    @property
    def last_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.campaign_daily["date"].max()).normalize()

    # ---- data -------------------------------------------------------------------------------------------------
    @cached_property
    def daily(self) -> pd.DataFrame:
        cd = self.campaign_daily.copy()
        cd["date"] = pd.to_datetime(cd["date"])
        return cd

    def recent_spend(self) -> pd.Series:
        """Spend per channel over the last 28 days."""
        cd = self.daily
        tail = cd[cd["date"] > self.last_date - pd.Timedelta(days=RUN_RATE_DAYS)]
        return tail.groupby("channel")["spend"].sum().reindex(self.channels).fillna(0.0)

    def last_full_month(self) -> Window:
        end = self.last_date
        if (end + pd.Timedelta(days=1)).day != 1:
            end = end.replace(day=1) - pd.Timedelta(days=1)
        return Window(end.replace(day=1), end)

    def last_days(self, days: int) -> Window:
        return Window(self.last_date - pd.Timedelta(days=days - 1), self.last_date)

    def months_back(self, n: int) -> list[pd.Timestamp]:
        """The first days of the last ``n`` full months, oldest first."""
        last = self.last_full_month().start
        return [last - pd.DateOffset(months=k) for k in range(n - 1, -1, -1)]

    def monthly_kpi(self, kpi: str, months: Sequence[pd.Timestamp], scope: Mapping[str, str] | None = None) -> list[float]:
        """The KPI of each month (first days given), from campaign_daily, optionally for one campaign / channel."""
        cd = self.daily
        for col, value in (scope or {}).items():
            cd = cd[cd[col].astype(str) == value]
        key = cd["date"].dt.to_period("M")
        out = []
        for m in months:
            rows = cd[key == pd.Timestamp(m).to_period("M")]
            out.append(kpi_value(rows, kpi) if len(rows) else float("nan"))
        return out

    def kpi_by(self, attribute: str, kpi: str, window: Window) -> dict[str, float]:
        """KPI by the values of ``attribute`` over ``window``."""
        cd = self.daily
        cd = cd[(cd["date"] >= window.start) & (cd["date"] <= window.end)]
        return {str(v): kpi_value(g, kpi) for v, g in cd.groupby(attribute)}

    def kpi_by_within_channels(self, attribute: str, kpi: str, window: Window) -> dict[str, float]:
        """KPI by the values of ``attribute`` relative to their channels: in each channel, the value's KPI divided
        by the channel's KPI, averaged over channels weighted by the value's spend there (channel mix taken out:
        an audience run mostly on a low-converting channel is not worse for it)."""
        cd = self.daily
        cd = cd[(cd["date"] >= window.start) & (cd["date"] <= window.end)]
        num: dict[str, float] = {}
        den: dict[str, float] = {}
        for _, g in cd.groupby("channel"):
            base = kpi_value(g, kpi)
            if not np.isfinite(base) or base == 0:
                continue
            for v, gv in g.groupby(attribute):
                x, w = kpi_value(gv, kpi), float(gv["spend"].sum())
                if np.isfinite(x) and w > 0:
                    num[str(v)] = num.get(str(v), 0.0) + w * x / base
                    den[str(v)] = den.get(str(v), 0.0) + w
        return {v: num[v] / den[v] for v in num if den[v] > 0}

    def attribute_values(self, attribute: str) -> list[str]:
        return sorted(self.daily[attribute].astype(str).unique())

    # ---- plans ------------------------------------------------------------------------------------------------
    def horizon(self, horizon: str = "month") -> Window:
        """The next week / month / quarter after the history (as ``advisor.advise.analyses._window``)."""
        start = self.last_date + pd.Timedelta(days=1)
        if horizon == "week":
            return Window(start, start + pd.Timedelta(days=6))
        months = 3 if horizon == "quarter" else 1
        return Window(start, start + pd.DateOffset(months=months) - pd.Timedelta(days=1))

    def reference(self, horizon: str = "month") -> pd.DataFrame:
        """The truth's run-rate plan (mean spend per weekday of the last 28 days), currency per day by channel."""
        w = self.horizon(horizon)
        return self.true_world.reference_daily_spend(w.start.date(), w.end.date())

    def true_totals(self, daily: pd.DataFrame) -> dict[str, float]:
        return self.true_world.expected_totals(daily)

    # ---- contribution -----------------------------------------------------------------------------------------
    @cached_property
    def true_daily(self) -> pd.DataFrame:
        """True incremental conversions and revenue per date and channel over the history (columns
        ``<channel>_conversions`` / ``<channel>_revenue``): the world regenerated from its seed, length, end and
        structure (``truth.json`` does not hold the daily truth); its spend must equal the data's."""
        from demo_world import generate_world
        from demo_world.structure import WorldStructure

        t = self.truth
        world = generate_world(int(t["seed"]), days=int(t["days"]), end=date.fromisoformat(str(t["end"])),
                               structure=WorldStructure.from_dict(t.get("structure", {})))
        td = world.true_daily.copy()
        td["date"] = pd.to_datetime(td["date"])
        data = self.daily.groupby(["date", "channel"])["spend"].sum()
        regen = td.groupby(["date", "channel"])["spend"].sum().reindex(data.index)
        if not np.allclose(regen.to_numpy(float), data.to_numpy(float), rtol=1e-6, atol=0.01):
            raise ValueError("the regenerated world's spend differs from the data: cannot compute the daily truth")
        wide = td.pivot_table(index="date", columns="channel", values=["incremental_conversions", "incremental_revenue"],
                              aggfunc="sum")
        out = pd.DataFrame(index=wide.index)
        for c in self.channels:
            out[f"{c}_conversions"] = wide[("incremental_conversions", c)]
            out[f"{c}_revenue"] = wide[("incremental_revenue", c)]
        return out

    def window_of(self, spec: Mapping[str, Any]) -> Window:
        """A contribution question's window: ``weeks: N`` (the last 7·N days), ``last_quarter`` (the last full
        calendar quarter), ``this_year`` (January 1 to the last date), ``all`` (the whole history)."""
        last = self.last_date
        w = spec.get("window", "all")
        if w == "all":
            return Window(pd.Timestamp(self.daily["date"].min()).normalize(), last)
        if w == "this_year":
            return Window(pd.Timestamp(year=last.year, month=1, day=1), last)
        if w == "last_quarter":
            qs = pd.Timestamp(year=last.year, month=3 * ((last.month - 1) // 3) + 1, day=1)
            end = last if (qs + pd.DateOffset(months=3) - pd.Timedelta(days=1)) == last else qs - pd.Timedelta(days=1)
            start = pd.Timestamp(year=end.year, month=3 * ((end.month - 1) // 3) + 1, day=1)
            return Window(start, end)
        if isinstance(w, Mapping) and "weeks" in w:
            return Window(last - pd.Timedelta(days=7 * int(w["weeks"]) - 1), last)
        raise ValueError(f"unknown contribution window {w!r}")

    def true_incremental(self, window: Window) -> dict[str, dict[str, float]]:
        """Channel → {conversions, revenue}: the true incremental totals over ``window`` (inclusive)."""
        td = self.true_daily
        rows = td[(td.index >= window.start) & (td.index <= window.end)]
        return {c: {k: float(rows[f"{c}_{k}"].sum()) for k in ("conversions", "revenue")} for c in self.channels}

    # ---- placeholders -----------------------------------------------------------------------------------------
    @cached_property
    def budget(self) -> float:
        """The split / forecast questions' budget: 1.3 × the last-28-day spend, 2 significant digits."""
        return two_sig(BUDGET_FACTOR * float(self.recent_spend().sum()))

    @cached_property
    def quarter_budget(self) -> float:
        """The quarter split question's budget: 1.2 × the run-rate plan of the next quarter, 2 significant digits."""
        return two_sig(1.2 * float(self.reference("quarter").to_numpy().sum()))

    def budget_for(self, horizon: str) -> float:
        """The budget a split / forecast question over ``horizon`` names."""
        return self.quarter_budget if horizon == "quarter" else self.budget

    @cached_property
    def move_amount(self) -> float:
        """The what-if "move" amount: 25 % of the over-funded channel's next-month run-rate, 2 significant digits."""
        return two_sig(MOVE_SHARE * float(self.reference()[self.over_channel].sum()))

    @cached_property
    def placeholders(self) -> dict[str, str]:
        """Everything a bank question may name, per world (see ``bank.yaml``'s header)."""
        ph: dict[str, str] = {}
        for kind, key in PROBLEM_KEYS.items():
            cid = self.planted_campaigns.get(kind)
            if cid:
                ph[f"{key}_campaign"] = cid
                ph[f"{key}_channel"] = str(self.problem(kind)["channel"])
        recent = self.recent_spend()
        active = recent[recent > 0].sort_values(ascending=False)
        named = {
            "over_channel": self.over_channel,
            "under_channel": self.under_channel,
            "channel": "video" if "video" in active.index else str(active.index[0]),
            "big_channel": str(active.index[0]),
            "small_channel": str(active.index[-1]),
        }
        for name, ch in named.items():
            ph[name] = ch
            for case in ("nom", "acc", "loc", "gen"):
                ph[f"{name}_ru_{case}"] = channel_ru(ch, case)
        for name, amount in (("budget", self.budget), ("qbudget", self.quarter_budget), ("move", self.move_amount)):
            ph[f"{name}_amount"] = f"{amount:.0f}"
            for style, text in money_words(amount).items():
                ph[f"{name}_{style}"] = text
            ph[f"{name}_ru_mln"] = f"{amount / 1e6:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " млн"
        months = self.months_back(6)
        for label, m in (("last_month", months[-1]), ("month6", months[0]), ("month4", months[-4])):
            i = m.month - 1
            ph[f"{label}_en"] = MONTHS_EN[i]
            for case, names in MONTHS_RU.items():
                ph[f"{label}_ru_{case}"] = names[i]
        return ph

    def fill(self, text: str) -> str:
        """A bank template with this world's placeholders."""
        return text.format_map(self.placeholders)


def scorecard_facts(
    dataset: Any, clv_model: Any = None, label: str | None = None
) -> tuple[frozenset[str], tuple[float, ...]]:
    """The KPIs the scorecard marks off track and its composite score(s), computed as ``kpi-advisor scorecard`` does
    (``advisor.ops.scorecard``), independently of any answer. With a CLV model the card is built twice, with model
    and with historical CLV lines (an answer may use either): the off-track KPIs are those off track in both, the
    scores both cards' composite scores."""
    from advisor.kpis import build_scorecard
    from advisor.kpis.business import kpi_tables

    if dataset.targets is None:
        return frozenset(), ()
    providers: list[Any] = [None]
    if clv_model is not None and dataset.tables.get("orders") is not None:
        from advisor.customers import model_kpis

        providers.append(model_kpis(dataset.tables, clv_model, label=label))
    offs, scores = [], []
    for provider in providers:
        card = build_scorecard(kpi_tables(dataset), dataset.targets, model_kpis=provider)
        offs.append(frozenset(ln.kpi for g in card.groups for ln in g.lines if str(ln.status) == "off_track"))
        if card.score is not None:
            scores.append(float(card.score))
    return frozenset.intersection(*offs), tuple(scores)


def world_facts(truth: Mapping[str, Any], dataset: Any, clv_model: Any = None, label: str | None = None) -> WorldFacts:
    """:class:`WorldFacts` of a world: its truth, its dataset (``advisor.data.Dataset``) and, for the scorecard's
    CLV lines, the CLV model the answers use."""
    off, scores = scorecard_facts(dataset, clv_model, label)
    return WorldFacts(truth, dataset.campaign_daily, off_track=off, scores=scores)


def apply_edits(ref: pd.DataFrame, edits: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The run-rate plan ``ref`` (currency per day by channel) changed by the what-if ``edits`` (the question's
    own words, see ``bank.yaml``): ``scale`` (channel × factor), ``off`` (channel → 0), ``move`` (``amount`` over
    the window from ``channel`` to ``to``, each keeping its weekday profile), ``set`` (channel total = amount),
    ``total`` (every channel × factor)."""
    plan = ref.copy()
    for e in edits:
        op, ch = e["op"], e.get("channel")
        if op == "scale":
            plan[ch] = plan[ch] * float(e["factor"])
        elif op == "off":
            plan[ch] = 0.0
        elif op == "total":
            plan = plan * float(e["factor"])
        elif op == "set":
            plan[ch] = plan[ch] * float(e["amount"]) / float(plan[ch].sum())
        elif op == "move":
            amount, to = float(e["amount"]), e["to"]
            src, dst = float(plan[ch].sum()), float(plan[to].sum())
            plan[ch] = plan[ch] * max(0.0, 1 - amount / src)
            plan[to] = plan[to] * (1 + amount / dst) if dst > 0 else amount / len(plan)
        else:
            raise ValueError(f"unknown edit {op!r}")
    return plan


def direction_of(values: Sequence[float], flat_band: float = 0.05, fuzz: float = 0.02) -> set[str]:
    """The direction words (``up``/``down``/``flat``) a monthly series allows: its first-to-last change and its
    least-squares slope over the span, relative to the mean; within ±``flat_band`` it is flat, and within
    ``fuzz`` of the band's edge both neighbours are allowed."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if len(v) < 2:
        return {"flat"}
    base = float(np.mean(np.abs(v))) or 1.0
    slope = float(np.polyfit(np.arange(len(v)), v, 1)[0]) * (len(v) - 1) / base
    first_last = float(v[-1] - v[0]) / (abs(float(v[0])) or base)
    out: set[str] = set()
    for c in (slope, first_last):
        out.add("up" if c > flat_band else "down" if c < -flat_band else "flat")
        if abs(abs(c) - flat_band) <= fuzz:
            out.add("flat")
            out.add("up" if c > 0 else "down")
    return out
