"""pandera schemas built from a ``TableContract``.

Three lazily-validated stages:

1. ``type_schema``  — required columns present, cells coerce to their dtype (ISO dates, numbers), no missing
   values in required columns. Check names are pandera's (``column_in_dataframe``, ``coerce_dtype(...)``,
   ``not_nullable``); ``advisor.data.validate`` maps them to rule ids.
2. ``rule_schema`` (per-column value rules, pandera) and ``frame_rules`` (rules across columns: less-or-equal,
   unique key, constant per group, ranges by key) — every check is named with its rule id.
3. ``warning_rules`` — history checks whose failures are reported as warnings (campaign_daily).

Rules across columns are ``FrameRule``s evaluated directly (``failure_cases``), not pandera DataFrame checks:
pandera reshapes a failing DataFrame check row by row (about 1 ms per failing row: 150k duplicate rows took
~75 s), while a boolean mask costs a few vectorised operations.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine

from advisor.data.contract import (
    MIN_HISTORY_DAYS,
    OUTLIER_MIN_ROWS,
    OUTLIER_Z,
    ColumnSpec,
    ConstantWithin,
    LessEqual,
    RangeBy,
    TableContract,
)
from advisor.data.grain import table_step

ISO_DATE = pandas_engine.DateTime(to_datetime_kwargs={"format": "%Y-%m-%d"})  # type: ignore[call-arg]


def _dtype(spec: ColumnSpec) -> object:
    if spec.dtype == "date":
        return ISO_DATE
    if spec.dtype in ("number", "integer"):
        return "float64"  # integers are checked for integrality in stage 2, then cast
    return None  # text: cleaned to str before validation


def type_schema(contract: TableContract) -> pa.DataFrameSchema:
    """Stage 1: presence, coercion and not-null for the contract columns (extras pass through)."""
    columns = {
        c.name: pa.Column(_dtype(c), required=c.required, nullable=not c.required, coerce=c.dtype != "text")
        for c in contract.columns
    }
    return pa.DataFrameSchema(columns, strict=False, name=contract.name)


@dataclass(frozen=True)
class FrameRule:
    """A rule across columns: ``name`` (check name, e.g. ``clicks_le_impressions``, ``outlier:spend``),
    ``column`` (the column whose value is shown for a failing row) and ``passes`` (frame → boolean Series,
    False on failing rows; same index as the frame)."""

    name: str
    column: str
    passes: Callable[[pd.DataFrame], pd.Series]


def rule_schema(contract: TableContract, present: Collection[str]) -> pa.DataFrameSchema:
    """Stage 2: per-column value rules over the columns in ``present`` (frame already typed; nulls skipped)."""
    columns: dict[str, pa.Column] = {}
    for c in contract.columns:
        if c.name not in present:
            continue
        checks = _column_checks(c)
        if checks:
            columns[c.name] = pa.Column(checks=checks, nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False, name=contract.name)


def frame_rules(contract: TableContract, present: Collection[str]) -> list[FrameRule]:
    """Stage 2: rules across columns whose columns are all in ``present``."""
    rules = [FrameRule(r.rule, r.left, _le_check(r)) for r in contract.less_equal if {r.left, r.right} <= set(present)]
    rules += [
        FrameRule(r.rule, r.column, _constant_check(r))
        for r in contract.constant_within
        if {r.column, r.group} <= set(present)
    ]
    rules += [
        FrameRule("out_of_range", r.column, _range_check(r)) for r in contract.range_by if {r.column, r.key} <= set(present)
    ]
    key = [k for k in contract.unique if k in present]
    required_key = [k for k in contract.unique if k in contract.required_names]
    if key and all(k in present for k in required_key):
        rules.append(FrameRule("duplicate_key", key[0], _unique_check(key, required_key)))
    return rules


def warning_rules(contract: TableContract, present: Collection[str]) -> list[FrameRule]:
    """Stage 3: history checks (gaps, short history, outliers) when date and campaign_id are present."""
    if not contract.history_checks or not {"date", "campaign_id"} <= set(present):
        return []
    rules = [FrameRule("date_gaps", "date", _no_gap_before), FrameRule("short_history", "campaign_id", _long_enough)]
    rules += [FrameRule(f"outlier:{col}", col, _outlier_check(col)) for col in contract.outlier_columns if col in present]
    return rules


def failure_cases(df: pd.DataFrame, rules: Collection[FrameRule]) -> pd.DataFrame:
    """The failing rows of ``rules`` on ``df`` in pandera's ``SchemaErrors.failure_cases`` layout (one row per
    failing row and rule: schema_context, column, check, check_number, failure_case, index)."""
    parts = []
    for rule in rules:
        fails = ~rule.passes(df).to_numpy(dtype=bool)
        if fails.any():
            parts.append(
                pd.DataFrame(
                    {
                        "schema_context": "DataFrameSchema",
                        "column": rule.column,
                        "check": rule.name,
                        "check_number": None,
                        "failure_case": df[rule.column].iloc[fails].to_numpy(dtype=object),
                        "index": df.index.to_numpy()[fails],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _column_checks(c: ColumnSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if c.dtype in ("number", "integer"):
        checks.append(pa.Check(lambda s: np.isfinite(s), name="finite", error="finite"))
    if c.dtype == "integer":
        checks.append(pa.Check(lambda s: s % 1 == 0, name="integer", error="integer"))
    if c.min_value == 0.0 and c.min_exclusive:
        checks.append(pa.Check.gt(0.0, name="positive", error="positive"))
    elif c.min_value == 0.0:
        checks.append(pa.Check.ge(0.0, name="non_negative", error="non_negative"))
    elif c.min_value is not None:
        checks.append(pa.Check.ge(c.min_value, name="out_of_range", error="out_of_range"))
    if c.max_value is not None:
        checks.append(pa.Check.le(c.max_value, name="out_of_range", error="out_of_range"))
    if c.allowed is not None:
        checks.append(pa.Check.isin(list(c.allowed), name="allowed_values", error="allowed_values"))
    if c.pattern is not None:
        checks.append(pa.Check.str_matches(f"^(?:{c.pattern})$", name="pattern", error="pattern"))
    return checks


def _le_check(rule: LessEqual) -> Callable[[pd.DataFrame], pd.Series]:
    def fn(df: pd.DataFrame) -> pd.Series:
        left, right = df[rule.left], df[rule.right]
        return left.isna() | right.isna() | (left <= right)

    return fn


def _unique_check(key: list[str], required_key: list[str]) -> Callable[[pd.DataFrame], pd.Series]:
    """Every row of a duplicated key fails; rows with an empty *required* key cell pass (reported already as
    missing or unparseable), while empty optional key cells (e.g. no team) count as a value."""

    def fn(df: pd.DataFrame) -> pd.Series:
        incomplete = df[required_key].isna().any(axis=1)
        return incomplete | ~df.duplicated(subset=key, keep=False)

    return fn


def _constant_check(rule: ConstantWithin) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose value differs from the group's first value (in row order) fail."""

    def fn(df: pd.DataFrame) -> pd.Series:
        first = df.groupby(rule.group, sort=False, dropna=False)[rule.column].transform("first")
        return df[rule.column].isna() | (df[rule.column] == first)

    return fn


