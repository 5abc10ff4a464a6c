"""Base-measure aggregation: one vectorised groupby per source table.

:func:`aggregate_table` filters a table to a date window, assigns each row its group keys and period start,
and aggregates the requested :class:`~advisor.kpis.catalog.MeasureSpec` s. Rows get one integer group id
(:func:`group_ids`, in the order of pandas' ``groupby(sort=True, dropna=False)``, for keys of any dtype and
any number of rows); sums and means are one pandas ``groupby().sum()`` over a float block with that id
(pandas' compensated summation, rows in table order), distinct counts, min and max are numpy on the ids.
Measures it cannot compute (table, column, grouping column or time column missing) are reported in
``unavailable`` with a reason instead of raising. Missing values (NaN) are skipped by sums, but a group whose
rows all lack the value sums to NaN (unknown, not 0) and is marked in :func:`unknown_column` — e.g. the platform
conversions of campaign rows derived from a media-mix table; a group without rows still sums to 0.

:class:`MeasureCache` (optional) keeps per-table work that does not depend on the request — row dates, period
starts, filter masks, numeric columns, sorted codes of key columns, integer codes and non-missing masks, the
rows where a value reaches ``min_rows``, and the to-date aggregates per ``end`` — so that a service answering
many queries on one loaded dataset does it once; results are identical with or without it (the same functions
run on the whole table once instead of on the window's rows each time). The date window is two binary searches
over the rows in date order: a slice of a table sorted by date (no copy), the row positions of an unsorted one.
"""

from __future__ import annotations

import threading
import weakref
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from advisor.core.periods import period_start
from advisor.kpis.catalog import MeasureSpec, TableSpec
from advisor.kpis.expr import evaluate_filter

PERIOD = "_period"  # internal key column: first day of the period (datetime64[ns])
ALL = "_all"  # internal key column when there is no grouping at all
#: Why a table cannot be grouped by a column it lacks, where more can be said than "not in the table".
NOT_GROUPABLE = {
    "business_daily": "business totals are not broken down by '{column}' (column '{column}' not in business_daily)",
}


class ExternalTable(ABC):
    """A table held outside pandas (e.g. in Spark: ``advisor.kpis.spark.SparkTable``) that aggregates its own
    base measures: :func:`aggregate_table` hands it the request and gets the same :class:`TableAggregate` back,
    so everything after the aggregation (join, formulas, null reasons, changes, labels) is shared."""

    @property
    @abstractmethod
    def columns(self) -> Sequence[str]:
        """The table's column names."""

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    @abstractmethod
    def aggregate(
        self,
        name: str,
        spec: TableSpec | None,
        measures: Sequence[MeasureSpec],
        by: Sequence[str],
        grain: str | None,
        start: date | None,
        end: date | None,
    ) -> TableAggregate:
        """What :func:`aggregate_table` gives for a pandas frame with these rows."""

    @abstractmethod
    def lookup(self, key: str, columns: Sequence[str]) -> pd.DataFrame:
        """One row per value of ``key`` with its ``columns`` (the first row's, in date order)."""


#: A source table of the KPI engine: a pandas frame or a table aggregated where it lives.
Table: TypeAlias = "pd.DataFrame | ExternalTable"


@dataclass(frozen=True)
class TableAggregate:
    """Aggregated measures of one table.

    ``frame``: one row per group (key columns, then one float column per available measure);
    ``unavailable``: {measure name: reason}; ``first``/``last``: date range of the rows used (None when
    undated).
    """

    table: str
    frame: pd.DataFrame | None
    unavailable: dict[str, str] = field(default_factory=dict)
    first: date | None = None
    last: date | None = None


