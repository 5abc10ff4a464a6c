"""Business KPIs (MER, blended ROAS, blended CAC) from the business totals, KPIs on campaign rows derived from a
media-mix table (platform conversions and revenue unknown → null, never 0), ``by geo``, and the scorecard on such
data — every number checked by hand on small frames."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advisor.data import TargetsFile
from advisor.kpis import build_scorecard, compute_kpis, default_catalog
from advisor.kpis.business import DERIVED_ROWS_NOTE, business_daily, kpi_tables
from advisor.kpis.measures import MeasureCache
from advisor.ops.context import OpsContext
from advisor.ops.kpis import kpis as run_kpis
from advisor.ops.requests import CatalogDocument, KpisRequest, ScorecardRequest
from advisor.ops.scorecard import scorecard as run_scorecard

BUSINESS = ["mer", "blended_roas", "blended_cac"]


def _campaigns() -> pd.DataFrame:
    """Campaign rows over September and October 2026: September spend 100 + 50, October 200 + 150."""
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-09-10", "2026-09-20", "2026-10-05", "2026-10-06"]),
            "campaign_id": ["A", "B", "A", "B"],
            "channel": ["search", "social", "search", "social"],
            "spend": [100.0, 50.0, 200.0, 150.0],
            "impressions": [1000, 2000, 4000, 3000],
            "clicks": [10, 20, 40, 30],
            "conversions": [1.0, 2.0, 4.0, 3.0],
            "revenue": [10.0, 20.0, 40.0, 30.0],
        }
    )


def _business() -> pd.DataFrame:
    """Business totals: September revenue 300 + 150 = 450, conversions 6 + 3 = 9; October 1000 + 400 = 1400,
    conversions 10 + 4 = 14 (one October day without campaign rows: organic)."""
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-09-10", "2026-09-25", "2026-10-05", "2026-10-20"]),
            "conversions": [6.0, 3.0, 10.0, 4.0],
            "revenue": [300.0, 150.0, 1000.0, 400.0],
        }
    )


def _mmm_rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Campaign rows as derived from a weekly geo mmm table (2 weeks × 2 geos × 2 channels; conversions and
    revenue NaN, clicks 0, tv without exposure) and the business totals per geo (revenue only)."""
    weeks = pd.to_datetime(["2026-10-05", "2026-10-12"])
    rows = []
    spend = {("north", "tv"): (100.0, 300.0), ("north", "search"): (50.0, 50.0),
             ("south", "tv"): (200.0, 0.0), ("south", "search"): (25.0, 75.0)}  # fmt: skip
    impressions = {"tv": 0.0, "search": 1000.0}
    for geo in ("north", "south"):
        for ch in ("tv", "search"):
            for i, w in enumerate(weeks):
                rows.append({"date": w, "campaign_id": ch, "channel": ch, "spend": spend[(geo, ch)][i],
                             "impressions": impressions[ch], "clicks": 0.0, "conversions": np.nan,
                             "revenue": np.nan, "geo": geo})  # fmt: skip
    business = pd.DataFrame(
        {
            "date": list(weeks) * 2,
            "geo": ["north", "north", "south", "south"],
            "conversions": np.nan,
            "revenue": [600.0, 700.0, 450.0, 150.0],
        }
    )
    return pd.DataFrame(rows), business


# ------------------------------------------------------------------------------------------- business KPIs


def test_mer_blended_roas_and_cac_by_month_are_ratios_of_sums() -> None:
    tables = {"campaign_daily": _campaigns(), "business_daily": _business()}
    t = compute_kpis(tables, grain="month", kpis=[*BUSINESS, "roas", "spend"])
    assert t.value("mer", period="2026-09") == pytest.approx(450 / 150)
    assert t.value("mer", period="2026-10") == pytest.approx(1400 / 350)
    assert t.value("blended_roas", period="2026-10") == pytest.approx(1400 / 350)  # the same ratio, as SPEC words it
    assert t.value("blended_cac", period="2026-09") == pytest.approx(150 / 9)
    assert t.value("blended_cac", period="2026-10") == pytest.approx(350 / 14)
    assert t.value("roas", period="2026-10") == pytest.approx(70 / 350)  # platform-attributed, unlike MER
    total = compute_kpis(tables, kpis=BUSINESS)
    assert total.value("mer") == pytest.approx(1850 / 500)
    assert total.value("blended_cac") == pytest.approx(500 / 23)
    window = compute_kpis(tables, kpis=["mer"], start="2026-10-01", end="2026-10-10")
    assert window.value("mer") == pytest.approx(1000 / 350)


