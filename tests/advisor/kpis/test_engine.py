"""KPI engine: hand-calculated values, ratio of sums, grains, groupings, period-over-period change."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from advisor.kpis import UnknownKpiError, compute_kpis

# Campaign A (search): spend 400, impressions 25,000, clicks 350, conversions 20, revenue 1,000,
#   engagements 120, new customers 10.
# Campaign B (social): spend 100, impressions 50,000, clicks 400, conversions 8, revenue 200,
#   engagements 1,000, new customers 3.
EXPECTED_BY_CAMPAIGN = {
    "A": {
        "spend": 400.0,
        "revenue": 1000.0,
        "conversions": 20.0,
        "impressions": 25000.0,
        "clicks": 350.0,
        "roi": 1.5,
        "roas": 2.5,
        "ctr": 0.014,
        "cpc": 400 / 350,
        "cpm": 16.0,
        "cpa": 20.0,
        "conversion_rate": 20 / 350,
        "cac": 40.0,
        "engagement_rate": 0.0048,
        "aov": 50.0,
    },
    "B": {
        "spend": 100.0,
        "revenue": 200.0,
        "conversions": 8.0,
        "impressions": 50000.0,
        "clicks": 400.0,
        "roi": 1.0,
        "roas": 2.0,
        "ctr": 0.008,
        "cpc": 0.25,
        "cpm": 2.0,
        "cpa": 12.5,
        "conversion_rate": 0.02,
        "cac": 100 / 3,
        "engagement_rate": 0.02,
        "aov": 25.0,
    },
}


def test_hand_calculated_kpis_by_campaign(campaign_daily: pd.DataFrame) -> None:
    table = compute_kpis({"campaign_daily": campaign_daily}, by=["campaign_id"])
    assert list(table.frame["campaign_id"]) == ["A", "B"]
    for cid, expected in EXPECTED_BY_CAMPAIGN.items():
        for kpi, value in expected.items():
            assert table.value(kpi, campaign_id=cid) == pytest.approx(value), (cid, kpi)


def test_hand_calculated_totals(tables: dict[str, pd.DataFrame]) -> None:
    table = compute_kpis(tables)
    assert len(table) == 1
    rec = table.to_records()[0]
    assert rec["period"] == "2026-09-01/2026-10-31"  # team_kpis starts in September (monthly rows)
    assert rec["roi"] == pytest.approx((1200 - 500) / 500)
    assert rec["ctr"] == pytest.approx(750 / 75000)
    assert rec["cpa"] == pytest.approx(500 / 28)
    assert rec["cac"] == pytest.approx(500 / 13)
    # orders: 4 customers (c1..c4), c1 and c3 ordered twice; revenue 250
    assert rec["repeat_rate"] == pytest.approx(0.5)
    assert rec["clv"] == pytest.approx(62.5)
    assert rec["clv_cac"] == pytest.approx(62.5 / (500 / 13))
    # surveys: csat 5, 4, 3; nps 10, 9, 9 (promoters), 7, 3 (detractor) of 5
    assert rec["csat"] == pytest.approx(4.0)
    assert rec["nps"] == pytest.approx(40.0)
    # team_kpis over Sep + Oct: studies 3 + 2 + 4; quality mean of 4 and 3
    assert rec["research_studies"] == pytest.approx(9.0)
    assert rec["research_quality"] == pytest.approx(3.5)
    assert rec["creativity_score"] == pytest.approx(7.0)
    assert rec["cross_team_rating"] == pytest.approx(4.0)
    json.dumps(rec, allow_nan=False)


def test_period_label_without_grain_is_the_window(campaign_daily: pd.DataFrame) -> None:
    table = compute_kpis({"campaign_daily": campaign_daily}, kpis=["spend"])
    assert table.to_records()[0]["period"] == "2026-10-01/2026-10-03"
    table = compute_kpis({"campaign_daily": campaign_daily}, kpis=["spend"], start="2026-10-02", end="2026-10-31")
    assert table.to_records() == [{"period": "2026-10-02/2026-10-31", "spend": 350.0}]


def test_ratio_of_sums_not_mean_of_daily_ratios(campaign_daily: pd.DataFrame) -> None:
    a = campaign_daily[campaign_daily["campaign_id"] == "A"]
    mean_of_daily = float((a["clicks"] / a["impressions"]).mean())  # (0.02 + 0.01 + 0.01) / 3
    table = compute_kpis({"campaign_daily": a}, kpis=["ctr", "cpa", "roi"])
    assert mean_of_daily == pytest.approx(0.04 / 3)
    assert table.value("ctr") == pytest.approx(350 / 25000)
    assert table.value("ctr") != pytest.approx(mean_of_daily)
    assert table.value("cpa") == pytest.approx(400 / 20)  # daily cpa mean would be (10 + 20 + 40) / 3
    assert table.value("roi") == pytest.approx(1.5)  # daily roi mean would be (4 + 2 + 0) / 3 = 2


def test_zero_denominator_per_row_is_null_with_reason(campaign_daily: pd.DataFrame) -> None:
    table = compute_kpis({"campaign_daily": campaign_daily}, by=["campaign_id"], grain="day")
    row = table.find(campaign_id="B", period="2026-10-03")
    assert math.isnan(table.frame.loc[row, "cpc"])
    assert table.reason(row, "cpc") == "zero denominator: clicks is 0"
    assert table.reason(row, "roi") == "zero denominator: spend is 0"
    assert table.frame.loc[row, "ctr"] == 0.0
    assert table.reason(row, "ctr") is None
    rec = table.to_records(reasons=True)[row]
    assert rec["cpc"] is None and rec["reasons"]["cpc"] == "zero denominator: clicks is 0"
    tidy = table.reasons
    assert list(tidy.columns) == ["row", "kpi", "reason"]
    assert set(tidy.loc[tidy["row"] == row, "kpi"]) >= {"cpc", "roi", "cpa", "conversion_rate", "aov"}
    assert table.reasons_dict()[(row, "cpc")] == "zero denominator: clicks is 0"
    assert np.isfinite(
        table.frame[list(table.kpis)].to_numpy(dtype=float)[
            ~np.isnan(table.frame[list(table.kpis)].to_numpy(dtype=float))
        ]
    ).all()


def test_group_by_attribute_and_by_two_columns(campaign_daily: pd.DataFrame) -> None:
    t = compute_kpis({"campaign_daily": campaign_daily}, by=["audience"], kpis=["spend", "cpa"])
    assert t.value("spend", audience="young") == 400.0
    assert t.value("cpa", audience="old") == pytest.approx(12.5)
    t2 = compute_kpis({"campaign_daily": campaign_daily}, by=["channel", "audience"], kpis=["roi"])
    assert t2.to_records() == [
        {"channel": "search", "audience": "young", "period": "2026-10-01/2026-10-03", "roi": 1.5},
        {"channel": "social", "audience": "old", "period": "2026-10-01/2026-10-03", "roi": 1.0},
    ]


def test_secondary_tables_group_by_channel_directly_or_through_campaign_id(
    tables: dict[str, pd.DataFrame],
) -> None:
    t = compute_kpis(tables, by=["channel"], kpis=["clv", "repeat_rate", "csat", "nps", "clv_cac"])
    # orders have a channel column: search c1 (150), c4 (10); social c2 (30), c3 (60)
    assert t.value("clv", channel="search") == pytest.approx(80.0)
    assert t.value("clv", channel="social") == pytest.approx(45.0)
    assert t.value("repeat_rate", channel="search") == pytest.approx(0.5)
    assert t.value("clv_cac", channel="search") == pytest.approx(80.0 / 40.0)
    # surveys only have campaign_id: A -> search, B -> social via campaign_daily
    assert t.value("csat", channel="search") == pytest.approx(4.5)
    assert t.value("csat", channel="social") == pytest.approx(3.0)
    assert t.value("nps", channel="search") == pytest.approx(100.0)
    assert t.value("nps", channel="social") == pytest.approx(0.0)


def test_grouping_column_absent_from_source_table_gives_reason(tables: dict[str, pd.DataFrame]) -> None:
    t = compute_kpis(tables, by=["channel"], kpis=["spend", "research_studies", "research_quality"])
    row = t.find(channel="search")
    assert t.value("spend", channel="search") == 400.0
    assert t.value("research_studies", channel="search") is None
    assert t.reason(row, "research_studies") == "grouping column 'channel' not in team_kpis"


def _long_daily() -> pd.DataFrame:
    """2 campaigns, 2026-06-25 .. 2026-10-10, spend 1 and clicks = day of month each day."""
    dates = pd.date_range("2026-06-25", "2026-10-10", freq="D")
    frames = []
    for cid, channel in (("A", "search"), ("B", "social")):
        frames.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "campaign_id": cid,
                    "channel": channel,
                    "spend": 1.0,
                    "impressions": 1000,
                    "clicks": dates.day,
                    "conversions": 1.0,
                    "revenue": 2.0 if cid == "A" else 3.0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(
    ("grain", "label", "expected_spend"),
    [
        ("day", "2026-07-04", 1.0),
        ("week", "2026-W41", 7.0),  # Mon 2026-10-05 .. Sun 2026-10-11 (data ends on the 10th: 6 days)
        ("week", "2026-W27", 7.0),  # Mon 2026-06-29 .. Sun 2026-07-05
        ("month", "2026-08", 31.0),
        ("quarter", "2026-Q3", 92.0),
        ("quarter", "2026-Q2", 6.0),  # 2026-06-25 .. 06-30
    ],
)
def test_grains_and_iso_labels(grain: str, label: str, expected_spend: float) -> None:
    t = compute_kpis({"campaign_daily": _long_daily()}, by=["channel"], grain=grain, kpis=["spend", "ctr"])
    if label == "2026-W41":
        expected_spend = 6.0
    assert t.value("spend", channel="search", period=label) == expected_spend


def test_week_grain_matches_pandas_iso_weeks() -> None:
    df = _long_daily()
    t = compute_kpis({"campaign_daily": df}, grain="week", kpis=["clicks", "ctr"])
    iso = df["date"].dt.isocalendar()
    key = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    expected = df.groupby(key)[["clicks", "impressions"]].sum()
    got = t.frame.set_index("period")
    assert list(got.index) == list(expected.index)
    np.testing.assert_allclose(got["clicks"], expected["clicks"])
    np.testing.assert_allclose(got["ctr"], expected["clicks"] / expected["impressions"])


def test_start_end_filter_inclusive() -> None:
    t = compute_kpis(
        {"campaign_daily": _long_daily()}, grain="month", start="2026-07-15", end="2026-08-02", kpis=["spend"]
    )
    assert t.to_records() == [{"period": "2026-07", "spend": 34.0}, {"period": "2026-08", "spend": 4.0}]


def test_period_over_period_change_by_month() -> None:
    df = _long_daily()
    t = compute_kpis({"campaign_daily": df}, by=["campaign_id"], grain="month", start="2026-08-01", compare=True)
    # spend: July 31, August 31, September 30, October 10 per campaign
    row = t.find(campaign_id="A", period="2026-08")
    assert t.frame.loc[row, "spend_change"] == 0.0
    assert t.frame.loc[row, "spend_change_rel"] == 0.0
    row = t.find(campaign_id="A", period="2026-09")
    assert t.frame.loc[row, "spend_change"] == -1.0
    assert t.frame.loc[row, "spend_change_rel"] == pytest.approx(-1 / 31)
    # clicks = day of month: Sep 465, Oct 55
    row = t.find(campaign_id="B", period="2026-10")
    assert t.frame.loc[row, "clicks_change"] == 55 - 465
    assert t.frame.loc[row, "clicks_change_rel"] == pytest.approx((55 - 465) / 465)
    assert sorted(set(t.frame["period"])) == ["2026-08", "2026-09", "2026-10"]
    rec = t.to_records()[0]
    assert rec["change"]["spend"] == {"absolute": 0.0, "relative": 0.0}


def test_change_without_previous_data_is_null_with_reason() -> None:
    t = compute_kpis({"campaign_daily": _long_daily()}, grain="quarter", kpis=["roi"], compare=True)
    row = t.find(period="2026-Q2")
    assert math.isnan(t.frame.loc[row, "roi_change"])
    assert t.reason(row, "roi_change") == "no data for the previous period"
    assert t.frame.loc[t.find(period="2026-Q3"), "roi_change"] == pytest.approx(0.0)


def test_change_without_grain_uses_previous_equal_window() -> None:
    t = compute_kpis(
        {"campaign_daily": _long_daily()}, start="2026-08-01", end="2026-08-10", kpis=["spend"], compare=True
    )
    rec = t.to_records()[0]
    assert rec["spend"] == 20.0 and rec["change"]["spend"] == {"absolute": 0.0, "relative": 0.0}


def test_bad_arguments() -> None:
    df = _long_daily()
    with pytest.raises(UnknownKpiError, match=r"valid ids: .*roi"):
        compute_kpis({"campaign_daily": df}, kpis=["roi", "nope"])
    with pytest.raises(ValueError, match="grain"):
        compute_kpis({"campaign_daily": df}, grain="hour")
    with pytest.raises(ValueError, match="after"):
        compute_kpis({"campaign_daily": df}, start="2026-09-01", end="2026-08-01")


def test_result_is_frozen(campaign_daily: pd.DataFrame) -> None:
    t = compute_kpis({"campaign_daily": campaign_daily}, kpis=["spend"])
    with pytest.raises(AttributeError):
        t.grain = "day"  # type: ignore[misc]
    frame = t.to_frame()
    frame.loc[0, "spend"] = -1
    assert t.frame.loc[0, "spend"] == 500.0


def test_window_without_data_gives_one_total_row(tables: dict[str, pd.DataFrame]) -> None:
    t = compute_kpis(tables, start="2026-08-01", end="2026-08-31", kpis=["spend", "roi", "clv", "csat"])
    rec = t.to_records(reasons=True)[0]
    assert rec["spend"] == 0.0
    assert rec["reasons"] == {
        "roi": "zero denominator: spend is 0",
        "clv": "zero denominator: customers_to_date is 0",
        "csat": "zero denominator: csat_responses is 0",
    }


def test_clv_and_repeat_rate_are_to_date(tables: dict[str, pd.DataFrame]) -> None:
    orders = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c1", "c2"],
            "order_date": pd.to_datetime(["2026-08-20", "2026-10-05", "2026-10-06", "2026-12-01", "2026-12-02"]),
            "revenue": [100.0, 30.0, 20.0, 50.0, 10.0],
            "channel": ["search", "social", "social", "search", "social"],
        }
    )
    t = compute_kpis({**tables, "orders": orders}, grain="month", kpis=["clv", "repeat_rate"])
    # Aug: c1 100 / 1 customer; Oct: 150 / 3, nobody repeated yet; Dec: 210 / 3, c1 and c2 repeated
    assert [r["period"] for r in t.to_records()] == ["2026-08", "2026-10", "2026-12"]
    assert t.value("clv", period="2026-08") == 100.0
    assert t.value("clv", period="2026-10") == pytest.approx(50.0)
    assert t.value("clv", period="2026-12") == pytest.approx(70.0)
    assert t.value("repeat_rate", period="2026-10") == 0.0
    assert t.value("repeat_rate", period="2026-12") == pytest.approx(2 / 3)
    # the window's start does not cut the history; its end does
    w = compute_kpis({**tables, "orders": orders}, start="2026-10-01", end="2026-10-31", kpis=["clv"])
    assert w.value("clv") == pytest.approx(50.0)
    m = compute_kpis({**tables, "orders": orders}, by=["channel"], grain="month", start="2026-10-01", kpis=["clv"])
    assert m.value("clv", channel="search", period="2026-10") == 100.0  # no search order in Oct: carried
    assert m.value("clv", channel="social", period="2026-10") == pytest.approx(25.0)
    assert m.value("clv", channel="search", period="2026-12") == pytest.approx(150.0)
    assert m.value("clv", channel="social", period="2026-12") == pytest.approx(30.0)
    assert len(m) == 4  # August is before the start
