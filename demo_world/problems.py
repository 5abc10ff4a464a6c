"""Planted problems: which campaign/channel, when, how strong, and their day-by-day multipliers.

Campaign problems act on the quality multipliers of the true response (and therefore on every reported
number downstream): creative fatigue lowers CTR (and with it clicks, engagements and conversions), a broken
landing page and a poor audience lower the conversion rate. Channel problems act on spend: an over-funded
channel has its budgets raised into saturation, an under-funded efficient channel has its budgets cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.campaigns import Skeleton
from demo_world.channels import AUDIENCE_CVR
from demo_world.params import Problem

FATIGUE_FLOOR = 0.35
POOR_AUDIENCE = "broad"


@dataclass(frozen=True)
class ProblemPlan:
    """Problems plus the day indices they start at (``start_index[i]`` belongs to ``problems[i]``)."""

    problems: tuple[Problem, ...]
    start_index: tuple[int, ...]

    def of_kind(self, kind: str) -> tuple[Problem, int] | None:
        for p, i in zip(self.problems, self.start_index, strict=True):
            if p.kind == kind:
                return p, i
        return None


def _onset(rng: np.random.Generator, n: int, lo: int, hi: int) -> int:
    """Day index of an onset ``lo``–``hi`` days before the end (windows shrink for histories under a year,
    and an onset never falls in the first 40% of the history)."""
    scale = min(1.0, n / 365.0)
    return max(int(0.4 * n), n - round(int(rng.integers(lo, hi + 1)) * scale))


def _pick(rng: np.random.Generator, sks: list[Skeleton], channels: set[str], exclude: set[str]) -> Skeleton:
    pool = [s for s in sks if s.anchor and s.channel in channels and s.campaign_id not in exclude]
    return pool[int(rng.integers(len(pool)))]


def plan_problems(rng: np.random.Generator, sks: list[Skeleton], dates: pd.DatetimeIndex) -> ProblemPlan:
    """Choose the five planted problems (onsets in the last ~120 days). May set the poor-audience campaign's
    original audience to ``lookalike`` when it was already the poor one."""
    n = len(dates)

    def day(i: int) -> date:
        return dates[i].date()

    over = str(rng.choice(["display", "social", "video"]))
    under = str(rng.choice(["search", "affiliate"]))
    landing_channel = "affiliate" if under == "search" else "search"
    fatigue = _pick(rng, sks, {"social", "video"} - {over}, set())
    audience = _pick(rng, sks, {"social", "display"} - {over}, {fatigue.campaign_id})
    if audience.audience == POOR_AUDIENCE:
        audience.audience = "lookalike"
    landing = _pick(rng, sks, {landing_channel}, set())

    starts = [
        _onset(rng, n, 60, 120),
        _onset(rng, n, 60, 120),
        _onset(rng, n, 30, 100),
        _onset(rng, n, 25, 90),
        _onset(rng, n, 30, 100),
    ]
    tau = float(rng.uniform(20.0, 35.0))
    audience_effect = float(rng.uniform(0.35, 0.5))
    problems = (
        Problem(
            "over_funded",
            "saturation",
            day(starts[0]),
            over,
            None,
            float(rng.uniform(2.0, 2.5)),
            {"note": "budgets of the channel raised into the flat part of its response curves"},
        ),
        Problem(
            "under_funded",
            "budget",
            day(starts[1]),
            under,
            None,
            float(rng.uniform(0.4, 0.5)),
            {"note": "budgets of an efficient channel cut; its marginal ROAS is the highest"},
        ),
        Problem(
            "creative_fatigue",
            "ctr",
            day(starts[2]),
            fatigue.channel,
            fatigue.campaign_id,
            FATIGUE_FLOOR,
            {
                "ctr_multiplier": f"{FATIGUE_FLOOR} + {1 - FATIGUE_FLOOR} * exp(-days_since_start / tau)",
                "tau_days": tau,
            },
        ),
        Problem(
            "broken_landing_page",
            "conversion_rate",
            day(starts[3]),
            landing.channel,
            landing.campaign_id,
            float(rng.uniform(0.2, 0.35)),
            {"csat_drop": True},
        ),
        Problem(
            "poor_audience",
            "conversion_rate",
            day(starts[4]),
            audience.channel,
            audience.campaign_id,
            audience_effect,
            {
                "attribute": "audience",
                "from": audience.audience,
                "to": POOR_AUDIENCE,
                "true_cvr_ratio": audience_effect,
                "audience_cvr_multipliers": AUDIENCE_CVR,
            },
        ),
    )
    return ProblemPlan(problems, tuple(starts))


def budget_multipliers(plan: ProblemPlan, channels: list[str], n: int) -> dict[str, NDArray[np.float64]]:
    """Per channel, the spend multiplier per day (shape ``(n,)``) of the channel budget problems."""
    out = {ch: np.ones(n) for ch in channels}
    for p, i in zip(plan.problems, plan.start_index, strict=True):
        if p.campaign_id is None:
            out[p.channel][i:] *= p.effect
    return out


def quality_multipliers(
    plan: ProblemPlan, campaign_ids: list[str], n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """CTR and conversion-rate multipliers, each ``(n, C)`` with columns in ``campaign_ids`` order."""
    ctr = np.ones((n, len(campaign_ids)))
    cvr = np.ones((n, len(campaign_ids)))
    for p, i in zip(plan.problems, plan.start_index, strict=True):
        if p.campaign_id is None:
            continue
        j = campaign_ids.index(p.campaign_id)
        if p.kind == "creative_fatigue":
            age = np.arange(n - i, dtype=float)
            ctr[i:, j] = FATIGUE_FLOOR + (1 - FATIGUE_FLOOR) * np.exp(-age / float(p.details["tau_days"]))
        else:
            cvr[i:, j] = p.effect
    return ctr, cvr
