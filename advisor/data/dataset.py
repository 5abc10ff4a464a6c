"""Data folders → validated ``Dataset``; single tables → validated frames.

A data folder holds one file per table named after it (``campaign_daily.csv`` or ``.parquet`` ...), optional
``targets.yaml`` and optional ``kpi-advisor.yaml`` (``advisor.data.config``) that can point a table at another
file or a SQL source and map its columns, and declare a media-mix table (``mmm:``, ``advisor.data.mmm``). Every
table is validated in full; a table with an error is never returned, not even in part.

A folder needs ``campaign_daily`` or an ``mmm`` table (or both). With only an ``mmm`` table,
``Dataset.campaign_daily`` is derived from it (one row per date, geo and channel; ``campaign_source == "mmm"``).
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
from advisor.data.crosscheck import cross_table_warnings, lift_test_issues
from advisor.data.issues import DataValidationError, ValidationIssue, ValidationReport
from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded
from advisor.data.mmm import MmmConfig, MmmTable, derive_campaign_daily
from advisor.data.mmm_check import MmmResult, check_mmm
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
    mmm: the media-mix table when one is configured; lift_tests: the ``lift_tests`` table (SPEC §2);
    campaign_source: ``"campaign_daily"`` (rows as loaded) or ``"mmm"`` (derived from the mmm table: spend and
    exposure per channel, ``conversions``/``revenue`` NaN because platforms reported none).
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
    lift_tests: pd.DataFrame | None = None
    mmm: MmmTable | None = None
    campaign_source: str = "campaign_daily"

    @property
    def business_daily(self) -> pd.DataFrame | None:
        """Business totals per period: ``date``, (``geo``), ``conversions``, ``revenue`` (NaN where the source
        has no such outcome), from the mmm table when there is one, else ``outcomes_daily``, else None."""
        if self.mmm is not None:
            keys = ["date", "geo"] if self.mmm.geo else ["date"]
            out = self.mmm.frame[keys].copy()
            for name in ("conversions", "revenue"):
                out[name] = self.mmm.frame[name] if name in self.mmm.outcomes else np.nan
            return out
        if self.outcomes_daily is not None:
            return self.outcomes_daily[["date", "conversions", "revenue"]].copy()
        return None

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
        if self.mmm is not None:
            m = self.mmm
            head = f"## mmm {len(m.frame)} {m.freq} {m.holidays} {m.seasonality} {m.channels} {m.outcomes}\n"
            digest.update(head.encode())
            for col in m.frame.columns:
                digest.update(f"# {col} {m.frame[col].dtype}\n".encode())
                digest.update(_column_bytes(m.frame[col]))
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
        lift_tests: pd.DataFrame | None = None,
        limits: DataLimits = DEFAULT_LIMITS,
    ) -> Dataset:
        """Validate in-memory frames exactly like files (rows in issues = 1-based record numbers).

        Raises ``DataValidationError`` when any table fails, ``LimitExceeded`` when one has too many rows/columns.
        """
        return _from_frames(
            {
                "campaign_daily": campaign_daily,
                "outcomes_daily": outcomes_daily,
                "orders": orders,
                "surveys": surveys,
                "team_kpis": team_kpis,
                "lift_tests": lift_tests,
            },
            targets,
            None,
            limits,
        )

    @classmethod
    def from_mmm(
        cls,
        frame: pd.DataFrame,
        config: MmmConfig | Mapping[str, Any],
        *,
        lift_tests: pd.DataFrame | None = None,
        campaign_daily: pd.DataFrame | None = None,
        outcomes_daily: pd.DataFrame | None = None,
        targets: TargetsFile | Mapping[str, Any] | None = None,
        limits: DataLimits = DEFAULT_LIMITS,
    ) -> Dataset:
        """A dataset from an in-memory media-mix ``frame`` described by ``config`` (the ``mmm:`` section as a
        mapping or ``MmmConfig``; its ``file``/``url`` may be omitted), validated like a file (rows = 1-based
        records). Without ``campaign_daily`` the campaign rows are derived from the mmm table. For tests and
        benchmarks: ``Dataset.from_mmm(df, {"date": "week", "outcomes": {"revenue": "sales"},
        "channels": {"tv": {"spend": "tv"}}})``. Raises ``DataValidationError`` / ``LimitExceeded``.
        """
        if not isinstance(config, MmmConfig):
            given = dict(config)
            if "file" not in given and "url" not in given:
                given["file"] = "<frame>"
            try:
                config = MmmConfig.model_validate(given)
            except ValidationError as exc:
                raise DataValidationError(
                    [ValidationIssue("config", None, (), "config_error", f"config: mmm: {exc}")]
                ) from exc
        mmm = check_mmm(from_frame(frame, "mmm frame", table="mmm", limits=limits), config)
        return _from_frames(
            {"campaign_daily": campaign_daily, "outcomes_daily": outcomes_daily, "lift_tests": lift_tests},
            targets,
            mmm,
            limits,
        )


def _from_frames(
    frames: Mapping[str, pd.DataFrame | None],
    targets: TargetsFile | Mapping[str, Any] | None,
    mmm: MmmResult | None,
    limits: DataLimits,
) -> Dataset:
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
    return _assemble(_Checked(results, parsed, extra, mmm))


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
    checked = _check_folder(Path(folder), config_path, limits)
    errors, warnings = checked.issues()
    tables = tuple(checked.results) + (("mmm",) if checked.mmm is not None else ())
    mmm = checked.mmm.table if checked.mmm is not None else None
    return ValidationReport(
        ok=not errors, errors=tuple(errors), warnings=tuple(warnings), tables=tables,
        mmm=_mmm_summary(mmm) if mmm is not None else None,
    )


def _mmm_summary(table: MmmTable) -> dict[str, Any]:
    """``{"grain", "periods", "geos", "channels", "outcomes", "first", "last"}`` for ``validate``."""
    return {
        "grain": table.freq,
        "periods": table.periods,
        "geos": len(table.geos) if table.geo else 1,
        "channels": list(table.channels),
        "outcomes": list(table.outcomes),
        "first": str(table.frame["date"].min().date()),
        "last": str(table.frame["date"].max().date()),
    }


def load_dataset(
    folder: Path, config_path: Path | None = None, *, limits: DataLimits = DEFAULT_LIMITS
) -> Dataset:
    """Load and validate a data folder; raises ``DataValidationError`` (all issues) when anything fails and
    ``LimitExceeded`` when an input is over ``limits``."""
    return _assemble(_check_folder(Path(folder), config_path, limits))


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
    if path.is_dir() and (not path.suffix or path.suffix.lower() in PARQUET_SUFFIXES):
        return read_parquet(path, table=table, limits=limits)  # a folder of Parquet part files
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
    """Sources in ``folder`` for ``table`` (case-insensitive): files ``<table>.<csv|txt|parquet|pq>`` and
    Parquet folders ``<table>/`` or ``<table>.parquet/`` (part files, as Spark writes a table)."""
    suffixes = CSV_SUFFIXES + PARQUET_SUFFIXES
    return sorted(
        p
        for p in folder.iterdir()
        if (p.is_file() and p.stem.lower() == table and p.suffix.lower() in suffixes)
        or (p.is_dir() and is_parquet_folder(p) and (p.name.lower() == table or (
            p.stem.lower() == table and p.suffix.lower() in PARQUET_SUFFIXES)))
    )  # fmt: skip


def is_parquet_folder(path: Path) -> bool:
    """True for a folder holding Parquet part files (``*.parquet`` / ``*.pq``, not hidden, not ``_``-prefixed)."""
    return path.is_dir() and any(
        p.suffix.lower() in PARQUET_SUFFIXES and not p.name.startswith(("_", ".")) for p in path.iterdir()
    )


def _found_files(folder: Path) -> str:
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in CSV_SUFFIXES + PARQUET_SUFFIXES)
    return f"; data files present: {', '.join(names[:10])}" if names else ""


@dataclass(frozen=True, eq=False)
class _Checked:
    """Everything found in a folder (or frames): per-table results, parsed targets, folder-level errors (config,
    targets, missing table) and the mmm result, if an mmm table is configured."""

    results: Mapping[str, TableResult]
    targets: TargetsFile | None
    extra: Sequence[ValidationIssue]
    mmm: MmmResult | None = None

    def issues(self) -> tuple[list[ValidationIssue], list[ValidationIssue]]:
        """(errors, warnings), with the lift-test checks against the data once every table passed."""
        errors = list(self.extra) + [i for r in self.results.values() for i in r.errors]
        warnings = [i for r in self.results.values() for i in r.warnings]
        if self.mmm is not None:
            errors += self.mmm.errors
            warnings += self.mmm.warnings
        no_folder = any(i.rule == "missing_folder" for i in self.extra)
        if "campaign_daily" not in self.results and self.mmm is None and not no_folder:
            errors.append(ValidationIssue(
                "campaign_daily", None, (), "missing_table",
                "campaign_daily: required table not given (or configure an mmm table)",
            ))
        lift = self.results.get("lift_tests")
        if not errors and lift is not None and lift.frame is not None:
            main = self.results.get("campaign_daily")
            found_errors, found_warnings = lift_test_issues(
                lift.frame, main.frame if main is not None else None, self.mmm.table if self.mmm else None
            )
            errors += found_errors
            warnings += found_warnings
        return errors, warnings


def _load_mmm(config: MmmConfig, folder: Path, limits: DataLimits) -> MmmResult:
    """Read the configured mmm source with the table readers and check it; read problems are one error."""
    spec = (
        TableSource(path=config.file)
        if config.file is not None
        else TableSource(url=config.url, table=config.table, query=config.query)
    )
    try:
        raw = _read(spec, folder, "mmm", limits)
    except EmptySourceError as exc:
        return MmmResult(None, (ValidationIssue("mmm", None, (), "empty_file", f"mmm: {exc}"),))
    except FileNotFoundError as exc:
        return MmmResult(None, (ValidationIssue("mmm", None, (), "missing_table", f"mmm: {exc}"),))
    except SourceReadError as exc:
        where = f" (rows {', '.join(map(str, exc.rows))})" if exc.rows else ""
        return MmmResult(None, (ValidationIssue("mmm", None, exc.rows, "unreadable_file", f"mmm: {exc}{where}"),))
    return check_mmm(raw, config)


def _check_folder(folder: Path, config_path: Path | None, limits: DataLimits) -> _Checked:
    """Results per present table, parsed targets, folder-level issues (config, targets, missing table), mmm."""
    if not folder.is_dir():
        return _Checked(
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
                if contract.required_table and config.mmm is None:
                    results[name] = failed(
                        name,
                        "missing_table",
                        f"{name}: required table not found in {folder} (expected {name}.csv or "
                        f"{name}.parquet, or a source in kpi-advisor.yaml, or an mmm: table there)"
                        f"{_found_files(folder)}",
                    )
                continue
            spec = TableSource(path=files[0].name)
        results[name] = _load_source(contract, spec, folder, limits)
    mmm = _load_mmm(config.mmm, folder, limits) if config.mmm is not None else None
    targets, target_issue = _targets(folder, config, limits)
    if target_issue is not None:
        extra.append(target_issue)
    return _Checked(results, targets, extra, mmm)


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


def _assemble(checked: _Checked) -> Dataset:
    errors, warnings = checked.issues()
    if errors:
        raise DataValidationError(errors, warnings)
    results = checked.results
    frames = {name: r.frame for name, r in results.items()}
    mmm = checked.mmm.table if checked.mmm is not None else None
    main = results.get("campaign_daily")
    if main is not None and main.frame is not None:
        campaign, source = main.frame, "campaign_daily"
        attributes, drivers = main.attributes, main.numeric_drivers
    else:
        assert mmm is not None  # issues() reports a missing campaign_daily without an mmm table
        campaign, source = derive_campaign_daily(mmm), "mmm"
        attributes, drivers = (("geo",) if mmm.geo else ()), ()
    present = {k: v for k, v in frames.items() if v is not None}
    present["campaign_daily"] = campaign
    warnings += cross_table_warnings(present, checked.targets)
    return Dataset(
        campaign_daily=campaign,
        outcomes_daily=frames.get("outcomes_daily"),
        orders=frames.get("orders"),
        surveys=frames.get("surveys"),
        team_kpis=frames.get("team_kpis"),
        targets=checked.targets,
        warnings=tuple(warnings),
        attributes=attributes,
        numeric_drivers=drivers,
        lift_tests=frames.get("lift_tests"),
        mmm=mmm,
        campaign_source=source,
    )