def test_business_kpis_by_channel_are_null_with_the_reason() -> None:
    tables = {"campaign_daily": _campaigns(), "business_daily": _business()}
    t = compute_kpis(tables, by=["channel"], kpis=[*BUSINESS, "spend"])
    assert t.value("spend", channel="search") == 300.0
    for kid in BUSINESS:
        assert t.value(kid, channel="search") is None
        assert "business totals are not broken down by 'channel'" in (t.reason(0, kid) or "")
    assert "not defined by channel" in default_catalog()["mer"].description.lower()


def test_business_kpis_without_business_totals_are_null() -> None:
    t = compute_kpis({"campaign_daily": _campaigns()}, kpis=BUSINESS)
    assert all(t.value(k) is None for k in BUSINESS)
    assert t.reason(0, "mer") == "table 'business_daily' not provided"


def test_revenue_only_business_totals_leave_blended_cac_null() -> None:
    business = _business().assign(conversions=np.nan)
    t = compute_kpis({"campaign_daily": _campaigns(), "business_daily": business}, kpis=BUSINESS)
    assert t.value("mer") == pytest.approx(1850 / 500)
    assert t.value("blended_cac") is None
    assert "business_daily.conversions is missing in every row" in (t.reason(0, "blended_cac") or "")


# ------------------------------------------------------------------------------ mmm-derived campaign rows


def test_derived_rows_platform_kpis_are_null_never_zero_and_spend_kpis_computed() -> None:
    rows, business = _mmm_rows()
    t = compute_kpis({"campaign_daily": rows, "business_daily": business}, by=["channel"])
    for kid in ("conversions", "revenue", "roi", "roas", "cpa", "conversion_rate", "aov"):
        for ch in ("tv", "search"):
            assert t.value(kid, channel=ch) is None, kid
    row = t.find(channel="search")
    assert "campaign_daily.conversions is missing in every row" in (t.reason(row, "conversions") or "")
    assert t.value("spend", channel="tv") == 600.0
    assert t.value("spend", channel="search") == 200.0
    assert t.value("impressions", channel="search") == 4000.0
    assert t.value("cpm", channel="search") == pytest.approx(1000 * 200 / 4000)
    assert t.value("cpm", channel="tv") is None  # no exposure column: 0 impressions
    assert t.value("mer", channel="tv") is None


def test_derived_rows_by_geo_and_week() -> None:
    rows, business = _mmm_rows()
    tables = {"campaign_daily": rows, "business_daily": business}
    t = compute_kpis(tables, by=["geo"], kpis=["spend", "revenue", "mer", "blended_cac", "cpm"])
    assert t.value("spend", geo="north") == 500.0
    assert t.value("spend", geo="south") == 300.0
    assert t.value("mer", geo="north") == pytest.approx(1300 / 500)
    assert t.value("mer", geo="south") == pytest.approx(600 / 300)
    assert t.value("revenue", geo="north") is None
    assert t.value("blended_cac", geo="north") is None  # the totals carry no conversions
    # all spend over all impressions (tv has none): the catalog's ratio of sums
    assert t.value("cpm", geo="south") == pytest.approx(1000 * 300 / 2000)
    weekly = compute_kpis(tables, by=["geo"], grain="week", kpis=["mer"])
    assert weekly.value("mer", geo="south", period="2026-W41") == pytest.approx(450 / 225)
    assert weekly.value("mer", geo="south", period="2026-W42") == pytest.approx(150 / 75)
    by_channel_geo = compute_kpis(tables, by=["geo", "channel"], kpis=["spend", "mer"])
    assert by_channel_geo.value("spend", geo="south", channel="tv") == 200.0
    assert by_channel_geo.value("mer", geo="south", channel="tv") is None


def test_national_business_totals_do_not_split_by_geo() -> None:
    rows, business = _mmm_rows()
    national = business.groupby("date", as_index=False)[["conversions", "revenue"]].sum(min_count=1)
    t = compute_kpis({"campaign_daily": rows, "business_daily": national}, by=["geo"], kpis=["spend", "mer"])
    assert t.value("spend", geo="north") == 500.0
    assert t.value("mer", geo="north") is None
    assert "not broken down by 'geo'" in (t.reason(0, "mer") or "")
    assert compute_kpis({"campaign_daily": rows, "business_daily": national}, kpis=["mer"]).value("mer") == (
        pytest.approx(1900 / 800)
    )


