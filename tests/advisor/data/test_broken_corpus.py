"""The broken-file corpus (tests/fixtures/broken): exact issues per file; valid variants load.

Rows are CSV file line numbers with the header as line 1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from advisor.data import DataValidationError, load_dataset, load_table, validate_folder

CD = "campaign_daily"

# file → (table, {(table, column, rows, rule), ...}) — the complete set of errors expected
EXPECTED: list[tuple[str, str, set[tuple[str, str | None, tuple[int, ...], str]]]] = [
    ("missing_column.csv", CD, {(CD, "revenue", (), "missing_column")}),
    ("negative_spend.csv", CD, {(CD, "spend", (3,), "non_negative")}),
    ("clicks_gt_impressions.csv", CD, {(CD, "clicks", (4,), "clicks_le_impressions")}),
    ("duplicate_date_campaign.csv", CD, {(CD, "date,campaign_id", (3, 5), "duplicate_key")}),
    ("channel_change.csv", CD, {(CD, "channel", (3,), "channel_constant_per_campaign")}),
    ("text_in_number.csv", CD, {(CD, "spend", (3,), "wrong_type")}),
    ("bad_dates.csv", CD, {(CD, "date", (2, 4), "bad_date")}),
    ("empty.csv", CD, {(CD, None, (), "empty_file")}),
    ("tab_delimited.csv", CD, {(CD, None, (), "missing_column")}),
    ("header_only.csv", CD, {(CD, None, (), "no_rows")}),
    ("missing_value.csv", CD, {(CD, "spend", (3,), "missing_value")}),
    ("fractional_impressions.csv", CD, {(CD, "impressions", (3,), "integer")}),
    ("new_customers_gt_conversions.csv", CD, {(CD, "new_customers", (3,), "new_customers_le_conversions")}),
    ("blank_lines_negative.csv", CD, {(CD, "spend", (5,), "non_negative")}),
    (
        "several_errors.csv",
        CD,
        {
            (CD, "spend", (2,), "non_negative"),
            (CD, "revenue", (3,), "non_negative"),
            (CD, "clicks", (3,), "clicks_le_impressions"),
            (CD, "impressions", (4,), "wrong_type"),
        },
    ),
    (
        "surveys_bad_score.csv",
        "surveys",
        {("surveys", "score", (3, 4), "out_of_range"), ("surveys", "metric", (5,), "allowed_values")},
    ),
    ("team_kpis_bad_period.csv", "team_kpis", {("team_kpis", "period", (3, 4), "pattern")}),
    ("duplicate_header.csv", CD, {(CD, "spend", (), "duplicate_column")}),
    (
        "infinite_values.csv",
        CD,
        {
            (CD, "spend", (2,), "finite"),
            (CD, "revenue", (3,), "finite"),
            (CD, "revenue", (3,), "non_negative"),
        },
    ),
    ("bad_dates_same_campaign.csv", CD, {(CD, "date", (2, 3), "bad_date")}),  # not also duplicate keys
    ("team_kpis_duplicate.csv", "team_kpis", {("team_kpis", "period,metric", (2, 3), "duplicate_key")}),
    ("utf16.csv", CD, {(CD, None, (), "unreadable_file")}),
    ("latin1.csv", CD, {(CD, None, (), "unreadable_file")}),
    ("ragged_rows.csv", CD, {(CD, None, (3,), "unreadable_file")}),
    ("outcomes_duplicate_date.csv", "outcomes_daily", {("outcomes_daily", "date", (2, 4), "duplicate_key")}),
    (
        "orders_bad_date.csv",
        "orders",
        {("orders", "order_date", (3,), "bad_date"), ("orders", "order_date", (4,), "missing_value")},
    ),
]


@pytest.mark.parametrize(("name", "table", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_broken_file_reports_exact_issues(broken_dir: Path, name: str, table: str, expected: set) -> None:
    with pytest.raises(DataValidationError) as info:
        load_table(table, broken_dir / name)
    got = {(i.table, i.column, i.rows, i.rule) for i in info.value.issues}
    assert got == expected
    for issue in info.value.issues:
        assert issue.table in issue.message
        if issue.rows:
            assert f"rows {issue.rows[0]}" in issue.message


def test_wrong_delimiter_message_says_so(broken_dir: Path) -> None:
    with pytest.raises(DataValidationError) as info:
        load_table(CD, broken_dir / "tab_delimited.csv")
    (issue,) = info.value.issues
    assert "delimiter looks wrong" in issue.message and "tab" in issue.message


@pytest.mark.parametrize("name", ["bom_crlf_valid.csv", "semicolon_valid.csv"])
def test_valid_variants_load(broken_dir: Path, name: str) -> None:
    df = load_table(CD, broken_dir / name)
    assert list(df.columns[:3]) == ["date", "campaign_id", "channel"]  # BOM not glued to 'date'
    assert df["date"].dtype == "datetime64[ns]"
    assert df["impressions"].dtype == "int64" and df["spend"].dtype == "float64"
    assert df["campaign_id"].tolist() == ["c1", "c2", "c1"]  # sorted by date, then campaign
    assert len(df) == 3
    assert df.attrs["warnings"] and {w.rule for w in df.attrs["warnings"]} == {"short_history"}


def test_semicolon_file_decimal_commas(broken_dir: Path) -> None:
    df = load_table(CD, broken_dir / "semicolon_valid.csv")
    first = df[(df["campaign_id"] == "c1") & (df["date"] == pd.Timestamp("2024-01-01"))].iloc[0]
    assert first["spend"] == pytest.approx(10.5)
    assert first["revenue"] == pytest.approx(120.25)
    assert df["spend"].sum() == pytest.approx(10.5 + 12 + 8.75)


def test_report_title_lines_are_skipped(broken_dir: Path) -> None:
    """A Google Ads report download: two title lines, then the header on line 3, quoted thousands."""
    df = load_table(CD, broken_dir / "google_ads_report_valid.csv")
    assert df["impressions"].tolist() == [1234, 1500, 1100]
    assert df["spend"].sum() == pytest.approx(360.5) and df["channel"].unique().tolist() == ["Search"]


def test_report_title_lines_keep_line_numbers(broken_dir: Path, tmp_path: Path) -> None:
    text = (broken_dir / "google_ads_report_valid.csv").read_text().replace("130.00", "-130.00")
    (tmp_path / "r.csv").write_text(text)
    with pytest.raises(DataValidationError) as info:
        load_table(CD, tmp_path / "r.csv")
    assert [(i.column, i.rows) for i in info.value.issues] == [
        ("spend", (5,))
    ]  # title, range, header, row, row


def test_trailing_delimiters_add_no_columns(broken_dir: Path) -> None:
    df = load_table(CD, broken_dir / "trailing_delimiters_valid.csv")
    assert df.shape == (2, 8) and df.attrs["attributes"] == () and df.attrs["numeric_drivers"] == ()


def test_line_numbers_count_breaks_inside_quoted_cells(tmp_path: Path) -> None:
    header = "date,campaign_id,channel,spend,impressions,clicks,conversions,revenue,note\n"
    rows = '2024-01-01,c1,search,1,10,1,0,0,"two\nlines"\n2024-01-02,c1,search,-1,10,1,0,0,x\n'
    (tmp_path / "ml.csv").write_text(header + rows)
    with pytest.raises(DataValidationError) as info:
        load_table(CD, tmp_path / "ml.csv")
    assert [(i.column, i.rows) for i in info.value.issues] == [("spend", (4,))]


@pytest.mark.parametrize(
    ("sep", "spend", "expected"),
    [(",", '"$1,234.50"', 1234.5), (";", "1.234,50 €", 1234.5), (";", "12,5", 12.5), (",", "7", 7.0)],
)
def test_number_spellings(tmp_path: Path, sep: str, spend: str, expected: float) -> None:
    cells = ["2024-01-01", "c1", "search", spend, "10", "1", "0", "0"]
    header = ["date", "campaign_id", "channel", "spend", "impressions", "clicks", "conversions", "revenue"]
    (tmp_path / "n.csv").write_text(sep.join(header) + "\n" + sep.join(cells) + "\n")
    assert load_table(CD, tmp_path / "n.csv")["spend"].tolist() == [expected]


# media-mix cases: a folder per case (kpi-advisor.yaml + mmm.csv [+ lift_tests.csv]) → exact errors
MMM = "mmm"
MMM_EXPECTED: list[tuple[str, set[tuple[str, str | None, tuple[int, ...], str]]]] = [
    ("missing_channel_column", {(MMM, "tv_cost", (), "missing_column")}),
    ("negative_spend", {(MMM, "tv_spend", (4,), "non_negative")}),
    ("text_in_spend", {(MMM, "search_spend", (3, 6), "wrong_type")}),
    ("negative_outcome", {(MMM, "sales", (2,), "non_negative")}),
    ("missing_date", {(MMM, "week", (5,), "missing_value")}),
    ("bad_date", {(MMM, "week", (5,), "bad_date")}),
    ("duplicate_period", {(MMM, "week", (5, 6), "duplicate_key")}),
    ("mixed_grain", {(MMM, "week", (8, 9), "mixed_grain")}),
    ("monthly", {(MMM, "week", (), "unsupported_grain")}),
    ("no_outcome", {(MMM, None, (), "no_outcome")}),
    ("no_channels", {(MMM, None, (), "no_channels")}),
    ("lift_unknown_channel", {("lift_tests", "channel", (), "unknown_channel")}),
]


@pytest.mark.parametrize(("name", "expected"), MMM_EXPECTED, ids=[e[0] for e in MMM_EXPECTED])
def test_broken_mmm_folder_reports_exact_issues(broken_dir: Path, name: str, expected: set) -> None:
    folder = broken_dir / "mmm" / name
    report = validate_folder(folder)
    assert not report.ok
    assert {(i.table, i.column, i.rows, i.rule) for i in report.errors} == expected
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder)
    assert {(i.table, i.column, i.rows, i.rule) for i in info.value.issues} == expected
    for issue in info.value.issues:
        assert issue.message.startswith(issue.table)
        if issue.rows:
            assert f"rows {issue.rows[0]}" in issue.message


def test_broken_mmm_messages_name_key_columns_and_channels(broken_dir: Path) -> None:
    (missing,) = validate_folder(broken_dir / "mmm" / "missing_channel_column").errors
    assert "channels.tv.spend" in missing.message and "did you mean 'TV_Spend'?" in missing.message
    (unknown,) = validate_folder(broken_dir / "mmm" / "lift_unknown_channel").errors
    assert "'social'" in unknown.message and "known channels: search, tv" in unknown.message
    (mixed,) = validate_folder(broken_dir / "mmm" / "mixed_grain").errors
    assert "1 day or all 7 days" in mixed.message and "2024-02-06" in mixed.message


@pytest.mark.parametrize(
    ("name", "warning"),
    [("valid", None), ("valid_semicolon_bom", None), ("weekly_gap_valid", ("week", (5,), "gap")),
     ("lift_outside_history_valid", ("start,end", (), "window_outside_history"))],
)
def test_valid_mmm_folders_load(broken_dir: Path, name: str, warning: tuple | None) -> None:
    ds = load_dataset(broken_dir / "mmm" / name)
    assert ds.mmm is not None and ds.mmm.freq == "W" and ds.mmm.channels == ("tv", "search")
    assert ds.mmm.frame["control__price"].eq(1.5).all()  # decimal comma read in the semicolon file
    assert ds.mmm.events == ("event__promo=spring",)
    assert [(w.column, w.rows, w.rule) for w in ds.warnings] == ([warning] if warning else [])
    if warning and warning[2] == "gap":
        assert "1 missing week(s)" in ds.warnings[0].message and "day" not in ds.warnings[0].message


LIFT_EXPECTED = [
    ("lift_tests_start_after_end.csv", {("lift_tests", "start", (3,), "start_le_end")}),
    (
        "lift_tests_bad_values.csv",
        {
            ("lift_tests", "kpi", (2,), "allowed_values"),
            ("lift_tests", "std_error", (3,), "positive"),
            ("lift_tests", "end", (4,), "missing_value"),
        },
    ),
]


@pytest.mark.parametrize(("name", "expected"), LIFT_EXPECTED, ids=[e[0] for e in LIFT_EXPECTED])
def test_broken_lift_tests_report_exact_issues(broken_dir: Path, name: str, expected: set) -> None:
    with pytest.raises(DataValidationError) as info:
        load_table("lift_tests", broken_dir / name)
    assert {(i.table, i.column, i.rows, i.rule) for i in info.value.issues} == expected
