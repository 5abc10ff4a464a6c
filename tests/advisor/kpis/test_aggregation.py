"""KPI aggregation against known values: golden KPI tables and table aggregates (``golden/``, see
:mod:`tests.advisor.kpis.golden_cases`), with and without a :class:`MeasureCache`; hand-computed groupings (key
dtypes, missing keys, no rows); to-date distinct counts as sums of "reaches ``min_rows``" marks; and the per-``end``
cache of to-date aggregates (reused for another start, never for another table object or another end).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import advisor.kpis.measures as measures
from advisor.kpis import compute_kpis
from advisor.kpis.catalog import MeasureSpec, TableSpec, default_catalog
from advisor.kpis.measures import MeasureCache, aggregate_cumulative, aggregate_table
from tests.advisor.kpis import golden_cases as gc

KPI_GOLDEN = json.loads((gc.GOLDEN / "kpi_tables.json").read_text())
AGG_GOLDEN = json.loads((gc.GOLDEN / "aggregates.json").read_text())


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    return gc.world()


@pytest.fixture(scope="module")
def variants(world: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    return {"plain": world, "messy": gc.messy(world)}


def assert_same(got: Any, want: Any, where: str = "") -> None:
    """Equal JSON-like values; floats to 1e-12 relative (summation order may change in the last bits)."""
    if isinstance(want, float) and isinstance(got, float):
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12), f"{where}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), f"{where}: keys {sorted(got)} != {sorted(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {len(got)} items != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]")
    else:
        assert got == want and type(got) is type(want), f"{where}: {got!r} != {want!r}"


def _golden_table(table: Any) -> dict[str, Any]:
    return {"dtypes": {c: str(t) for c, t in table.frame.dtypes.items()}, "records": table.to_records(reasons=True)}


@pytest.mark.parametrize(("variant", "by", "grain", "compare"), gc.kpi_queries())
def test_kpi_tables_equal_golden(
    variants: dict[str, dict[str, pd.DataFrame]], variant: str, by: list[str], grain: str | None, compare: bool
) -> None:
    """Every grouping (missing group values, a missing date, unsorted orders in the messy tables) with and without a
    cache (filled by the first cached call, read by the second) gives the recorded table."""
    tables = variants[variant]
    last = pd.Timestamp(tables["campaign_daily"]["date"].max())
    kw = {"by": by, "grain": grain, "compare": compare, "kpis": gc.KPIS,
          "start": (last - pd.Timedelta(days=45)).date(), "end": last.date()}  # fmt: skip
    want = KPI_GOLDEN[gc.kpi_case_name(variant, by, grain, compare)]
    cache = MeasureCache()
    for got in (compute_kpis(tables, **kw), compute_kpis(tables, **kw, cache=cache), compute_kpis(tables, **kw, cache=cache)):
        assert_same(_golden_table(got), want)


def test_monthly_and_one_campaign_tables_equal_golden(world: dict[str, pd.DataFrame]) -> None:
    """A monthly table (team KPIs by team) and one campaign's rows alone (one group per window, with compare)."""
    for name, table in gc.extra_tables(world).items():
        assert_same(_golden_table(table), KPI_GOLDEN[name], name)


@pytest.mark.parametrize("case", sorted(gc.aggregate_inputs()))
def test_aggregates_equal_golden(case: str) -> None:
    """Sums, means, counts, min, max and distinct counts (with ``min_rows``) by string, float, integer, boolean,
    mixed-object and always-missing keys (missing keys last), by week, and over a window without rows; the same
    with a cache (sorted codes of the whole columns, cut to the rows)."""
    df, by, grain, start = gc.aggregate_inputs()[case]
    for cache in (None, MeasureCache()):
        agg = aggregate_table("t", df, gc.RANDOM_SPEC, gc.RANDOM_MEASURES, by, grain, start, None, cache)
        assert agg.frame is not None
        got = gc.frame_json(agg.frame)
        assert_same(got, AGG_GOLDEN[case], case)


