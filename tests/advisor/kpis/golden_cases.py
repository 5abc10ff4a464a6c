"""The cases behind ``golden/*.json``: KPI tables and table aggregates whose values were written by the code as
it stood before the numpy and pandas aggregation paths were merged into one (both paths agreed exactly then).

Regenerate only when a change of the numbers is intended: ``.venv/bin/python -m tests.advisor.kpis.golden_cases``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.kpis import compute_kpis
from advisor.kpis.catalog import MeasureSpec, TableSpec
from advisor.kpis.measures import aggregate_table
from demo_world import generate_world

GOLDEN = Path(__file__).parent / "golden"
# one KPI per kind of measure: sums (spend), ratios of sums (ctr), to-date distinct counts with min_rows
# (repeat_rate) and to-date sums (clv), filtered counts and sums (csat, nps)
KPIS = ["spend", "ctr", "repeat_rate", "clv", "csat", "nps"]
BYS: list[list[str]] = [[], ["channel"], ["campaign_id"], ["channel", "audience"]]
GRAINS: list[str | None] = [None, "month"]


def world() -> dict[str, pd.DataFrame]:
    return dict(generate_world(seed=5, days=150).tables)


def messy(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The world with missing group values, a missing date and shuffled (unsorted) orders."""
    t = {k: v.copy() for k, v in tables.items()}
    cd = t["campaign_daily"]
    cd.loc[cd.index[::37], "audience"] = None
    cd.loc[cd.index[5], "channel"] = np.nan
    orders = t["orders"]
    orders.loc[orders.index[::101], "channel"] = None
    orders.loc[orders.index[7], "order_date"] = pd.NaT
    t["orders"] = orders.sample(frac=1.0, random_state=1)
    surveys = t["surveys"]
    surveys.loc[surveys.index[::53], "score"] = np.nan
    return t


def kpi_case_name(variant: str, by: list[str], grain: str | None, compare: bool) -> str:
    return f"{variant}|{'+'.join(by) or '-'}|{grain or '-'}|{'compare' if compare else 'plain'}"


def kpi_queries() -> list[tuple[str, list[str], str | None, bool]]:
    """(variant, by, grain, compare): every grouping and grain with ``compare`` (whose records hold the KPI
    values too), without it for the whole-window and channel totals; by campaign only on the messy tables (the
    plain ones add nothing there)."""
    out = []
    for variant, by, grain, compare in itertools.product(("plain", "messy"), BYS, GRAINS, (False, True)):
        if (compare or len(by) == 0 or by == ["channel"]) and not (variant == "plain" and by == ["campaign_id"]):
            out.append((variant, by, grain, compare))
    return out


def kpi_cases() -> dict[str, list[dict[str, Any]]]:
    """{case name: KpiTable records with reasons and the frame's column dtypes} over the last 45 days of the
    world, plain and messy (:func:`kpi_queries`)."""
    base = world()
    last = pd.Timestamp(base["campaign_daily"]["date"].max())
    window = {"start": (last - pd.Timedelta(days=45)).date(), "end": last.date()}
    out: dict[str, Any] = {}
    variants = {"plain": base, "messy": messy(base)}
    for variant, by, grain, compare in kpi_queries():
        table = compute_kpis(variants[variant], by=by, grain=grain, compare=compare, kpis=KPIS, **window)
        out[kpi_case_name(variant, by, grain, compare)] = {
            "dtypes": {c: str(t) for c, t in table.frame.dtypes.items()},
            "records": table.to_records(reasons=True),
        }
    for name, table in extra_tables(base).items():
        out[name] = {"dtypes": {c: str(t) for c, t in table.frame.dtypes.items()}, "records": table.to_records(reasons=True)}
    return out


