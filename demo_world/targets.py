"""``targets.yaml`` of the demo world: stretch targets derived from the world's own history.

Targets are the plan "as of" the six months before the first planted problem: near that period's values, some
stretched and some lenient, so a healthy month is mostly on track and the problem months are not; three are
scoped to one channel. Format (SPEC §2): ``targets`` is a list of
``{kpi, target, scope?, period?}``; ``weights`` gives the composite scorecard weight of each KPI group.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def _sig(x: float, digits: int = 3) -> float:
    return float(f"{x:.{digits}g}")


def build_targets(
    campaign_daily: pd.DataFrame,
    surveys: pd.DataFrame,
    team_kpis: pd.DataFrame,
    clv: float,
    clv_cac: float,
    problems_start: pd.Timestamp,
) -> dict[str, Any]:
    """Targets dict (the YAML content), set from the six months before the first planted problem (the plan
    "as of then"): ratio KPIs at that period's ratio-of-sums value × a factor (stretch > 1 for higher-is-better,
    < 1 for lower-is-better; some lenient), team metrics at that period's mean, CLV and CLV:CAC from the
    world's true overall values ``clv`` / ``clv_cac``."""
    lo = problems_start - pd.Timedelta(days=182)
    cd = campaign_daily[(campaign_daily["date"] >= lo) & (campaign_daily["date"] < problems_start)]
    tot = cd[["spend", "revenue", "conversions", "clicks", "impressions", "engagements", "new_customers"]].sum()

    def ratio(df: pd.DataFrame, num: str, den: str) -> float:
        return float(df[num].sum() / df[den].sum())

    by_ch = {ch: g for ch, g in cd.groupby("channel")}
    sv = surveys[(surveys["date"] >= lo) & (surveys["date"] < problems_start)]
    csat = sv.loc[sv["metric"] == "csat", "score"]
    nps = sv.loc[sv["metric"] == "nps", "score"]
    nps_points = 100.0 * (float((nps >= 9).mean()) - float((nps <= 6).mean()))
    periods = {d.strftime("%Y-%m") for d in pd.date_range(lo, problems_start, freq="D")}
    team = team_kpis[team_kpis["period"].isin(periods)]
    targets: list[dict[str, Any]] = [
        {"kpi": "roi", "target": _sig((tot["revenue"] - tot["spend"]) / tot["spend"] * 0.95, 2)},
        {"kpi": "roas", "target": _sig(tot["revenue"] / tot["spend"] * 0.95)},
        {"kpi": "conversion_rate", "target": _sig(tot["conversions"] / tot["clicks"] * 0.95)},
        {"kpi": "ctr", "target": _sig(tot["clicks"] / tot["impressions"] * 0.97)},
        {"kpi": "cpa", "target": _sig(tot["spend"] / tot["conversions"] * 1.05)},
        {"kpi": "cac", "target": _sig(tot["spend"] / tot["new_customers"] * 1.05)},
        {"kpi": "engagement_rate", "target": _sig(tot["engagements"] / tot["impressions"])},
        {"kpi": "clv", "target": _sig(clv)},
        {"kpi": "clv_cac", "target": _sig(clv_cac * 0.95, 2)},
        {"kpi": "csat", "target": _sig(float(csat.mean()) - 0.05, 2)},
        {"kpi": "nps", "target": float(round(nps_points - 2.0))},
        {
            "kpi": "cpa",
            "target": _sig(ratio(by_ch["search"], "spend", "conversions")),
            "scope": {"channel": "search"},
        },
        {
            "kpi": "roas",
            "target": _sig(ratio(by_ch["display"], "revenue", "spend") * 1.1),
            "scope": {"channel": "display"},
        },
        {
            "kpi": "ctr",
            "target": _sig(ratio(by_ch["social"], "clicks", "impressions")),
            "scope": {"channel": "social"},
        },
    ]
    # research_studies is a count summed over the period (all teams): target per month; the others are means.
    monthly_studies = team[team["metric"] == "research_studies"].groupby("period")["value"].sum()
    targets.append({"kpi": "research_studies", "target": float(round(float(monthly_studies.mean())))})
    means = team.groupby("metric")["value"].mean()
    for metric, factor in (("research_quality", 0.97), ("creativity_score", 1.02), ("cross_team_rating", 0.97)):
        targets.append({"kpi": metric, "target": _sig(float(means[metric]) * factor, 2)})
    return {"targets": targets, "weights": {"outcome": 0.5, "customer": 0.25, "process": 0.25}}
