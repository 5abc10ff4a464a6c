"""Translate pandera failure cases into ``ValidationIssue``s with clear messages.

pandera reports one failure case per (check, column, row); here they are grouped per (rule, column) into one
issue carrying the first ≤ 5 row numbers (frame index = row numbers, see ``advisor.data.readers``) and a
message with the count and examples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from advisor.data.contract import MIN_HISTORY_DAYS, OUTLIER_Z, TableContract
from advisor.data.grain import table_step
from advisor.data.issues import MAX_ROWS, ValidationIssue
from advisor.data.readers import RawTable

_DELIMITERS = {"\t": "tab", "|": "'|'", " ": "space"}


def describe(
    failure_cases: pd.DataFrame, contract: TableContract, frame: pd.DataFrame, raw: RawTable
) -> list[ValidationIssue]:
    """Issues (errors or warnings, as the caller decides) from a pandera ``SchemaErrors.failure_cases``."""
    table = contract.name
    frame_level = _frame_level_columns(contract, frame)
    grouped: dict[tuple[str, str | None], list[pd.DataFrame]] = {}
    if len(failure_cases):
        missing = failure_cases["check"] == "column_in_dataframe"  # the missing column is the failure case
        cases = failure_cases.assign(
            column=failure_cases["column"].astype(object),
            subject=failure_cases["failure_case"].where(missing, "").astype(str),
        )
        keys = ["schema_context", "check", "column", "subject"]
        # one group per (context, check, column): few groups, each handled with vectorised operations
        for (context, check, column, _), group in cases.groupby(keys, sort=False, dropna=False):
            head = {"schema_context": context, "check": check, "column": column,
                    "failure_case": group["failure_case"].iloc[0]}
            frame_check = context == "DataFrameSchema" and str(check) in frame_level
            if frame_check and column != frame_level[str(check)][0]:
                continue  # pandera repeats frame-level failures for every column; keep the reported one
            grouped.setdefault(_rule_and_column(head, contract, frame_level), []).append(group)

    missing = [str(c) for (rule, c) in grouped if rule == "missing_column"]
    issues: list[ValidationIssue] = []
    if missing and _delimiter_suspect(raw):
        header = raw.headers[0]
        found = next((n for ch, n in _DELIMITERS.items() if ch in header), "another character")
        issues.append(
            ValidationIssue(
                table,
                None,
                (),
                "missing_column",
                f"{table}: required columns {missing} not found in {raw.source}: the header was read as "
                f"the single column {header[:60]!r}, which contains {found} separators — "
                "the delimiter looks wrong (use comma or semicolon)",
            )
        )
        grouped = {k: v for k, v in grouped.items() if k[0] != "missing_column"}

    for (rule, column), groups in grouped.items():
        found = pd.concat(groups, ignore_index=True) if len(groups) > 1 else groups[0]
        row_numbers = pd.to_numeric(found["index"], errors="coerce").dropna().drop_duplicates()
        rows = tuple(int(r) for r in np.sort(row_numbers.to_numpy())[:MAX_ROWS] if float(r).is_integer())
        n = len(row_numbers)
        shown = found["failure_case"].dropna().head(1000)
        values = list(dict.fromkeys(_show(v) for v in shown))
        ctx = _Ctx(table, column, n, values[:3], contract, frame, row_numbers.to_numpy(), raw)
        text = _message_for(rule, contract)(ctx)
        where = f" (rows {', '.join(map(str, rows))}{' ...' if n > len(rows) else ''})" if rows else ""
        issues.append(ValidationIssue(table, column, rows, rule, text + where))
    return issues


def _frame_level_columns(contract: TableContract, frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """DataFrame-level check name → (frame column whose failure cases are kept, column reported)."""
    out = {r.rule: (r.left, r.left) for r in contract.less_equal}
    out |= {r.rule: (r.column, r.column) for r in contract.constant_within}
    for r in contract.range_by:
        out["out_of_range"] = (r.column, r.column)
    out |= {"date_gaps": ("date", "date"), "short_history": ("campaign_id", "campaign_id")}
    out |= {f"outlier:{c}": (c, c) for c in contract.outlier_columns}
    key = [k for k in contract.unique if k in frame.columns]
    if key:
        out["duplicate_key"] = (key[0], ",".join(key))
    return out


def _rule_and_column(
    case: dict[str, Any], contract: TableContract, frame_level: dict[str, tuple[str, str]]
) -> tuple[str, str | None]:
    check = str(case["check"])
    column = case["column"] if isinstance(case["column"], str) else None
    if check == "column_in_dataframe":
        return "missing_column", str(case["failure_case"])
    if check.startswith(("coerce_dtype(", "dtype(")):
        spec = contract.column(column or "")
        return ("bad_date" if spec is not None and spec.dtype == "date" else "wrong_type"), column
    if check == "not_nullable":
        return "missing_value", column
    if case["schema_context"] == "DataFrameSchema" and check in frame_level:
        return check.split(":")[0], frame_level[check][1]
    return check, column


def _delimiter_suspect(raw: RawTable) -> bool:
    return raw.sep is not None and len(raw.headers) == 1


def _show(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Ctx(NamedTuple):
    """What a message builder may use: the rule's column, count n, example values, the frame and its rows."""

    table: str
    column: str | None
    n: int
    values: list[str]
    contract: TableContract
    frame: pd.DataFrame
    rows: np.ndarray
    raw: RawTable