def test_sums_skip_missing_values_but_a_group_with_none_known_is_null() -> None:
    cd = _campaigns()
    cd["conversions"] = [np.nan, 2.0, np.nan, np.nan]  # search: never known; social: one known day
    cd["engagements"] = [np.nan] * 4
    for cache in (None, MeasureCache()):
        t = compute_kpis({"campaign_daily": cd}, by=["channel"], kpis=["conversions", "cpa", "engagements", "clicks"],
                         cache=cache)  # fmt: skip
        assert t.value("conversions", channel="search") is None
        assert t.value("cpa", channel="search") is None
        assert t.value("conversions", channel="social") == 2.0
        assert t.value("engagements", channel="social") is None
        assert t.value("clicks", channel="search") == 50.0
        # a group without rows in the window still sums to a true 0
        oct_only = compute_kpis({"campaign_daily": cd}, by=["channel"], grain="month", kpis=["conversions"],
                                start="2026-09-01", cache=cache)  # fmt: skip
        assert oct_only.value("conversions", channel="social", period="2026-09") == 2.0
        assert oct_only.value("conversions", channel="social", period="2026-10") is None


def test_filtered_sum_with_missing_values() -> None:
    from advisor.kpis import KpiSpec, MeasureSpec

    cat = default_catalog()
    cat.register_measure(MeasureSpec("search_conversions", "campaign_daily", "sum", "conversions", "channel == 'search'"))
    cat.register(KpiSpec("search_conv", "Search conversions", "search_conversions"))
    cd = _campaigns()
    cd["conversions"] = [np.nan, 2.0, np.nan, 3.0]
    t = compute_kpis({"campaign_daily": cd}, by=["campaign_id"], kpis=["search_conv"], catalog=cat.validate())
    assert t.value("search_conv", campaign_id="A") is None  # matching rows, none known: unknown
    assert t.value("search_conv", campaign_id="B") == 0.0  # no matching rows: a true 0


# ------------------------------------------------------------------------------------------------ ops and scorecard


def _context(ds: Any) -> OpsContext:
    return OpsContext(dataset=ds, max_horizon_days=366, forecast_sims=100, dataset_id="t")


def _mmm_dataset(targets: Any = None) -> SimpleNamespace:
    rows, business = _mmm_rows()
    return SimpleNamespace(
        tables={"campaign_daily": rows}, campaign_daily=rows, outcomes_daily=None, business_daily=business,
        campaign_source="mmm", targets=targets,
    )  # fmt: skip


def test_business_totals_come_from_the_dataset_or_outcomes_daily() -> None:
    outcomes = _business()
    old = SimpleNamespace(tables={"campaign_daily": _campaigns(), "outcomes_daily": outcomes}, outcomes_daily=outcomes)
    assert business_daily(old) is outcomes  # not copied: the measure cache keeps working
    assert kpi_tables(old)["business_daily"] is outcomes
    ds = _mmm_dataset()
    assert kpi_tables(ds)["business_daily"] is ds.business_daily
    assert "business_daily" not in kpi_tables(SimpleNamespace(tables={"campaign_daily": _campaigns()}))


def test_kpis_operation_by_geo_on_mmm_rows_with_a_request_catalog() -> None:
    req = KpisRequest(
        by=["geo"], kpis=["spend", "mer", "revenue", "spend_share_of_revenue"],
        catalog=CatalogDocument(kpis={"spend_share_of_revenue": {"name": "Spend share", "formula": "spend / business_revenue"}}),
    )  # fmt: skip
    doc = run_kpis(req, _context(_mmm_dataset())).to_json()
    rows = {r["geo"]: r for r in doc["rows"]}
    assert rows["north"]["spend"] == 500.0 and rows["north"]["revenue"] is None
    assert rows["north"]["mer"] == pytest.approx(1300 / 500)
    assert rows["south"]["spend_share_of_revenue"] == pytest.approx(300 / 600)


def test_scorecard_on_mmm_rows_uses_business_totals_and_says_what_is_missing() -> None:
    targets = TargetsFile.model_validate(
        {"targets": [{"kpi": "roi", "target": 1.0}, {"kpi": "mer", "target": 2.0}, {"kpi": "cpm", "target": 60}]}
    )
    card = run_scorecard(ScorecardRequest(period="2026-10"), _context(_mmm_dataset(targets))).to_json()
    lines = {ln["kpi"]: ln for g in card["groups"] for ln in g["kpis"]}
    assert lines["roi"]["value"] is None and lines["roi"]["status"] == "no_data"
    assert "campaign_daily.revenue is missing in every row" in lines["roi"]["reason"]
    assert lines["mer"]["value"] == pytest.approx(1900 / 800) and lines["mer"]["status"] == "on_track"
    assert lines["blended_cac"]["value"] is None  # revenue-only totals; shown because the data has business totals
    assert lines["cpm"]["value"] == pytest.approx(1000 * 800 / 4000)
    assert card["notes"] == [DERIVED_ROWS_NOTE]
    assert card["score"] is not None


