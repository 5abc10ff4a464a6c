"""Holiday calendar of the demo world: US federal holidays (``holidays`` package) plus retail events."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib
import numpy as np
import pandas as pd
from numpy.typing import NDArray

RETAIL_EVENTS = ("Black Friday", "Cyber Monday")


def holiday_dates(years: range | list[int]) -> dict[date, str]:
    """Date → event name for the given years (see ``_holiday_dates``); cached per year span."""
    return dict(_holiday_dates(tuple(years)))


@lru_cache(maxsize=32)
def _holiday_dates(years: tuple[int, ...]) -> tuple[tuple[date, str], ...]:
    """Date → event name for the given years: US federal holidays on their actual (not observed) dates,
    plus Black Friday (Thanksgiving + 1 day) and Cyber Monday (Thanksgiving + 4 days)."""
    out: dict[date, str] = dict(holidays_lib.country_holidays("US", years=list(years), observed=False).items())
    for day, name in list(out.items()):
        if name.startswith("Thanksgiving"):
            out[day + timedelta(days=1)] = RETAIL_EVENTS[0]
            out[day + timedelta(days=4)] = RETAIL_EVENTS[1]
    return tuple(sorted(out.items()))


def event_names(years: range | list[int]) -> list[str]:
    """Sorted distinct event names over the given years."""
    return sorted(set(holiday_dates(years).values()))


def holiday_multipliers(dates: pd.DatetimeIndex, effects: dict[str, float]) -> NDArray[np.float64]:
    """Multiplier per date (1 on ordinary days, ``effects[name]`` on an event day; unknown names → 1)."""
    if len(dates) == 0:
        return np.ones(0)
    years = range(int(dates.min().year), int(dates.max().year) + 1)
    by_date = holiday_dates(years)
    return np.array([effects.get(by_date.get(d.date(), ""), 1.0) for d in dates], dtype=float)
