"""Planted problem → expected action, for tests and ``benchmarks/recommend_demo.py`` (demo world truth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from advisor.diagnostics import Scope, diagnose
from advisor.diagnostics.returns import local_returns
from advisor.recommend import Recommendation, RecommendContext, recommend

#: planted problem kind → the action id that fixes it
EXPECTED = {
    "creative_fatigue": "refresh_creative",
    "broken_landing_page": "check_landing_page",
    "poor_audience": "revert_audience",
    "over_funded": "move_budget",
}


@dataclass(frozen=True)
class ProblemCheck:
    """Whether the recommendations for one planted problem include the expected action (and its rank)."""

    kind: str
    scope: dict[str, str]
    expected: str
    hit: bool
    rank: int | None
    recommendations: tuple[Recommendation, ...]


def check_world(campaign_daily: pd.DataFrame, problems: list[dict[str, Any]], days: int = 180) -> list[ProblemCheck]:
    """Diagnose every planted campaign problem over the last ``days`` days and recommend; for channel budget
    problems, recommend from the channels' marginal returns. One :class:`ProblemCheck` per planted problem
    with an expected action."""
    end = pd.Timestamp(campaign_daily["date"].max())
    start = end - pd.Timedelta(days=days - 1)
    returns = local_returns(campaign_daily, end.date())
    budget = recommend(returns, RecommendContext())
    out = []
    for p in problems:
        expected = EXPECTED.get(p["kind"])
        if expected is None:
            continue
        if p.get("campaign_id"):
            scope = {"campaign_id": str(p["campaign_id"])}
            d = diagnose(campaign_daily, Scope("campaign_id", scope["campaign_id"]), start.date(), end.date())
            ctx = RecommendContext(scope=scope, end=d.end, period_days=float((d.end - d.start).days + 1))
            recs = recommend(d.findings, ctx)
        else:
            scope = {"channel": str(p["channel"])}
            recs = budget
        ranks = [i for i, r in enumerate(recs) if r.id == expected and dict(r.scope) == scope]
        out.append(ProblemCheck(p["kind"], scope, expected, bool(ranks), ranks[0] + 1 if ranks else None, tuple(recs)))
    return out
