"""Resolve a diagnosis scope (campaign, channel or any attribute value) and period against the data.

Unknown ids raise :class:`ScopeError` with the closest known ids (:mod:`models.names` policy); a period outside the data
raises :class:`PeriodError`. Nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TypeVar

import numpy as np
import pandas as pd

from advisor.core.names import closest_names, resolve_name, scope_word
from advisor.kpis.measures import MeasureCache
from models.drivers.features import is_text

T = TypeVar("T")


class ScopeError(ValueError):
    """The scope names a campaign, channel or attribute value that is not in the data."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class PeriodError(ValueError):
    """The period is empty, reversed or outside the data."""


@dataclass(frozen=True)
class Scope:
    """``column`` (``campaign_id``, ``channel`` or an attribute column) equal to ``value``."""

    column: str
    value: str

    @property
    def label(self) -> str:
        return f"{scope_word(self.column)} {self.value}"


def resolve_scope(df: pd.DataFrame, scope: Scope) -> Scope:
    """Check that ``scope`` exists in ``df``; returns it (value as stored) or raises :class:`ScopeError`."""
    if scope.column not in df.columns:
        known = [c for c in df.columns if is_text(df[c])]
        close = tuple(closest_names(scope.column, known))
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ScopeError(f"no column {scope.column!r} in campaign_daily{hint}", close)
    values = sorted(df[scope.column].dropna().astype(str).unique())
    if scope.value in values:
        return scope
    same = resolve_name(scope.value, values)
    if same is not None:
        return Scope(scope.column, same)
    close = tuple(closest_names(scope.value, values))
    hint = f"; closest known: {', '.join(close)}" if close else f"; known: {', '.join(values[:10])}"
    raise ScopeError(f"unknown {scope.label}{hint}", close)


@dataclass(frozen=True)
class ScopeFrame:
    """Rows of one scope: ``rows`` (its full history, sorted by date), and masks (len(rows),) of the
    diagnosed period and of the equally long reference window just before it (may be empty)."""

    scope: Scope
    start: date
    end: date
    rows: pd.DataFrame
    in_period: np.ndarray
    in_reference: np.ndarray

    @cached_property
    def period(self) -> pd.DataFrame:
        """The rows of the period, cut once per frame (read-only: shared by the checks)."""
        return self.rows[self.in_period]

    @cached_property
    def reference(self) -> pd.DataFrame:
        """The rows of the reference window, cut once per frame (read-only: shared by the checks)."""
        return self.rows[self.in_reference]


def _as_date(d: date | str | None, fallback: pd.Timestamp) -> date:
    if d is None:
        return fallback.date()
    try:
        return pd.Timestamp(d).date()
    except (ValueError, TypeError):
        raise PeriodError(f"{d!r} is not an ISO date (YYYY-MM-DD)") from None


def scope_rows(df: pd.DataFrame, scope: Scope) -> tuple[Scope, pd.DataFrame]:
    """(the resolved scope, its rows of ``df`` with parsed dates, sorted by date then campaign). Raises
    :class:`ScopeError` for an unknown scope."""
    scope = resolve_scope(df, scope)
    rows = df[df[scope.column].astype(str) == scope.value].copy()
    rows["date"] = pd.to_datetime(rows["date"])
    rows = rows.sort_values(["date", *(["campaign_id"] if "campaign_id" in rows else [])], ignore_index=True)
    return scope, rows


def scope_frame(
    df: pd.DataFrame,
    scope: Scope,
    start: date | str | None,
    end: date | str | None,
    *,
    cache: MeasureCache | None = None,
) -> ScopeFrame:
    """Slice the scope's rows; default period: the whole history. Raises ScopeError / PeriodError.

    ``cache``: a :class:`~advisor.kpis.measures.MeasureCache` kept with ``df``; the scope's rows are then cut
    once per scope and shared by later calls (callers must not modify ``ScopeFrame.rows`` in place)."""
    if cache is None:
        scope, rows = scope_rows(df, scope)
    else:
        scope, rows = cache.get(df, ("diagnose.scope_rows", scope.column, scope.value), lambda: scope_rows(df, scope))
    first, last = rows["date"].min(), rows["date"].max()
    d0, d1 = _as_date(start, first), _as_date(end, last)
    if d0 > d1:
        raise PeriodError(f"period start {d0} is after its end {d1}")
    if pd.Timestamp(d1) < first or pd.Timestamp(d0) > last:
        raise PeriodError(
            f"period {d0}..{d1} is outside the data of {scope.label} ({first.date()}..{last.date()})"
        )
    dates = rows["date"].to_numpy()  # datetime64[ns]
    t0, t1 = pd.Timestamp(d0).to_datetime64(), pd.Timestamp(d1).to_datetime64()
    in_period = (dates >= t0) & (dates <= t1)
    length = (pd.Timestamp(d1) - pd.Timestamp(d0)).days + 1
    ref0 = (pd.Timestamp(d0) - pd.Timedelta(days=length)).to_datetime64()
    in_ref = (dates >= ref0) & (dates < t0)
    return ScopeFrame(scope, d0, d1, rows, in_period, in_ref)


def per_scope(cache: MeasureCache | None, rows: pd.DataFrame, key: Hashable, owner: object, compute: Callable[[], T]) -> T:
    """``compute()`` for a scope's rows (``ScopeFrame.rows`` as kept by ``scope_frame(..., cache=)``) and
    ``owner`` (e.g. the driver models it depends on), kept in ``cache`` while both live; without a cache,
    computed each time. The cached value holds ``owner``, so another owner object never matches its key."""
    if cache is None:
        return compute()
    kept: tuple[object, T] = cache.get(rows, (key, id(owner)), lambda: (owner, compute()))
    return kept[1] if kept[0] is owner else compute()