def test_grouping_by_hand() -> None:
    """Missing keys sort last, numbers before strings;
    mean over non-missing values, count of rows with a value, min/max, distinct counts with min_rows."""
    df = pd.DataFrame(
        {
            "g": np.array(["b", None, "a", "b", 7, "a", None], dtype=object),
            "v": [1.0, 2.0, np.nan, 4.0, 8.0, 16.0, 32.0],
            "who": ["x", "x", "y", "x", "z", "y", "w"],
        }
    )
    ms = [
        MeasureSpec("total", "t", "sum", "v"),
        MeasureSpec("avg", "t", "mean", "v"),
        MeasureSpec("n", "t", "count", "v"),
        MeasureSpec("lo", "t", "min", "v"),
        MeasureSpec("hi", "t", "max", "v"),
        MeasureSpec("repeat", "t", "nunique", "who", min_rows=2),
    ]
    frame = aggregate_table("t", df, TableSpec("t"), ms, ["g"], None, None, None).frame
    assert frame is not None
    assert frame["g"].tolist()[:3] == [7, "a", "b"] and pd.isna(frame["g"].iloc[3])
    assert frame["total"].tolist() == [8.0, 16.0, 5.0, 34.0]
    assert frame["avg"].tolist() == [8.0, 16.0, 2.5, 17.0]
    assert frame["n"].tolist() == [1.0, 1.0, 2.0, 2.0]
    assert frame["lo"].tolist() == [8.0, 16.0, 1.0, 2.0] and frame["hi"].tolist() == [8.0, 16.0, 4.0, 32.0]
    assert frame["repeat"].tolist() == [0.0, 1.0, 1.0, 0.0]
    none = aggregate_table("t", df.iloc[:0], TableSpec("t"), ms, ["g"], None, None, None).frame
    assert none is not None and list(none.columns) == ["g", *[m.name for m in ms]] and len(none) == 0


def test_to_date_counts_as_marks_equal_distinct_counts(world: dict[str, pd.DataFrame]) -> None:
    """Without a grain, the to-date distinct counts up to ``end`` (sums of reaches-marks) equal a plain nunique
    over the rows up to ``end``."""
    cat = default_catalog()
    orders = gc.messy(world)["orders"]
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


def test_join_of_aggregates_by_hand() -> None:
    """Outer join sorted by the keys (missing last); a frame without rows adds its columns; ids read as numbers in
    one table match the same ids read as text in another (missing ids stay missing); rows of the previous window
    are matched by key, missing to missing."""
    from advisor.kpis.engine import _match_rows, _merge
    from advisor.kpis.measures import TableAggregate

    a = pd.DataFrame({"campaign_id": np.array(["2", None, "1"], dtype=object), "x": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"campaign_id": np.array([3, 1]), "y": [10.0, 30.0]})
    empty = pd.DataFrame({"campaign_id": np.array([], dtype=float), "z": np.array([], dtype=float)})
    merged = _merge([TableAggregate("a", a), TableAggregate("b", b), TableAggregate("e", empty)], ["campaign_id"])
    assert merged["campaign_id"].tolist()[:3] == ["1", "2", "3"] and pd.isna(merged["campaign_id"].iloc[3])
    np.testing.assert_array_equal(merged["x"], [3.0, 1.0, np.nan, 2.0])
    np.testing.assert_array_equal(merged["y"], [30.0, np.nan, 10.0, np.nan])
    assert merged["z"].isna().all() and list(merged.columns) == ["campaign_id", "x", "y", "z"]
    keys = pd.DataFrame({"g": np.array(["a", None, "c"], dtype=object), "p": [1, 2, 3]})
    prev = pd.DataFrame({"g": np.array([None, "a", "a"], dtype=object), "p": [2, 1, 2]})
    np.testing.assert_array_equal(_match_rows(keys, prev, ["g", "p"]), [1.0, 0.0, np.nan])
    np.testing.assert_array_equal(_match_rows(keys, prev.iloc[:0], ["g"]), [np.nan] * 3)


def test_date_window_by_hand() -> None:
    """Inclusive bounds; rows without a date never match; unsorted and sorted tables give the same rows; a
    monthly row matches when its month overlaps the window (its date range then ends on the month's last day)."""
    ms = [MeasureSpec("total", "t", "sum", "v")]
    df = pd.DataFrame(
        {"date": pd.to_datetime(["2026-01-03", "2026-01-01", None, "2026-01-02", "2026-01-05"]), "v": [1.0, 2.0, 4.0, 8.0, 16.0]}
    )
    spec = TableSpec("t", date="date")
    start, end = pd.Timestamp("2026-01-02").date(), pd.Timestamp("2026-01-03").date()
    for table in (df, df.sort_values("date", na_position="last"), df.sort_values("date", na_position="first")):
        for cache in (None, MeasureCache()):
            agg = aggregate_table("t", table, spec, ms, [], None, start, end, cache)
            assert agg.frame is not None and agg.frame["total"].tolist() == [9.0]
            assert (agg.first, agg.last) == (start, end)
            after = aggregate_table("t", table, spec, ms, [], None, pd.Timestamp("2026-01-04").date(), None, cache)
            assert after.frame is not None and after.frame["total"].tolist() == [16.0]
    months = pd.DataFrame({"month": ["2026-03", "2026-01", "2026-02"], "v": [1.0, 2.0, 4.0]})
    agg = aggregate_table("t", months, TableSpec("t", month="month"), ms, [], None, pd.Timestamp("2026-01-20").date(),
                          pd.Timestamp("2026-02-10").date(), None)  # fmt: skip
    assert agg.frame is not None and agg.frame["total"].tolist() == [6.0]
    assert (str(agg.first), str(agg.last)) == ("2026-01-01", "2026-02-28")