class MeasureCache:
    """Request-independent precomputations on source tables, reused across :func:`aggregate_table` calls.

    Entries are tied to the DataFrame *object* (checked through a weak reference, so a recycled ``id`` never
    matches) and keyed by what they depend on (column, grouping columns, filter); at most ``size`` entries are
    kept (least recently used dropped). The tables must not be mutated in place while the cache is in use —
    a service builds one per loaded dataset. Thread-safe; a duplicate computation under contention is harmless.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, Hashable], tuple[weakref.ref[Any], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, df: pd.DataFrame | ExternalTable, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` for (``df``, ``key``), computed once while ``df`` lives."""
        k = (id(df), key)
        with self._lock:
            hit = self._items.get(k)
            if hit is not None and hit[0]() is df:
                self._items.move_to_end(k)
                return hit[1]
        value = compute()
        with self._lock:
            self._items[k] = (weakref.ref(df), value)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def codes(self, df: pd.DataFrame, column: str) -> np.ndarray:
        """``(len(df),)`` int64 codes of ``df[column]``: equal values share a code, missing values are -1."""
        out: np.ndarray = self.get(df, ("codes", column), partial(_value_codes, df, column))
        return out

    def notna(self, df: pd.DataFrame, column: str) -> np.ndarray:
        """``(len(df),)`` bool: ``df[column]`` is not missing."""
        out: np.ndarray = self.get(df, ("notna", column), partial(_notna, df, column))
        return out


