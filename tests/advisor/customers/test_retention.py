"""Repeat rate and cohort retention on small hand-checked orders."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.customers import repeat_rate, retention_by_cohort

ORDERS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
        "order_date": [
            "2024-01-05",
            "2024-01-05",
            "2024-03-10",  # a: same-day pair = one transaction; back in March
            "2024-01-20",
            "2024-02-02",  # b: back in February (13 days later)
            "2024-02-15",  # c: one-off
            "2024-02-20",
            "2024-04-01",  # d: back in April (41 days later)
        ],
        "revenue": [10.0, 5.0, 8.0, 20.0, 7.0, 9.0, 4.0, 6.0],
        "channel": ["search", "search", "search", "social", "social", "social", "email", None],
    }
)


def test_repeat_rate_overall_and_by_channel() -> None:
    overall = repeat_rate(ORDERS)
    assert overall.loc[0, "customers"] == 4 and overall.loc[0, "repeat_customers"] == 3
    assert overall.loc[0, "repeat_rate"] == pytest.approx(0.75)
    by = repeat_rate(ORDERS, by="channel").set_index("channel")
    assert by.loc["social", "repeat_rate"] == pytest.approx(0.5)
    assert by.loc["email", "repeat_rate"] == 1.0  # channel of d's first order


def test_repeat_rate_within_days_counts_only_old_enough_customers() -> None:
    within = repeat_rate(ORDERS, within_days=30, as_of="2024-04-01")
    # c (2024-02-15) and d (2024-02-20) are old enough; a, b too. a's repeat is 65 days later, d's 41.
    assert within.loc[0, "customers"] == 4 and within.loc[0, "repeat_customers"] == 1  # only b
    recent = repeat_rate(ORDERS, within_days=40, as_of="2024-03-01")
    assert recent.loc[0, "customers"] == 2  # a and b acquired 40+ days before March 1


def test_retention_by_month() -> None:
    table = retention_by_cohort(ORDERS, "month")
    jan = table[table["cohort"] == "2024-01"].set_index("period_number")
    assert jan.loc[0, "cohort_size"] == 2 and jan.loc[0, "retention"] == 1.0
    assert jan.loc[1, "period"] == "2024-02" and jan.loc[1, "active_customers"] == 1  # b
    assert jan.loc[2, "active_customers"] == 1 and jan.loc[2, "retention"] == 0.5  # a in March
    feb = table[table["cohort"] == "2024-02"].set_index("period_number")
    assert feb.loc[0, "cohort_size"] == 2 and feb.loc[2, "active_customers"] == 1  # d in April
    assert not table.loc[table["period"] == "2024-04", "complete"].any()  # April still running
    assert table["complete"].sum() == len(table) - 1


def test_retention_other_grains_and_errors() -> None:
    q = retention_by_cohort(ORDERS, "quarter")
    assert q.loc[0, "cohort"] == "2024-Q1" and q.loc[0, "cohort_size"] == 4
    assert q.loc[1, "period"] == "2024-Q2" and q.loc[1, "active_customers"] == 1
    w = retention_by_cohort(ORDERS, "week")
    assert w["cohort"].iloc[0] == "2024-W01"  # ISO week label (Monday 2024-01-01), as advisor.core.periods
    with pytest.raises(ValueError, match="grain"):
        retention_by_cohort(ORDERS, "year")
