"""CSAT and NPS trends and the satisfaction findings."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.customers import satisfaction_findings, satisfaction_trends


def surveys() -> pd.DataFrame:
    rows = []
    # January: csat 5,4,3 (mean 4, 2/3 satisfied); nps 10, 9, 7, 3 -> 50% promoters, 25% detractors = +25
    for s in (5, 4, 3):
        rows.append(("2024-01-10", "csat", s, "search"))
    for s in (10, 9, 7, 3):
        rows.append(("2024-01-12", "NPS", s, "search"))
    # February: csat 2,2 (mean 2); nps 0, 5, 10 -> 33.3% - 66.7% = -33.3
    for s in (2, 2):
        rows.append(("2024-02-03", "csat", s, "social"))
    for s in (0, 5, 10):
        rows.append(("2024-02-04", "nps", s, "social"))
    return pd.DataFrame(rows, columns=["date", "metric", "score", "channel"])


def test_monthly_trend_values() -> None:
    t = satisfaction_trends(surveys(), "month").set_index("period")
    assert t.loc["2024-01", "csat"] == pytest.approx(4.0)
    assert t.loc["2024-01", "csat_satisfied"] == pytest.approx(2 / 3)
    assert t.loc["2024-01", "nps"] == pytest.approx(25.0)
    assert t.loc["2024-02", "nps"] == pytest.approx(-100 / 3)
    assert t.loc["2024-02", "nps_change"] == pytest.approx(-100 / 3 - 25)
    assert t.loc["2024-02", "csat_change"] == pytest.approx(-2.0)
    assert t.loc["2024-01", ["csat_n", "nps_n", "n"]].tolist() == [3, 4, 7]
    assert pd.isna(t.loc["2024-01", "nps_change"])


def test_grouped_trend_and_findings() -> None:
    t = satisfaction_trends(surveys(), "quarter", by="channel")
    assert t[["channel", "period"]].values.tolist() == [["search", "2024-Q1"], ["social", "2024-Q1"]]
    assert t["nps_change"].isna().all()  # one period per group: no change
    monthly = satisfaction_trends(surveys(), "month")
    found = satisfaction_findings(monthly, min_n=1)
    assert {f.kpi for f in found} == {"nps", "csat"}
    nps = next(f for f in found if f.kpi == "nps")
    assert nps.status == "at_risk" and nps.started == "2024-02" and nps.scope == {}
    assert "58.33" in nps.message and nps.evidence["change"] == pytest.approx(-175 / 3)
    assert satisfaction_findings(monthly, min_n=10) == []


def test_bad_surveys_name_column_and_rows() -> None:
    bad = surveys()
    bad.loc[3, "score"] = 11
    with pytest.raises(ValueError, match=r"'score' must be 1-5 for csat, 0-10 for nps; rows \[3\]"):
        satisfaction_trends(bad)
    with pytest.raises(ValueError, match="'metric' must be csat or nps"):
        satisfaction_trends(surveys().assign(metric="ces"))
    with pytest.raises(ValueError, match="missing column"):
        satisfaction_trends(surveys(), by="region")
