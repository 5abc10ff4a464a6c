"""Small hand-checkable fixture tables for the KPI tests (3 days × 2 campaigns, October 2026)."""

from __future__ import annotations

import pandas as pd
import pytest


def _campaign_daily() -> pd.DataFrame:
    rows = [
        # date, campaign, channel, audience, spend, impr., clicks, conv., revenue, engagements, new customers
        ("2026-10-01", "A", "search", "young", 100.0, 10000, 200, 10, 500.0, 50, 5),
        ("2026-10-01", "B", "social", "old", 50.0, 20000, 100, 2, 80.0, 400, 1),
        ("2026-10-02", "A", "search", "young", 100.0, 10000, 100, 5, 300.0, 40, 3),
        ("2026-10-02", "B", "social", "old", 50.0, 20000, 300, 6, 120.0, 600, 2),
        ("2026-10-03", "A", "search", "young", 200.0, 5000, 50, 5, 200.0, 30, 2),
        ("2026-10-03", "B", "social", "old", 0.0, 10000, 0, 0, 0.0, 0, 0),
    ]
    cols = [
        "date",
        "campaign_id",
        "channel",
        "audience",
        "spend",
        "impressions",
        "clicks",
        "conversions",
        "revenue",
        "engagements",
        "new_customers",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df["date"] = pd.to_datetime(df["date"])
    return df


def _orders() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2", "c3", "c3", "c4"],
            "order_date": [
                "2026-10-01",
                "2026-10-02",
                "2026-10-02",
                "2026-10-03",
                "2026-10-03",
                "2026-10-03",
            ],
            "revenue": [100.0, 50.0, 30.0, 20.0, 40.0, 10.0],
            "channel": ["search", "search", "social", "social", "social", "search"],
        }
    )
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


def _surveys() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "date": ["2026-10-01"] * 3 + ["2026-10-02"] * 5,
            "metric": ["csat", "csat", "csat", "nps", "nps", "nps", "nps", "nps"],
            "score": [5, 4, 3, 10, 9, 9, 7, 3],
            "campaign_id": ["A", "A", "B", "A", "A", "B", "B", "B"],
        }
    )
    df["date"] = pd.to_datetime(df["date"])
    return df


def _team_kpis() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": ["2026-09", "2026-10", "2026-10", "2026-10", "2026-10", "2026-10", "2026-10"],
            "metric": [
                "research_studies",
                "research_studies",
                "research_studies",
                "research_quality",
                "research_quality",
                "creativity_score",
                "cross_team_rating",
            ],
            "value": [3.0, 2.0, 4.0, 4.0, 3.0, 7.0, 4.0],
            "team": ["brand", "brand", "performance", "brand", "performance", "brand", "brand"],
        }
    )


@pytest.fixture
def campaign_daily() -> pd.DataFrame:
    return _campaign_daily()


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """All contract tables of the small fixture world."""
    return {
        "campaign_daily": _campaign_daily(),
        "orders": _orders(),
        "surveys": _surveys(),
        "team_kpis": _team_kpis(),
    }
