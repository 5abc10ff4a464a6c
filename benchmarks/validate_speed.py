"""Speed of data validation (``advisor.data.validate_folder``, CSV read included) on large and hostile uploads.

Cases: valid campaign_daily of 100k and 1M rows (the demo world tiled with new campaign ids), 150k rows that all
share a key with another row (duplicate_key errors), and a 12,000-column CSV (refused by ``max_columns``).
Target (issue 17): a 1M-row valid upload validates in seconds; the wide file is refused at once.
Run: .venv/bin/python benchmarks/validate_speed.py [--cases valid,duplicates,wide] [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.data import validate_folder
from demo_world import generate_world


def tiled(base: pd.DataFrame, rows: int) -> pd.DataFrame:
    """``rows`` rows of ``base`` repeated, each copy with its own campaign ids (``<id>-t<k>``): still valid."""
    copies = -(-rows // len(base))
    parts = [base.assign(campaign_id=base["campaign_id"] + f"-t{k}") for k in range(copies)]
    return pd.concat(parts, ignore_index=True).head(rows)


def wide(base: pd.DataFrame, columns: int, rows: int = 200) -> pd.DataFrame:
    """The first ``rows`` rows of ``base`` with numeric extra columns up to ``columns`` columns in all."""
    head = base.head(rows).reset_index(drop=True)
    extra = columns - head.shape[1]
    values = np.random.default_rng(0).integers(0, 1000, size=(rows, extra))
    return pd.concat([head, pd.DataFrame(values, columns=[f"x{i:05d}" for i in range(extra)])], axis=1)


def timed(label: str, frame: pd.DataFrame) -> None:
    """Write ``frame`` as ``campaign_daily.csv`` in a fresh folder, validate it and print wall and CPU seconds,
    the process's peak RSS so far (MB) and the outcome."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "campaign_daily.csv"
        frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        mb = path.stat().st_size / 1e6
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            report = validate_folder(Path(tmp))
            outcome = f"ok={report.ok}, {len(report.errors)} error(s) {[i.rule for i in report.errors][:3]}"
        except ValueError as exc:  # LimitExceeded (a refusal) where the code has limits
            outcome = f"refused: {type(exc).__name__}: {str(exc)[:100]}"
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<40} {seconds:7.2f} s wall {cpu:7.2f} s CPU  peak RSS {peak:,.0f} MB  ({mb:,.1f} MB file; "
          f"{outcome})", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="valid,duplicates,wide")
    ap.add_argument("--sizes", default="100000,1000000", help="row counts of the valid case")
    ap.add_argument("--duplicates", type=int, default=150_000, help="rows of the duplicate case")
    ap.add_argument("--columns", type=int, default=12_000, help="columns of the wide case")
    args = ap.parse_args()
    base = generate_world(seed=7).tables["campaign_daily"]
    for case in args.cases.split(","):
        if case == "valid":
            for rows in map(int, args.sizes.split(",")):
                timed(f"valid campaign_daily, {rows:,} rows", tiled(base, rows))
        elif case == "duplicates":
            half = tiled(base, args.duplicates // 2)
            timed(f"duplicate keys, {args.duplicates:,} rows", pd.concat([half, half]))
        elif case == "wide":
            timed(f"wide CSV, {args.columns:,} columns x 200 rows", wide(base, args.columns))
        else:
            raise SystemExit(f"unknown case {case!r}; use valid, duplicates, wide")

if __name__ == "__main__":
    main()
