"""KPI engine: :func:`compute_kpis` turns contract tables into a :class:`KpiTable` (SPEC §3, §5 ``kpis``).

Vectorised: each source table is aggregated once into base measures (ratio KPIs are ratios of sums,
never a mean of daily ratios), tables are joined on the group keys and period, then formulas run on the
aggregated columns. A KPI that cannot be computed is null with a reason, never inf/NaN-as-number or an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TypeAlias

import numpy as np
import pandas as pd

from advisor.core.grains import check_grain
from advisor.core.periods import labels, period_start, shift
from advisor.kpis.catalog import KpiCatalog, MeasureSpec, UnknownKpiError, default_catalog
from advisor.kpis.expr import Col, ReasonBook, evaluate_formula, first_reason
from advisor.kpis.measures import (
    ALL,
    PERIOD,
    ExternalTable,
    MeasureCache,
    Table,
    TableAggregate,
    aggregate_cumulative,
    aggregate_table,
    group_ids,
    sorted_codes,
    unknown_column,
)
from advisor.kpis.table import KpiTable

DateLike: TypeAlias = date | datetime | str | pd.Timestamp


def _to_date(value: DateLike | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from None


def _enrich(
    df: Table | None, by: Sequence[str], campaigns: Table | None, cache: MeasureCache | None = None
) -> Table | None:
    """Add campaign attributes (``by`` columns constant per campaign in campaign_daily) to a table that has
    ``campaign_id`` but lacks them, e.g. orders or surveys grouped by channel."""
    if df is None or campaigns is None or "campaign_id" not in df.columns or "campaign_id" not in campaigns:
        return df
    if isinstance(df, ExternalTable):
        return df  # a table held outside pandas is grouped by its own columns only
    add = [c for c in by if c not in df.columns and c in campaigns.columns]
    if not add:
        return df
    if cache is not None:
        table, source = df, campaigns
        enriched: Table = cache.get(df, ("enrich", tuple(add), id(campaigns)), lambda: _enrich(table, add, source))
        return enriched
    if isinstance(campaigns, ExternalTable):
        lookup = campaigns.lookup("campaign_id", add)
    else:
        lookup = campaigns[["campaign_id", *add]].drop_duplicates("campaign_id")
    ids = df["campaign_id"]
    if ids.dtype != lookup["campaign_id"].dtype:
        ids, lookup = ids.astype(str), lookup.assign(campaign_id=lookup["campaign_id"].astype(str))
    mapped = lookup.set_index("campaign_id").reindex(ids.to_numpy())
    return df.assign(**{c: mapped[c].to_numpy() for c in add})


def _merge(aggs: list[TableAggregate], keys: list[str]) -> pd.DataFrame:
    """Outer join of the aggregates' frames on ``keys`` (unique within each frame), sorted by the keys as
    :func:`~advisor.kpis.measures.group_ids` orders them (missing values last): one row per key combination
    found in any frame, the value columns of every frame (NaN where a frame has no such row)."""
    frames = [a.frame for a in aggs if a.frame is not None]
    if not frames:
        return pd.DataFrame({ALL: [0]}) if keys == [ALL] else pd.DataFrame(columns=keys)
    joined = {k: sorted_codes(np.concatenate(_same_dtype([f[k].to_numpy() for f in frames]))) for k in keys}
    inverse, out = group_ids(joined)
    size = len(out[keys[0]])
    offset = 0
    for f in frames:
        at = inverse[offset : offset + len(f)]
        offset += len(f)
        for c in f.columns:
            if c in keys:
                continue
            if c in out:
                raise ValueError(f"measure column {c!r} comes from two aggregated tables")
            col = np.full(size, np.nan)
            col[at] = f[c].to_numpy(dtype=np.float64, na_value=np.nan)
            out[c] = col
    return pd.DataFrame(out, copy=False)


def _same_dtype(parts: list[np.ndarray]) -> list[np.ndarray]:
    """One key column of several frames in one dtype: as they are when the frames with rows agree, else as
    text with missing values kept (campaign ids read as numbers in one table match the same ids read as text
    in another)."""
    dtypes = {p.dtype for p in parts if len(p)} or {parts[0].dtype}
    if len(dtypes) == 1:
        dtype = dtypes.pop()
        return [p if p.dtype == dtype else p.astype(dtype) for p in parts]  # only empty parts are cast
    out = []
    for p in parts:
        text = p.astype(str).astype(object)
        text[np.asarray(pd.isna(p), dtype=bool)] = np.nan
        out.append(text)
    return out


def _measure_col(m: MeasureSpec, merged: pd.DataFrame, agg: TableAggregate, book: ReasonBook) -> Col:
    n = len(merged)
    if m.name in agg.unavailable:
        return Col.null(agg.unavailable[m.name], n, book)
    values = merged[m.name].to_numpy(dtype=np.float64, na_value=np.nan)
    col = Col(values, np.zeros(n, dtype=np.int32), book)
    absent = np.isnan(values)
    if m.agg in ("sum", "count", "nunique"):
        col = Col(np.where(absent, 0.0, values), col.codes, book)  # no rows for the group: a true zero
        marker = unknown_column(m.name)
        if marker in merged:  # rows, but every one of them lacks the value: unknown, not 0
            unknown = merged[marker].to_numpy(dtype=np.float64, na_value=np.nan) == 1.0
            col = col.with_reason(unknown, f"{m.table}.{m.column} is missing in every row of this group/period")
        return col
    where = f" matching {m.where}" if m.where else ""
    return col.with_reason(absent, f"no {m.table} rows{where} in this group/period")


def _core(
    tables: Mapping[str, Table],
    cat: KpiCatalog,
    kpi_ids: Sequence[str],
    by: list[str],
    grain: str | None,
    start: date | None,
    end: date | None,
    book: ReasonBook,
    cache: MeasureCache | None = None,
) -> tuple[pd.DataFrame, dict[str, Col], date | None, date | None]:
    """Keys frame (by columns + period start), {KPI id: Col} and the date range of the data used."""
    order, measure_names = cat.dependencies(kpi_ids)
    per_table: dict[tuple[str, bool], list[MeasureSpec]] = {}
    for name in measure_names:
        m = cat.measures[name]
        per_table.setdefault((m.table, m.cumulative), []).append(m)
    campaigns = tables.get("campaign_daily")
    aggs: dict[tuple[str, bool], TableAggregate] = {}
    for (tname, cumulative), ms in per_table.items():
        df = tables.get(tname)
        if tname != "campaign_daily":
            df = _enrich(df, by, campaigns, cache)
        how = aggregate_cumulative if cumulative else aggregate_table
        aggs[(tname, cumulative)] = how(tname, df, cat.tables.get(tname), ms, by, grain, start, end, cache)
    spine: list[TableAggregate] = []
    if ("campaign_daily", False) not in aggs and campaigns is not None:
        # campaign_daily's groups are the rows even when only other tables' KPIs are asked for, so that a
        # KPI whose table lacks a grouping column still gets rows (null with the reason)
        spine.append(aggregate_table("campaign_daily", campaigns, cat.tables.get("campaign_daily"), [], by,
                                     grain, start, end, cache))  # fmt: skip
    keys = [*by, PERIOD] if grain is not None else (list(by) or [ALL])
    merged = _merge([*aggs.values(), *spine], keys)
    if merged.empty and (keys == [ALL] or all(a.frame is None for a in [*aggs.values(), *spine])):
        # the whole-window total always has one row; and when no table could be aggregated at all, one row
        # without group values carries the reasons instead of an empty table
        merged = merged.reindex(range(1))
        if ALL in merged:
            merged[ALL] = 0
    if grain is not None:
        merged[PERIOD] = pd.to_datetime(merged[PERIOD])  # datetime64 even for the all-null reasons row
    running = [m for m in measure_names if cat.measures[m].cumulative and m in merged.columns]
    if grain is not None and running and len(merged):
        # a period without rows in the table keeps the group's running total (merged is sorted by period)
        grouped = merged.groupby(by, sort=False, dropna=False)[running] if by else merged[running]
        merged[running] = grouped.ffill()
    n = len(merged)

    cols: dict[str, Col] = {}
    for name in measure_names:
        m = cat.measures[name]
        cols[name] = _measure_col(m, merged, aggs[(m.table, m.cumulative)], book)
    results: dict[str, Col] = {}

    def resolve(name: str) -> Col:
        return cols[name] if name in cols else results[name]

    for kid in order:
        results[kid] = evaluate_formula(cat[kid].parsed, resolve, n, book)
    firsts = [a.first for a in aggs.values() if a.first is not None]
    lasts = [a.last for a in aggs.values() if a.last is not None]
    return merged[keys], results, (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def _change(cur: Col, prev: Col, has_prev: np.ndarray) -> tuple[Col, Col]:
    """Absolute (cur − prev) and relative ((cur − prev) / |prev|) change, null with reasons."""
    book = cur.book
    prev_codes = book.map(prev.codes, lambda t: f"previous period: {t}")
    prev_codes[~has_prev] = book.code("no data for the previous period")
    prev = Col(prev.values, prev_codes, book)
    codes = first_reason(cur, prev)
    absolute = Col(np.where(codes == 0, cur.values - prev.values, np.nan), codes, book)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_values = np.where(codes == 0, absolute.values / np.abs(prev.values), np.nan)
    relative = Col(rel_values, codes, book).with_reason(prev.values == 0, "previous value is 0")
    relative = relative.with_reason(~np.isfinite(relative.values), "non-finite result")
    return absolute, relative


def _changes_vs(
    keys: pd.DataFrame,
    cols: dict[str, Col],
    prev_keys: pd.DataFrame,
    prev_cols: dict[str, Col],
    kpi_ids: Sequence[str],
    on: list[str],
) -> dict[str, tuple[Col, Col]]:
    """Change of each KPI against the row of ``prev_keys`` that has the same ``on`` values."""
    matched = _match_rows(keys, prev_keys, on)
    has_prev = ~np.isnan(matched)
    idx = np.where(has_prev, matched, 0).astype(np.int64)
    out: dict[str, tuple[Col, Col]] = {}
    for kid in kpi_ids:
        c, pc = cols[kid], prev_cols[kid]
        prev = pc.take(idx) if len(pc.values) else Col.null("no data", len(idx), c.book)
        out[kid] = _change(c, prev, has_prev)
    return out


def _match_rows(keys: pd.DataFrame, ref: pd.DataFrame, on: list[str]) -> np.ndarray:
    """``(len(keys),)`` float: for each row of ``keys``, the row of ``ref`` with the same ``on`` values (NaN when
    none; missing values match missing values, as in a merge). ``ref``'s ``on`` values are unique (the keys of
    an aggregate)."""
    joined = {c: sorted_codes(np.concatenate(_same_dtype([keys[c].to_numpy(), ref[c].to_numpy()]))) for c in on}
    inverse, _ = group_ids(joined)
    row_of = np.full(int(inverse.max(initial=-1)) + 1, np.nan)
    row_of[inverse[len(keys) :]] = np.arange(len(ref))
    return row_of[inverse[: len(keys)]]


def _changes_by_period(
    keys: pd.DataFrame, cols: dict[str, Col], kpi_ids: Sequence[str], by: list[str], grain: str
) -> dict[str, tuple[Col, Col]]:
    """Change of each KPI against the same group's previous period of ``grain`` (rows of the same table)."""
    this = keys.assign(**{PERIOD: shift(keys[PERIOD].to_numpy(), grain, n=1)})  # row r is "previous" of r+1
    return _changes_vs(keys, cols, this, cols, kpi_ids, [*by, PERIOD])


