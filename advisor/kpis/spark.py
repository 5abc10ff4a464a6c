"""The KPI engine on Spark (issue 16): base measures of a table held in Spark, aggregated where the rows live.

:class:`SparkTable` wraps a Spark DataFrame (campaign_daily of a 100-million-row Parquet folder, typically) as an
:class:`~advisor.kpis.measures.ExternalTable`: :func:`advisor.kpis.compute_kpis` hands it the same
(measures, grouping, grain, window) it hands :func:`~advisor.kpis.measures.aggregate_table` for a pandas frame,
and gets back the same :class:`~advisor.kpis.measures.TableAggregate` — one row per group and period, one column
per base measure — from **one Spark job** (a ``groupBy().agg()`` over the rows; a distinct count with
``min_rows`` > 1 adds one job). The first job over a :class:`~advisor.data.spark_source.SparkDataset`'s
campaign_daily also counts its row checks (negative values, bad dates ...), so the data is read once. Everything after the aggregation is the pandas engine's own code on groups ×
periods rows: the outer join of tables, the catalog's formulas (ratio KPIs are ratios of the sums), null reasons,
period-over-period changes, period labels. So one catalog, one formula evaluator and one result type
(:class:`~advisor.kpis.table.KpiTable`, the same ``to_json()``) serve both engines.

Translated into Spark from the catalog's parse (:mod:`advisor.kpis.expr`), nothing written twice:

* a measure's ``where`` filter (:func:`spark_filter`: the same whitelisted tree, a comparison with a missing
  value is false, as in pandas);
* its aggregate: ``sum`` (missing values skipped; a group whose rows all lack the value is unknown, not 0, with
  the same marker column), ``count``, ``mean``, ``min``, ``max``, ``nunique`` (with ``min_rows``);
* the period of a row: the first day of its day / ISO week (Monday) / month / quarter, as
  :func:`advisor.core.periods.period_start` computes it (labels are then made by the same
  :func:`advisor.core.periods.labels`);
* the date window (inclusive; a monthly table keeps the months that overlap it).

Sums of doubles are added in partition order by Spark and with pandas' compensated summation by the local
engine: the KPI values agree to about 1e-12 relative on real data (tested to 1e-9).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Sequence
from datetime import date
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.kpis.catalog import MeasureSpec, TableSpec
from advisor.kpis.expr import _COMPARE, Filter
from advisor.kpis.measures import ALL, PERIOD, ExternalTable, TableAggregate, unknown_column, why_not_aggregable

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from advisor.data.spark_source import CampaignChecks, SparkDataset


class SparkTable(ExternalTable):
    """A table held in Spark (``frame``: a Spark DataFrame with contract column names), aggregated by Spark.

    ``checks``: row rules still to count (campaign_daily of a :class:`~advisor.data.spark_source.SparkDataset`):
    the first aggregation counts them over every row in its own job and raises ``DataValidationError`` when one
    is broken, so validating 100M rows costs no pass of its own."""

    def __init__(self, frame: DataFrame, checks: CampaignChecks | None = None) -> None:
        self.frame = frame
        self.checks = checks
        self._columns = tuple(checks.columns) if checks is not None else tuple(frame.columns)
        self._types = dict(frame.dtypes)

    @property
    def columns(self) -> tuple[str, ...]:
        return self._columns

    def lookup(self, key: str, columns: Sequence[str]) -> pd.DataFrame:
        """One row per ``key`` value with its ``columns`` (at its earliest ``date`` when the table is dated, as
        the pandas engine takes the first row of the date-sorted table): ``campaign_id → channel`` for orders."""
        from pyspark.sql import functions as F

        pick = (lambda c: F.min_by(_col(c), _col("date"))) if "date" in self._columns else (lambda c: F.first(_col(c)))
        out: pd.DataFrame = self.frame.groupBy(_col(key)).agg(*[pick(c).alias(c) for c in columns]).toPandas()
        return out

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
        """What :func:`~advisor.kpis.measures.aggregate_table` gives for a pandas frame, computed by Spark."""
        return _aggregate(self, name, spec, measures, by, grain, start, end)


def _col(name: str) -> Column:
    from pyspark.sql import functions as F

    return F.col(f"`{name}`")


# ------------------------------------------------------------------------------------------------ filters


def spark_filter(flt: Filter) -> Column:
    """The boolean Spark Column (never null) of a catalog filter, from its whitelisted parse: names are columns,
    constants literals, ``== != < <= > >= in not in`` (chained), ``and or not``; a comparison with a missing value
    is false (``not in`` a list is then true), as :func:`advisor.kpis.expr.evaluate_filter` does on pandas."""
    from pyspark.sql import functions as F

    false = F.lit(False)

    def ev(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return F.lit(node.value)
        if isinstance(node, ast.Name):
            return _col(node.id)
        if isinstance(node, ast.UnaryOp):
            return ~as_bool(node.operand) if isinstance(node.op, ast.Not) else -ev(node.operand)
        if isinstance(node, ast.BoolOp):
            parts = [as_bool(v) for v in node.values]
            return reduce(operator.and_ if isinstance(node.op, ast.And) else operator.or_, parts)
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            result = None
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.In | ast.NotIn):
                    assert isinstance(right_node, ast.Tuple | ast.List)
                    options = [e.value for e in right_node.elts if isinstance(e, ast.Constant)]
                    res = F.coalesce(left.isin(options), false)
                    res = ~res if isinstance(op, ast.NotIn) else res
                    right = None
                else:
                    right = ev(right_node)
                    res = F.coalesce(_COMPARE[type(op)](left, right), false)
                result = res if result is None else result & res
                left = right
            return result
        raise ValueError(f"filter {flt.source!r}: unsupported node {type(node).__name__}")

    def as_bool(node: ast.expr) -> Any:
        if isinstance(node, ast.Compare | ast.BoolOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            return ev(node)
        value = ev(node)
        return F.coalesce(value.cast("boolean"), false)

    out: Column = as_bool(flt.tree)
    return out


# ------------------------------------------------------------------------------------------------ aggregation


def period_column(day: Column, grain: str) -> Column:
    """First day (DateType) of the ``grain`` period holding ``day``: ISO weeks start on Monday
    (as :func:`advisor.core.periods.period_start`)."""
    from pyspark.sql import functions as F

    if grain == "day":
        return day
    if grain == "week":
        return F.date_sub(day, (F.dayofweek(day) + 5) % 7)  # dayofweek: Sunday 1 ... Saturday 7
    if grain in ("month", "quarter"):
        return F.trunc(day, grain)
    raise ValueError(f"grain must be day, week, month or quarter, got {grain!r}")


def _day_column(table: SparkTable, column: str, spec: TableSpec) -> Column:
    """The row's date (DateType): a ``month`` column ("YYYY-MM") gives the month's first day."""
    from pyspark.sql import functions as F

    kind = table._types.get(column, "string")
    c = _col(column)
    if spec.month is not None:
        if kind == "date" or kind.startswith("timestamp"):
            return F.trunc(F.to_date(c), "month")
        return F.try_to_timestamp(F.substring(F.trim(c.cast("string")), 1, 7), F.lit("yyyy-MM")).cast("date")
    if kind == "date":
        return c
    if kind.startswith("timestamp"):
        return F.to_date(c)
    return F.try_to_timestamp(F.trim(c.cast("string")), F.lit("yyyy-MM-dd")).cast("date")


def _number(table: SparkTable, column: str) -> Column:
    """The column as double, missing (null) where it is null, NaN or not a number (pandas' ``to_numeric``
    coercion)."""
    from pyspark.sql import functions as F

    kind = table._types.get(column, "string")
    c = _col(column)
    value = F.trim(c).try_cast("double") if kind == "string" else c.cast("double")
    return F.when(~F.isnan(value), value) if kind in ("float", "double", "string") else value


def _present(table: SparkTable, column: str) -> Column:
    """True where the column has a value (pandas' ``notna``: null and NaN are missing)."""
    from pyspark.sql import functions as F

    c = _col(column)
    if table._types.get(column) in ("float", "double"):
        return c.isNotNull() & ~F.isnan(c)
    return c.isNotNull()


def _aggregate(
    table: SparkTable,
    name: str,
    spec: TableSpec | None,
    measures: Sequence[MeasureSpec],
    by: Sequence[str],
    grain: str | None,
    start: date | None,
    end: date | None,
) -> TableAggregate:
    from pyspark.sql import functions as F

    def none_available(reason: str) -> TableAggregate:
        return TableAggregate(name, None, {m.name: reason for m in measures})

    columns = table.columns
    unusable = why_not_aggregable(name, columns, spec, by, grain, start, end)
    if unusable is not None:
        return none_available(unusable)
    time_col = None if spec is None else (spec.date or spec.month)
    dated = time_col is not None and time_col in columns
    monthly = spec is not None and spec.month is not None

    rows = table.frame
    day = _day_column(table, time_col, spec) if dated and spec is not None and time_col is not None else None
    inside = F.lit(True)
    if day is not None:
        rows = rows.withColumn("__day", day)
        day = F.col("__day")
        if start is not None:
            inside = inside & ((F.last_day(day) if monthly else day) >= F.lit(start))
        if end is not None:
            inside = inside & (day <= F.lit(end))
    # the rows outside the window form groups of their own (key __in false), dropped after the job: the row
    # checks pending on the table count every row in the same job
    rows = rows.withColumn("__in", F.coalesce(inside, F.lit(False)))
    checks = table.checks if table.checks is not None and table.checks.pending else None
    if table.checks is not None and checks is None:
        table.checks.verify(table.frame, {})  # counted by an earlier job: raises again if a rule was broken

    unavailable: dict[str, str] = {}
    usable: list[MeasureSpec] = []
    for m in measures:
        absent = sorted(c for c in m.columns if c not in columns)
        if absent:
            unavailable[m.name] = f"column '{absent[0]}' missing from {name}"
        else:
            usable.append(m)

    keys = list(by)
    if grain is not None and day is not None:
        rows = rows.withColumn(PERIOD, period_column(day, grain))
        keys.append(PERIOD)
    key_cols = [_col(k) for k in keys] + [F.col("__in")]
    aggs: list[Column] = [F.count(F.lit(1)).alias("__rows")] + (checks.expressions() if checks is not None else [])
    if day is not None:
        aggs += [F.min(day).alias("__first"), F.max(day).alias("__last")]
    nested: list[MeasureSpec] = []
    for i, m in enumerate(usable):
        mask = spark_filter(m.filter) if m.filter is not None else None
        p = f"__m{i}"
        if m.agg in ("sum", "mean"):
            assert m.column is not None
            value = _number(table, m.column)
            ok = value.isNotNull() if mask is None else (mask & value.isNotNull())
            aggs += [F.sum(F.when(ok, value)).alias(f"{p}_sum"), F.count_if(ok).alias(f"{p}_ok")]
            if m.agg == "sum":
                missing = value.isNull()
                aggs.append(F.count_if(missing).alias(f"{p}_miss"))
                aggs.append(F.count_if(missing if mask is None else mask & missing).alias(f"{p}_missmatch"))
        elif m.agg == "count":
            ok = F.lit(True) if mask is None else mask
            if m.column is not None:
                ok = ok & _present(table, m.column)
            aggs.append(F.count_if(ok).alias(p))
        elif m.agg == "nunique":
            assert m.column is not None
            ok = _present(table, m.column) if mask is None else (mask & _present(table, m.column))
            if m.min_rows == 1:
                aggs.append(F.count_distinct(F.when(ok, _col(m.column))).alias(p))
            else:
                nested.append(m)
        else:  # min, max
            assert m.column is not None
            ok = _present(table, m.column) if mask is None else (mask & _present(table, m.column))
            fn = F.min if m.agg == "min" else F.max
            aggs.append(fn(F.when(ok, _number(table, m.column))).alias(p))

    pdf: pd.DataFrame = rows.groupBy(*key_cols).agg(*aggs).toPandas()
    if checks is not None:
        checks.verify(table.frame, pdf[[c for c in pdf.columns if c.startswith("__check")]].sum().to_dict())
    pdf = pdf[pdf["__in"].astype(bool)].reset_index(drop=True)
    inside_rows = rows.where(F.col("__in"))
    for m in nested:
        pdf = _merge_nested(pdf, inside_rows, table, m, keys, f"__m{usable.index(m)}")

    first = last = None
    if day is not None and len(pdf):
        firsts, lasts = pdf["__first"].dropna(), pdf["__last"].dropna()
        first = min(firsts) if len(firsts) else None
        last = max(lasts) if len(lasts) else None
        if monthly and last is not None:
            last = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()

    out: dict[str, np.ndarray] = {}
    for k in by:
        out[k] = pdf[k].to_numpy()
    if PERIOD in keys:
        out[PERIOD] = pd.to_datetime(pdf[PERIOD]).to_numpy(dtype="datetime64[ns]")
    if not keys:
        out[ALL] = np.zeros(len(pdf), dtype=np.int8)

    def floats(column: str) -> np.ndarray:
        return pdf[column].to_numpy(dtype=np.float64, na_value=np.nan)

    for i, m in enumerate(usable):
        p = f"__m{i}"
        if m.agg == "mean":
            total, n_ok = np.nan_to_num(floats(f"{p}_sum")), floats(f"{p}_ok")
            out[m.name] = np.where(n_ok > 0, total / np.where(n_ok > 0, n_ok, 1), np.nan)
        elif m.agg == "sum":
            total = np.nan_to_num(floats(f"{p}_sum"))  # a group without known values sums to 0 ...
            if floats(f"{p}_miss").sum() > 0:  # ... unless the column has missing values and the group only those
                unknown = floats(f"{p}_ok") == 0
                if m.filter is not None:
                    unknown &= floats(f"{p}_missmatch") > 0
                total = np.where(unknown, np.nan, total)
                out[unknown_column(m.name)] = unknown.astype(np.float64)
            out[m.name] = total
        elif m.agg in ("count", "nunique"):
            out[m.name] = np.nan_to_num(floats(p))
        else:
            out[m.name] = floats(p)
    # the unknown markers follow their measure, as in the pandas frame (order of columns is not significant)
    frame = pd.DataFrame(out, copy=False)
    return TableAggregate(name, frame, unavailable, _as_date(first), _as_date(last))


def _merge_nested(
    pdf: pd.DataFrame, rows: DataFrame, table: SparkTable, m: MeasureSpec, keys: list[str], alias: str
) -> pd.DataFrame:
    """``pdf`` with column ``alias``: per group, the distinct values of ``m.column`` with at least ``m.min_rows``
    matching rows (one more Spark job: values counted per group, then the values reaching ``min_rows``)."""
    from pyspark.sql import functions as F

    assert m.column is not None
    ok = _present(table, m.column) if m.filter is None else (spark_filter(m.filter) & _present(table, m.column))
    counted = rows.where(ok).groupBy(*[_col(k) for k in keys], _col(m.column)).count()
    reached = counted.where(F.col("count") >= m.min_rows)
    per_group = (reached.groupBy(*[_col(k) for k in keys]) if keys else reached).agg(F.count(F.lit(1)).alias(alias))
    small: pd.DataFrame = per_group.toPandas()
    if not keys:
        return pdf.assign(**{alias: small[alias].to_numpy() if len(small) else 0})
    if PERIOD in keys:
        small[PERIOD] = pd.to_datetime(small[PERIOD])
        pdf = pdf.assign(**{PERIOD: pd.to_datetime(pdf[PERIOD])})
    return pdf.merge(small, on=keys, how="left")


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return pd.Timestamp(value).date()


# ------------------------------------------------------------------------------------------------ datasets


def spark_kpi_tables(ds: SparkDataset) -> dict[str, Any]:
    """The tables a :class:`~advisor.data.spark_source.SparkDataset`'s KPIs are computed from
    (:func:`advisor.kpis.business.kpi_tables`), campaign_daily wrapped as a :class:`SparkTable`."""
    from advisor.kpis.business import kpi_tables

    tables: dict[str, Any] = kpi_tables(ds)
    return {
        name: (t if isinstance(t, pd.DataFrame) else SparkTable(t, ds.checks if name == "campaign_daily" else None))
        for name, t in tables.items()
    }