def extra_tables(base: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """A monthly table (team KPIs by team and month), and one campaign's rows alone (as a diagnosis passes
    them: one group per window) with ``compare``."""
    last = pd.Timestamp(base["campaign_daily"]["date"].max())
    out = {
        "team|team|month|plain": compute_kpis(
            base, by=["team"], grain="month", start=(last - pd.Timedelta(days=80)).date(), kpis=["research_quality"]
        )
    }
    cd = base["campaign_daily"]
    rows = cd[cd["campaign_id"] == cd["campaign_id"].iloc[0]].reset_index(drop=True)
    last = pd.Timestamp(rows["date"].max())
    for by in ([], ["channel"], ["campaign_id", "audience"]):
        out[f"one-campaign|{'+'.join(by) or '-'}|-|compare"] = compute_kpis(
            {"campaign_daily": rows}, by=by, compare=True, start=(last - pd.Timedelta(days=30)).date(), end=last.date()
        )
    return out


def random_table() -> pd.DataFrame:
    """400 rows with missing dates, string / float group keys (some missing) and missing values."""
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame(
        {
            "date": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
            "g": rng.choice(np.array(["b", "a", "c", None], dtype=object), n),
            "h": rng.choice([1.0, 2.0, np.nan], n),
            "v": rng.normal(100, 30, n).round(2),
            "who": rng.choice([f"c{i}" for i in range(40)], n).astype(object),
        }
    )
    df.loc[3, "date"] = pd.NaT
    df.loc[::9, "v"] = np.nan
    return df


RANDOM_SPEC = TableSpec("t", date="date")
RANDOM_MEASURES = [
    MeasureSpec("total", "t", "sum", "v"),
    MeasureSpec("avg", "t", "mean", "v"),
    MeasureSpec("n", "t", "count", "v"),
    MeasureSpec("lo", "t", "min", "v"),
    MeasureSpec("hi", "t", "max", "v"),
    MeasureSpec("buyers", "t", "nunique", "who"),
    MeasureSpec("repeat", "t", "nunique", "who", min_rows=2),
]
AGG_BYS: list[list[str]] = [["g"], ["g", "h"], ["h"], []]
AGG_GRAINS: list[str | None] = [None, "week"]


def frame_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame as {dtypes, columns: {name: values}} with None for missing values and ISO dates."""
    cols: dict[str, list[Any]] = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            cols[str(c)] = [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in s]
        else:
            cols[str(c)] = [None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v) for v in s]
    return {"dtypes": {str(c): str(t) for c, t in frame.dtypes.items()}, "columns": cols}


def aggregate_inputs() -> dict[str, tuple[pd.DataFrame, list[str], str | None, Any]]:
    """{case: (table, by, grain, start)} for :func:`aggregate_table` over :data:`RANDOM_MEASURES`: every grouping
    of :func:`random_table` with and without weeks, then edge cases."""
    df = random_table()
    out: dict[str, tuple[pd.DataFrame, list[str], str | None, Any]] = {}
    for by, grain in itertools.product(AGG_BYS, AGG_GRAINS):
        out[f"{'+'.join(by) or '-'}|{grain or '-'}"] = (df, by, grain, None)
    # no row in the window: empty groups of every key dtype
    out["empty-window|g+h|week"] = (df, ["g", "h"], "week", pd.Timestamp("2027-01-01").date())
    # object keys that are not all strings (numbers and strings mixed, missing values)
    out["mixed-objects|k|-"] = (df.assign(k=np.array([1, "x", 2.5, None] * 100, dtype=object)), ["k"], None, None)
    # a key that is always missing
    out["all-missing|m|-"] = (df.assign(m=np.array([None] * len(df), dtype=object)), ["m"], None, None)
    # integer and boolean keys
    out["int-bool|i+b|-"] = (df.assign(i=np.arange(len(df)) % 3, b=np.arange(len(df)) % 2 == 0), ["i", "b"], None, None)
    return out


def aggregate_cases() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (table, by, grain, start) in aggregate_inputs().items():
        agg = aggregate_table("t", table, RANDOM_SPEC, RANDOM_MEASURES, by, grain, start, None)
        assert agg.frame is not None
        out[name] = frame_json(agg.frame)
    return out


def write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, cases in (("kpi_tables.json", kpi_cases()), ("aggregates.json", aggregate_cases())):
        (GOLDEN / name).write_text(json.dumps(cases, indent=None, sort_keys=True, allow_nan=False) + "\n")


if __name__ == "__main__":
    write()
