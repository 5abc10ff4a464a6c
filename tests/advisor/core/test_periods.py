from datetime import date

import numpy as np
import pandas as pd
import pytest

from advisor.core.periods import label, labels, parse_period, period_start, periods_between, same_period, shift

DATES = pd.to_datetime(pd.Series(["2026-10-19", "2026-10-25", "2026-12-31", "2027-01-03", None]))


@pytest.mark.parametrize(
    ("grain", "expected"),
    [
        ("day", ["2026-10-19", "2026-10-25", "2026-12-31", "2027-01-03", None]),
        ("week", ["2026-W43", "2026-W43", "2026-W53", "2026-W53", None]),
        ("month", ["2026-10", "2026-10", "2026-12", "2027-01", None]),
        ("quarter", ["2026-Q4", "2026-Q4", "2026-Q4", "2027-Q1", None]),
    ],
)
def test_labels_of_period_starts(grain: str, expected: list[str | None]) -> None:
    assert labels(period_start(DATES, grain), grain).tolist() == expected


def test_week_label_round_trips_to_its_monday_and_sorts_as_text() -> None:
    start = pd.Timestamp(period_start(pd.Series([pd.Timestamp("2026-10-21")]), "week")[0])
    assert start == pd.Timestamp("2026-10-19")  # Monday
    p = parse_period(label(start, "week"))
    assert (p.grain, p.start, p.end) == ("week", date(2026, 10, 19), date(2026, 10, 25))
    weeks = pd.date_range("2025-12-01", "2026-02-28", freq="W-MON")
    names = [label(w, "week") for w in weeks]
    assert names == sorted(names)


def test_week_label_is_not_a_day_label() -> None:
    assert parse_period("2026-W43").grain == "week"
    assert parse_period("2026-10-19").grain == "day"


def test_periods_between_and_shift() -> None:
    a = pd.Series(pd.to_datetime(["2026-01-01", "2026-01-05"]))
    b = pd.Series(pd.to_datetime(["2026-07-01", "2026-01-19"]))
    assert periods_between(a, b, "month").tolist() == [6, 0]
    assert periods_between(a, b, "quarter").tolist() == [2, 0]
    assert periods_between(a, b, "week").tolist() == [25, 2]  # whole 7-day steps
    moved = shift(np.array([np.datetime64("2026-10-01", "ns")]), "quarter", -1)[0]
    assert pd.Timestamp(moved) == pd.Timestamp("2026-07-01")


def test_same_period_and_errors() -> None:
    assert same_period("2026-10", "2026-10-01..2026-10-31")
    assert not same_period("2026-10", "2026-W43")
    with pytest.raises(ValueError, match="not understood"):
        parse_period("October")
    with pytest.raises(ValueError, match="grain must be one of"):
        period_start(DATES, "year")
