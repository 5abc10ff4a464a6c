"""Period starts, labels and parsing: the one period convention of the product.

A period is identified internally by its first day (``datetime64[ns]``). Labels:

* day ``"2026-10-05"``, week ``"2026-W43"`` (ISO 8601 week, Monday start, ISO week-year), month ``"2026-10"``,
  quarter ``"2026-Q3"``, year ``"2026"``; a date range ``"2026-10-01..2026-10-15"``.

Why ISO weeks (``2026-W43``) rather than the Monday's date (``2026-10-19``) for weeks: every label must
parse back to the period it names (:func:`parse_period`; the targets file and ``--period`` use the same
labels), and a week labelled by its Monday would read back as a single day. ISO week labels are zero-padded, so
they sort as text in time order (also across years, the week-year leads), and charting tools read them as
ISO 8601 week dates (``%G-W%V``). The KPI engine, the targets file and the tests already used them; the
customer tables (retention cohorts, satisfaction trends) labelled weeks by their Monday and now follow.

Keys are computed with integer arithmetic on ``datetime64`` arrays, so 1e6 rows take milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from advisor.core.grains import check_grain


def period_start(dates: np.ndarray | pd.Series, grain: str) -> np.ndarray:
    """First day of the ``grain`` period containing each date; ``datetime64[ns]`` array (NaT stays NaT)."""
    d = np.asarray(dates, dtype="datetime64[ns]")
    if grain == "day":
        out = d.astype("datetime64[D]")
    elif grain == "week":
        days = d.astype("datetime64[D]")
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        out = days - weekday.astype("timedelta64[D]")
    elif grain == "month":
        out = d.astype("datetime64[M]").astype("datetime64[D]")
    elif grain == "quarter":
        months = d.astype("datetime64[M]").astype(np.int64)
        out = (months - months % 3).astype("datetime64[M]").astype("datetime64[D]")
    else:
        check_grain(grain, allow_none=False)
        raise AssertionError(grain)
    res = out.astype("datetime64[ns]")
    res[np.isnat(d)] = np.datetime64("NaT")
    return res


def shift(starts: np.ndarray, grain: str, n: int = -1) -> np.ndarray:
    """Period starts moved by ``n`` periods of ``grain``."""
    s = np.asarray(starts, dtype="datetime64[ns]")
    if grain in ("day", "week"):
        step = 1 if grain == "day" else 7
        return (s.astype("datetime64[D]") + np.timedelta64(n * step, "D")).astype("datetime64[ns]")
    months = 1 if grain == "month" else 3
    return (s.astype("datetime64[M]") + np.timedelta64(n * months, "M")).astype("datetime64[ns]")


def label(start: pd.Timestamp | np.datetime64, grain: str) -> str:
    """Label of the period starting at ``start``."""
    ts = pd.Timestamp(start)
    if grain == "day":
        return ts.strftime("%Y-%m-%d")
    if grain == "week":
        iso = ts.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if grain == "month":
        return ts.strftime("%Y-%m")
    return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"


def labels(starts: np.ndarray, grain: str) -> np.ndarray:
    """Labels (object array, None for NaT) of many period starts; each distinct start is formatted once."""
    try:
        s = np.asarray(starts, dtype="datetime64[ns]")
    except (TypeError, ValueError):  # object array holding NaN (a row without any dated table)
        s = pd.to_datetime(pd.Series(starts, dtype=object)).to_numpy(dtype="datetime64[ns]")
    uniq, inverse = np.unique(s, return_inverse=True)
    names = np.array([None if np.isnat(u) else label(u, grain) for u in uniq], dtype=object)
    return names[inverse.reshape(-1)] if len(s) else np.array([], dtype=object)


@dataclass(frozen=True)
class Period:
    """A labelled calendar period: ``grain`` (day/week/month/quarter/year/range), inclusive start..end."""

    label: str
    grain: str
    start: date
    end: date

    def previous(self) -> Period:
        """The period of the same grain just before this one."""
        return parse_period(_previous_label(self))


def _previous_label(p: Period) -> str:
    if p.grain == "range":
        span = p.end - p.start + timedelta(days=1)
        return f"{(p.start - span).isoformat()}..{(p.start - timedelta(days=1)).isoformat()}"
    if p.grain == "year":
        return str(p.start.year - 1)
    prev = shift(np.array([np.datetime64(p.start, "ns")]), p.grain)[0]
    return label(prev, p.grain)


_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-W(\d{2})$"), "week"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
)


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/)\s*(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str) -> Period:
    """Parse ``"2026-10-05"``, ``"2026-W43"``, ``"2026-10"``, ``"2026-Q3"``, ``"2026"`` or a date range
    ``"2026-10-01..2026-10-15"`` (``/`` also accepted) into a
    :class:`Period`."""
    s = str(text).strip().upper()
    rng = _RANGE.match(s)
    if rng:
        try:
            start, end = date.fromisoformat(rng.group(1)), date.fromisoformat(rng.group(2))
        except ValueError as exc:
            raise ValueError(f"period {text!r}: {exc}") from None
        if start > end:
            raise ValueError(f"period {text!r}: start is after end")
        return Period(label=f"{start.isoformat()}..{end.isoformat()}", grain="range", start=start, end=end)
    for pattern, grain in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        try:
            y = int(m.group(1))
            if grain == "day":
                start = end = date(y, int(m.group(2)), int(m.group(3)))
            elif grain == "week":
                start = date.fromisocalendar(y, int(m.group(2)), 1)
                end = start + timedelta(days=6)
            elif grain == "month":
                start = date(y, int(m.group(2)), 1)
                end = _month_end(start)
            elif grain == "quarter":
                start = date(y, 3 * int(m.group(2)) - 2, 1)
                end = _month_end(date(y, 3 * int(m.group(2)), 1))
            else:
                start, end = date(y, 1, 1), date(y, 12, 31)
        except ValueError as exc:
            raise ValueError(f"period {text!r} is not a valid {grain}: {exc}") from None
        return Period(label=s if grain != "day" else start.isoformat(), grain=grain, start=start, end=end)
    raise ValueError(
        f"period {text!r} not understood; use YYYY-MM-DD, YYYY-Www (ISO week), YYYY-MM, YYYY-Qn, YYYY "
        "or YYYY-MM-DD..YYYY-MM-DD"
    )


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def last_full_month(max_date: date) -> Period:
    """The last calendar month fully covered by data ending on ``max_date``."""
    this = date(max_date.year, max_date.month, 1)
    if _month_end(this) == max_date:
        return parse_period(this.strftime("%Y-%m"))
    return parse_period((this - timedelta(days=1)).strftime("%Y-%m"))


def periods_between(start: pd.Series, later: pd.Series, grain: str) -> pd.Series:
    """Whole periods from each period start in ``start`` to the one in ``later`` (0 = same period); both
    Series of period starts of ``grain``."""
    check_grain(grain, allow_none=False)
    if grain == "day":
        return (later - start).dt.days
    if grain == "week":
        return (later - start).dt.days // 7
    months = (later.dt.year - start.dt.year) * 12 + (later.dt.month - start.dt.month)
    return months if grain == "month" else months // 3


def same_period(a: str, b: str) -> bool:
    """Whether two period labels name the same dates ("2026-10" and "2026-10-01..2026-10-31" do)."""
    if a.strip().upper() == b.strip().upper():
        return True
    try:
        pa, pb = parse_period(a), parse_period(b)
    except ValueError:
        return False
    return (pa.start, pa.end) == (pb.start, pb.end)
