"""The KPI engine's fast paths give exactly what the plain pandas paths give.

Integer grouping (``measures._group_ids``) vs pandas ``groupby``; the code-based outer join and row matching
(``engine._outer_join``, ``engine._match_rows``) vs pandas ``merge``; date windows as slices of sorted tables vs boolean masks; to-date
distinct counts as sums of "reaches ``min_rows``" marks; and the per-``end`` cache of to-date aggregates
(reused for another start, never for another table object or another end).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import advisor.kpis.engine as engine
import advisor.kpis.measures as measures
from advisor.kpis import compute_kpis
from advisor.kpis.catalog import MeasureSpec, TableSpec, default_catalog
from advisor.kpis.measures import MeasureCache, aggregate_cumulative, aggregate_table
from demo_world import generate_world


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    return dict(generate_world(seed=5, days=150).tables)


def _messy(world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The world with missing group values, a missing date and shuffled (unsorted) orders."""
    t = {k: v.copy() for k, v in world.items()}
    cd = t["campaign_daily"]
    cd.loc[cd.index[::37], "audience"] = None
    cd.loc[cd.index[5], "channel"] = np.nan
    orders = t["orders"]
    orders.loc[orders.index[::101], "channel"] = None
    orders.loc[orders.index[7], "order_date"] = pd.NaT
    t["orders"] = orders.sample(frac=1.0, random_state=1)
    surveys = t["surveys"]
    surveys.loc[surveys.index[::53], "score"] = np.nan
    return t


def _records(table: object) -> str:
    return repr(table.to_records(reasons=True))  # type: ignore[attr-defined]


QUERIES = list(
    itertools.product(
        ([], ["channel"], ["campaign_id"], ["channel", "audience"]),
        (None, "week", "month"),
        (False, True),
    )
)


@pytest.mark.parametrize(("by", "grain", "compare"), QUERIES)
def test_fast_paths_equal_pandas_paths(
    world: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch, by: list[str], grain: str | None, compare: bool
) -> None:
    last = pd.Timestamp(world["campaign_daily"]["date"].max())
    for tables in (world, _messy(world)):
        kw = {"by": by, "grain": grain, "compare": compare, "start": (last - pd.Timedelta(days=45)).date(), "end": last.date()}
        cache = MeasureCache()
        fast = [compute_kpis(tables, **kw), compute_kpis(tables, **kw, cache=cache), compute_kpis(tables, **kw, cache=cache)]
        with monkeypatch.context() as m:
            m.setattr(measures, "_group_ids", lambda *a: None)
            m.setattr(engine, "_outer_join", lambda *a: None)
            m.setattr(engine, "_match_rows", lambda *a: None)
            m.setattr(measures, "_window", _mask_window)
            plain = compute_kpis(tables, **kw)
        for got in fast:
            pd.testing.assert_frame_equal(got.frame, plain.frame, check_exact=True)
            assert _records(got) == _records(plain)


