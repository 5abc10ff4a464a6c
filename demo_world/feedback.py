"""Customer surveys (CSAT 1–5, NPS 0–10) and the marketing team's monthly process KPIs."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

CSAT_OK = np.array([0.03, 0.05, 0.12, 0.42, 0.38])
CSAT_BROKEN = np.array([0.16, 0.22, 0.27, 0.23, 0.12])
NPS_OK = np.array([0.01, 0.01, 0.01, 0.02, 0.02, 0.03, 0.05, 0.15, 0.22, 0.26, 0.22])
NPS_BROKEN = np.array([0.06, 0.05, 0.06, 0.08, 0.09, 0.09, 0.09, 0.15, 0.14, 0.11, 0.08])
TEAMS = ("performance", "brand", "research")
#: Monthly team metric means: (research_studies, research_quality 1–5, creativity_score 1–10,
#: cross_team_rating 1–5)
TEAM_MEANS = {
    "performance": (2.0, 3.8, 6.6, 3.9),
    "brand": (2.5, 3.9, 7.6, 4.1),
    "research": (6.0, 4.2, 6.2, 4.0),
}


def csat_mean(probs: np.ndarray) -> float:
    return float(np.dot(probs, np.arange(1, 6)))


def nps_value(probs: np.ndarray) -> float:
    """NPS in points: % promoters (9–10) − % detractors (0–6)."""
    return float(100.0 * (probs[9:].sum() - probs[:7].sum()))


def surveys(rng: np.random.Generator, campaign_daily: pd.DataFrame, broken: tuple[str, date] | None) -> pd.DataFrame:
    """Individual survey answers ``date, metric, score, channel, campaign_id`` from site visitors and buyers:
    per campaign-day Poisson(rate · (clicks / 20 + conversions)) answers, rate 0.04 for CSAT and 0.03 for
    NPS. Answers from the campaign with the broken landing page (``broken = (campaign_id, start)``) are worse
    from its start, and twice as frequent (frustrated visitors answer more)."""
    cd = campaign_daily[["date", "campaign_id", "channel", "clicks", "conversions"]]
    volume = cd["clicks"].to_numpy() / 20.0 + cd["conversions"].to_numpy()
    bad = np.zeros(len(cd), dtype=bool)
    if broken is not None:
        bad = (cd["campaign_id"] == broken[0]).to_numpy() & (cd["date"] >= pd.Timestamp(broken[1])).to_numpy()
    frames = []
    for metric, rate, ok, br, lo in (
        ("csat", 0.04, CSAT_OK, CSAT_BROKEN, 1),
        ("nps", 0.03, NPS_OK, NPS_BROKEN, 0),
    ):
        n = rng.poisson(rate * volume * np.where(bad, 2.0, 1.0))
        rows = np.repeat(np.arange(len(cd)), n)
        is_bad = bad[rows]
        score = (
            np.where(
                is_bad,
                rng.choice(len(br), size=len(rows), p=br / br.sum()),
                rng.choice(len(ok), size=len(rows), p=ok / ok.sum()),
            )
            + lo
        )
        frames.append(
            pd.DataFrame(
                {
                    "date": cd["date"].to_numpy()[rows],
                    "metric": metric,
                    "score": score.astype(np.int64),
                    "channel": cd["channel"].to_numpy()[rows],
                    "campaign_id": cd["campaign_id"].to_numpy()[rows],
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(["date", "metric", "campaign_id"], ignore_index=True)


def team_kpis(rng: np.random.Generator, dates: pd.DatetimeIndex) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Monthly ``period (YYYY-MM), metric, value, team`` rows and their truth. Planted: the research team's
    number of studies halves over the last two months."""
    periods = sorted({d.strftime("%Y-%m") for d in dates})
    rows = []
    dip = set(periods[-2:])
    for team in TEAMS:
        studies, quality, creativity, rating = TEAM_MEANS[team]
        for per in periods:
            lam = studies * (0.5 if team == "research" and per in dip else 1.0)
            rows += [
                (per, "research_studies", float(rng.poisson(lam)), team),
                (per, "research_quality", round(float(np.clip(rng.normal(quality, 0.25), 1, 5)), 1), team),
                (per, "creativity_score", round(float(np.clip(rng.normal(creativity, 0.6), 1, 10)), 1), team),
                (per, "cross_team_rating", round(float(np.clip(rng.normal(rating, 0.25), 1, 5)), 1), team),
            ]
    df = pd.DataFrame(rows, columns=["period", "metric", "value", "team"])
    truth = {
        "means": {
            t: dict(
                zip(
                    ("research_studies", "research_quality", "creativity_score", "cross_team_rating"),
                    m,
                    strict=True,
                )
            )
            for t, m in TEAM_MEANS.items()
        },
        "planted": [{"team": "research", "metric": "research_studies", "periods": sorted(dip), "multiplier": 0.5}],
    }
    return df, truth


def survey_truth() -> dict[str, Any]:
    """Expected CSAT (mean score) and NPS (points) for healthy answers and for the broken landing page."""
    return {
        "csat_mean": {
            "normal": csat_mean(CSAT_OK / CSAT_OK.sum()),
            "broken": csat_mean(CSAT_BROKEN / CSAT_BROKEN.sum()),
        },
        "nps": {
            "normal": nps_value(NPS_OK / NPS_OK.sum()),
            "broken": nps_value(NPS_BROKEN / NPS_BROKEN.sum()),
        },
        "responses_per_day": "Poisson(rate * (clicks / 20 + conversions)) per campaign-day, x2 when broken",
        "rate": {"csat": 0.04, "nps": 0.03},
    }
