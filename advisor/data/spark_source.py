"""campaign_daily as a Spark DataFrame, for the KPI engine on Spark (issue 16: KPIs over 100M+ rows).

:func:`load_spark_dataset` reads a data folder the way :func:`advisor.data.load_dataset` does, except that
``campaign_daily`` — a Parquet file or a folder of Parquet part files (``campaign_daily/part-*.parquet``, as Spark
writes a table) — stays in Spark and is never loaded into pandas. The other tables (orders, surveys, team_kpis,
outcomes_daily, lift_tests: small by nature) are read and validated by the usual readers.

What the Spark path validates in campaign_daily, with the same rule ids and wording as the pandas validation
(table, column, count, rule). The schema checks run at once (they need only the Parquet footers); the row checks
are counted over every row by the first Spark job that reads the table — the KPI aggregation, so the 100M rows
are read once — or by :meth:`SparkDataset.check` (one job); a broken rule then costs one small job for examples:

* the columns: aliases and the config's ``columns`` mapping resolved as in pandas (``advisor.data.aliases``),
  required columns present (``missing_column``), ``defaults`` added as constants, at most ``max_columns``;
* every contract column's values: empty values in a required column (``missing_value``), text that is not an
  ISO date (``bad_date``) or not a number (``wrong_type``), fractions in whole-number columns (``integer``),
  infinite numbers (``finite``), negative values (``non_negative``), ``clicks`` > ``impressions`` and
  ``new_customers`` > ``conversions`` (``clicks_le_impressions``, ``new_customers_le_conversions``).

Row numbers cannot be counted cheaply over a folder of part files, so an issue carries no ``rows``; its message
names up to three offending rows instead (part file, date, campaign_id). Not checked on the Spark path (each
needs a shuffle of the whole table): unique (date, campaign_id) rows, one channel per campaign, date gaps, short
histories and outliers (warnings in pandas) — run ``kpi-advisor validate`` on a sample for those.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.data.aliases import resolve_columns
from advisor.data.config import DataConfig, TableSource, find_config
from advisor.data.contract import TABLES, ColumnSpec, TableContract
from advisor.data.dataset import CSV_SUFFIXES, _find_files, _load_source
from advisor.data.issues import DataValidationError, ValidationIssue
from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

#: The table kept in Spark; every other table is read into pandas.
SPARK_TABLE = "campaign_daily"
#: Prefix of the stored (un-typed) copy of a contract column in the Spark frame, read by the row checks.
RAW = "__raw_"


@dataclass(frozen=True, eq=False)
class SparkDataset:
    """A data folder whose ``campaign_daily`` is a Spark DataFrame (contract names; ``date`` a DateType column,
    text columns strings, number columns doubles, whole-number columns longs); the other tables are pandas frames
    as :class:`advisor.data.Dataset` holds them. ``source``: where campaign_daily was read from; ``checks``: the
    row rules of campaign_daily, counted in the first Spark job that reads the rows (:class:`CampaignChecks`).

    ``campaign_daily`` also holds the stored values as ``__raw_<column>`` (what the checks read); its contract and
    extra columns are :attr:`CampaignChecks.columns`."""

    def check(self) -> SparkDataset:
        """Run the row checks now (one Spark job) unless a job already did; ``DataValidationError`` naming
        every broken rule. Returns self."""
        self.checks.run(self.campaign_daily)
        return self

    campaign_daily: DataFrame
    source: str
    checks: CampaignChecks
    outcomes_daily: pd.DataFrame | None = None
    orders: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    team_kpis: pd.DataFrame | None = None
    lift_tests: pd.DataFrame | None = None
    warnings: tuple[ValidationIssue, ...] = field(default=())
    campaign_source: str = "campaign_daily"

    @property
    def business_daily(self) -> pd.DataFrame | None:
        """Business totals per day (``date, conversions, revenue``) from outcomes_daily, else None."""
        if self.outcomes_daily is None:
            return None
        return self.outcomes_daily[["date", "conversions", "revenue"]].copy()

    @property
    def tables(self) -> dict[str, Any]:
        """The present tables by contract name, in contract order (campaign_daily a Spark DataFrame)."""
        return {name: t for name in TABLES if (t := getattr(self, name)) is not None}


def _fail(rule: str, message: str, table: str = SPARK_TABLE, column: str | None = None) -> DataValidationError:
    return DataValidationError([ValidationIssue(table, column, (), rule, message)])


def load_spark_dataset(
    folder: Path | str, spark: SparkSession, config_path: Path | None = None, *, limits: DataLimits = DEFAULT_LIMITS
) -> SparkDataset:
    """The data folder ``folder`` with campaign_daily read by ``spark`` (see the module docstring).

    Raises ``DataValidationError`` naming table, column, rule and count when anything fails (nothing partial),
    ``LimitExceeded`` for a side table over ``limits`` or a campaign_daily with more than ``max_columns``
    columns. ``limits.max_rows`` does not apply to campaign_daily here: that is what the Spark engine is for."""
    folder = Path(folder)
    if not folder.is_dir():
        raise _fail("missing_folder", f"data folder not found: {folder}", table="dataset")
    config = DataConfig()
    try:
        found = find_config(folder, config_path)
        if found is not None:
            config = DataConfig.from_yaml(found, limits=limits)
    except LimitExceeded:
        raise
    except ValueError as exc:
        raise _fail("config_error", f"config: {exc}", table="config") from None
    if config.mmm is not None:
        raise _fail("config_error", "config: the Spark engine reads campaign rows (campaign_daily as Parquet); "
                    "a data folder with an mmm: table is read with --engine local", table="config")  # fmt: skip
    spec = config.tables.get(SPARK_TABLE)
    path = _campaign_path(folder, spec)
    campaign, checks = read_campaign_daily(spark, path, spec, limits=limits)

    errors: list[ValidationIssue] = []
    warnings: list[ValidationIssue] = []
    frames: dict[str, pd.DataFrame] = {}
    for name, contract in TABLES.items():
        if name == SPARK_TABLE:
            continue
        side = config.tables.get(name)
        if side is None:
            files = _find_files(folder, name)
            if len(files) > 1:
                errors.append(ValidationIssue(name, None, (), "ambiguous_source", f"{name}: several files "
                              f"{[f.name for f in files]}; keep one or choose it in kpi-advisor.yaml"))  # fmt: skip
                continue
            if not files:
                continue
            side = TableSource(path=files[0].name)
        result = _load_source(contract, side, folder, limits)
        errors += result.errors
        warnings += result.warnings
        if result.frame is not None:
            frames[name] = result.frame
    if errors:
        raise DataValidationError(errors, warnings)
    return SparkDataset(campaign_daily=campaign, source=str(path), checks=checks, warnings=tuple(warnings), **frames)


def _campaign_path(folder: Path, spec: TableSource | None) -> Path:
    """Where campaign_daily is: the config's ``path`` or the folder's ``campaign_daily[.parquet]`` (file or
    folder of part files); a CSV, an SQL source, none or several are errors saying what to do."""
    if spec is not None and spec.url is not None:
        raise _fail("unsupported_source", "campaign_daily: the Spark engine reads Parquet (a file or a folder of "
                    "part files), not an SQL source; export the table to Parquet or use --engine local")  # fmt: skip
    if spec is not None and spec.path is not None:
        path = folder / spec.path
        if not path.exists():
            raise _fail("missing_table", f"campaign_daily: file not found: {path}")
    else:
        files = _find_files(folder, SPARK_TABLE)
        if not files:
            raise _fail("missing_table", f"campaign_daily: required table not found in {folder} (expected a "
                        "Parquet folder campaign_daily/ of part files or campaign_daily.parquet)")  # fmt: skip
        if len(files) > 1:
            raise _fail("ambiguous_source", f"campaign_daily: several sources {[f.name for f in files]}; keep one "
                        "or choose it in kpi-advisor.yaml")  # fmt: skip
        path = files[0]
    if path.is_file() and path.suffix.lower() in CSV_SUFFIXES:
        raise _fail("unsupported_source", f"campaign_daily: {path.name} is CSV; the Spark engine reads Parquet "
                    "(a .parquet file or a folder of part files) — convert it, or use --engine local")  # fmt: skip
    return path


def read_campaign_daily(
    spark: SparkSession, path: Path, spec: TableSource | None = None, *, limits: DataLimits = DEFAULT_LIMITS
) -> tuple[DataFrame, CampaignChecks]:
    """campaign_daily of the Parquet file or folder ``path`` as a typed Spark DataFrame (lazy: nothing is read
    but the footers) and its row checks, to be counted by the first job over the rows. Raises
    ``DataValidationError`` for what the schema shows (a missing column, two columns claiming one name)."""
    from pyspark.errors import PySparkException
    from pyspark.sql import functions as F

    contract = TABLES[SPARK_TABLE]
    try:
        raw = spark.read.parquet(str(path))
    except PySparkException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _fail("unreadable_file", f"campaign_daily: {path.name}: cannot read Parquet: {first}") from None
    if len(raw.columns) > limits.max_columns:
        raise LimitExceeded(SPARK_TABLE, "max_columns", limits.max_columns, len(raw.columns),
                            f"{SPARK_TABLE}: {path.name} has {len(raw.columns)} columns; at most "
                            f"{limits.max_columns} (rule max_columns)")  # fmt: skip
    resolution = resolve_columns(raw.columns, contract, spec.columns if spec is not None else None)
    if resolution.conflicts:
        target, raws = next(iter(resolution.conflicts.items()))
        raise _fail("ambiguous_column", f"{SPARK_TABLE}: columns {list(raws)} all map to '{target}'; keep one "
                    "or map them in kpi-advisor.yaml", column=target)  # fmt: skip
    named = raw.select(*[F.col(f"`{r}`").alias(n) for r, n in resolution.rename.items()])
    for name, value in (spec.defaults if spec is not None else {}).items():
        if name not in named.columns:
            named = named.withColumn(name, F.lit(value))
    missing = [c for c in contract.required_names if c not in named.columns]
    if missing:
        issues = [ValidationIssue(SPARK_TABLE, c, (), "missing_column", f"{SPARK_TABLE}: required column '{c}' is "
                                  f"missing (columns found: {', '.join(raw.columns)})") for c in missing]  # fmt: skip
        raise DataValidationError(issues)
    raw_types = dict(named.dtypes)
    typed_exprs = {
        c: _typed(F.col(f"`{c}`"), col_spec, raw_types[c])
        for c in named.columns
        if (col_spec := contract.column(c)) is not None
    }
    frame = named.select(
        *[typed_exprs[c].alias(c) if c in typed_exprs else F.col(f"`{c}`") for c in named.columns],
        *[F.col(f"`{c}`").alias(f"{RAW}{c}") for c in typed_exprs],
    )
    return frame, CampaignChecks(contract, tuple(named.columns), _rules(raw_types, contract))


def _typed(col: Column, spec: ColumnSpec, dtype: str) -> Column:
    """``col`` (stored as Spark type ``dtype``) in the contract type of ``spec``: date → DateType (ISO text
    parsed strictly, timestamps cut to their day), text → string, number → double, integer → long when stored as
    whole numbers (else double, checked by the ``integer`` rule); text that does not parse becomes null."""
    from pyspark.sql import functions as F

    if spec.dtype == "date":
        if dtype == "date":
            return col
        if dtype.startswith("timestamp"):
            return F.to_date(col)
        return F.try_to_timestamp(F.trim(col.cast("string")), F.lit("yyyy-MM-dd")).cast("date")
    if spec.dtype == "text":
        return col.cast("string")
    if spec.dtype == "integer" and dtype in ("tinyint", "smallint", "int", "bigint"):
        return col.cast("long")
    if dtype == "string":
        return F.trim(col).try_cast("double")
    return col.cast("double")


@dataclass(frozen=True)
class _Rule:
    rule: str
    column: str
    bad: Column  # true on an offending row
    message: str  # with {n} for the count


def _rules(raw_types: Mapping[str, str], contract: TableContract) -> list[_Rule]:
    """The row rules of ``contract`` over a frame with the typed columns (contract names) beside the stored
    values (``__raw_<name>``)."""
    from pyspark.sql import functions as F

    t = contract.name
    out: list[_Rule] = []
    inf = (F.lit(math.inf), F.lit(-math.inf))
    for spec in contract.columns:
        c = spec.name
        if c not in raw_types:
            continue
        r, v = F.col(f"`{RAW}{c}`"), F.col(f"`{c}`")
        empty = r.isNull()
        if raw_types[c] in ("float", "double"):
            empty = empty | F.isnan(r)
        if raw_types[c] == "string":
            empty = empty | (F.trim(r) == "")
        if spec.required:
            out.append(_Rule("missing_value", c, empty, f"{t}.{c}: {{n}} empty value(s) in a required column"))
        if spec.dtype == "date":
            out.append(_Rule("bad_date", c, ~empty & v.isNull(),
                             f"{t}.{c}: {{n}} value(s) are not ISO dates YYYY-MM-DD"))  # fmt: skip
            continue
        if spec.dtype not in ("number", "integer"):
            continue
        kind = "a number" if spec.dtype == "number" else "a whole number"
        out.append(_Rule("wrong_type", c, ~empty & v.isNull(), f"{t}.{c}: {{n}} value(s) are not {kind}"))
        known = v.isNotNull() & ~F.isnan(v)
        infinite = known & ((v == inf[0]) | (v == inf[1]))
        out.append(_Rule("finite", c, infinite, f"{t}.{c}: {{n}} value(s) are infinite"))
        if spec.dtype == "integer":
            whole = known & ~infinite & (v != F.floor(v))
            out.append(_Rule("integer", c, whole, f"{t}.{c}: {{n}} value(s) are not whole numbers"))
        if spec.min_value == 0.0 and not spec.min_exclusive:
            out.append(_Rule("non_negative", c, known & (v < 0), f"{t}.{c}: must be ≥ 0, {{n}} negative value(s)"))
    for le in contract.less_equal:
        if le.left in raw_types and le.right in raw_types:
            bad = (F.col(f"`{le.left}`") > F.col(f"`{le.right}`")).eqNullSafe(True)
            out.append(_Rule(le.rule, le.left, bad, f"{t}.{le.left}: must not exceed {le.right}; {{n}} row(s) have "
                             f"{le.left} > {le.right}"))  # fmt: skip
    return out


class CampaignChecks:
    """The row rules of campaign_daily (:func:`_rules`) and whether they were counted.

    Deferred so that they cost no pass of their own: the KPI engine on Spark counts them in its aggregation job
    (:meth:`expressions` beside the measures, over every row, before the date window), then calls
    :meth:`verify` with the counts. ``columns``: the table's columns without the ``__raw_`` copies."""

    def __init__(self, contract: TableContract, columns: tuple[str, ...], rules: list[_Rule]) -> None:
        self.contract = contract
        self.columns = columns
        self.rules = tuple(rules)
        self._lock = threading.Lock()
        self._issues: list[ValidationIssue] | None = None

    @property
    def pending(self) -> bool:
        """True until a job counted the rules."""
        return self._issues is None

    def expressions(self) -> list[Column]:
        """One aggregate per rule (``__check<i>``: its offending rows), to add to a job over all the rows."""
        from pyspark.sql import functions as F

        return [F.count_if(r.bad).alias(f"__check{i}") for i, r in enumerate(self.rules)]

    def verify(self, frame: DataFrame, counts: Mapping[str, float]) -> None:
        """Record the counts (``__check<i>`` → offending rows; a job's per-group counts summed) and raise
        ``DataValidationError`` naming every broken rule, with three examples each (one small job per rule)."""
        with self._lock:
            if self._issues is None:
                issues: list[ValidationIssue] = []
                for i, rule in enumerate(self.rules):
                    n = int(counts.get(f"__check{i}") or 0)
                    if n:
                        text = rule.message.format(n=n) + _examples(frame, rule.bad, rule.column)
                        issues.append(ValidationIssue(self.contract.name, rule.column, (), rule.rule, text))
                self._issues = issues
            found = list(self._issues)
        if found:
            raise DataValidationError(found)

    def run(self, frame: DataFrame) -> None:
        """Count the rules now (one aggregate job over ``frame``) unless a job already did; then :meth:`verify`."""
        if self.pending:
            row = frame.agg(*self.expressions()).collect()[0]
            self.verify(frame, row.asDict())
        else:
            self.verify(frame, {})


def _examples(frame: DataFrame, bad: Column, column: str) -> str:
    """`` (e.g. '-3.0' in part-00012.parquet on 2024-03-01, campaign c000012; ...)`` for three offending rows
    (Parquet record numbers are not counted over a folder of parts: the part file and the row's key say where)."""
    from pyspark.sql import functions as F

    cols = [F.col(f"`{RAW}{column}`").cast("string").alias("value"), F.input_file_name().alias("file")]
    for key in ("date", "campaign_id"):
        cols.append(F.col(f"`{key}`").cast("string").alias(key) if key in frame.columns else F.lit(None).alias(key))
    rows = frame.where(bad).select(*cols).limit(3).collect()
    shown = []
    for row in rows:
        where = Path(str(row["file"])).name if row["file"] else "?"
        shown.append(f"{row['value']!r} in {where} on {row['date']}, campaign {row['campaign_id']}")
    return f" (e.g. {'; '.join(shown)})" if shown else ""
