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

from demo_world import customers, feedback, funnel
from demo_world.calibrate import calibrate, make_under_funded_the_best, marginal_roas
from demo_world.campaigns import sample_skeletons, sample_spend
from demo_world.channels import CHANNELS, EXTRA_CHANNELS, profile
from demo_world.events import event_names
from demo_world.params import BaselineParams
from demo_world.problems import POOR_AUDIENCE, budget_multipliers, plan_problems, quality_multipliers
from demo_world.response import aov_vector, incremental_conversions
from demo_world.structure import WorldStructure
from demo_world.targets import build_targets
from demo_world.truthdoc import TruthInputs, build_truth

DEFAULT_END = date(2026, 10, 31)
MIN_DAYS = 120
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


def generate_world(
    seed: int = 7, days: int = 730, end: date = DEFAULT_END, structure: WorldStructure | None = None
) -> DemoWorld:
    """Generate ``days`` days of history ending on ``end`` (inclusive); deterministic in ``seed`` and ``structure``.

    ``structure`` (optional, ``structure.WorldStructure``): promotion windows and trend breaks of the organic
    demand, extra channels. ``None`` or the default structure gives the classic world, unchanged byte for byte.
    """
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS}, got {days}")
    structure = structure or WorldStructure()
    extra = EXTRA_CHANNELS[: structure.extra_channels]
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    sks = sample_skeletons(rng, days, extra)
    plan = plan_problems(rng, sks, dates)
    channel_names = [ch.name for ch in (*CHANNELS, *extra)]
    bmult = budget_multipliers(plan, channel_names, days)
    troubled = {p.campaign_id for p in plan.problems if p.campaign_id is not None}
    spend = np.column_stack(
        [sample_spend(rng, sk, dates, profile(sk.channel), bmult[sk.channel], sk.campaign_id in troubled) for sk in sks]
    )

    over = next(p.channel for p in plan.problems if p.kind == "over_funded")
    under = next(p.channel for p in plan.problems if p.kind == "under_funded")
    cutoff = min(i for p, i in zip(plan.problems, plan.start_index, strict=True) if p.campaign_id is None)
    campaigns = [calibrate(rng, sk, spend[:, j], dates, cutoff, over, under) for j, sk in enumerate(sks)]
    ids = [c.campaign_id for c in campaigns]
    ctr_mult, cvr_mult = quality_multipliers(plan, ids, days)
    campaigns = make_under_funded_the_best(campaigns, spend[-SHARE_DAYS:], (ctr_mult * cvr_mult)[-1], under)
    incremental, final_state = incremental_conversions(spend, campaigns, ctr_mult * cvr_mult)
    inc_revenue = incremental * aov_vector(campaigns)

    audiences = np.tile(np.array([c.audience for c in campaigns], dtype=object), (days, 1))
    poor = plan.of_kind("poor_audience")
    if poor is not None:
        audiences[poor[1] :, ids.index(str(poor[0].campaign_id))] = POOR_AUDIENCE

    baseline = _baseline(rng, dates, float(incremental.sum(axis=1).mean()))
    if structure.promotions or structure.trend_breaks:
        baseline = replace(baseline, promotions=structure.promotions, trend_breaks=structure.trend_breaks)
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
            marginal_roas_end=marginal_roas(campaigns, spend[-SHARE_DAYS:], (ctr_mult * cvr_mult)[-1]),
            structure=structure,
        )
    )
    overall = truth["clv"]["overall"]
    first_problem = pd.Timestamp(min(p.start for p in plan.problems))
    targets = build_targets(cd, sv, team, overall["clv"], overall["clv_cac"], first_problem)
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
