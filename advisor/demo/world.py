"""``generate_world``: a deterministic generative model of a marketing department, and ``DemoWorld``.

Order of generation (one ``numpy.random.Generator`` seeded once): campaigns → planted problems → spend →
true response calibration → true incremental conversions → baseline → observed tables → customers/orders →
surveys and team KPIs → targets and the truth document (see ``truthdoc``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from advisor.demo import customers, feedback, funnel
from advisor.demo.campaigns import Skeleton, sample_skeletons, sample_spend
from advisor.demo.channels import AUDIENCE_CVR, CHANNELS, profile
from advisor.demo.events import event_names
from advisor.demo.params import BaselineParams, CampaignParams
from advisor.demo.problems import POOR_AUDIENCE, budget_multipliers, plan_problems, quality_multipliers
from advisor.demo.response import aov_vector, incremental_conversions
from advisor.demo.targets import build_targets
from advisor.demo.transforms import hill
from advisor.demo.truthdoc import TruthInputs, build_truth

DEFAULT_END = date(2026, 10, 31)
MIN_DAYS = 120
#: The under-funded channel is an efficient one: its true ROAS is this much above its profile's.
UNDER_FUNDED_ROAS_BOOST = 1.8
#: ... and its marginal ROAS at the end of the history is at least this multiple of any other channel's.
UNDER_FUNDED_MARGIN = 1.15
SHARE_DAYS = 28
TABLES = ("campaign_daily", "outcomes_daily", "orders", "surveys", "team_kpis")


@dataclass(frozen=True)
class DemoWorld:
    """A generated world.

    ``tables``: ``campaign_daily``, ``outcomes_daily``, ``orders``, ``surveys``, ``team_kpis``
    (SPEC §2 columns, dates as ``datetime64``); ``targets``: the ``targets.yaml`` content; ``truth``: the
    ``truth.json`` content;
    ``true_daily``: per date and campaign the noise-free truth (``spend``, ``incremental_conversions``,
    ``incremental_revenue``, and the planted problems' ``ctr_multiplier`` and ``cvr_multiplier``), including
    carry-over days after a campaign stopped.
    """

    tables: dict[str, pd.DataFrame]
    targets: dict[str, Any]
    truth: dict[str, Any]
    true_daily: pd.DataFrame

    def write(self, out_dir: Path) -> None:
        """Write ``<table>.csv`` for every table (ISO dates), ``targets.yaml`` and ``truth.json``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            df = self.tables[name]
            df.to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        (out / "targets.yaml").write_text(yaml.safe_dump(self.targets, sort_keys=False), encoding="utf-8")
        (out / "truth.json").write_text(json.dumps(self.truth, indent=1, allow_nan=False), encoding="utf-8")


def _calibrate(
    rng: np.random.Generator, sk: Skeleton, spend: NDArray[np.float64], cutoff: int, over: str, under: str
) -> CampaignParams:
    """Turn a skeleton into parameters: half-saturation near its typical (pre-problem) spend — lower for the
    over-funded channel, higher for the under-funded one — and a max effect giving the channel's true ROAS
    (scaled by the audience's conversion multiplier) at that typical spend."""
    hi = max(min(sk.end, cutoff - 1), sk.start)
    typical = float(spend[sk.start : hi + 1].mean())
    if typical <= 0:
        typical = float(spend[sk.start : sk.end + 1].mean()) or sk.base_budget
    shape = sk.hill_shape
    if sk.channel == over:
        k = typical * rng.uniform(0.45, 0.6)
    elif sk.channel == under:
        # far below half-saturation; a shape near 1 keeps the curve concave there (no S-bend to climb)
        k = typical * rng.uniform(2.2, 3.0)
        shape = 1.0 + 0.2 * (shape - 1.0)
    elif sk.channel == "email":
        # capacity-limited by the mailing list: high average ROAS, little to gain from more sends
        k = typical * rng.uniform(0.25, 0.35)
    else:
        k = typical * rng.uniform(0.7, 1.4)
    efficient = UNDER_FUNDED_ROAS_BOOST if sk.channel == under else 1.0
    roas = profile(sk.channel).roas * efficient * AUDIENCE_CVR[sk.audience] * rng.lognormal(0.0, 0.15)
    beta = roas * typical / (sk.aov * float(hill(typical, k, shape)))
    return CampaignParams(
        campaign_id=sk.campaign_id,
        channel=sk.channel,
        start=pd.Timestamp(0).date(),  # replaced by the caller
        end=pd.Timestamp(0).date(),
        audience=sk.audience,
        creative_type=sk.creative_type,
        objective=sk.objective,
        region=sk.region,
        adstock_decay=sk.adstock_decay,
        half_saturation=float(k),
        hill_shape=float(shape),
        max_effect=float(beta),
        aov=sk.aov,
        base_budget=sk.base_budget,
        cpm=sk.cpm,
        ctr=sk.ctr,
        engagement_rate=sk.engagement_rate,
        new_customer_rate=sk.new_customer_rate,
    )


def _marginal_roas(
    campaigns: list[CampaignParams], recent_spend: NDArray[np.float64], quality: NDArray[np.float64]
) -> dict[str, float]:
    """Per channel: spend-weighted marginal true ROAS (revenue per extra unit of spend) at the mean daily
    spend of the last days (``recent_spend`` ``(D, C)``), using the steady-state adstock (= spend)."""
    x = recent_spend.mean(axis=0)
    out: dict[str, float] = {}
    for ch in dict.fromkeys(c.channel for c in campaigns):
        num = den = 0.0
        for j, c in enumerate(campaigns):
            if c.channel != ch or x[j] <= 0:
                continue
            h = float(hill(x[j], c.half_saturation, c.hill_shape))
            slope = c.hill_shape * h * (1 - h) / x[j]
            num += x[j] * c.max_effect * quality[j] * slope * c.aov
            den += x[j]
        out[ch] = float(num / den) if den > 0 else 0.0
    return out


def _make_under_funded_the_best(
    campaigns: list[CampaignParams], recent_spend: NDArray[np.float64], quality: NDArray[np.float64], under: str
) -> list[CampaignParams]:
    """Scale the under-funded channel's max effects so that its marginal ROAS at the end of the history is
    at least ``UNDER_FUNDED_MARGIN`` × every other channel's (it is the efficient channel by definition)."""
    m = _marginal_roas(campaigns, recent_spend, quality)
    best_other = max(v for ch, v in m.items() if ch != under)
    if m[under] <= 0 or m[under] >= UNDER_FUNDED_MARGIN * best_other:
        return campaigns
    factor = UNDER_FUNDED_MARGIN * best_other / m[under]
    return [replace(c, max_effect=c.max_effect * factor) if c.channel == under else c for c in campaigns]


def _baseline(rng: np.random.Generator, dates: pd.DatetimeIndex, mean_incremental: float) -> BaselineParams:
    """Organic demand about 1.3–1.7 × the mean daily incremental conversions, growing 3–12% a year."""
    weekly = np.array([1.04, 1.03, 1.01, 1.0, 0.97, 0.95, 1.0]) * rng.lognormal(0.0, 0.02, 7)
    weekly = weekly / weekly.mean()
    fourier = (
        rng.uniform(-0.06, 0.02),
        rng.uniform(0.06, 0.12),
        rng.uniform(-0.03, 0.03),
        rng.uniform(-0.03, 0.03),
    )
    names = event_names(range(dates[0].year, dates[-1].year + 2))
    special = {
        "Christmas Day": (0.45, 0.6),
        "Thanksgiving Day": (0.6, 0.75),
        "New Year's Day": (0.7, 0.85),
        "Black Friday": (1.8, 2.3),
        "Cyber Monday": (1.6, 2.0),
    }
    effects = {n: float(rng.uniform(*special.get(n, (1.05, 1.25)))) for n in names}
    unit = BaselineParams(
        dates[0].date(),
        1.0,
        float(rng.uniform(0.03, 0.12)),
        tuple(weekly.tolist()),
        tuple(float(f) for f in fourier),
        effects,
        float(70.0 * rng.lognormal(0.0, 0.05)),
    )
    level = float(rng.uniform(1.3, 1.7)) * mean_incremental / float(unit.conversions(dates).mean())
    return BaselineParams(unit.origin, level, unit.growth, unit.weekly, unit.fourier, unit.holidays, unit.aov)


def generate_world(seed: int = 7, days: int = 730, end: date = DEFAULT_END) -> DemoWorld:
    """Generate ``days`` days of history ending on ``end`` (inclusive); deterministic in ``seed``."""
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS}, got {days}")
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    sks = sample_skeletons(rng, days)
    plan = plan_problems(rng, sks, dates)
    channel_names = [ch.name for ch in CHANNELS]
    bmult = budget_multipliers(plan, channel_names, days)
    troubled = {p.campaign_id for p in plan.problems if p.campaign_id is not None}
    spend = np.column_stack(
        [sample_spend(rng, sk, dates, profile(sk.channel), bmult[sk.channel], sk.campaign_id in troubled) for sk in sks]
    )

    over = next(p.channel for p in plan.problems if p.kind == "over_funded")
    under = next(p.channel for p in plan.problems if p.kind == "under_funded")
    cutoff = min(i for p, i in zip(plan.problems, plan.start_index, strict=True) if p.campaign_id is None)
    campaigns = []
    for j, sk in enumerate(sks):
        c = _calibrate(rng, sk, spend[:, j], cutoff, over, under)
        campaigns.append(CampaignParams(**{**c.__dict__, "start": dates[sk.start].date(), "end": dates[sk.end].date()}))
    ids = [c.campaign_id for c in campaigns]
    ctr_mult, cvr_mult = quality_multipliers(plan, ids, days)
    campaigns = _make_under_funded_the_best(campaigns, spend[-SHARE_DAYS:], (ctr_mult * cvr_mult)[-1], under)
    incremental, final_state = incremental_conversions(spend, campaigns, ctr_mult * cvr_mult)
    inc_revenue = incremental * aov_vector(campaigns)

    audiences = np.tile(np.array([c.audience for c in campaigns], dtype=object), (days, 1))
    poor = plan.of_kind("poor_audience")
    if poor is not None:
        audiences[poor[1] :, ids.index(str(poor[0].campaign_id))] = POOR_AUDIENCE

    baseline = _baseline(rng, dates, float(incremental.sum(axis=1).mean()))
    base_conv = baseline.conversions(dates)
    base_rev = base_conv * baseline.aov

    cd = funnel.campaign_daily(rng, campaigns, dates, spend, incremental, ctr_mult, audiences)
    od = funnel.outcomes_daily(rng, dates, base_conv + incremental.sum(axis=1), base_rev + inc_revenue.sum(axis=1))
    aov_by_channel = {ch: float(np.mean([c.aov for c in campaigns if c.channel == ch])) for ch in channel_names}
    clv_params = customers.sample_clv_params(rng, aov_by_channel)
    orders = customers.sample_orders(rng, cd, clv_params, dates[-1])
    landing = plan.of_kind("broken_landing_page")
    sv = feedback.surveys(rng, cd, (str(landing[0].campaign_id), landing[0].start) if landing else None)
    team, team_truth = feedback.team_kpis(rng, dates)

    truth = build_truth(
        TruthInputs(
            seed=seed,
            dates=dates,
            campaigns=campaigns,
            spend=spend,
            incremental=incremental,
            ctr_mult=ctr_mult,
            cvr_mult=cvr_mult,
            audiences=audiences,
            final_state=final_state,
            baseline=baseline,
            problems=plan.problems,
            clv_params=clv_params,
            team_truth=team_truth,
            survey_truth=feedback.survey_truth(),
            marginal_roas_end=_marginal_roas(campaigns, spend[-SHARE_DAYS:], (ctr_mult * cvr_mult)[-1]),
        )
    )
    overall = truth["clv"]["overall"]
    targets = build_targets(cd, sv, team, overall["clv"], overall["clv_cac"])
    true_daily = pd.DataFrame(
        {
            "date": np.repeat(dates.to_numpy(), len(ids)),
            "campaign_id": np.tile(ids, days),
            "channel": np.tile([c.channel for c in campaigns], days),
            "spend": spend.ravel(),
            "incremental_conversions": incremental.ravel(),
            "incremental_revenue": inc_revenue.ravel(),
            "ctr_multiplier": ctr_mult.ravel(),
            "cvr_multiplier": cvr_mult.ravel(),
        }
    )
    tables = {"campaign_daily": cd, "outcomes_daily": od, "orders": orders, "surveys": sv, "team_kpis": team}
    return DemoWorld(tables=tables, targets=targets, truth=truth, true_daily=true_daily)
