"""Real Facebook ad-level data (Kaggle KAG_conversion_data.csv: BOM, CRLF, no date/channel/revenue)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.data import DataValidationError, load_table, validate_folder

MAPPING = {
    "xyz_campaign_id": "campaign_id",
    "Total_Conversion": "conversions",
}  # Spent/Impressions/Clicks: aliases
pytestmark = pytest.mark.datasets

AD_LEVEL = ("campaign_id", "channel", "spend", "impressions", "clicks", "conversions")


@pytest.fixture
def kag(shared_datasets: Path) -> Path:
    return shared_datasets / "facebook_ads_kag" / "KAG_conversion_data.csv"


def test_kag_is_not_a_valid_campaign_daily(kag: Path, tmp_path: Path) -> None:
    (tmp_path / "kpi-advisor.yaml").write_text(
        f"tables:\n  campaign_daily:\n    path: '{kag}'\n"
        "    columns: {xyz_campaign_id: campaign_id, Total_Conversion: conversions}\n"
        "    defaults: {channel: social}\n"
    )
    report = validate_folder(tmp_path)
    assert not report.ok
    assert {(i.table, i.column, i.rule) for i in report.errors} == {
        ("campaign_daily", "date", "missing_column"),
        ("campaign_daily", "revenue", "missing_column"),
    }


def test_kag_loads_ad_level_with_mapping_and_defaults(kag: Path) -> None:
    df = load_table(
        "campaign_daily",
        kag,
        MAPPING,
        defaults={"channel": "social"},
        require=AD_LEVEL,
        attributes=("interest",),
    )
    assert df.shape == (1143, 12)  # 11 source columns + the default channel
    assert "date" not in df.columns and "revenue" not in df.columns
    assert df["impressions"].sum() == 213_434_828 and df["clicks"].sum() == 38_165
    assert df["spend"].sum() == pytest.approx(58_705.23, abs=0.01)
    assert df["conversions"].sum() == 3_264
    by_campaign = df.groupby("campaign_id")["spend"].sum().round(2).to_dict()
    assert by_campaign == {"1178": 55_662.15, "916": 149.71, "936": 2_893.37}
    assert df["campaign_id"].tolist()[:1] == ["1178"]  # sorted by campaign when there is no date
    assert set(df["channel"]) == {"social"}
    assert df.attrs["attributes"] == ("age", "gender", "interest")
    assert df.attrs["numeric_drivers"] == ("ad_id", "fb_campaign_id", "approved_conversion")
    assert df.attrs["warnings"] == ()


def test_kag_without_defaults_names_the_missing_channel(kag: Path) -> None:
    with pytest.raises(DataValidationError) as info:
        load_table("campaign_daily", kag, MAPPING, require=AD_LEVEL)
    assert [(i.column, i.rule) for i in info.value.issues] == [("channel", "missing_column")]