def _range_check(rule: RangeBy) -> Callable[[pd.DataFrame], pd.Series]:
    def fn(df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=df.index)
        key = df[rule.key].astype("string").str.lower()
        for value, low, high in rule.ranges:
            rows = key == value
            x = df[rule.column]
            ok &= ~(rows.fillna(False) & x.notna() & ((x < low) | (x > high)))
        return ok

    return fn


def _no_gap_before(df: pd.DataFrame) -> pd.Series:
    """False on a row whose previous period in the same campaign is missing (first row after a gap); the period
    is a week when the table is weekly (every step a whole number of weeks, ``advisor.data.grain``), else a day."""
    period = table_step(df, "date", "campaign_id")
    order = df.sort_values(["campaign_id", "date"], kind="mergesort")
    step = order.groupby("campaign_id", sort=False)["date"].diff()
    return (step.isna() | (step <= period)).reindex(df.index)


def _long_enough(df: pd.DataFrame) -> pd.Series:
    """Campaigns with at least ``MIN_HISTORY_DAYS`` days of history (a weekly row counts as 7 days)."""
    periods = df.groupby("campaign_id", sort=False)["date"].transform("nunique")
    return periods * table_step(df, "date", "campaign_id").days >= MIN_HISTORY_DAYS


def _outlier_check(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows whose robust z-score 0.6745·(x − median)/MAD within their campaign exceeds ``OUTLIER_Z``, in campaigns of at
    least ``OUTLIER_MIN_ROWS`` rows; computed with grouped medians (no Python call per campaign)."""

    def fn(df: pd.DataFrame) -> pd.Series:
        x = df[column]
        med = x.groupby(df["campaign_id"], sort=False).transform("median")
        mad = (x - med).abs().groupby(df["campaign_id"], sort=False).transform("median")
        usable = np.isfinite(mad) & (mad != 0)
        z = (0.6745 * (x - med) / mad.where(usable)).where(usable, 0.0)
        big = x.groupby(df["campaign_id"], sort=False).transform("size") >= OUTLIER_MIN_ROWS
        return ~(big & (z.abs() > OUTLIER_Z))

    return fn
