"""Base-measure aggregation: one vectorised groupby per source table.

:func:`aggregate_table` filters a table to a date window, assigns each row its group keys and period start,
and aggregates the requested :class:`~advisor.kpis.catalog.MeasureSpec` s in one ``groupby().sum()`` (plus one
groupby per distinct-count/min/max measure). Measures it cannot compute (table, column, grouping column
or time column missing) are reported in ``unavailable`` with a reason instead of raising.

:class:`MeasureCache` (optional) keeps per-table work that does not depend on the request — integer codes and
non-missing masks of value columns, the rows where a value reaches ``min_rows`` — so that a service answering
many queries on one loaded dataset does it once; results are identical with or without it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from advisor.kpis.catalog import MeasureSpec, TableSpec
from advisor.kpis.expr import evaluate_filter
from advisor.kpis.periods import period_start

PERIOD = "_period"  # internal key column: first day of the period (datetime64[ns])
ALL = "_all"  # internal key column when there is no grouping at all


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
        self._items: OrderedDict[tuple[int, Hashable], tuple[weakref.ref[pd.DataFrame], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, df: pd.DataFrame, key: Hashable, compute: Callable[[], Any]) -> Any:
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

    def factorized(self, df: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, values)``: ``(len(df),)`` int64 codes of ``df[column]`` (equal values share a code, missing
        values are -1) and the ``(k,)`` object array of distinct values, ``values[codes[i]] == df[column][i]``."""

        def run() -> tuple[np.ndarray, np.ndarray]:
            codes, uniques = pd.factorize(df[column], use_na_sentinel=True)
            return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)

        out: tuple[np.ndarray, np.ndarray] = self.get(df, ("codes", column), run)
        return out

    def codes(self, df: pd.DataFrame, column: str) -> np.ndarray:
        """``(len(df),)`` int64 codes of ``df[column]``: equal values share a code, missing values are -1."""
        return self.factorized(df, column)[0]

    def notna(self, df: pd.DataFrame, column: str) -> np.ndarray:
        """``(len(df),)`` bool: ``df[column]`` is not missing."""
        out: np.ndarray = self.get(df, ("notna", column), lambda: df[column].notna().to_numpy())
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