def test_scorecard_shows_business_lines_where_platform_outcomes_are_unknown(tables: dict[str, pd.DataFrame]) -> None:
    targets = {"targets": [{"kpi": "roi", "target": 1.0}]}
    with_business = {**tables, "business_daily": _business()}
    card = build_scorecard(with_business, targets, period="2026-10")  # platform revenue known: as before
    assert not {"mer", "blended_cac"} & {ln.kpi for g in card.groups for ln in g.lines} and card.notes == ()
    card = build_scorecard(with_business, {"targets": [{"kpi": "mer", "target": 2.0}]}, period="2026-10")
    assert card.line("mer").value == pytest.approx(1400 / 500)  # fixture October spend 500; a target shows it
    rows, business = _mmm_rows()
    card = build_scorecard({"campaign_daily": rows, "business_daily": business}, targets, period="2026-10")
    assert card.line("mer").value == pytest.approx(1900 / 800) and card.line("roi").value is None
    card = build_scorecard({"campaign_daily": rows}, targets, period="2026-10")  # neither source of outcomes
    assert card.line("roi").value is None and card.score is None
    assert [n for n in card.notes if "no business totals" in n and "mer, blended_cac" in n]


# ------------------------------------------------------------------------------------ a real mmm data folder

MMM_CSV = """week,region,orders,sales,tv_cost,search_cost,search_impr
2026-10-05,north,10,600,100,50,1000
2026-10-05,south,5,450,200,25,500
2026-10-12,north,12,700,300,50,1000
2026-10-12,south,3,150,0,75,1500
"""
MMM_YAML = """mmm:
  file: mmm.csv
  date: week
  geo: region
  outcomes: {conversions: orders, revenue: sales}
  channels:
    tv: {spend: tv_cost}
    search: {spend: search_cost, impressions: search_impr}
"""


def test_mmm_folder_kpis_by_geo_channel_and_week(tmp_path: Any) -> None:
    from advisor.data import load_dataset

    (tmp_path / "mmm.csv").write_text(MMM_CSV)
    (tmp_path / "kpi-advisor.yaml").write_text(MMM_YAML)
    (tmp_path / "targets.yaml").write_text("targets:\n  - {kpi: roas, target: 2.0}\n")
    ds = load_dataset(tmp_path)
    assert ds.campaign_source == "mmm"
    ctx = _context(ds)
    by_geo = {r["geo"]: r for r in run_kpis(KpisRequest(by=["geo"]), ctx).to_json()["rows"]}
    assert by_geo["north"]["spend"] == 500.0 and by_geo["south"]["spend"] == 300.0
    assert by_geo["north"]["mer"] == pytest.approx(1300 / 500)
    assert by_geo["south"]["blended_cac"] == pytest.approx(300 / 8)
    for kid in ("conversions", "revenue", "roi", "roas", "cpa", "conversion_rate", "aov", "ctr", "cpc"):
        assert by_geo["north"][kid] is None, kid
    assert by_geo["south"]["cpm"] == pytest.approx(1000 * 300 / 2000)
    by_channel = {r["channel"]: r for r in run_kpis(KpisRequest(by=["channel"]), ctx).to_json()["rows"]}
    assert by_channel["tv"]["spend"] == 600.0 and by_channel["tv"]["mer"] is None
    weekly = run_kpis(KpisRequest(by=["geo"], grain="week", kpis=["mer"]), ctx).table
    assert weekly.value("mer", geo="north", period="2026-W42") == pytest.approx(700 / 350)
    total = run_kpis(KpisRequest(kpis=["mer", "blended_roas", "blended_cac"]), ctx).table
    assert total.value("mer") == pytest.approx(1900 / 800) == total.value("blended_roas")
    assert total.value("blended_cac") == pytest.approx(800 / 30)
    card = run_scorecard(ScorecardRequest(period="2026-10", historical_clv=True), ctx).to_json()
    lines = {ln["kpi"]: ln for g in card["groups"] for ln in g["kpis"]}
    assert lines["roas"]["value"] is None and lines["roas"]["status"] == "no_data"
    assert lines["mer"]["value"] == pytest.approx(1900 / 800)
    assert lines["blended_cac"]["value"] == pytest.approx(800 / 30)
    assert card["notes"] == [DERIVED_ROWS_NOTE]
