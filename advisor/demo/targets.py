"""``targets.yaml`` of the demo world: stretch targets derived from the world's own history.

Outcome targets are set a little better than the history's ratio-of-sums values (so some KPIs are on track
and others are not); three are scoped to one channel. Format (SPEC §2): ``targets`` is a list of
``{kpi, target, scope?, period?}``; ``weights`` gives the composite scorecard weight of each KPI group.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def _sig(x: float, digits: int = 3) -> float:
    return float(f"{x:.{digits}g}")


def build_targets(
    campaign_daily: pd.DataFrame, surveys: pd.DataFrame, team_kpis: pd.DataFrame, clv: float, clv_cac: float
) -> dict[str, Any]:
    """Targets dict (the YAML content). ``clv`` / ``clv_cac`` are the world's true overall values."""
    cd = campaign_daily
    tot = cd[["spend", "revenue", "conversions", "clicks", "impressions", "engagements", "new_customers"]].sum()

    def ratio(df: pd.DataFrame, num: str, den: str) -> float:
        return float(df[num].sum() / df[den].sum())

    by_ch = {ch: g for ch, g in cd.groupby("channel")}
    csat = surveys.loc[surveys["metric"] == "csat", "score"]
    nps = surveys.loc[surveys["metric"] == "nps", "score"]
    nps_points = 100.0 * (float((nps >= 9).mean()) - float((nps <= 6).mean()))
    team = team_kpis.groupby("metric")["value"].mean()
    targets: list[dict[str, Any]] = [
        {"kpi": "roi", "target": _sig((tot["revenue"] - tot["spend"]) / tot["spend"] * 1.1, 2)},
        {"kpi": "roas", "target": _sig(tot["revenue"] / tot["spend"] * 1.05)},
        {"kpi": "conversion_rate", "target": _sig(tot["conversions"] / tot["clicks"] * 1.05)},
        {"kpi": "ctr", "target": _sig(tot["clicks"] / tot["impressions"] * 1.05)},
        {"kpi": "cpa", "target": _sig(tot["spend"] / tot["conversions"] * 0.95)},
        {"kpi": "cac", "target": _sig(tot["spend"] / tot["new_customers"] * 0.95)},
        {"kpi": "engagement_rate", "target": _sig(tot["engagements"] / tot["impressions"] * 1.05)},
        {"kpi": "clv", "target": _sig(clv * 1.05)},
        {"kpi": "clv_cac", "target": _sig(clv_cac * 1.1, 2)},
        {"kpi": "csat", "target": _sig(float(csat.mean()) + 0.05, 2)},
        {"kpi": "nps", "target": float(round(nps_points + 3.0))},
        {
            "kpi": "cpa",
            "target": _sig(ratio(by_ch["search"], "spend", "conversions") * 0.95),
            "scope": {"channel": "search"},
        },
        {
            "kpi": "roas",
            "target": _sig(ratio(by_ch["display"], "revenue", "spend") * 1.1),
            "scope": {"channel": "display"},
        },
        {
            "kpi": "ctr",
            "target": _sig(ratio(by_ch["social"], "clicks", "impressions") * 1.05),
            "scope": {"channel": "social"},
        },
    ]
    # research_studies is a count summed over the period (all teams): target per month; the others are means.
    monthly_studies = team_kpis[team_kpis["metric"] == "research_studies"].groupby("period")["value"].sum()
    targets.append({"kpi": "research_studies", "target": float(round(float(monthly_studies.mean()) * 1.05))})
    for metric in ("research_quality", "creativity_score", "cross_team_rating"):
        targets.append({"kpi": metric, "target": _sig(float(team[metric]) * 1.05, 2)})
    return {"targets": targets, "weights": {"outcome": 0.5, "customer": 0.25, "process": 0.25}}
