"""Period grain of a date series: daily or weekly, detected from the steps between consecutive dates.

Used by the media-mix table (``advisor.data.mmm_check``: the grain is part of the table) and by the gap check of
``campaign_daily`` (a weekly export is not a daily series with six missing days a week).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)
#: In a daily series, more 7-day steps than this is a switch to weekly rows (mixed grain), not a few gaps.
MAX_WEEK_STEPS_IN_DAILY = 2


@dataclass(frozen=True)
class Grain:
    """The grain of one series of distinct sorted dates.

    freq: "D", "W", or None when it is neither (monthly, irregular) or there is only one date.
    gaps: positions (into the dates) of dates that follow a gap (a step longer than one period).
    off_steps: positions of dates whose step does not fit ``freq`` (mixed grain); empty when ``freq`` fits.
    step_days: the modal step in days (0 for a single date).
    """

    freq: str | None
    gaps: tuple[int, ...]
    off_steps: tuple[int, ...]
    step_days: int


def detect(dates: pd.Series | pd.DatetimeIndex) -> Grain:
    """Grain of ``dates`` (distinct values are taken and sorted first; positions refer to that order)."""
    unique = pd.DatetimeIndex(pd.unique(pd.Series(dates).dropna())).sort_values()
    if len(unique) < 2:
        return Grain(None, (), (), 0)
    days = (np.diff(unique.asi8) // 86_400_000_000_000).astype(np.int64)  # ns → whole days
    values, counts = np.unique(days, return_counts=True)
    modal = int(values[np.argmax(counts)])
    after = np.arange(1, len(unique))
    if (days % 7 == 0).all():
        return Grain("W", tuple(int(i) for i in after[days > 7]), (), modal)
    if modal == 1:
        weekly = days == 7
        if weekly.sum() > MAX_WEEK_STEPS_IN_DAILY:
            return Grain("D", (), tuple(int(i) for i in after[weekly]), modal)
        return Grain("D", tuple(int(i) for i in after[days > 1]), (), modal)
    if modal == 7:
        return Grain("W", (), tuple(int(i) for i in after[days % 7 != 0]), modal)
    return Grain(None, (), (), modal)


def table_step(df: pd.DataFrame, date: str = "date", group: str | None = None) -> pd.Timedelta:
    """One week when every step between consecutive distinct dates within each ``group`` is a whole number of
    weeks (a weekly table), else one day. Steps are whole weeks exactly when a group's dates share one weekday,
    which is checked by hashing (no sort: this runs on every campaign_daily table)."""
    dates = df[date]
    if dates.empty:
        return DAY
    keys = df[group] if group else pd.Series(0, index=df.index)
    weekdays = dates.dt.dayofweek.groupby(keys, sort=False).nunique()
    distinct = dates.groupby(keys, sort=False).nunique()
    if (weekdays <= 1).all() and (distinct >= 2).any():
        return WEEK
    return DAY
