"""Validate one raw table against its contract and turn it into a typed frame (or issues).

Pipeline (``validate_raw``): resolve headers (aliases / user mapping) → add default columns → clean text →
pandera stage 1 (presence, types, not-null) → stage 2 (value rules) → stage 3 (warnings, only when there are
no errors) → final frame (contract names, dtypes, sorted). A table with any error yields ``frame=None``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from advisor.data.aliases import header_key, resolve_columns, snake
from advisor.data.contract import TableContract
from advisor.data.issues import ValidationIssue
from advisor.data.messages import describe
from advisor.data.readers import RawTable
from advisor.data.schemas import failure_cases, frame_rules, rule_schema, type_schema, warning_rules

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?$")
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(:00(\.0+)?)?$")
_CURRENCY = re.compile(r"^[$€£¥₽]\s*|\s*[$€£¥₽]$")
_EURO_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True, eq=False)
class TableResult:
    """Outcome for one table: ``frame`` is the typed frame, or None when ``errors`` is not empty.

    attributes / numeric_drivers: names of the extra (non-contract) text / numeric columns kept in ``frame``.
    """

    table: str
    frame: pd.DataFrame | None
    errors: tuple[ValidationIssue, ...]
    warnings: tuple[ValidationIssue, ...] = ()
    attributes: tuple[str, ...] = ()
    numeric_drivers: tuple[str, ...] = ()


def failed(table: str, rule: str, message: str, column: str | None = None) -> TableResult:
    """A result holding a single table-level error."""
    return TableResult(table, None, (ValidationIssue(table, column, (), rule, message),))


def validate_raw(
    raw: RawTable,
    contract: TableContract,
    *,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, object] | None = None,
    text_extras: Sequence[str] = (),
) -> TableResult:
    """Validate ``raw`` against ``contract``; see module docstring. Never raises for bad data."""
    name = contract.name
    if raw.frame.shape[1] == 0:
        return failed(name, "empty_file", f"{name}: {raw.source} has no header and no data")
    if len(raw.frame) == 0:
        return failed(name, "no_rows", f"{name}: {raw.source} has a header but no data rows")

    if raw.duplicate_headers:
        return TableResult(
            name,
            None,
            tuple(
                ValidationIssue(
                    name,
                    h,
                    (),
                    "duplicate_column",
                    f"{name}: column '{h}' appears more than once in the header of {raw.source}",
                )
                for h in raw.duplicate_headers
            ),
        )
    resolution = resolve_columns(raw.headers, contract, columns)
    errors = [
        ValidationIssue(
            name,
            target,
            (),
            "ambiguous_column",
            f"{name}: columns {list(raws)} all map to '{target}'; map one of them explicitly "
            f"in kpi-advisor.yaml (tables.{name}.columns)",
        )
        for target, raws in resolution.conflicts.items()
    ]
    df = raw.frame.drop(columns=list(resolution.dropped)).rename(columns=dict(resolution.rename))
    for col, value in (defaults or {}).items():
        key = snake(col)
        if key not in df.columns:
            df[key] = value
    df = _prepare(df, contract, raw.decimal_comma)

    typed = df
    try:
        typed = type_schema(contract).validate(df, lazy=True, inplace=True)  # df is our own copy
    except SchemaErrors as exc:
        found = describe(exc.failure_cases, contract, df, raw)
        # a column claimed by several headers is already reported as ambiguous, not also as missing
        errors += [i for i in found if not (i.rule == "missing_column" and i.column in resolution.conflicts)]
        typed = _best_effort(df, contract)
    present = [c for c in contract.names if c in typed.columns]
    try:
        rule_schema(contract, present).validate(typed, lazy=True, inplace=True)
    except SchemaErrors as exc:
        errors += describe(exc.failure_cases, contract, typed, raw)
    across = failure_cases(typed, frame_rules(contract, present))
    if len(across):
        errors += describe(across, contract, typed, raw)
    if errors:
        return TableResult(name, None, tuple(sorted(errors, key=lambda i: _issue_order(i, contract))))

    warnings: list[ValidationIssue] = []
    history = failure_cases(typed, warning_rules(contract, present))
    if len(history):
        warnings += describe(history, contract, typed, raw)
    frame, attributes, drivers = _finalize(typed, contract, raw.decimal_comma, text_extras)
    return TableResult(name, frame, (), tuple(warnings), attributes, drivers)


def _issue_order(issue: ValidationIssue, contract: TableContract) -> tuple[int, int, int]:
    """Table-level issues first, then by first offending row, then by contract column order."""
    names = contract.names
    col = names.index(issue.column) if issue.column in names else len(names)
    return (1 if issue.rows else 0, issue.rows[0] if issue.rows else 0, col)


def _prepare(df: pd.DataFrame, contract: TableContract, decimal_comma: bool) -> pd.DataFrame:
    """Clean contract text columns and normalise CSV number spellings before typing."""
    df = df.copy()
    for spec in contract.columns:
        if spec.name not in df.columns:
            continue
        if spec.dtype == "text":
            df[spec.name] = clean_text(df[spec.name], lower=spec.allowed is not None)
        elif spec.dtype in ("number", "integer") and df[spec.name].dtype == object:
            df[spec.name] = normalise_numbers(df[spec.name], decimal_comma)
        elif spec.dtype == "date" and df[spec.name].dtype == object:
            df[spec.name] = _strip_midnight(df[spec.name])
    return df


def _strip_midnight(s: pd.Series) -> pd.Series:
    """'2024-01-05 00:00:00' or '2024-01-05T00:00' (SQL, spreadsheet exports) → '2024-01-05'; rest as is."""
    if pd.api.types.infer_dtype(s, skipna=True) == "string":
        is_long = s.str.len() > 10  # only values longer than a date can carry a time
    else:
        is_long = s.map(lambda v: isinstance(v, str) and len(v) > 10)
    if not is_long.any():
        return s
    text = s[is_long].str.strip().str.replace(_MIDNIGHT, r"\1", regex=True)
    return s.where(~is_long, text)


def clean_text(s: pd.Series, lower: bool = False) -> pd.Series:
    """Text cells as stripped ``str`` (object dtype; lower-cased if ``lower``), empty → None; whole floats lose
    '.0' (916.0 → '916'). Computed with Arrow kernels (no Python call per cell)."""
    if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
        s = s.astype("Int64")
    text = pc.utf8_trim_whitespace(_arrow_text(s))
    if lower:
        text = pc.utf8_lower(text)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pd.Series(text.to_numpy(zero_copy_only=False), index=s.index, name=s.name, dtype=object)


def normalise_numbers(s: pd.Series, decimal_comma: bool) -> pd.Series:
    """Number spellings of CSV exports → plain ones (other text is left for the type check to report); a
    column whose every cell parses is returned as numbers (int64 or float64, as ``pd.to_numeric`` reads it).

    Strips spaces and a currency sign ('$1,234.50'); semicolon files: '1,5' → '1.5', '1.234,5' → '1234.5';
    comma files: '1,234.5' → '1234.5'.
    """
    fast = _arrow_numbers(s)
    if fast is not None:
        return fast
    plain = pd.to_numeric(s, errors="coerce")  # C path; only the cells it rejects are rewritten
    todo = s.notna() & plain.isna()
    if not todo.any():
        return plain  # every cell parsed (int64 or float64): typing it again would parse the text twice
    out = s.astype(object).copy()
    out[todo] = _respell(s[todo], decimal_comma)
    return out.where(out.notna(), None)


def _arrow_text(s: pd.Series) -> pa.Array:
    """``s`` as an Arrow string array (missing → null): converted in C++ when every cell is ``str``, else each
    cell through ``str`` (mixed object columns, numbers)."""
    if s.dtype == object:
        try:
            return pa.array(s.to_numpy(), type=pa.string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
    return pa.array(s.astype("string[pyarrow]"))


def _arrow_numbers(s: pd.Series) -> pd.Series | None:
    """``s`` parsed by Arrow's string casts when every cell is a plain number (int64 when all are integers and
    none is missing, else float64, as ``pd.to_numeric`` reads them); None as soon as one cell is not."""
    try:
        text = _arrow_text(s)
        if text.null_count == 0:
            try:
                return pd.Series(pc.cast(text, pa.int64()).to_numpy(), index=s.index, name=s.name)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        numbers = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
        return None
    return pd.Series(numbers, index=s.index, name=s.name)


def _respell(s: pd.Series, decimal_comma: bool) -> pd.Series:
    text = s.astype("string").str.strip().str.replace("\u00a0", "", regex=False)
    text = text.str.replace(_CURRENCY, "", regex=True)
    if decimal_comma:
        euro = text.str.match(_EURO_THOUSANDS).fillna(False)
        text = text.where(~euro, text.str.replace(".", "", regex=False))
        fixed = text.where(
            ~text.str.match(_DECIMAL_COMMA).fillna(False), text.str.replace(",", ".", regex=False)
        )
    else:
        fixed = text.where(~text.str.match(_THOUSANDS).fillna(False), text.str.replace(",", "", regex=False))
    return fixed.astype(object).where(fixed.notna(), None)


def _best_effort(df: pd.DataFrame, contract: TableContract) -> pd.DataFrame:
    """Typed copy where uncoercible cells become NA, so stage 2 can still report other rules."""
    out = df.copy()
    for spec in contract.columns:
        if spec.name not in out.columns:
            continue
        if spec.dtype in ("number", "integer"):
            out[spec.name] = pd.to_numeric(out[spec.name], errors="coerce").astype("float64")
        elif spec.dtype == "date":
            out[spec.name] = pd.to_datetime(out[spec.name], format="%Y-%m-%d", errors="coerce")
    return out


def _finalize(
    df: pd.DataFrame, contract: TableContract, decimal_comma: bool, text_extras: Sequence[str]
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """Final dtypes, column order (contract then extras), sort order; classify extras."""
    out = df  # the typed frame is validate_raw's own (from _prepare), used by nothing after this
    for spec in contract.columns:
        if spec.name not in out.columns:
            continue
        if spec.dtype == "integer":
            col = out[spec.name].astype("float64")
            out[spec.name] = col.astype("int64") if col.notna().all() else col
        elif spec.dtype == "date":
            col = pd.to_datetime(out[spec.name])
            if col.dt.tz is not None:
                col = col.dt.tz_convert(None)
            out[spec.name] = col.dt.normalize().astype("datetime64[ns]")
    forced = {snake(c) for c in text_extras} | {header_key(c) for c in text_extras}
    attributes: list[str] = []
    drivers: list[str] = []
    extras = [c for c in out.columns if c not in contract.names]
    for col in extras:
        s = out[col]
        if col in forced:
            out[col] = clean_text(s)
            attributes.append(col)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            drivers.append(col)
        elif pd.api.types.is_datetime64_any_dtype(s):
            continue
        elif (numbers := _as_numbers(s, decimal_comma)) is not None:
            out[col] = numbers
            drivers.append(col)
        else:
            out[col] = clean_text(s)
            attributes.append(col)
    ordered = [c for c in contract.names if c in out.columns] + extras
    out = out[ordered]
    keys = [k for k in contract.sort_by if k in out.columns]
    if keys:
        out = out.sort_values(keys, kind="mergesort", na_position="last")
    return out.reset_index(drop=True), tuple(attributes), tuple(drivers)


def _as_numbers(s: pd.Series, decimal_comma: bool) -> pd.Series | None:
    """``s`` as numbers (``pd.to_numeric``'s dtype) when every non-empty cell reads as a number, else None (a sample is tried first: text
    columns exit early)."""
    values = s.dropna()
    if values.empty:
        return None
    if pd.to_numeric(normalise_numbers(values.head(50), decimal_comma), errors="coerce").isna().any():
        return None
    numbers = pd.to_numeric(normalise_numbers(s, decimal_comma), errors="coerce")
    return None if numbers[s.notna()].isna().any() else numbers
