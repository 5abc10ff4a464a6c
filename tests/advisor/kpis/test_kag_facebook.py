"""KPIs on the real Kaggle Facebook ads export (ad-level, no dates, no revenue) against pandas by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from advisor.data import load_table
from advisor.kpis import compute_kpis

pytestmark = pytest.mark.datasets

MAPPING = {
    "Spent": "spend",
    "Impressions": "impressions",
    "Clicks": "clicks",
    "Total_Conversion": "conversions",
    "xyz_campaign_id": "campaign_id",
}
FUNNEL = ["spend", "impressions", "clicks", "conversions"]


@pytest.fixture(scope="module")
def kag(shared_datasets: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(frame loaded through advisor.data.load_table, raw frame read with pandas and renamed by hand)."""
    path = shared_datasets / "facebook_ads_kag" / "KAG_conversion_data.csv"
    loaded = load_table(
        "campaign_daily",
        path,
        columns=MAPPING,
        require=("campaign_id", "spend", "impressions", "clicks", "conversions"),
        attributes=("age", "gender"),
    )
    raw = pd.read_csv(path, encoding="utf-8-sig").rename(columns=MAPPING)
    return loaded, raw


def test_campaign_1178_matches_dataset_readme(kag: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    loaded, _ = kag
    t = compute_kpis({"campaign_daily": loaded}, by=["campaign_id"], kpis=["spend", "clicks", "conversions",
                     "impressions", "cpa", "ctr", "cpc", "cpm", "conversion_rate"])  # fmt: skip
    assert t.value("spend", campaign_id="1178") == pytest.approx(55_662.15, abs=0.01)
    assert t.value("clicks", campaign_id="1178") == 36_068
    assert t.value("conversions", campaign_id="1178") == 2_669
    assert t.value("impressions", campaign_id="1178") == 204_823_716
    assert t.value("cpa", campaign_id="1178") == pytest.approx(55_662.15 / 2_669, rel=1e-6)
    assert t.value("ctr", campaign_id="1178") == pytest.approx(36_068 / 204_823_716)
    assert t.value("cpc", campaign_id="1178") == pytest.approx(55_662.15 / 36_068, rel=1e-6)
    assert t.value("conversion_rate", campaign_id="1178") == pytest.approx(2_669 / 36_068)
    totals = compute_kpis({"campaign_daily": loaded}, kpis=["spend", "clicks", "conversions", "impressions"])
    assert totals.to_records()[0] == {
        "period": None,
        "spend": pytest.approx(58_705.23, abs=0.01),
        "impressions": 213_434_828,
        "clicks": 38_165,
        "conversions": 3_264,
    }


@pytest.mark.parametrize("by", ["campaign_id", "age", "gender"])
def test_kpis_by_group_equal_pandas(kag: tuple[pd.DataFrame, pd.DataFrame], by: str) -> None:
    loaded, raw = kag
    sums = raw.groupby(by)[FUNNEL].sum()
    sums.index = sums.index.astype(str)
    expected = pd.DataFrame(
        {
            "cpa": sums["spend"] / sums["conversions"],
            "ctr": sums["clicks"] / sums["impressions"],
            "cpc": sums["spend"] / sums["clicks"],
            "cpm": 1000 * sums["spend"] / sums["impressions"],
            "conversion_rate": sums["conversions"] / sums["clicks"],
        }
    )
    t = compute_kpis({"campaign_daily": loaded}, by=[by], kpis=[*FUNNEL, *expected.columns])
    got = t.frame.assign(**{by: t.frame[by].astype(str)}).set_index(by).loc[expected.index]
    pd.testing.assert_frame_equal(got[list(expected.columns)], expected, check_names=False, rtol=1e-9)
    pd.testing.assert_frame_equal(got[FUNNEL], sums.astype(float), check_names=False, rtol=1e-9)


def test_revenue_kpis_null_with_reason(kag: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    loaded, _ = kag
    t = compute_kpis({"campaign_daily": loaded}, by=["gender"])
    for rec in t.to_records(reasons=True):
        for kpi in ("revenue", "roi", "roas", "aov"):
            assert rec[kpi] is None
            assert rec["reasons"][kpi] == "column 'revenue' missing from campaign_daily"
        assert rec["reasons"]["cac"] == "column 'new_customers' missing from campaign_daily"
        assert rec["reasons"]["csat"] == "table 'surveys' not provided"
        assert rec["cpa"] is not None
    with_dates = compute_kpis({"campaign_daily": loaded}, grain="month", kpis=["cpa"])
    assert with_dates.to_records(reasons=True) == [
        {
            "period": None,
            "cpa": None,
            "reasons": {"cpa": "campaign_daily has no date column 'date' needed for the grain"},
        }
    ]
    window = compute_kpis({"campaign_daily": loaded}, start="2026-01-01", kpis=["cpa"])
    assert window.value("cpa") is None
    assert window.reason(0, "cpa") == "campaign_daily has no date column 'date' needed for the date range"