Message = Callable[[_Ctx], str]


def _eg(values: list[str]) -> str:
    return f" (e.g. {', '.join(repr(v) for v in values)})" if values else ""


def _generic(x: _Ctx) -> str:
    where = f"{x.table}.{x.column}" if x.column else x.table
    return f"{where}: {x.n} row(s) fail this check{_eg(x.values)}"


def _missing(x: _Ctx) -> str:
    return f"{x.table}: required column '{x.column}' is missing (columns found: {', '.join(x.raw.headers)})"


def _wrong_type(x: _Ctx) -> str:
    spec = x.contract.column(x.column or "")
    kind = "a number" if spec is None or spec.dtype == "number" else "a whole number"
    return f"{x.table}.{x.column}: {x.n} value(s) are not {kind}{_eg(x.values)}"


def _bad_date(x: _Ctx) -> str:
    return f"{x.table}.{x.column}: {x.n} value(s) are not ISO dates YYYY-MM-DD{_eg(x.values)}"


def _missing_value(x: _Ctx) -> str:
    return f"{x.table}.{x.column}: {x.n} empty value(s) in a required column"


def _finite(x: _Ctx) -> str:
    return f"{x.table}.{x.column}: {x.n} value(s) are infinite{_eg(x.values)}"


def _integer(x: _Ctx) -> str:
    return f"{x.table}.{x.column}: {x.n} value(s) are not whole numbers{_eg(x.values)}"


def _non_negative(x: _Ctx) -> str:
    return f"{x.table}.{x.column}: must be ≥ 0, {x.n} negative value(s){_eg(x.values)}"


def _out_of_range(x: _Ctx) -> str:
    ranges = "; ".join(
        f"{k} {lo:g}–{hi:g}" for r in x.contract.range_by if r.column == x.column for k, lo, hi in r.ranges
    )
    spec = x.contract.column(x.column or "")
    if not ranges and spec is not None:
        ranges = f"{spec.min_value}–{spec.max_value}"
    return f"{x.table}.{x.column}: {x.n} value(s) out of range ({ranges}){_eg(x.values)}"


def _allowed(x: _Ctx) -> str:
    spec = x.contract.column(x.column or "")
    allowed = ", ".join(spec.allowed or ()) if spec else ""
    return f"{x.table}.{x.column}: {x.n} value(s) not in {{{allowed}}}{_eg(x.values)}"


def _pattern(x: _Ctx) -> str:
    spec = x.contract.column(x.column or "")
    what = spec.description if spec and spec.description else "well-formed"
    return f"{x.table}.{x.column}: {x.n} value(s) are not {what}{_eg(x.values)}"