def _mask_window(df, dates, key, monthly, start, end, cache):  # type: ignore[no-untyped-def]
    """The boolean-mask window (what the engine does for unsorted tables)."""
    keep = ~np.isnat(dates)
    last_day = (dates.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1 if monthly else dates
    if start is not None:
        keep &= last_day >= np.datetime64(start, "ns")
    if end is not None:
        keep &= dates <= np.datetime64(end, "ns")
    return keep


def test_integer_grouping_orders_like_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing keys (strings, numbers, dates) sort last, like ``groupby(sort=True, dropna=False)``; nunique with
    ``min_rows``, min, max and mean agree."""
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame(
        {
            "date": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
            "g": rng.choice(np.array(["b", "a", "c", None], dtype=object), n),
            "h": rng.choice([1.0, 2.0, np.nan], n),
            "v": rng.normal(100, 30, n).round(2),
            "who": rng.choice([f"c{i}" for i in range(40)], n).astype(object),
        }
    )
    df.loc[3, "date"] = pd.NaT
    df.loc[::9, "v"] = np.nan
    spec = TableSpec("t", date="date")
    ms = [
        MeasureSpec("total", "t", "sum", "v"),
        MeasureSpec("avg", "t", "mean", "v"),
        MeasureSpec("n", "t", "count", "v"),
        MeasureSpec("lo", "t", "min", "v"),
        MeasureSpec("hi", "t", "max", "v"),
        MeasureSpec("buyers", "t", "nunique", "who"),
        MeasureSpec("repeat", "t", "nunique", "who", min_rows=2),
    ]
    for by, grain, cache in itertools.product((["g"], ["g", "h"], ["h"], []), (None, "week"), (None, MeasureCache())):
        fast = aggregate_table("t", df, spec, ms, by, grain, None, None, cache)
        with monkeypatch.context() as m:
            m.setattr(measures, "_group_ids", lambda *a: None)
            plain = aggregate_table("t", df, spec, ms, by, grain, None, None, cache)
        assert fast.frame is not None and plain.frame is not None
        pd.testing.assert_frame_equal(fast.frame, plain.frame, check_exact=True)


def test_to_date_counts_as_marks_equal_distinct_counts(world: dict[str, pd.DataFrame]) -> None:
    """Without a grain, the to-date distinct counts up to ``end`` (sums of reaches-marks) equal a plain nunique
    over the rows up to ``end``."""
    cat = default_catalog()
    orders = _messy(world)["orders"]
    ms = [cat.measures[n] for n in ("customers_to_date", "repeat_customers_to_date")]
    end = (pd.Timestamp(orders["order_date"].max()) - pd.Timedelta(days=30)).date()
    got = aggregate_cumulative("orders", orders, cat.tables["orders"], ms, ["channel"], None, None, end).frame
    assert got is not None
    upto = orders[orders["order_date"] <= pd.Timestamp(end)]
    counts = upto.groupby(["channel", "customer_id"], dropna=False).size()
    want_all = counts.groupby(level="channel", dropna=False).size()
    want_repeat = counts[counts >= 2].groupby(level="channel", dropna=False).size()
    for _, row in got.iterrows():
        key = row["channel"]
        key = np.nan if pd.isna(key) else key
        assert row["customers_to_date"] == want_all.get(key, 0)
        assert row["repeat_customers_to_date"] == want_repeat.get(key, 0)


def test_to_date_cache_is_per_end_and_table(world: dict[str, pd.DataFrame]) -> None:
    """The to-date aggregate is computed once per (table object, grouping, grain, end), whatever the start; a
    new table object (a new dataset snapshot) or another end is computed afresh, and callers get their own
    frame."""
    cat = default_catalog()
    ms = [m for m in cat.measures.values() if m.cumulative]
    spec = cat.tables["orders"]
    orders = world["orders"]
    end = pd.Timestamp(orders["order_date"].max()).date()
    cache = MeasureCache()
    calls: list[object] = []
    real = measures._aggregate_cumulative

    def counting(*args: object) -> object:
        calls.append(args[6])
        return real(*args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as m:
        m.setattr(measures, "_aggregate_cumulative", counting)
        a = aggregate_cumulative("orders", orders, spec, ms, ["channel"], "month", None, end, cache)
        b = aggregate_cumulative("orders", orders, spec, ms, ["channel"], "month", end, end, cache)  # start ignored
        assert len(calls) == 1
        assert a.frame is not None and b.frame is not None and a.frame is not b.frame
        pd.testing.assert_frame_equal(a.frame, b.frame)
        a.frame.iloc[0, -1] = -1.0  # a caller changing its frame does not change the cached one
        c = aggregate_cumulative("orders", orders, spec, ms, ["channel"], "month", None, end, cache)
        assert c.frame is not None and c.frame.iloc[0, -1] != -1.0
        earlier = (pd.Timestamp(end) - pd.Timedelta(days=20)).date()
        aggregate_cumulative("orders", orders, spec, ms, ["channel"], "month", None, earlier, cache)
        assert len(calls) == 2
        changed = orders.copy()
        changed["revenue"] = changed["revenue"] * 2
        d = aggregate_cumulative("orders", changed, spec, ms, ["channel"], "month", None, end, cache)
        assert len(calls) == 3
        assert d.frame is not None
        fresh = real("orders", changed, spec, ms, ["channel"], "month", end, None)
        assert fresh.frame is not None
        pd.testing.assert_frame_equal(d.frame, fresh.frame)
        assert not d.frame["order_revenue_to_date"].equals(c.frame["order_revenue_to_date"])


def test_user_catalog_monthly_table(world: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch) -> None:
    """A monthly table (team KPIs) through the window and grouping fast paths, as a user catalog adds it."""
    cat = default_catalog()
    last = pd.Timestamp(world["campaign_daily"]["date"].max())
    kw = {"by": ["team"], "grain": "month", "start": (last - pd.Timedelta(days=80)).date(), "kpis": ["research_quality"]}
    fast = compute_kpis(world, catalog=cat, **kw, cache=MeasureCache())
    with monkeypatch.context() as m:
        m.setattr(measures, "_group_ids", lambda *a: None)
        m.setattr(measures, "_window", _mask_window)
        plain = compute_kpis(world, catalog=cat, **kw)
    pd.testing.assert_frame_equal(fast.frame, plain.frame, check_exact=True)


@pytest.mark.parametrize("by", [[], ["channel"], ["campaign_id", "audience"]])
def test_one_group_tables_equal_pandas_paths(world: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch, by: list[str]) -> None:
    """One campaign's rows (as a diagnosis passes them): one group per window, returned without a join."""
    cd = world["campaign_daily"]
    rows = cd[cd["campaign_id"] == cd["campaign_id"].iloc[0]].reset_index(drop=True)
    last = pd.Timestamp(rows["date"].max())
    kw = {"by": by, "compare": True, "start": (last - pd.Timedelta(days=30)).date(), "end": last.date()}
    cache = MeasureCache()
    fast = [compute_kpis({"campaign_daily": rows}, **kw), compute_kpis({"campaign_daily": rows}, **kw, cache=cache)]
    with monkeypatch.context() as m:
        m.setattr(engine, "_outer_join", lambda *a: None)
        plain = compute_kpis({"campaign_daily": rows}, **kw)
    assert len(plain.frame) == 1
    for got in fast:
        pd.testing.assert_frame_equal(got.frame, plain.frame, check_exact=True)
        assert _records(got) == _records(plain)
