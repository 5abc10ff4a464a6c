"""Ad-platform export aliases, header normalisation and user mappings from kpi-advisor.yaml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from advisor.data import TABLES, DataConfig, DataValidationError, load_dataset, load_table
from advisor.data.aliases import header_key, resolve_columns

GOOGLE_ADS = """Day,Campaign,Campaign type,Cost,Impr.,Clicks,Conversions,Conv. value,Ad group status
2024-03-01,Brand,Search,120.50,"1,234",80,4.5,300.00,Enabled
2024-03-01,Prospecting,Display,50.00,"20,000",25,0.5,10.00,Enabled
2024-03-02,Brand,Search,130.00,"1,500",95,5,320.00,Enabled
"""

META = """Reporting starts,Reporting ends,Campaign name,Amount spent (USD),Impressions,Link clicks,Results,\
Purchases conversion value,Objective
2024-03-01,2024-03-01,Spring sale,40.25,5000,120,3,150.5,Sales
2024-03-02,2024-03-02,Spring sale,42.00,5200,110,2,99.0,Sales
"""


def test_google_ads_export_maps(tmp_path: Path) -> None:
    path = tmp_path / "google.csv"
    path.write_text(GOOGLE_ADS)
    df = load_table("campaign_daily", path)
    assert list(df.columns) == [
        "date",
        "campaign_id",
        "channel",
        "spend",
        "impressions",
        "clicks",
        "conversions",
        "revenue",
        "ad_group_status",
    ]
    assert df["impressions"].tolist() == [1234, 20000, 1500]  # quoted thousands separators
    assert df["spend"].sum() == pytest.approx(300.5)
    assert df["channel"].tolist() == ["Search", "Display", "Search"]
    assert df["revenue"].tolist() == [300.0, 10.0, 320.0]
    assert df.attrs["attributes"] == ("ad_group_status",) and df.attrs["numeric_drivers"] == ()


def test_meta_export_maps_with_config_defaults(tmp_path: Path) -> None:
    (tmp_path / "meta_export.csv").write_text(META)
    (tmp_path / "kpi-advisor.yaml").write_text(
        "tables:\n  campaign_daily:\n    path: meta_export.csv\n    defaults: {channel: social}\n"
    )
    ds = load_dataset(tmp_path)
    cd = ds.campaign_daily
    assert list(cd.columns) == [
        "date",
        "campaign_id",
        "channel",
        "spend",
        "impressions",
        "clicks",
        "conversions",
        "revenue",
        "objective",
    ]  # "Reporting ends" dropped
    assert cd["channel"].unique().tolist() == ["social"]
    assert cd["clicks"].tolist() == [120, 110] and cd["revenue"].tolist() == [150.5, 99.0]
    assert cd["spend"].tolist() == [40.25, 42.0] and ds.attributes == ("objective",)


def test_user_mapping_from_config_file(tmp_path: Path) -> None:
    (tmp_path / "my_export.csv").write_text(
        "Tag,Spend EUR,Views,Hits,Orders,Sales EUR,Day,Medium,Budget owner\n"
        "A,10,100,5,1,20,2024-01-01,email,ann\nA,11,120,6,0,0,2024-01-02,email,ann\n"
    )
    cfg = tmp_path / "elsewhere.yaml"
    cfg.write_text(
        "tables:\n  campaign_daily:\n    path: my_export.csv\n"
        "    columns: {tag: campaign_id, 'SPEND EUR': spend, "
        "Views: impressions, Hits: clicks, Orders: conversions, 'Sales EUR': revenue, Medium: channel}\n"
    )
    ds = load_dataset(tmp_path, config_path=cfg)
    assert ds.campaign_daily["campaign_id"].tolist() == ["A", "A"]
    assert ds.campaign_daily["revenue"].tolist() == [20.0, 0.0]
    assert ds.attributes == ("budget_owner",)
    with pytest.raises(DataValidationError) as info:  # without the config the columns are unknown
        load_table("campaign_daily", tmp_path / "my_export.csv")
    assert {i.column for i in info.value.issues} == {
        "campaign_id",
        "channel",
        "spend",
        "impressions",
        "clicks",
        "conversions",
        "revenue",
    }


def test_header_case_and_whitespace(make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=2).rename(
        columns={"date": " Date ", "campaign_id": "CAMPAIGN ID", "new_customers": "New-Customers"}
    )
    out = load_table("campaign_daily", df)
    assert {"date", "campaign_id", "new_customers"} <= set(out.columns)


def test_exact_name_wins_over_alias_and_conflicts_are_errors(make_cd: Callable[..., pd.DataFrame]) -> None:
    res = resolve_columns(["Impressions", "Impr."], TABLES["campaign_daily"])
    assert res.rename == {"Impressions": "impressions", "Impr.": "impr"} and not res.conflicts
    df = make_cd(days=2).rename(columns={"spend": "Cost"}).assign(**{"Amount spent": 1.0})
    with pytest.raises(DataValidationError) as info:
        load_table("campaign_daily", df)
    assert [(i.column, i.rule) for i in info.value.issues] == [("spend", "ambiguous_column")]
    ok = load_table("campaign_daily", df, columns={"Cost": "spend"})  # user mapping settles it
    assert "amount_spent" in ok.attrs["numeric_drivers"]


def test_header_key_and_config_model() -> None:
    assert header_key("\ufeff Campaign_ID ") == header_key("campaign-id") == "campaign id"
    cfg = DataConfig.model_validate({"tables": {"orders": {"url": "sqlite:///x.db", "query": "select 1"}}})
    assert cfg.tables["orders"].query == "select 1"
    with pytest.raises(ValueError):
        DataConfig.model_validate({"tables": {"orders": {"url": "sqlite:///x.db"}}})  # needs table or query


def test_meta_day_breakdown_prefers_day_over_reporting_starts() -> None:
    headers = [
        "Day",
        "Reporting starts",
        "Reporting ends",
        "Campaign name",
        "Amount spent (EUR)",
        "Link clicks",
    ]
    res = resolve_columns(headers, TABLES["campaign_daily"])
    assert res.rename == {
        "Day": "date",
        "Campaign name": "campaign_id",
        "Amount spent (EUR)": "spend",
        "Link clicks": "clicks",
    }
    assert set(res.dropped) == {"Reporting starts", "Reporting ends"} and not res.conflicts