def _numeric(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _to_date(value: np.datetime64) -> date | None:
    return None if np.isnat(value) else pd.Timestamp(value).date()


def aggregate_table(
    name: str,
    df: pd.DataFrame | None,
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
    missing_keys = [c for c in by if c not in df.columns]
    if missing_keys:
        return none_available(f"grouping column '{missing_keys[0]}' not in {name}")

    time_col = None if spec is None else (spec.date or spec.month)
    dated = time_col is not None and time_col in df.columns
    needs_time = grain is not None or start is not None or end is not None
    if needs_time and not dated:
        what = "grain" if grain is not None else "date range"
        return none_available(f"{name} has no date column '{time_col or 'date'}' needed for the {what}")
    monthly = spec is not None and spec.month is not None
    if monthly and grain in ("day", "week"):
        return none_available(f"{name} is monthly ('{time_col}' is YYYY-MM); it cannot be split into {grain}s")

    dates = as_dates(df[time_col], spec) if dated and spec is not None else None
    rows: np.ndarray | slice = slice(None)
    if dates is not None and (start is not None or end is not None):
        keep = ~np.isnat(dates)
        last_day = (dates.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1 if monthly else dates
        if start is not None:
            keep &= last_day >= np.datetime64(start, "ns")
        if end is not None:
            keep &= dates <= np.datetime64(end, "ns")
        rows = keep
        dates = dates[keep]
    frame = df[rows] if not isinstance(rows, slice) else df
    first = last = None
    if dates is not None and len(dates):
        first, last = _to_date(dates.min()), _to_date(dates.max())
        if monthly and last is not None:
            last = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()

    unavailable: dict[str, str] = {}
    usable: list[MeasureSpec] = []
    for m in measures:
        absent = sorted(c for c in m.columns if c not in frame.columns)
        if absent:
            unavailable[m.name] = f"column '{absent[0]}' missing from {name}"
        else:
            usable.append(m)

    keys: dict[str, np.ndarray] = {}
    coded: dict[str, np.ndarray] = {}  # object key column → its distinct values, when grouped by integer codes
    for c in by:
        if cache is not None and df[c].dtype == object:
            key_codes, coded[c] = cache.factorized(df, c)
            keys[c] = key_codes[rows]
        else:
            keys[c] = frame[c].to_numpy()
    if grain is not None and dates is not None:
        keys[PERIOD] = period_start(dates, grain)
    if not keys:
        keys[ALL] = np.zeros(len(frame), dtype=np.int8)
    key_names = list(keys)

    masks: dict[str | None, np.ndarray | None] = {None: None}
    for m in usable:
        if m.where not in masks and m.filter is not None:
            masks[m.where] = evaluate_filter(m.filter, frame)

    sums: dict[str, np.ndarray] = {}
    mean_parts: list[MeasureSpec] = []
    others: list[MeasureSpec] = []
    for m in usable:
        mask = masks[m.where]
        if m.agg in ("sum", "mean"):
            vals = _numeric(frame[m.column])
            ok = ~np.isnan(vals) if mask is None else (mask & ~np.isnan(vals))
            sums[m.name] = np.where(ok, vals, 0.0) if (mask is not None or not ok.all()) else vals
            if m.agg == "mean":
                sums[f"{m.name}__n"] = ok.astype(np.float64)
                mean_parts.append(m)
        elif m.agg == "count":
            ok = np.ones(len(frame), dtype=bool) if mask is None else mask
            if m.column is not None:
                present = cache.notna(df, m.column)[rows] if cache is not None else frame[m.column].notna().to_numpy()
                ok = ok & present
            sums[m.name] = ok.astype(np.float64)
        else:
            others.append(m)

    work = pd.DataFrame({**keys, **sums}, copy=False)
    grouped = work.groupby(key_names, sort=True, dropna=False, observed=True)
    result = grouped[list(sums)].sum() if sums else grouped.size().to_frame("__size")[[]]
    for m in mean_parts:
        n = result.pop(f"{m.name}__n")
        result[m.name] = np.where(n > 0, result[m.name] / n.where(n > 0, 1), np.nan)
    for m in others:
        codes = cache.codes(df, m.column)[rows] if cache is not None and m.agg == "nunique" and m.column else None
        result[m.name] = _other(work[key_names], frame, m, masks[m.where], codes).reindex(result.index)
        if m.agg == "nunique":
            result[m.name] = result[m.name].fillna(0.0)
    out = result.reset_index()
    for c, values in coded.items():  # codes back to values (-1: missing); rows are in code order, not value order
        group_codes = out[c].to_numpy(dtype=np.int64)
        picked = values[np.maximum(group_codes, 0)] if len(values) else np.full(len(out), np.nan, dtype=object)
        out[c] = np.where(group_codes >= 0, picked, np.nan)
    return TableAggregate(name, out, unavailable, first, last)


def _other(
    keys: pd.DataFrame, frame: pd.DataFrame, m: MeasureSpec, mask: np.ndarray | None, codes: np.ndarray | None = None
) -> pd.Series:
    """nunique (with ``min_rows``), min or max of ``m.column`` per group, over rows in ``mask``. ``codes``:
    integer codes of the column's values (-1 = missing), used instead of the values for nunique."""
    assert m.column is not None
    col = frame[m.column].to_numpy() if codes is None else codes
    sub = keys.assign(__v=col)
    if mask is not None:
        sub = sub[mask]
    sub = sub[sub["__v"].to_numpy() >= 0] if codes is not None else sub[pd.notna(sub["__v"])]
    key_names = list(keys.columns)
    if m.agg == "nunique":
        sizes = sub.groupby([*key_names, "__v"], sort=False, dropna=False, observed=True).size()
        sizes = sizes[sizes >= m.min_rows]
        return sizes.groupby(level=key_names, dropna=False, observed=True).size().astype(np.float64)
    sub = sub.assign(__v=_numeric(sub["__v"]))
    g = sub.groupby(key_names, sort=False, dropna=False, observed=True)["__v"]
    return (g.min() if m.agg == "min" else g.max()).astype(np.float64)


def aggregate_cumulative(
    name: str,
    df: pd.DataFrame | None,
    spec: TableSpec | None,
    measures: Sequence[MeasureSpec],
    by: Sequence[str],
    grain: str | None,
    start: date | None,
    end: date | None,
    cache: MeasureCache | None = None,
) -> TableAggregate:
    """Cumulative ("to date") measures: all rows up to ``end`` (no grain) or up to the end of each period.

    With a grain, per-period sums are accumulated over the periods of each group; a distinct count becomes
    the running count of values reaching ``min_rows`` rows (a customer counts from the period of their
    ``min_rows``-th order). ``start`` is ignored: periods before it stay, so that the engine can forward-fill
    a group's running total into later periods without rows, and drops them afterwards.
    """
    work, plan = df, list(measures)
    time_col = None if spec is None else (spec.date or spec.month)
    if grain is not None and df is not None and spec is not None and time_col in df.columns:
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
    if grain is None or agg.frame is None or agg.frame.empty:
        return TableAggregate(name, agg.frame, agg.unavailable, None, agg.last)
    frame = agg.frame.sort_values([*by, PERIOD], kind="stable", na_position="last").reset_index(drop=True)
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
