"""Linear baseline design used while estimating media parameters (trend hinges, seasonality, holidays).

The final baseline forecaster is Prophet (``models.response.baseline``); this matrix only stands in
for it during the media-parameter search, where the baseline must be linear so that it can be
projected out exactly (variable projection).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from numpy.typing import NDArray

log = logging.getLogger(__name__)


def infer_freq(index: pd.DatetimeIndex) -> str:
    """``"D"`` for daily or ``"W"`` for weekly data (median step); raises ``ValueError`` otherwise."""
    if len(index) < 3:
        raise ValueError("need at least 3 periods of history")
    step = pd.Series(index).diff().dropna().median()
    if step == pd.Timedelta(days=1):
        return "D"
    if step == pd.Timedelta(days=7):
        return "W"
    raise ValueError(f"history must be daily or weekly, median step is {step}")


def holiday_dates(country: str | None, years: range) -> dict[pd.Timestamp, str]:
    """Date → name of public holidays of ``country`` (ISO code, e.g. ``"US"``; actual, not observed,
    dates) from the ``holidays`` package; for the US also the retail events Black Friday
    (Thanksgiving + 1 day) and Cyber Monday (Thanksgiving + 4 days)."""
    if not country:
        return {}
    import holidays

    try:
        cal = holidays.country_holidays(country, years=list(years), observed=False)
    except NotImplementedError:
        log.warning("no holiday calendar for country %r; holidays ignored", country)
        return {}
    out = {pd.Timestamp(d): str(n) for d, n in cal.items()}
    if country.upper() == "US":
        for d, n in list(out.items()):
            if n.startswith("Thanksgiving"):
                out[d + pd.Timedelta(days=1)] = "Black Friday"
                out[d + pd.Timedelta(days=4)] = "Cyber Monday"
    return out


def holiday_frame(country: str | None, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Prophet ``holidays`` frame (``holiday``, ``ds``) covering ``start``..``end`` (years inclusive)."""
    hol = holiday_dates(country, range(start.year, end.year + 1))
    return pd.DataFrame({"holiday": list(hol.values()), "ds": list(hol.keys())})


def weekly_holiday_count(dates: pd.DatetimeIndex, country: str | None) -> NDArray[np.float64]:
    """Number of public holidays of ``country`` (:func:`holiday_dates`) in each week ``(T,)``; a week is the
    7 days starting at its index date (zeros when ``country`` is None)."""
    hol = holiday_dates(country, range(dates[0].year, dates[-1].year + 2)) if len(dates) else {}
    if not hol:
        return np.zeros(len(dates))
    days = pd.DatetimeIndex(sorted(hol)).normalize()
    starts = pd.DatetimeIndex(dates).normalize()
    lo = np.searchsorted(days.values, starts.values, side="left")
    hi = np.searchsorted(days.values, (starts + pd.Timedelta(days=7)).values, side="left")
    return np.asarray(hi - lo, dtype=float)


def baseline_design(
    dates: pd.DatetimeIndex,
    freq: str,
    *,
    origin: pd.Timestamp,
    country: str | None = None,
    changepoint_every: int | None = None,
    yearly_order: int = 4,
    n_changepoints_max: int = 12,
) -> NDArray[np.float64]:
    """Design matrix ``(T, P)``: intercept, linear trend (with hinges every ``changepoint_every`` days
    within the first 80% of history when given — flexible trends soak up slow media effects, so the
    default is none), yearly Fourier terms (when ≥ 1 year of history), day-of-week
    dummies and one dummy per holiday name (daily data), or the count of holidays per week
    (:func:`weekly_holiday_count`, weekly data)."""
    t = np.asarray((dates - origin).days, dtype=float)
    span = float(t[-1] - t[0]) if len(t) else 0.0
    scale = max(span, 1.0)
    cols: list[NDArray[np.float64]] = [np.ones(len(t)), (t - t[0]) / scale]
    n_cp = min(n_changepoints_max, int(0.8 * span // changepoint_every)) if changepoint_every else 0
    for k in range(1, n_cp + 1):
        cp = t[0] + k * (changepoint_every or 0)
        cols.append(np.maximum(t - cp, 0.0) / scale)
    if span >= 364:
        doy = t / 365.25
        for k in range(1, yearly_order + 1):
            cols.append(np.sin(2 * np.pi * k * doy))
            cols.append(np.cos(2 * np.pi * k * doy))
    if freq == "D":
        dow = dates.dayofweek.to_numpy()
        for d in range(1, 7):
            cols.append((dow == d).astype(float))
        hol = holiday_dates(country, range(dates[0].year, dates[-1].year + 1))
        names = pd.Series([hol.get(d, "") for d in dates])
        for name in sorted(set(names) - {""}):
            cols.append((names == name).to_numpy(dtype=float))
    elif country:
        count = weekly_holiday_count(dates, country)
        if count.std() > 0:
            cols.append(count)
    return np.column_stack(cols)