def _bad_rows(x: _Ctx) -> pd.DataFrame:
    return x.frame[x.frame.index.isin(x.rows)]


def _duplicate(x: _Ctx) -> str:
    key = [k for k in x.contract.unique if k in x.frame.columns]
    sample = _bad_rows(x)[key].head(1)
    eg = ", ".join(_show(v) for v in sample.iloc[0]) if len(sample) else ""
    return f"{x.table}: ({', '.join(key)}) must be unique; {x.n} rows share a key (e.g. ({eg}))"


def _less_equal(x: _Ctx) -> str:
    rule = next(r for r in x.contract.less_equal if r.left == x.column)
    return f"{x.table}.{x.column}: must not exceed {rule.right}; {x.n} row(s) have {x.column} > {rule.right}"


def _constant(x: _Ctx) -> str:
    rule = next(r for r in x.contract.constant_within if r.column == x.column)
    groups = list(dict.fromkeys(_bad_rows(x)[rule.group].astype(str)))
    details = []
    for g in groups[:3]:
        values = x.frame.loc[x.frame[rule.group].astype(str) == g, rule.column].astype(str)
        details.append(f"{g}: {' → '.join(dict.fromkeys(values))}")
    return (
        f"{x.table}.{x.column}: must be constant per {rule.group}; {len(groups)} {rule.group} value(s) "
        f"change it ({'; '.join(details)})"
    )


def _gaps(x: _Ctx) -> str:
    campaigns = list(dict.fromkeys(_bad_rows(x)["campaign_id"].astype(str)))
    ids = x.frame["campaign_id"].astype(str)
    spans = x.frame.loc[ids.isin(campaigns), "date"].groupby(ids).agg(["min", "max", "nunique"])
    days = table_step(x.frame, "date", "campaign_id").days
    missing = int(((spans["max"] - spans["min"]).dt.days // days + 1 - spans["nunique"]).sum())
    grain, unit = ("weekly", "week") if days == 7 else ("daily", "day")
    more = " ..." if len(campaigns) > 5 else ""
    return (
        f"{x.table}.date: {x.n} gap(s) in {grain} dates ({missing} missing {unit}(s)) in campaign(s) "
        f"{', '.join(campaigns[:5])}{more}"
    )


def _positive(x: _Ctx) -> str:
    return f"{x.table}.{x.column}: must be > 0, {x.n} value(s) are zero or negative{_eg(x.values)}"


def _short(x: _Ctx) -> str:
    days = _bad_rows(x).groupby("campaign_id")["date"].nunique()
    unit = "weeks" if table_step(x.frame, "date", "campaign_id").days == 7 else "days"
    shown = ", ".join(f"{c} ({d} {unit})" for c, d in days.head(5).items())
    more = " ..." if len(days) > 5 else ""
    return (
        f"{x.table}: {len(days)} campaign(s) have fewer than {MIN_HISTORY_DAYS} days of history, too little "
        f"to model: {shown}{more}"
    )


def _outlier(x: _Ctx) -> str:
    return (
        f"{x.table}.{x.column}: {x.n} value(s) far from their campaign's median "
        f"(robust z-score > {OUTLIER_Z:g}){_eg(x.values)}"
    )


_MESSAGES: dict[str, Message] = {
    "missing_column": _missing,
    "wrong_type": _wrong_type,
    "bad_date": _bad_date,
    "missing_value": _missing_value,
    "integer": _integer,
    "finite": _finite,
    "non_negative": _non_negative,
    "positive": _positive,
    "out_of_range": _out_of_range,
    "allowed_values": _allowed,
    "pattern": _pattern,
    "duplicate_key": _duplicate,
    "date_gaps": _gaps,
    "short_history": _short,
    "outlier": _outlier,
}


def _message_for(rule: str, contract: TableContract) -> Message:
    if rule in {r.rule for r in contract.less_equal}:
        return _less_equal
    if rule in {r.rule for r in contract.constant_within}:
        return _constant
    return _MESSAGES.get(rule, _generic)
