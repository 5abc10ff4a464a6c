"""Time grains for the customer KPIs: a date → the start of its day / week / month / quarter, and labels."""

from __future__ import annotations

from typing import Literal

import pandas as pd

Grain = Literal["day", "week", "month", "quarter"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter")
_FREQ = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q"}


def period_start(dates: pd.Series, grain: str) -> pd.Series:
    """Start of each date's period (weeks start on Monday) as Timestamps."""
    if grain not in _FREQ:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}; got {grain!r}")
    return pd.to_datetime(dates).dt.to_period(_FREQ[grain]).dt.start_time


def period_label(starts: pd.Series, grain: str) -> pd.Series:
    """Human labels: ``YYYY-MM-DD`` for day and week (week start), ``YYYY-MM`` for month, ``YYYY-Qn``."""
    s = pd.to_datetime(starts)
    if grain == "month":
        return s.dt.strftime("%Y-%m")
    if grain == "quarter":
        return s.dt.year.astype(str) + "-Q" + s.dt.quarter.astype(str)
    return s.dt.strftime("%Y-%m-%d")


def periods_between(start: pd.Series, later: pd.Series, grain: str) -> pd.Series:
    """Whole periods from each period start in ``start`` to the one in ``later`` (0 = same period)."""
    if grain == "day":
        return (later - start).dt.days
    if grain == "week":
        return (later - start).dt.days // 7
    months = (later.dt.year - start.dt.year) * 12 + (later.dt.month - start.dt.month)
    return months if grain == "month" else months // 3
