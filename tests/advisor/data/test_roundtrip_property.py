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
