"""``MeasureCache``: the same KPI tables with and without the per-table precomputations, and its bookkeeping."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from advisor.kpis import compute_kpis
from advisor.kpis.measures import MeasureCache
from demo_world import generate_world


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    """A 120-day demo world: orders with repeat customers, surveys, campaign attributes."""
    return dict(generate_world(seed=3, days=120).tables)


@pytest.mark.parametrize(
    ("by", "grain", "compare"),
    list(itertools.product(([], ["channel"], ["campaign_id"], ["channel", "audience"]), (None, "week", "month"), (False, True))),
)
def test_cached_equals_uncached(world: dict[str, pd.DataFrame], by: list[str], grain: str | None, compare: bool) -> None:
    cache = MeasureCache()
    last = pd.Timestamp(world["campaign_daily"]["date"].max())
    start = (last - pd.Timedelta(days=40)).date()
    plain = compute_kpis(world, by=by, grain=grain, start=start, compare=compare)
    for _ in range(2):  # the second call reads the cache
        cached = compute_kpis(world, by=by, grain=grain, start=start, compare=compare, cache=cache)
        pd.testing.assert_frame_equal(cached.frame, plain.frame)
        assert cached.to_records() == plain.to_records() or repr(cached.to_records()) == repr(plain.to_records())


def test_cache_entries_follow_the_table_object() -> None:
    cache = MeasureCache(size=2)
    a = pd.DataFrame({"x": ["u", None, "v", "u"]})
    calls: list[int] = []

    def compute(value: int) -> int:
        calls.append(value)
        return value

    assert cache.codes(a, "x").tolist() == [0, -1, 1, 0]
    assert cache.get(a, "k", lambda: compute(1)) == 1
    assert cache.get(a, "k", lambda: compute(2)) == 1 and calls == [1]
    b = a.copy()  # another object: computed afresh
    assert cache.get(b, "k", lambda: 3) == 3
    assert cache.notna(b, "x").tolist() == [True, False, True, True]
    assert len(cache._items) == 2  # LRU bound
    assert np.array_equal(cache.codes(a, "x"), [0, -1, 1, 0])


@pytest.mark.parametrize("grain", [None, "day"])
def test_missing_group_values_stay_missing(tables: dict[str, pd.DataFrame], grain: str | None) -> None:
    """Grouping by integer codes maps a missing group value back to a missing value, rows in value order."""
    t = {k: v.copy() for k, v in tables.items()}
    t["campaign_daily"].loc[t["campaign_daily"].index[0], "channel"] = None
    plain = compute_kpis(t, by=["channel"], grain=grain)
    cached = compute_kpis(t, by=["channel"], grain=grain, cache=MeasureCache())
    pd.testing.assert_frame_equal(cached.frame, plain.frame)
    assert cached.frame["channel"].isna().any()
