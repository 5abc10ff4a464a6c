"""The media-mix table: ``mmm:`` config, ``MmmTable`` (canonical columns, national()), grain, derived campaign rows,
lift tests against the data, the weekly-aware gap check of campaign_daily."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from advisor.data import DataConfig, Dataset, DataValidationError, load_dataset, validate_folder
from advisor.data.grain import detect
from advisor.data.mmm import MmmConfig

CONFIG = {
    "date": "Week",
    "geo": "region",
    "outcomes": {"conversions": "orders", "revenue": "sales"},
    "channels": {"tv": {"spend": "tv_cost", "exposure": "tv_grp"}, "on": {"spend": "online"}},
    "controls": ["price"],
    "organic": ["newsletter"],
    "events": ["promo", "holiday"],
    "holidays": "de",
}


def _frame(weeks: int = 4, geos: tuple[str, ...] = ("b", "a")) -> pd.DataFrame:
    rows = []
    for g, geo in enumerate(geos):
        for i, week in enumerate(pd.date_range("2024-01-01", periods=weeks, freq="7D")):
            rows.append({
                " WEEK ": week.strftime("%Y-%m-%d"), "Region": geo, "orders": 10.0 + i + g, "sales": 100.0 * (i + 1),
                "TV_Cost": 5.0 * i, "tv_grp": 1.5, "online": 2.0, "price": 1.0 + g, "newsletter": 3,
                "promo": ["na", "spring", "na", "summer"][i % 4], "holiday": float(i == 2), "ignored": "x",
            })
    return pd.DataFrame(rows)


def test_mmm_table_has_canonical_columns_sorted_by_geo_and_date() -> None:
    ds = Dataset.from_mmm(_frame(), CONFIG)
    m = ds.mmm
    assert m is not None and m.freq == "W" and m.geo and m.holidays == "DE"
    assert m.channels == ("tv", "on") and m.outcomes == ("conversions", "revenue")  # 'on' stays a string
    assert m.controls == ("control__price",) and m.organic == ("organic__newsletter",)
    assert m.events == ("event__promo=spring", "event__promo=summer", "event__holiday")
    assert list(m.frame.columns) == [
        "date", "geo", "conversions", "revenue", "spend__tv", "exposure__tv", "spend__on", "control__price",
        "organic__newsletter", "event__promo=spring", "event__promo=summer", "event__holiday",
    ]
    assert m.frame["geo"].tolist() == ["a"] * 4 + ["b"] * 4
    assert m.frame["date"].dtype == "datetime64[ns]" and m.frame["date"].is_monotonic_increasing is False
    assert m.frame["event__promo=spring"].tolist() == [0.0, 1.0, 0.0, 0.0] * 2
    assert m.spend_column("tv") == "spend__tv" and m.exposure_column("tv") == "exposure__tv"
    assert m.exposure_column("on") is None and m.geos == ("a", "b") and m.periods == 4
    with pytest.raises(KeyError, match="unknown channel 'radio'"):
        m.spend_column("radio")


def test_seasonality_is_auto_unless_configured_and_reaches_the_table_and_fingerprint() -> None:
    assert Dataset.from_mmm(_frame(), CONFIG).mmm.seasonality == "auto"  # type: ignore[union-attr]
    smooth = Dataset.from_mmm(_frame(), {**CONFIG, "seasonality": "smooth"})
    assert smooth.mmm is not None and smooth.mmm.seasonality == "smooth"
    assert smooth.fingerprint != Dataset.from_mmm(_frame(), CONFIG).fingerprint


def test_national_sums_media_averages_controls_maxes_events() -> None:
    m = Dataset.from_mmm(_frame(), CONFIG).mmm
    assert m is not None
    nat = m.national()
    assert isinstance(nat.index, pd.DatetimeIndex) and len(nat) == 4 and "geo" not in nat.columns
    assert nat["conversions"].tolist() == [21.0, 23.0, 25.0, 27.0]  # 10+i + 11+i
    assert nat["spend__tv"].tolist() == [0.0, 10.0, 20.0, 30.0]
    assert nat["control__price"].tolist() == [1.5] * 4  # mean of 1 and 2
    assert nat["event__holiday"].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert nat["organic__newsletter"].tolist() == [6.0] * 4


def test_campaign_rows_are_derived_from_the_mmm_table() -> None:
    ds = Dataset.from_mmm(_frame(), CONFIG)
    cd = ds.campaign_daily
    assert ds.campaign_source == "mmm" and ds.attributes == ("geo",)
    assert list(cd.columns) == [
        "date", "campaign_id", "channel", "spend", "impressions", "clicks", "conversions", "revenue", "geo"
    ]
    assert len(cd) == 2 * 4 * 2 and cd["conversions"].isna().all() and cd["revenue"].isna().all()
    assert cd.loc[cd["channel"] == "tv", "impressions"].eq(1.5).all()
    assert cd.loc[cd["channel"] == "on", "impressions"].eq(0).all() and cd["clicks"].eq(0).all()
    assert cd["spend"].sum() == pytest.approx(ds.mmm.frame[["spend__tv", "spend__on"]].to_numpy().sum())
    business = ds.business_daily
    assert business is not None and list(business.columns) == ["date", "geo", "conversions", "revenue"]


def test_business_daily_has_nan_for_an_outcome_the_source_lacks() -> None:
    cfg = {**CONFIG, "outcomes": {"revenue": "sales"}}
    business = Dataset.from_mmm(_frame(), cfg).business_daily
    assert business is not None and business["conversions"].isna().all() and business["revenue"].notna().all()


def test_fingerprint_covers_the_mmm_frame_and_lift_tests() -> None:
    base = Dataset.from_mmm(_frame(), CONFIG).fingerprint
    changed = _frame()
    changed.loc[3, "online"] = 2.5
    assert Dataset.from_mmm(_frame(), CONFIG).fingerprint == base
    assert Dataset.from_mmm(changed, CONFIG).fingerprint != base
    lift = pd.DataFrame({"channel": ["tv"], "start": ["2024-01-01"], "end": ["2024-01-14"], "kpi": ["revenue"],
                         "incremental": [12.0], "std_error": [3.0]})
    with_lift = Dataset.from_mmm(_frame(), CONFIG, lift_tests=lift)
    assert with_lift.fingerprint != base and with_lift.lift_tests is not None and len(with_lift.lift_tests) == 1
    assert with_lift.warnings == ()


def test_daily_grain_and_gap_in_days() -> None:
    days = pd.date_range("2024-01-01", periods=10, freq="D").delete(4)
    frame = pd.DataFrame({"day": days.strftime("%Y-%m-%d"), "rev": 1.0, "s": 2.0})
    ds = Dataset.from_mmm(frame, {"date": "day", "outcomes": {"revenue": "rev"}, "channels": {"x": {"spend": "s"}}})
    assert ds.mmm is not None and ds.mmm.freq == "D" and not ds.mmm.geo
    ((w),) = ds.warnings
    assert (w.rule, w.rows) == ("gap", (5,)) and "daily" in w.message and "1 missing day(s)" in w.message


def test_geos_with_different_grains_are_an_error() -> None:
    weekly = pd.date_range("2024-01-01", periods=5, freq="7D")
    daily = pd.date_range("2024-01-01", periods=5, freq="D")
    frame = pd.DataFrame({"d": list(weekly.strftime("%Y-%m-%d")) + list(daily.strftime("%Y-%m-%d")),
                          "g": ["w"] * 5 + ["d"] * 5, "y": 1.0, "s": 1.0})
    cfg = {"date": "d", "geo": "g", "outcomes": {"conversions": "y"}, "channels": {"x": {"spend": "s"}}}
    with pytest.raises(DataValidationError) as info:
        Dataset.from_mmm(frame, cfg)
    (issue,) = info.value.issues
    assert issue.rule == "mixed_grain" and "geos differ in grain" in issue.message


def test_geo_duplicates_name_date_and_geo_with_record_numbers() -> None:
    frame = _frame()
    frame.loc[5, " WEEK "] = frame.loc[4, " WEEK "]  # geo 'a', weeks 0 and 1 → same week
    with pytest.raises(DataValidationError) as info:
        Dataset.from_mmm(frame, CONFIG)
    (issue,) = info.value.issues
    assert (issue.column, issue.rows, issue.rule) == ("Week,region", (5, 6), "duplicate_key")


def test_missing_column_suggests_the_closest_header() -> None:
    with pytest.raises(DataValidationError) as info:
        Dataset.from_mmm(_frame(), {**CONFIG, "controls": ["prices"]})
    (issue,) = info.value.issues
    assert (issue.column, issue.rule) == ("prices", "missing_column")
    assert "controls maps to column 'prices'" in issue.message and "did you mean 'price'" in issue.message


def test_controls_may_be_negative_but_organic_may_not() -> None:
    frame = _frame()
    frame["price"] = -1.0
    assert Dataset.from_mmm(frame, CONFIG).mmm is not None
    frame.loc[2, "newsletter"] = -3
    with pytest.raises(DataValidationError) as info:
        Dataset.from_mmm(frame, CONFIG)
    assert [(i.column, i.rows, i.rule) for i in info.value.issues] == [("newsletter", (3,), "non_negative")]


def test_numeric_event_missing_value_is_an_error_text_event_missing_is_no_event() -> None:
    frame = _frame()
    frame.loc[1, "promo"] = None
    assert Dataset.from_mmm(frame, CONFIG).mmm is not None
    frame.loc[1, "holiday"] = np.nan
    with pytest.raises(DataValidationError) as info:
        Dataset.from_mmm(frame, CONFIG)
    assert [(i.column, i.rows, i.rule) for i in info.value.issues] == [("holiday", (2,), "missing_value")]


def test_config_keeps_yaml_boolean_channel_names_as_text(tmp_path: Path) -> None:
    (tmp_path / "kpi-advisor.yaml").write_text(
        "mmm:\n  file: m.csv\n  date: d\n  outcomes: {revenue: y}\n"
        "  channels:\n    on: {spend: a}\n    no: {spend: b}\n    yes: {spend: c}\n  holidays: DE\n"
    )
    cfg = DataConfig.from_yaml(tmp_path / "kpi-advisor.yaml")
    assert cfg.mmm is not None and list(cfg.mmm.channels) == ["on", "no", "yes"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"holidays": "Germany"}, "two-letter country code"),
        ({"seasonality": "sharp"}, "'smooth' or 'auto'"),
        ({"outcomes": {"sales": "y"}}, "expected conversions and/or revenue"),
        ({"url": "sqlite://"}, "exactly one of 'file' or 'url'"),
        ({"channels": {"tv": {"spend": True}}}, "put it in quotes"),
        ({"channels": {"tv": {"spend": "a", "impressions": "b", "exposure": "c"}}}, "at most one of"),
    ],
)
def test_bad_mmm_config_is_refused(extra: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MmmConfig.model_validate({"file": "m.csv", "date": "d", "outcomes": {"revenue": "y"}, **extra})


def test_folder_with_parquet_mmm_and_campaign_rows(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    _frame().to_parquet(tmp_path / "weekly.parquet", index=False)
    make_cd().to_csv(tmp_path / "campaign_daily.csv", index=False)
    text = "mmm:\n  file: weekly.parquet\n  date: week\n  geo: region\n  outcomes: {revenue: sales}\n" \
           "  channels: {tv: {spend: tv_cost}}\n"
    (tmp_path / "kpi-advisor.yaml").write_text(text)
    ds = load_dataset(tmp_path)
    assert ds.campaign_source == "campaign_daily" and ds.mmm is not None and ds.mmm.geos == ("a", "b")
    report = validate_folder(tmp_path)
    assert report.ok and report.tables[-1] == "mmm" and report.mmm is not None
    assert report.to_dict()["mmm"] | {} == {"grain": "W", "periods": 4, "geos": 2, "channels": ["tv"],
                                            "outcomes": ["revenue"], "first": "2024-01-01", "last": "2024-01-22"}


def test_mmm_from_sql(tmp_path: Path) -> None:
    db = tmp_path / "mmm.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    _frame().to_sql("weekly", engine, index=False)
    engine.dispose()
    (tmp_path / "kpi-advisor.yaml").write_text(
        f"mmm:\n  url: 'sqlite:///{db}'\n  query: select * from weekly where region = 'a'\n  date: week\n"
        "  outcomes: {conversions: orders}\n  channels: {tv: {spend: tv_cost}}\n"
    )
    ds = load_dataset(tmp_path)
    assert ds.mmm is not None and ds.mmm.frame["conversions"].tolist() == [11.0, 12.0, 13.0, 14.0]  # geo a: 10 + i + 1


def test_without_mmm_campaign_daily_is_still_required(tmp_path: Path) -> None:
    (tmp_path / "outcomes_daily.csv").write_text("date,conversions,revenue\n2024-01-01,1,2\n")
    report = validate_folder(tmp_path)
    assert [(i.table, i.rule) for i in report.errors] == [("campaign_daily", "missing_table")]
    assert "or an mmm: table" in report.errors[0].message


def test_lift_tests_against_campaign_rows(make_cd: Callable[..., pd.DataFrame]) -> None:
    cd = make_cd()
    channel = str(cd["channel"].iloc[0])
    last = pd.to_datetime(cd["date"]).max()
    lift = pd.DataFrame({"channel": [channel, "tvv"], "start": ["2024-01-01", "2024-01-01"],
                         "end": [str((last + pd.Timedelta(days=30)).date()), "2024-01-02"],
                         "kpi": ["conversions", "revenue"], "incremental": [-2.0, 1.0], "std_error": [1.0, 1.0]})
    with pytest.raises(DataValidationError) as info:
        Dataset.from_frames(cd, lift_tests=lift)
    (issue,) = info.value.issues
    assert (issue.table, issue.column, issue.rule) == ("lift_tests", "channel", "unknown_channel")
    assert "'tvv'" in issue.message and channel in issue.message
    ds = Dataset.from_frames(cd, lift_tests=lift.iloc[:1])
    assert [w.rule for w in ds.warnings if w.table == "lift_tests"] == ["window_outside_history"]


def test_weekly_campaign_rows_have_no_daily_gap_warnings() -> None:
    weeks = pd.date_range("2024-01-01", periods=40, freq="7D")
    cd = pd.DataFrame({"date": weeks.strftime("%Y-%m-%d"), "campaign_id": "c1", "channel": "tv", "spend": 1.0,
                       "impressions": 10, "clicks": 1, "conversions": 0.0, "revenue": 0.0})
    assert [w.rule for w in Dataset.from_frames(cd).warnings] == []
    gap = Dataset.from_frames(cd.drop(index=[5, 6])).warnings
    assert [(w.rule, w.rows) for w in gap] == [("date_gaps", (6,))]
    assert "weekly dates (2 missing week(s))" in gap[0].message
    short = Dataset.from_frames(cd.iloc[:3]).warnings  # 3 weeks = 21 days < 28
    assert [w.rule for w in short] == ["short_history"] and "(3 weeks)" in short[0].message
    assert Dataset.from_frames(cd.iloc[:4]).warnings == ()  # 4 weeks = 28 days


@pytest.mark.parametrize(
    ("dates", "freq", "off"),
    [
        (["2024-01-01", "2024-01-08", "2024-01-22"], "W", ()),
        (["2024-01-01", "2024-01-02", "2024-01-09", "2024-01-16", "2024-01-23", "2024-01-24"], "W", (1, 5)),
        (["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-11", "2024-01-18", "2024-01-25"], "D",
         (4, 5, 6)),
        (["2024-01-01", "2024-01-02", "2024-01-09", "2024-01-10"], "D", ()),  # daily with one 7-day gap
        (["2024-01-01", "2024-02-01", "2024-03-01"], None, ()),
        (["2024-01-01"], None, ()),
    ],
)
def test_grain_detection(dates: list[str], freq: str | None, off: tuple[int, ...]) -> None:
    g = detect(pd.Series(pd.to_datetime(dates)))
    assert (g.freq, g.off_steps) == (freq, off)


@pytest.mark.parametrize("key", ["controls", "organic", "events"])
def test_nested_name_lists_are_a_config_error_not_a_crash(key: str) -> None:
    """``controls: [[a]]`` once raised TypeError (unhashable list) inside the validator: a crash, not an error."""
    from pydantic import ValidationError

    base = {"file": "m.csv", "date": "d", "outcomes": {"revenue": "y"}, "channels": {"tv": {"spend": "tv"}}}
    with pytest.raises(ValidationError, match="list of column names"):
        MmmConfig.model_validate({**base, key: [["a"]]})