def as_dates(values: pd.Series, spec: TableSpec) -> np.ndarray:
    """Row dates as datetime64[ns]; a ``month`` column ("YYYY-MM") maps to the month's first day."""
    if spec.month is not None:
        if pd.api.types.is_datetime64_any_dtype(values):
            return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype("datetime64[ns]")
        parsed = pd.to_datetime(values.astype(str).str.strip().str[:7], format="%Y-%m", errors="coerce")
        return parsed.to_numpy(dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.to_numpy(dtype="datetime64[ns]")
    return pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[ns]")


def _numeric_column(df: pd.DataFrame, column: str) -> np.ndarray:
    return _numeric(df[column])


def _numeric(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _to_date(value: np.datetime64) -> date | None:
    return None if np.isnat(value) else pd.Timestamp(value).date()


def why_not_aggregable(
    name: str, columns: Sequence[str], spec: TableSpec | None, by: Sequence[str], grain: str | None,
    start: date | None, end: date | None,
) -> str | None:
    """Why table ``name`` (with these ``columns``) cannot give measures by ``by`` at ``grain`` over
    ``start``..``end`` (a grouping column or the date column it needs is missing, a monthly table asked for days or
    weeks), or None when it can: the reason every measure of the table gets. Shared by every table engine."""
    missing_keys = [c for c in by if c not in columns]
    if missing_keys:
        note = NOT_GROUPABLE.get(name, "grouping column '{column}' not in {table}")
        return note.format(column=missing_keys[0], table=name)
    time_col = None if spec is None else (spec.date or spec.month)
    dated = time_col is not None and time_col in columns
    if (grain is not None or start is not None or end is not None) and not dated:
        what = "grain" if grain is not None else "date range"
        return f"{name} has no date column '{time_col or 'date'}' needed for the {what}"
    if spec is not None and spec.month is not None and grain in ("day", "week"):
        return f"{name} is monthly ('{time_col}' is YYYY-MM); it cannot be split into {grain}s"
    return None


def aggregate_table(
    name: str,
    df: Table | None,
    spec: TableSpec | None,
    measures: Sequence[MeasureSpec],
    by: Sequence[str],
    grain: str | None,
    start: date | None,
    end: date | None,
    cache: MeasureCache | None = None,
) -> TableAggregate:
    """Aggregate ``measures`` of table ``name`` by ``by`` (+ period of ``grain``) over ``start``..``end``.

    Inclusive date bounds; a monthly table keeps the months that overlap the window. ``cache``: optional
    :class:`MeasureCache` for ``df`` (same result, less work on repeated calls).
    """

    def none_available(reason: str) -> TableAggregate:
        return TableAggregate(name, None, {m.name: reason for m in measures})

    if df is None:
        return none_available(f"table '{name}' not provided")
    if isinstance(df, ExternalTable):
        return df.aggregate(name, spec, measures, by, grain, start, end)
    unusable = why_not_aggregable(name, df.columns, spec, by, grain, start, end)
    if unusable is not None:
        return none_available(unusable)
    time_col = None if spec is None else (spec.date or spec.month)
    dated = time_col is not None and time_col in df.columns
    monthly = spec is not None and spec.month is not None

    all_dates = _dates(df, time_col, spec, cache) if dated and spec is not None and time_col is not None else None
    rows: np.ndarray | slice = slice(None)
    dates = all_dates
    if all_dates is not None and (start is not None or end is not None):
        rows = _window(df, all_dates, time_col, monthly, start, end, cache)
        dates = all_dates[rows]
    n = len(df) if dates is None else len(dates)
    first = last = None
    if dates is not None and len(dates):
        first, last = _to_date(dates.min()), _to_date(dates.max())
        if monthly and last is not None:
            last = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()

    unavailable: dict[str, str] = {}
    usable: list[MeasureSpec] = []
    for m in measures:
        absent = sorted(c for c in m.columns if c not in df.columns)
        if absent:
            unavailable[m.name] = f"column '{absent[0]}' missing from {name}"
        else:
            usable.append(m)

    keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # key column → (codes of the rows, values by code)
    for c in by:
        keys[c] = _key_codes(cache, df, ("key codes", c), partial(_column_values, df, c), rows)
    if grain is not None and all_dates is not None and time_col is not None:
        periods = partial(_periods, df, all_dates, time_col, grain, cache)
        keys[PERIOD] = _key_codes(cache, df, ("period codes", time_col, grain), periods, rows)
    if not keys:
        keys[ALL] = (np.zeros(n, dtype=np.int64), np.zeros(1, dtype=np.int8))

    masks: dict[str | None, np.ndarray | None] = {None: None}
    for m in usable:
        if m.where not in masks and m.filter is not None:
            full = _full(cache, df, ("filter", m.where), partial(evaluate_filter, m.filter, df))
            masks[m.where] = full[rows]

    sums: dict[str, np.ndarray] = {}
    mean_parts: list[MeasureSpec] = []
    # sums over a column with missing values, where a group may have none known: {name: (known rows, missing
    # rows matching the filter — None without a filter)}
    nan_sums: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    others: list[MeasureSpec] = []
    for m in usable:
        mask = masks[m.where]
        if m.agg in ("sum", "mean"):
            assert m.column is not None
            vals = _full(cache, df, ("numeric", m.column), partial(_numeric_column, df, m.column))[rows]
            missing = np.isnan(vals)
            ok = ~missing if mask is None else (mask & ~missing)
            sums[m.name] = np.where(ok, vals, 0.0) if (mask is not None or not ok.all()) else vals
            if m.agg == "mean":
                sums[f"{m.name}__n"] = ok.astype(np.float64)
                mean_parts.append(m)
            elif missing.any():  # only columns with missing values pay for the counts (two bincounts)
                nan_sums[m.name] = (ok, None if mask is None else mask & missing)
        elif m.agg == "count":
            ok = np.ones(n, dtype=bool) if mask is None else mask
            if m.column is not None:
                ok = ok & _full(cache, df, ("notna", m.column), partial(_notna, df, m.column))[rows]
            sums[m.name] = ok.astype(np.float64)
        else:
            others.append(m)

    inverse, key_columns = group_ids(keys)
    size = len(next(iter(key_columns.values()))) if key_columns else 0
    out: dict[str, np.ndarray] = dict(key_columns)
    if sums:
        # one groupby over a float block with one integer key: pandas' compensated sums, row order kept per group
        block = np.column_stack(list(sums.values())) if len(sums) > 1 else next(iter(sums.values()))[:, None]
        totals = pd.DataFrame(block, copy=False).groupby(inverse, sort=True).sum().to_numpy()
        summed = dict(zip(sums, totals.T, strict=True))
        for m in mean_parts:
            n_ok = summed.pop(f"{m.name}__n")
            summed[m.name] = np.where(n_ok > 0, summed[m.name] / np.where(n_ok > 0, n_ok, 1), np.nan)
        for name, (known, missing_rows) in nan_sums.items():
            unknown = np.bincount(inverse[known], minlength=size) == 0  # a group without a filter has rows
            if missing_rows is not None:  # with one it needs matching rows (none: a true 0)
                unknown &= np.bincount(inverse[missing_rows], minlength=size) > 0
            summed[name] = np.where(unknown, np.nan, summed[name])
            summed[unknown_column(name)] = unknown.astype(np.float64)
        for col, vals in summed.items():
            out[col] = vals
    for m in others:
        assert m.column is not None
        if m.agg == "nunique":
            values = _full(cache, df, ("codes", m.column), partial(_value_codes, df, m.column))[rows]
        else:
            values = df[m.column].to_numpy()[rows]
        out[m.name] = _other_by_group(inverse, size, values, m, masks[m.where])
    return TableAggregate(name, pd.DataFrame(out, copy=False), unavailable, first, last)


def unknown_column(measure: str) -> str:
    """The column of an aggregate frame that is 1.0 where every row of the group has ``measure``'s column
    missing (the sum is unknown, NaN) — present only for sums over a column with missing values."""
    return f"{measure}__unknown"


def group_ids(keys: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Group of each row and the key columns of the groups, in the order of pandas' ``groupby(keys, sort=True,
    dropna=False)``: ``(inverse (n,) int64, {key: (g,) values per group})``, for any number of rows (none too).

    ``keys``: {key: (codes (n,) of the rows, values by code)} as :func:`sorted_codes` gives them (codes follow
    the order of the values); the codes may come from a longer column than the rows (values never used are
    left out)."""
    n = len(next(iter(keys.values()))[0])
    gid = np.zeros(n, dtype=np.int64)
    for codes, values in keys.values():
        radix = max(len(values), 1)
        if gid.max(initial=0) > (np.iinfo(np.int64).max - radix) // radix:  # renumber the groups so far (order kept)
            gid = np.unique(gid, return_inverse=True)[1].reshape(-1)
        gid = gid * radix + codes
    uniq, inverse = np.unique(gid, return_inverse=True)
    inverse = inverse.reshape(-1)
    first = np.empty(len(uniq), dtype=np.int64)  # the first row of each group
    first[inverse[::-1]] = np.arange(n - 1, -1, -1)
    return inverse, {c: values[codes[first]] for c, (codes, values) in keys.items()}


def sorted_codes(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes (n,) int64 >= 0, values by code)`` of a key column: codes in the order of the values as
    ``pd.factorize(sort=True)`` (= pandas' ``groupby(sort=True)``) orders them — numbers before strings in a
    mixed object column — and missing values (NaN/None/NaT) last, as one value."""
    codes, uniques = pd.factorize(arr, sort=True, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=arr.dtype)
    codes = np.where(codes < 0, len(uniques), codes).astype(np.int64)
    if arr.dtype.kind in "biuUS":  # never missing
        return codes, uniques
    missing = np.array(["NaT"], dtype=arr.dtype) if arr.dtype.kind in "mM" else np.array([np.nan], dtype=arr.dtype)
    return codes, np.concatenate([uniques, missing])


def _key_codes(
    cache: MeasureCache | None,
    df: pd.DataFrame,
    key: Hashable,
    column: Callable[[], np.ndarray],
    rows: np.ndarray | slice,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sorted_codes` of a key column (``column()``: its values for every row of ``df``) for ``rows``:
    those of the whole column, kept in ``cache``, cut to the rows; without a cache those of the rows."""
    if cache is None:
        return sorted_codes(column()[rows])
    codes, values = cache.get(df, key, lambda: sorted_codes(column()))
    return codes[rows], values


def _column_values(df: pd.DataFrame, column: str) -> np.ndarray:
    return df[column].to_numpy()


def _notna(df: pd.DataFrame, column: str) -> np.ndarray:
    return df[column].notna().to_numpy()


def _value_codes(df: pd.DataFrame, column: str) -> np.ndarray:
    """``(len(df),)`` int64 codes of ``df[column]`` (equal values share one, missing values are -1)."""
    return np.asarray(pd.factorize(df[column], use_na_sentinel=True)[0], dtype=np.int64)


def _other_by_group(inverse: np.ndarray, size: int, values: np.ndarray, m: MeasureSpec, mask: np.ndarray | None) -> np.ndarray:
    """nunique (with ``min_rows``; 0 for a group without values), min or max (NaN without values) of ``values``
    per group (``inverse``: the group of each row), over rows in ``mask``. For nunique ``values`` are the
    integer codes of the column (:func:`_value_codes`, -1 = missing)."""
    keep = np.ones(len(values), dtype=bool) if mask is None else mask.copy()
    if m.agg == "nunique":
        codes = values
        keep &= codes >= 0
        width = int(codes.max(initial=0)) + 1
        pairs, counts = np.unique(inverse[keep].astype(np.int64) * width + codes[keep], return_counts=True)
        reached = pairs[counts >= m.min_rows] // width
        return np.bincount(reached, minlength=size).astype(np.float64)
    keep &= np.asarray(pd.notna(values), dtype=bool)
    nums = _numeric(pd.Series(values[keep]))
    out = np.full(size, np.nan)
    (np.fmin if m.agg == "min" else np.fmax).at(out, inverse[keep], nums)
    return out


def _full(cache: MeasureCache | None, df: pd.DataFrame, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()`` (a per-row array of the whole ``df``), kept in ``cache`` when given."""
    return compute() if cache is None else cache.get(df, key, compute)


def _dates(df: pd.DataFrame, time_col: str, spec: TableSpec, cache: MeasureCache | None) -> np.ndarray:
    out: np.ndarray = _full(cache, df, ("dates", time_col, spec.month is not None), lambda: as_dates(df[time_col], spec))
    return out


def _periods(
    df: pd.DataFrame, dates: np.ndarray, time_col: str | None, grain: str, cache: MeasureCache | None
) -> np.ndarray:
    out: np.ndarray = _full(cache, df, ("periods", time_col, grain), lambda: period_start(dates, grain))
    return out


def _window(
    df: pd.DataFrame,
    dates: np.ndarray,
    key: Hashable,
    monthly: bool,
    start: date | None,
    end: date | None,
    cache: MeasureCache | None,
) -> np.ndarray | slice:
    """The rows of ``df`` (``dates``: its row dates; missing dates never match) inside ``start``..``end`` (a
    monthly row matches when its month overlaps the window), in table order: two binary searches over the
    rows in date order (kept in ``cache``), giving a slice when the table is sorted by date (no copy), else the
    row positions (int64, ascending)."""

    def prepared() -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        order = np.argsort(dates, kind="stable")  # missing dates (NaT) last
        valid = int(len(dates) - np.isnat(dates).sum())
        by_date = dates[order][:valid]
        last_day = (by_date.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1 if monthly else by_date
        in_order = bool((order[:valid] == np.arange(valid)).all())
        return (None if in_order else order[:valid]), by_date, last_day.astype("datetime64[ns]")

    order, by_date, last_day = _full(cache, df, ("window", key, monthly), prepared)
    lo = 0 if start is None else int(np.searchsorted(last_day, np.datetime64(start, "ns"), side="left"))
    hi = len(by_date) if end is None else int(np.searchsorted(by_date, np.datetime64(end, "ns"), side="right"))
    hi = max(lo, hi)
    return slice(lo, hi) if order is None else np.sort(order[lo:hi])


def aggregate_cumulative(
    name: str,
    df: Table | None,
    spec: TableSpec | None,
    measures: Sequence[MeasureSpec],
    by: Sequence[str],
    grain: str | None,
    start: date | None,
    end: date | None,
    cache: MeasureCache | None = None,
) -> TableAggregate:
    """Cumulative ("to date") measures: all rows up to ``end`` (no grain) or up to the end of each period.

    With a grain, per-period sums are accumulated over the periods of each group; a distinct count (with a grain
    or an ``end``) becomes the running count of values reaching ``min_rows`` rows (a customer counts from the period of their
    ``min_rows``-th order). ``start`` is ignored: periods before it stay, so that the engine can forward-fill
    a group's running total into later periods without rows, and drops them afterwards.

    With a ``cache`` the result is kept per (table, grouping, grain, ``end``, measures): it does not depend on the
    window's start, so the queries of a dashboard that all end on the same day share it.
    """
    if cache is not None and df is not None:
        table = df
        key = ("cumulative", name, spec, tuple(by), grain, end, tuple(_measure_key(m) for m in measures))
        kept: TableAggregate = cache.get(
            df, key, lambda: _aggregate_cumulative(name, table, spec, measures, by, grain, end, cache)
        )
        frame = kept.frame.copy() if kept.frame is not None else None  # the caller owns its frame
        return TableAggregate(kept.table, frame, dict(kept.unavailable), kept.first, kept.last)
    return _aggregate_cumulative(name, df, spec, measures, by, grain, end, cache)


def _measure_key(m: MeasureSpec) -> tuple[Any, ...]:
    return (m.name, m.table, m.agg, m.column, m.where, m.min_rows, m.cumulative)


def _aggregate_cumulative(
    name: str,
    df: Table | None,
    spec: TableSpec | None,
    measures: Sequence[MeasureSpec],
    by: Sequence[str],
    grain: str | None,
    end: date | None,
    cache: MeasureCache | None,
) -> TableAggregate:
    work, plan = df, list(measures)
    time_col = None if spec is None else (spec.date or spec.month)
    dated = df is not None and spec is not None and time_col in df.columns
    not_here: dict[str, str] = {}
    if dated and (grain is not None or end is not None) and isinstance(df, ExternalTable):
        # a running distinct count needs each value's min_rows-th row in date order: not computed outside pandas
        not_here = {m.name: f"to-date distinct counts ({m.name}) are not computed on {name} held outside pandas"
                    for m in measures if m.agg == "nunique"}  # fmt: skip
        plan = [m for m in measures if m.name not in not_here]
    elif dated and (grain is not None or end is not None):
        # a value counts from its min_rows-th row (in date order): the distinct count up to a date is a sum of
        # these marks (rows without a date never count, as the date filter of `end` drops them)
        assert isinstance(df, pd.DataFrame) and spec is not None
        table, tcol = df, time_col
        plan = []
        reaching: list[MeasureSpec] = []
        for m in measures:
            if m.agg != "nunique" or not all(c in df.columns for c in [*m.columns, *by]):
                plan.append(m)
                continue
            reaching.append(m)
            plan.append(MeasureSpec(name=m.name, table=m.table, agg="sum", column=f"__reaches_{m.name}"))
        if reaching:

            def marked() -> pd.DataFrame:
                dates = as_dates(table[tcol], spec)
                return table.assign(**{f"__reaches_{m.name}": _reaches(table, dates, m, by) for m in reaching})

            key = ("reaches", tuple(by), tcol, tuple((m.name, m.column, m.where, m.min_rows) for m in reaching))
            work = marked() if cache is None else cache.get(df, key, marked)
    agg = aggregate_table(name, work, spec, plan, by, grain, None, end, cache)
    agg = TableAggregate(name, agg.frame, {**agg.unavailable, **not_here}, agg.first, agg.last)
    if grain is None or agg.frame is None or agg.frame.empty:
        return TableAggregate(name, agg.frame, agg.unavailable, None, agg.last)
    frame = agg.frame.sort_values([*by, PERIOD], kind="stable", na_position="last").reset_index(drop=True)
    frame = frame.drop(columns=[unknown_column(m.name) for m in measures if unknown_column(m.name) in frame])
    cols = [m.name for m in measures if m.name in frame.columns]
    if by:
        frame[cols] = frame.groupby(list(by), sort=False, dropna=False, observed=True)[cols].cumsum()
    else:
        frame[cols] = frame[cols].cumsum()
    return TableAggregate(name, frame, agg.unavailable, None, agg.last)


def _reaches(df: pd.DataFrame, dates: np.ndarray, m: MeasureSpec, by: Sequence[str]) -> np.ndarray:
    """``(len(df),)`` float: 1.0 on the row where a value of ``m.column`` reaches its ``min_rows``-th row (in
    date order) within its ``by`` group, else 0.0."""
    assert m.column is not None
    keep = pd.notna(df[m.column]).to_numpy() & ~np.isnat(dates)
    if m.filter is not None:
        keep &= evaluate_filter(m.filter, df)
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(dates[rows], kind="stable")]
    ordered = df.iloc[rows][[*by, m.column]]
    nth = ordered.groupby([*by, m.column], sort=False, dropna=False, observed=True).cumcount().to_numpy()
    marks = np.zeros(len(df))
    marks[rows[nth == m.min_rows - 1]] = 1.0
    return marks
