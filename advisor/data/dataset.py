"""Data folders → validated ``Dataset``; single tables → validated frames.

A data folder holds one file per table named after it (``campaign_daily.csv`` or ``.parquet`` ...), optional
``targets.yaml`` and optional ``kpi-advisor.yaml`` (``advisor.data.config``) that can point a table at another
file or a SQL source and map its columns. Every table is validated in full; a table with an error is never
returned, not even in part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from advisor.data.config import DataConfig, TableSource, find_config
from advisor.data.contract import TABLES, TableContract
from advisor.data.crosscheck import cross_table_warnings
from advisor.data.issues import DataValidationError, ValidationIssue, ValidationReport
from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded
from advisor.data.readers import (
    EmptySourceError,
    RawTable,
    SourceReadError,
    from_frame,
    read_csv,
    read_parquet,
    read_sql,
)
from advisor.data.targets import TargetsFile
from advisor.data.validate import TableResult, failed, validate_raw

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
TARGETS_NAMES = ("targets.yaml", "targets.yml")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A validated dataset: contract column names, ``date``/``order_date`` as datetime64[ns], sorted.

    attributes / numeric_drivers: extra text / numeric columns of ``campaign_daily`` (campaign attributes and
    numeric drivers). warnings: non-blocking issues found while loading. Treat the frames as read-only:
    ``fingerprint`` is computed once.
    """

    campaign_daily: pd.DataFrame
    outcomes_daily: pd.DataFrame | None = None
    orders: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    team_kpis: pd.DataFrame | None = None
    targets: TargetsFile | None = None
    warnings: tuple[ValidationIssue, ...] = ()
    attributes: tuple[str, ...] = ()
    numeric_drivers: tuple[str, ...] = ()

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The present tables by contract name, in contract order."""
        return {name: df for name in TABLES if (df := getattr(self, name)) is not None}

    @cached_property
    def fingerprint(self) -> str:
        """sha256 hex digest over every present table: names, column names, dtypes and values (64 hex chars).

        Values are hashed column by column: numbers and dates as little-endian int64/float64 bytes (missing
        values as a separate mask), text as the UTF-8 of the cells; identical content gives the same digest
        whatever the source (CSV, Parquet, SQL, frames).
        """
        digest = hashlib.sha256(b"kpi-advisor-dataset-v2\n")
        for name, df in self.tables.items():
            digest.update(f"## {name} {len(df)}\n".encode())
            for col in df.columns:
                digest.update(f"# {col} {df[col].dtype}\n".encode())
                digest.update(_column_bytes(df[col]))
        return digest.hexdigest()

    @classmethod
    def from_frames(
        cls,
        campaign_daily: pd.DataFrame,
        outcomes_daily: pd.DataFrame | None = None,
        orders: pd.DataFrame | None = None,
        surveys: pd.DataFrame | None = None,
        team_kpis: pd.DataFrame | None = None,
        *,
        targets: TargetsFile | Mapping[str, Any] | None = None,
        limits: DataLimits = DEFAULT_LIMITS,
    ) -> Dataset:
        """Validate in-memory frames exactly like files (rows in issues = 1-based record numbers).

        Raises ``DataValidationError`` when any table fails, ``LimitExceeded`` when one has too many rows/columns.
        """
        frames = {
            "campaign_daily": campaign_daily,
            "outcomes_daily": outcomes_daily,
            "orders": orders,
            "surveys": surveys,
            "team_kpis": team_kpis,
        }
        results = {
            name: validate_raw(from_frame(df, f"{name} frame", table=name, limits=limits), TABLES[name])
            for name, df in frames.items()
            if df is not None
        }
        parsed, extra = targets if isinstance(targets, TargetsFile) else None, []
        if targets is not None and parsed is None:
            try:
                parsed = TargetsFile.model_validate(targets)
            except ValidationError as exc:
                extra.append(ValidationIssue("targets", None, (), "targets_error", f"targets: {exc}"))
        return _assemble(results, parsed, extra)


def _column_bytes(s: pd.Series) -> bytes:
    missing = s.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(s):
        values = s.to_numpy(dtype="datetime64[ns]").astype("<i8")
    elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
        values = s.to_numpy(dtype="<i8", na_value=0)
    elif pd.api.types.is_float_dtype(s):
        values = s.to_numpy(dtype="<f8", na_value=0.0)
    else:
        text = "\x1f".join("" if m else str(v) for v, m in zip(s.tolist(), missing, strict=True))
        return missing.tobytes() + text.encode()
    values = np.where(missing, 0, values).astype(values.dtype)
    return missing.tobytes() + values.tobytes()


def validate_folder(
    folder: Path, config_path: Path | None = None, *, limits: DataLimits = DEFAULT_LIMITS
) -> ValidationReport:
    """Check every table of a data folder (and its config and targets files); never raises for bad data.

    An input over ``limits`` is not bad data but a refusal: it raises ``LimitExceeded`` (table, rule, numbers)
    as soon as it is seen, before the table is materialised.
    """
    results, _, extra = _check_folder(Path(folder), config_path, limits)
    errors = list(extra) + [i for r in results.values() for i in r.errors]
    warnings = [i for r in results.values() for i in r.warnings]
    return ValidationReport(
        ok=not errors, errors=tuple(errors), warnings=tuple(warnings), tables=tuple(results)
    )


def load_dataset(
    folder: Path, config_path: Path | None = None, *, limits: DataLimits = DEFAULT_LIMITS
) -> Dataset:
    """Load and validate a data folder; raises ``DataValidationError`` (all issues) when anything fails and
    ``LimitExceeded`` when an input is over ``limits``."""
    results, targets, extra = _check_folder(Path(folder), config_path, limits)
    return _assemble(results, targets, extra)


def load_table(
    table: str,
    source: Path | str | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    query: str | None = None,
    sql_table: str | None = None,
    defaults: Mapping[str, object] | None = None,
    require: Sequence[str] | None = None,
    attributes: Sequence[str] = (),
    limits: DataLimits = DEFAULT_LIMITS,
) -> pd.DataFrame:
    """Load and validate one table from a file, a SQLAlchemy URL (``sql_table=`` or ``query=``) or a frame.

    columns: user column → contract column; defaults: constant columns added when absent;
    require: the contract columns that must be present (default: the contract's) — e.g.
    ``require=("campaign_id", "spend", "impressions", "clicks", "conversions")`` loads an ad-level export
    without dates (date rules are then skipped); attributes: extra columns forced to text.
    The frame's ``attrs`` hold ``attributes``, ``numeric_drivers`` and ``warnings`` (ValidationIssues).
    Raises ``DataValidationError`` (nothing partial) when the table fails, ``LimitExceeded`` when the source is
    over ``limits`` (checked while reading).
    """
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {list(TABLES)}")
    contract = TABLES[table] if require is None else TABLES[table].with_required(tuple(require))
    if isinstance(source, pd.DataFrame):
        result = validate_raw(
            from_frame(source, table=table, limits=limits), contract, columns=columns, defaults=defaults, text_extras=attributes
        )
    else:
        spec = _source_spec(
            source,
            query=query,
            sql_table=sql_table,
            columns=columns,
            defaults=defaults,
            attributes=attributes,
        )
        result = _load_source(contract, spec, Path.cwd(), limits)
    if result.frame is None:
        raise DataValidationError(result.errors, result.warnings)
    frame = result.frame
    frame.attrs.update(
        attributes=result.attributes, numeric_drivers=result.numeric_drivers, warnings=result.warnings
    )
    return frame


def _source_spec(
    source: Path | str,
    *,
    query: str | None,
    sql_table: str | None,
    columns: Mapping[str, str] | None,
    defaults: Mapping[str, object] | None,
    attributes: Sequence[str],
) -> TableSource:
    common: dict[str, Any] = {
        "columns": dict(columns or {}),
        "defaults": dict(defaults or {}),
        "attributes": tuple(attributes),
    }
    if isinstance(source, str) and "://" in source:
        return TableSource(url=source, table=sql_table, query=query, **common)
    if query is not None or sql_table is not None:
        raise ValueError("query=/sql_table= need a SQLAlchemy URL as source")
    return TableSource(path=str(Path(source).resolve()), **common)


def _read(spec: TableSource, folder: Path, table: str, limits: DataLimits) -> RawTable:
    if spec.url is not None:
        return read_sql(spec.resolved_url() or "", table=spec.table, query=spec.query, name=table, limits=limits)
    path = folder / (spec.path or "")
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(path, table=table, limits=limits)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, table=table, limits=limits)
    raise SourceReadError(f"{path.name}: unsupported file type {suffix!r} (use .csv or .parquet)")


def _load_source(contract: TableContract, spec: TableSource, folder: Path, limits: DataLimits) -> TableResult:
    """Read and validate one source; read problems become a single table-level error (limits raise)."""
    name = contract.name
    try:
        raw = _read(spec, folder, name, limits)
    except EmptySourceError as exc:
        return failed(name, "empty_file", f"{name}: {exc}")
    except FileNotFoundError as exc:
        return failed(name, "missing_table", f"{name}: {exc}")
    except SourceReadError as exc:
        where = f" (rows {', '.join(map(str, exc.rows))})" if exc.rows else ""
        issue = ValidationIssue(name, None, exc.rows, "unreadable_file", f"{name}: {exc}{where}")
        return TableResult(name, None, (issue,))
    return validate_raw(
        raw, contract, columns=spec.columns, defaults=spec.defaults, text_extras=spec.attributes
    )


def _find_files(folder: Path, table: str) -> list[Path]:
    """Files in ``folder`` named ``<table>.<csv|txt|parquet|pq>`` (case-insensitive)."""
    suffixes = CSV_SUFFIXES + PARQUET_SUFFIXES
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.stem.lower() == table and p.suffix.lower() in suffixes
    )


def _found_files(folder: Path) -> str:
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in CSV_SUFFIXES + PARQUET_SUFFIXES)
    return f"; data files present: {', '.join(names[:10])}" if names else ""


def _check_folder(
    folder: Path, config_path: Path | None, limits: DataLimits
) -> tuple[dict[str, TableResult], TargetsFile | None, list[ValidationIssue]]:
    """Results per present table, parsed targets, and folder-level issues (config, targets, missing table)."""
    if not folder.is_dir():
        return (
            {},
            None,
            [ValidationIssue("dataset", None, (), "missing_folder", f"data folder not found: {folder}")],
        )
    extra: list[ValidationIssue] = []
    config = DataConfig()
    try:
        found = find_config(folder, config_path)
        if found is not None:
            config = DataConfig.from_yaml(found, limits=limits)
    except LimitExceeded:
        raise
    except ValueError as exc:
        extra.append(ValidationIssue("config", None, (), "config_error", f"config: {exc}"))
    results: dict[str, TableResult] = {}
    for name, contract in TABLES.items():
        spec = config.tables.get(name)
        if spec is None:
            files = _find_files(folder, name)
            if len(files) > 1:
                results[name] = failed(
                    name,
                    "ambiguous_source",
                    f"{name}: several files "
                    f"{[f.name for f in files]}; keep one or choose it in kpi-advisor.yaml",
                )
                continue
            if not files:
                if contract.required_table:
                    results[name] = failed(
                        name,
                        "missing_table",
                        f"{name}: required table not found in {folder} (expected {name}.csv or "
                        f"{name}.parquet, or a source in kpi-advisor.yaml){_found_files(folder)}",
                    )
                continue
            spec = TableSource(path=files[0].name)
        results[name] = _load_source(contract, spec, folder, limits)
    targets, target_issue = _targets(folder, config, limits)
    if target_issue is not None:
        extra.append(target_issue)
    return results, targets, extra


def _targets(
    folder: Path, config: DataConfig, limits: DataLimits
) -> tuple[TargetsFile | None, ValidationIssue | None]:
    if config.targets is not None:
        path: Path | None = folder / config.targets
        if path is None or not path.is_file():
            return None, ValidationIssue(
                "targets", None, (), "missing_table", f"targets file not found: {path}"
            )
    else:
        path = next((folder / n for n in TARGETS_NAMES if (folder / n).is_file()), None)
    if path is None:
        return None, None
    try:
        return TargetsFile.from_yaml(path, limits=limits), None
    except LimitExceeded:
        raise
    except ValueError as exc:
        return None, ValidationIssue("targets", None, (), "targets_error", f"targets: {exc}")


def _assemble(
    results: Mapping[str, TableResult], targets: TargetsFile | None, extra: Sequence[ValidationIssue]
) -> Dataset:
    errors = list(extra) + [i for r in results.values() for i in r.errors]
    warnings = [i for r in results.values() for i in r.warnings]
    if errors:
        raise DataValidationError(errors, warnings)
    frames = {name: r.frame for name, r in results.items()}
    warnings += cross_table_warnings({k: v for k, v in frames.items() if v is not None}, targets)
    main = results["campaign_daily"]
    return Dataset(
        campaign_daily=frames["campaign_daily"],  # type: ignore[arg-type]  # no errors → frame present
        outcomes_daily=frames.get("outcomes_daily"),
        orders=frames.get("orders"),
        surveys=frames.get("surveys"),
        team_kpis=frames.get("team_kpis"),
        targets=targets,
        warnings=tuple(warnings),
        attributes=main.attributes,
        numeric_drivers=main.numeric_drivers,
    )
