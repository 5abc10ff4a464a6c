"""Simulated incrementality experiments (the ``lift_tests`` table of SPEC §2) for both demo layouts.

One four-week test per channel, measuring both KPIs (one row per channel and KPI). Each test's window starts
at a random week (daily world: day) of the last year of history and lies wholly inside the history, among the
windows where the channel is active (its true contribution over the window at least half its mean over all such
windows: experiments are run on live channels); channels' windows are drawn independently. ``incremental`` = the channel's TRUE incremental KPI summed over the window
(its contribution: the generator's noise-free incremental series, carry-over from spend before the window
included) + Normal noise with s.d. ``std_error``; ``std_error`` = ``RELATIVE_SE`` (10 %) × |true| (at least 0.01), the standard
error a well-powered holdout test would report. The draws use their own random stream (``[seed, 29]``), so
adding tests never changes the world itself. ``true_incremental`` is returned beside each row for scoring
(``lift_tests.csv`` carries only the SPEC columns).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

RELATIVE_SE = 0.10
WINDOW_WEEKS = 4
COLUMNS = ("channel", "start", "end", "kpi", "incremental", "std_error")
KPIS = ("conversions", "revenue")


def _rows(
    rng: np.random.Generator, windows: list[tuple[str, pd.Timestamp, pd.Timestamp]], true: dict[tuple[str, str], float]
) -> pd.DataFrame:
    rows = []
    for channel, start, end in windows:
        for kpi in KPIS:
            value = true[(channel, kpi)]
            se = round(max(RELATIVE_SE * abs(value), 0.01), 2)
            rows.append(
                {
                    "channel": channel,
                    "start": start,
                    "end": end,
                    "kpi": kpi,
                    "incremental": round(float(value + rng.normal(0.0, se)), 2),
                    "std_error": se,
                    "true_incremental": value,
                }
            )
    return pd.DataFrame(rows)


def _pick(rng: np.random.Generator, values: np.ndarray, lo: int, hi: int, width: int) -> int:
    """A random window start in ``[lo, hi)`` whose ``width``-period sum of ``values`` is at least half the mean."""
    sums = np.convolve(values, np.ones(width), mode="valid")
    starts = np.arange(lo, hi)
    ok = starts[sums[starts] >= 0.5 * sums[starts].mean()]
    return int(rng.choice(ok if len(ok) else starts))


def mmm_lift_tests(truth: dict[str, Any], seed: int) -> pd.DataFrame:
    """Lift tests of an mmm world (``truth.json`` of ``generate_mmm_world``): national, one window of
    ``WINDOW_WEEKS`` weeks per channel; ``end`` is the last day of the window's last week.
    Columns: ``COLUMNS`` + ``true_incremental``."""
    rng = np.random.default_rng([seed, 29])
    weeks = pd.DatetimeIndex(pd.to_datetime(truth["series"]["week"]))
    n = len(weeks)
    lo = max(0, n - 52)
    windows, true = [], {}
    for channel in truth["channels"]:
        # the window ends before the last history week
        i = _pick(rng, np.asarray(truth["series"][f"{channel}_conversions"]), lo, n - WINDOW_WEEKS, WINDOW_WEEKS)
        start, end = weeks[i], weeks[i + WINDOW_WEEKS - 1] + pd.Timedelta(days=6)
        windows.append((channel, start, end))
        for kpi in KPIS:
            true[(channel, kpi)] = float(np.sum(truth["series"][f"{channel}_{kpi}"][i : i + WINDOW_WEEKS]))
    return _rows(rng, windows, true)


def campaign_lift_tests(true_daily: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Lift tests of the daily campaign world (``DemoWorld.true_daily``): one ``7 · WINDOW_WEEKS``-day window per
    channel in the last year, ending at least a week before the history end.
    Columns: ``COLUMNS`` + ``true_incremental``."""
    rng = np.random.default_rng([seed, 29])
    dates = pd.DatetimeIndex(sorted(true_daily["date"].unique()))
    n, days = len(dates), 7 * WINDOW_WEEKS
    by = true_daily.groupby(["date", "channel"])[["incremental_conversions", "incremental_revenue"]].sum()
    windows, true = [], {}
    for channel in dict.fromkeys(true_daily["channel"]):
        series = by.xs(channel, level="channel")["incremental_conversions"].reindex(dates, fill_value=0.0)
        i = _pick(rng, series.to_numpy(), max(0, n - 365), n - days - 7, days)
        start, end = dates[i], dates[i + days - 1]
        windows.append((channel, start, end))
        part = by.xs(channel, level="channel").loc[start:end]
        for kpi in KPIS:
            true[(channel, kpi)] = float(part[f"incremental_{kpi}"].sum())
    return _rows(rng, windows, true)


def write_lift_tests(tests: pd.DataFrame, path: Any) -> None:
    """Write the SPEC columns of ``tests`` as ``lift_tests.csv`` (ISO dates)."""
    tests.loc[:, list(COLUMNS)].to_csv(path, index=False, date_format="%Y-%m-%d")