def compute_kpis(
    tables: Mapping[str, Table],
    *,
    by: Sequence[str] = (),
    grain: str | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    kpis: Sequence[str] | None = None,
    catalog: KpiCatalog | None = None,
    compare: bool = False,
    cache: MeasureCache | None = None,
) -> KpiTable:
    """KPIs per group (``by``: channel, campaign_id or any attribute column) and period (``grain``).

    ``tables``: contract-named DataFrames (campaign_daily; optional orders, surveys, team_kpis), or tables
    aggregated where they live (:class:`~advisor.kpis.measures.ExternalTable`, e.g. campaign_daily in Spark:
    ``advisor.kpis.spark.SparkTable``);
    ``start``/``end``: inclusive dates. ``grain`` None gives one period spanning the window (label
    ``"START/END"``).
    ``compare=True`` adds ``<kpi>_change`` (absolute, in the KPI's unit) and ``<kpi>_change_rel`` (fraction of
    the previous value) against the previous period of the same grain (or the equally long window before
    ``start`` when ``grain`` is None). Raises :class:`UnknownKpiError` for unknown KPI ids and ValueError for
    bad arguments; never for missing data. ``cache``: a :class:`~advisor.kpis.measures.MeasureCache` kept with
    ``tables`` (e.g. per loaded dataset in a service) to reuse request-independent work; same result.
    """
    check_grain(grain)
    cat = catalog if catalog is not None else default_catalog()
    kpi_ids = list(dict.fromkeys(kpis)) if kpis is not None else list(cat.ids)
    for kid in kpi_ids:
        if kid not in cat:
            raise UnknownKpiError(kid, cat.ids)
    by = list(dict.fromkeys(by))
    for col in by:
        if col in ("period", PERIOD, ALL) or col in kpi_ids:
            raise ValueError(f"cannot group by {col!r}: it is a reserved or KPI column name")
    d0, d1 = _to_date(start, "start"), _to_date(end, "end")
    if d0 is not None and d1 is not None and d0 > d1:
        raise ValueError(f"start {d0} is after end {d1}")

    core_start = d0
    if compare and grain is not None and d0 is not None:
        first = period_start(np.array([np.datetime64(d0, "ns")]), grain)
        core_start = pd.Timestamp(shift(first, grain)[0]).date()
    book = ReasonBook()
    keys, cols, first_day, last_day = _core(tables, cat, kpi_ids, by, grain, core_start, d1, book, cache)

    changes: dict[str, tuple[Col, Col]] = {}
    if compare and grain is not None:
        changes = _changes_by_period(keys, cols, kpi_ids, by, grain)
    elif compare:
        w0, w1 = d0 or first_day, d1 or last_day
        if w0 is not None and w1 is not None:
            span = (w1 - w0).days + 1
            p0, p1 = w0 - timedelta(days=span), w0 - timedelta(days=1)
            pkeys, pcols, _, _ = _core(tables, cat, kpi_ids, by, None, p0, p1, book, cache)
            changes = _changes_vs(keys, cols, pkeys, pcols, kpi_ids, list(by) or [ALL])
        else:
            null = Col.null("no dated data to define a previous period", len(keys), book)
            changes = {kid: (null, null) for kid in kpi_ids}

    keep = np.ones(len(keys), dtype=bool)
    if grain is not None and d0 is not None:
        # drops the extra previous period of `compare` and the history of cumulative measures
        first = period_start(np.array([np.datetime64(d0, "ns")]), grain)[0]
        starts = keys[PERIOD].to_numpy(dtype="datetime64[ns]")
        keep = (starts >= first) | np.isnat(starts)

    frame = keys.loc[keep, list(by)].reset_index(drop=True)
    if grain is not None:
        frame["period"] = labels(keys[PERIOD].to_numpy()[keep], grain)
    else:
        w0, w1 = d0 or first_day, d1 or last_day
        frame["period"] = f"{w0.isoformat()}/{w1.isoformat()}" if w0 and w1 else None
    columns: dict[str, np.ndarray] = {}
    null_reasons: dict[str, np.ndarray] = {}
    for kid in kpi_ids:
        parts = [(kid, cols[kid])]
        if kid in changes:
            parts += [(f"{kid}_change", changes[kid][0]), (f"{kid}_change_rel", changes[kid][1])]
        for col_name, c in parts:
            columns[col_name] = c.values[keep]
            null_reasons[col_name] = c.codes[keep]
    frame = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
    return KpiTable(
        frame=frame,
        by=tuple(by),
        grain=grain,
        kpis=tuple(kpi_ids),
        compare=compare,
        catalog=cat,
        null_codes=null_reasons,
        reason_texts=tuple(book.texts),
    )
