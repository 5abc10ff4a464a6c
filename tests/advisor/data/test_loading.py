"""Folder loading, Parquet, in-memory frames, all-or-nothing failure, warnings, fingerprint, targets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from advisor.data import (
    TABLES,
    Dataset,
    DataValidationError,
    TargetsFile,
    load_dataset,
    load_table,
    validate_folder,
)


def _extras() -> dict[str, pd.DataFrame]:
    outcomes = pd.DataFrame(
        {"date": ["2024-01-02", "2024-01-01"], "conversions": [30, 25], "revenue": [900.0, 700]}
    )
    orders = pd.DataFrame(
        {
            "customer_id": ["u1", "u2", "u1"],
            "order_date": ["2024-01-05", "2024-01-03", "2024-01-09"],
            "revenue": [20.0, 35.5, 12.0],
            "channel": ["search", "social", "search"],
        }
    )
    surveys = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "metric": ["csat", "NPS"], "score": [4, 9]})
    team = pd.DataFrame(
        {
            "period": ["2024-01", "2024-01"],
            "metric": ["research_studies", "creativity_score"],
            "value": [3, 7.5],
            "team": ["insights", "creative"],
        }
    )
    lift = pd.DataFrame(
        {"channel": ["search"], "start": ["2024-01-01"], "end": ["2024-01-14"], "kpi": ["Conversions"],
         "incremental": [-3.5], "std_error": [1.2]}
    )
    return {"outcomes_daily": outcomes, "orders": orders, "surveys": surveys, "team_kpis": team, "lift_tests": lift}


def test_good_folder_round_trips(
    make_folder: Callable[..., Path], make_cd: Callable[..., pd.DataFrame]
) -> None:
    source = make_cd()
    shuffled = source.sample(frac=1.0, random_state=1)
    folder = make_folder(campaign_daily=shuffled, **_extras())
    (folder / "targets.yaml").write_text(
        "targets:\n  - {kpi: ROI, target: 1.5, scope: {channel: search}, "
        "period: 2024-01}\nweights: {outcome: 0.6, customer: 0.4}\n"
    )
    ds = load_dataset(folder)

    assert set(ds.tables) == set(TABLES)
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
        "new_customers",
        "audience",
        "frequency",
    ]
    assert cd["date"].dtype == "datetime64[ns]" and cd["impressions"].dtype == "int64"
    assert cd["spend"].dtype == "float64" and cd["frequency"].dtype == "float64"
    expected = source.assign(date=pd.to_datetime(source["date"])).sort_values(["date", "campaign_id"])
    pd.testing.assert_frame_equal(cd, expected.reset_index(drop=True), check_dtype=False)
    assert ds.attributes == ("audience",) and ds.numeric_drivers == ("frequency",)
    assert [w.rule for w in ds.warnings] == ["outcomes_gaps"]  # outcomes_daily has 2 of the 35 days
    assert ds.orders is not None and ds.orders["order_date"].is_monotonic_increasing
    assert ds.surveys is not None and ds.surveys["metric"].tolist() == ["csat", "nps"]
    assert ds.team_kpis is not None and ds.team_kpis["period"].tolist() == ["2024-01", "2024-01"]
    assert ds.targets == TargetsFile.model_validate(
        {
            "targets": [{"kpi": "roi", "target": 1.5, "scope": {"channel": "search"}, "period": "2024-01"}],
            "weights": {"outcome": 0.6, "customer": 0.4},
        }
    )

    report = validate_folder(folder)
    assert report.ok and report.errors == () and report.tables == tuple(TABLES)
    assert set(report.to_dict()) >= {"ok", "errors", "warnings"}


def test_parquet_reads_like_csv(
    make_folder: Callable[..., Path], make_cd: Callable[..., pd.DataFrame]
) -> None:
    source = make_cd()
    from_csv = load_dataset(make_folder(campaign_daily=source))
    typed = source.assign(date=pd.to_datetime(source["date"]))
    from_parquet = load_dataset(make_folder("parquet", campaign_daily=typed))
    pd.testing.assert_frame_equal(from_csv.campaign_daily, from_parquet.campaign_daily)
    assert from_csv.fingerprint == from_parquet.fingerprint


def test_parquet_rows_are_record_numbers(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=3)
    df.loc[4, "spend"] = -3.0
    df.to_parquet(tmp_path / "cd.parquet", index=False)
    with pytest.raises(DataValidationError) as info:
        load_table("campaign_daily", tmp_path / "cd.parquet")
    assert [(i.column, i.rows, i.rule) for i in info.value.issues] == [("spend", (5,), "non_negative")]


def test_failing_optional_table_loads_nothing(
    make_folder: Callable[..., Path], make_cd: Callable[..., pd.DataFrame]
) -> None:
    extras = _extras()
    extras["orders"].loc[1, "revenue"] = -5
    folder = make_folder(campaign_daily=make_cd(), **extras)
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder)
    assert [(i.table, i.column, i.rows, i.rule) for i in info.value.issues] == [
        ("orders", "revenue", (3,), "non_negative")
    ]
    report = validate_folder(folder)
    assert not report.ok and report.to_dict()["errors"][0]["rows"] == [3]


def test_from_frames_validates_and_numbers_records(make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=30)
    ds = Dataset.from_frames(campaign_daily=df)
    assert (
        len(ds.campaign_daily) == 60 and ds.outcomes_daily is None and list(ds.tables) == ["campaign_daily"]
    )
    bad = df.copy()
    bad.loc[0, "clicks"] = 10_000_000
    with pytest.raises(DataValidationError) as info:
        Dataset.from_frames(campaign_daily=bad)
    assert [(i.column, i.rows, i.rule) for i in info.value.issues] == [
        ("clicks", (1,), "clicks_le_impressions")
    ]
    typed = df.assign(date=pd.to_datetime(df["date"]))  # datetime input is fine too
    assert Dataset.from_frames(typed).fingerprint == ds.fingerprint


def test_fingerprint_changes_with_content(make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=30)
    a = Dataset.from_frames(df).fingerprint
    changed = df.copy()
    changed.loc[7, "revenue"] += 0.01
    assert Dataset.from_frames(changed).fingerprint != a
    assert Dataset.from_frames(df.sample(frac=1.0, random_state=3)).fingerprint == a  # row order is canonical
    assert len(a) == 64


def test_history_warnings_do_not_block(make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=40)
    df = df.drop(
        df[(df.campaign_id == "c1") & df.date.isin(["2024-01-10", "2024-01-11", "2024-01-20"])].index
    )
    df.loc[df.index[-1], "spend"] = 5_000.0  # c2 on 2024-02-09, last row
    short = make_cd(days=5, campaigns=(("c3", "email"),)).assign(audience="x")
    df = pd.concat([df, short], ignore_index=True)
    ds = Dataset.from_frames(df)
    by_rule = {w.rule: w for w in ds.warnings}
    assert set(by_rule) == {"date_gaps", "short_history", "outlier"}
    gaps = by_rule["date_gaps"]
    assert gaps.column == "date" and "c1" in gaps.message and "3 missing day" in gaps.message
    assert len(gaps.rows) == 2  # first row after each of the two gaps
    assert (
        by_rule["short_history"].column == "campaign_id" and "c3 (5 days)" in by_rule["short_history"].message
    )
    outlier = by_rule["outlier"]
    assert outlier.column == "spend" and outlier.rows == (len(df) - 5,)  # 1-based record of the spike
    assert len(ds.campaign_daily) == len(df)


def test_missing_and_ambiguous_campaign_daily(
    make_folder: Callable[..., Path], tmp_path: Path, make_cd: Callable[..., pd.DataFrame]
) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    report = validate_folder(empty)
    assert [(i.table, i.rule) for i in report.errors] == [("campaign_daily", "missing_table")]
    (empty / "campaigns_daily.csv").write_text("x\n")
    assert "data files present: campaigns_daily.csv" in validate_folder(empty).errors[0].message
    folder = make_folder(campaign_daily=make_cd(days=3))
    make_cd(days=3).to_parquet(folder / "campaign_daily.parquet")
    assert [i.rule for i in validate_folder(folder).errors] == ["ambiguous_source"]
    assert [i.rule for i in validate_folder(tmp_path / "absent").errors] == ["missing_folder"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("targets: [{kpi: roi}]\n", "targets_error"),  # no target value
        ("targets: [{kpi: roi, target: 1, period: 'June'}]\n", "targets_error"),
        ("weights: {outcome: -1}\n", "targets_error"),
        ("targets: [{kpi: roi, target: 1, taget: 2}]\n", "targets_error"),
        ("targets: [: bad yaml\n", "targets_error"),
    ],
)
def test_bad_targets_are_reported(
    make_folder: Callable[..., Path], text: str, rule: str, make_cd: Callable[..., pd.DataFrame]
) -> None:
    folder = make_folder(campaign_daily=make_cd())
    (folder / "targets.yaml").write_text(text)
    report = validate_folder(folder)
    assert [(i.table, i.rule) for i in report.errors] == [("targets", rule)]
    with pytest.raises(DataValidationError):
        load_dataset(folder)


def test_targets_periods_and_defaults() -> None:
    tf = TargetsFile.model_validate(
        {
            "targets": [
                {"kpi": "cpa", "target": 20},
                {"kpi": "ctr", "target": 0.02, "period": "2024-Q3"},
                {"kpi": "roi", "target": 1, "period": "2024-01-01..2024-03-31"},
                {"kpi": "nps", "target": 40, "period": 2024},
            ]
        }
    )
    assert [t.period for t in tf.targets] == [None, "2024-Q3", "2024-01-01..2024-03-31", "2024"]
    assert tf.targets[0].scope == {} and tf.weights == {}


def test_bad_config_is_reported(
    make_folder: Callable[..., Path], make_cd: Callable[..., pd.DataFrame]
) -> None:
    folder = make_folder(campaign_daily=make_cd())
    (folder / "kpi-advisor.yaml").write_text("tables:\n  campaign_dayly: {path: x.csv}\n")
    report = validate_folder(folder)
    assert [(i.table, i.rule) for i in report.errors] == [("config", "config_error")]
    assert "campaign_dayly" in report.errors[0].message
    (folder / "kpi-advisor.yaml").write_text("tables:\n  campaign_daily: {path: x.csv, url: 'sqlite://'}\n")
    assert "exactly one" in validate_folder(folder).errors[0].message


def test_load_table_require_skips_date_rules(make_cd: Callable[..., pd.DataFrame]) -> None:
    df = make_cd(days=2).drop(columns=["date"])
    with pytest.raises(DataValidationError) as info:
        load_table("campaign_daily", df)
    assert [(i.column, i.rule) for i in info.value.issues] == [("date", "missing_column")]
    loaded = load_table("campaign_daily", df, require=("campaign_id", "spend", "clicks", "impressions"))
    assert len(loaded) == 4 and "date" not in loaded.columns
    assert loaded.attrs["numeric_drivers"] == ("frequency",)
    with pytest.raises(ValueError, match="unknown contract columns"):
        load_table("campaign_daily", df, require=("spendd",))


def test_report_to_dict_is_json_ready(make_folder: Callable[..., Path], broken_dir: Path) -> None:
    import json

    folder = make_folder(campaign_daily=pd.read_csv(broken_dir / "several_errors.csv", dtype=str))
    doc = json.loads(json.dumps(validate_folder(folder).to_dict()))
    assert doc["ok"] is False and doc["tables"] == ["campaign_daily"]
    assert [(e["column"], e["rows"], e["rule"]) for e in doc["errors"]] == [
        ("spend", [2], "non_negative"),
        ("clicks", [3], "clicks_le_impressions"),
        ("revenue", [3], "non_negative"),
        ("impressions", [4], "wrong_type"),
    ]  # ordered by row, then contract column order
    assert all(set(e) == {"table", "column", "rows", "rule", "message"} for e in doc["errors"])


def test_config_url_expands_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.data import TableSource

    monkeypatch.setenv("KPI_TEST_DB", "/tmp/x.db")
    src = TableSource(url="sqlite:///${KPI_TEST_DB}", table="t")
    assert src.resolved_url() == "sqlite:////tmp/x.db"


def test_from_frames_with_targets(make_cd: Callable[..., pd.DataFrame]) -> None:
    ds = Dataset.from_frames(make_cd(days=30), targets={"targets": [{"kpi": "roas", "target": 3}]})
    assert ds.targets is not None and ds.targets.targets[0].kpi == "roas"
    with pytest.raises(DataValidationError) as info:
        Dataset.from_frames(make_cd(days=30), targets={"targets": [{"kpi": "roas"}]})
    assert [(i.table, i.rule) for i in info.value.issues] == [("targets", "targets_error")]
