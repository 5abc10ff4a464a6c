"""Property: any valid campaign_daily written as CSV (comma, or semicolon with decimal commas) loads back to
the same frame as the in-memory original — awkward text (quotes, delimiters, unicode) included."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas._libs.parsers import STR_NA_VALUES

from advisor.data import load_table

NA_SPELLINGS = set(STR_NA_VALUES) | {"--"}
text = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8)
    .map(str.strip)
    .filter(lambda s: s != "" and s not in NA_SPELLINGS)
)


@st.composite
def campaign_frames(draw: st.DrawFn) -> pd.DataFrame:
    ids = draw(st.lists(text, min_size=1, max_size=3, unique=True))
    channels = [draw(text) for _ in ids]
    keys = draw(st.sets(st.tuples(st.integers(0, 40), st.integers(0, len(ids) - 1)), min_size=1, max_size=12))
    rows = []
    for day, k in sorted(keys):
        impressions = draw(st.integers(0, 10**9))
        rows.append(
            {
                "date": (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)).strftime("%Y-%m-%d"),
                "campaign_id": ids[k],
                "channel": channels[k],
                "spend": draw(st.integers(0, 10**8)) / 100,
                "impressions": impressions,
                "clicks": draw(st.integers(0, impressions)),
                "conversions": draw(st.integers(0, 10**4)) / 4,
                "revenue": draw(st.floats(0, 1e9, allow_nan=False)),
                "audience": draw(text),
            }
        )
    return pd.DataFrame(rows)


@settings(max_examples=10, deadline=None)
@given(frame=campaign_frames(), semicolon=st.booleans())
def test_csv_round_trip_equals_in_memory(frame: pd.DataFrame, semicolon: bool) -> None:
    expected = load_table("campaign_daily", frame)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "campaign_daily.csv"
        if semicolon:
            frame.to_csv(path, sep=";", decimal=",", index=False)
        else:
            frame.to_csv(path, index=False)
        got = load_table("campaign_daily", path)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    assert got.attrs["attributes"] == expected.attrs["attributes"]


BASE = pd.DataFrame(
    {
        "date": ["2024-01-01", "2024-01-02", "2024-01-03"],
        "campaign_id": ["a", "a", "b"],
        "channel": ["search", "search", "social"],
        "spend": ["1.5", "2", "3"],
        "impressions": ["10", "20", "30"],
        "clicks": ["1", "2", "3"],
        "conversions": ["0", "1", "0"],
        "revenue": ["0", "5.5", "0"],
    }
)
cells = st.one_of(text, st.sampled_from(["", "-1", "1e400", "nan", "2024-02-30", "1,5", "999999999999"]))


@settings(max_examples=15, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(list(BASE.columns)), cells), max_size=4))
def test_any_cell_edit_gives_a_frame_or_issues_never_a_crash(edits: list[tuple[int, str, str]]) -> None:
    from advisor.data import DataValidationError

    frame = BASE.copy()
    for row, col, value in edits:
        frame.loc[row, col] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "campaign_daily.csv"
        frame.to_csv(path, index=False)
        try:
            out = load_table("campaign_daily", path)
        except DataValidationError as exc:
            assert exc.issues
            assert all(2 <= r <= 4 for i in exc.issues for r in i.rows)  # CSV lines of the 3 data rows
        else:
            assert len(out) == 3 and out["spend"].ge(0).all()
