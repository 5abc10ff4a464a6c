"""Scale-out benchmark (issue 16): one model set per segment on the local engine (1 and 2 workers) and on Spark
(``local[2]``), and the training cost of one segment as campaigns and days grow.

Part 1 — engines: ``--segments`` (40) demo businesses of ``--days`` days each (``demo_world.generate_segmented_world``,
seeds 100..139) in one pair of tables with a ``segment`` column; ``training.engines.train_segments`` fits every
segment (response models + LightGBM drivers; backtests off unless ``--backtest``) with
``--engine local --workers 1``, ``--engine local --workers 2`` and ``--engine spark`` (master ``local[2]``; the session
start is timed apart). Reported per run: wall seconds, speed-up against one worker, summed CPU seconds of the fits.
Then every segment's forecast of one 28-day plan (each channel at its recent run rate; ``models.forecast.forecast``,
1000 paths, seed 0) is computed from each run's models, and the largest relative difference of the means (total and
per channel, conversions and revenue) across the three runs is reported (bar: 1e-9), with whether the model files
are byte-identical.

Part 2 — cost per segment: ``training.segments.train_segment`` in this process on one segment of about 20, 40 and
60 campaigns (1, 2, 3 demo businesses merged, campaign ids kept apart) × ``--cost-days`` (180, 365, 730) days
(backtests off), and with backtests on at ``--backtest-points`` (``1x730``: one business, 730 days): CPU seconds
(this process + Stan child processes), rows, and CPU milliseconds per 1,000 campaign rows; the peak RSS of the
process is in the JSON.

Run: ``OPENBLAS_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/scale_out.py [--segments 40] [--days 365]``;
part 2 alone at three years: ``... --skip-engines --cost-days 1095 --backtest-points 3x1095``.
Prints a Markdown summary and one JSON document. The machine is shared: wall times include other people's load;
CPU seconds do not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from demo_world import generate_segmented_world, generate_world
from models.registry import segment_registry
from training.engines import train_segments
from training.segments import SegmentOptions, train_segment

SEED = 100
PLAN_DAYS = 28


def _run_engine(name: str, tables: dict[str, pd.DataFrame], root: Path, options: SegmentOptions, **kw: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    outcomes, notes = train_segments(tables, "segment", root, options, **kw)
    wall = time.perf_counter() - t0
    failed = [o.to_dict() for o in outcomes if o.status != "published"]
    print(f"  {name}: {wall:.1f} s wall, {len(outcomes) - len(failed)} published, {len(failed)} failed", flush=True)
    return {
        "engine": name, "wall_seconds": wall, "segments": len(outcomes), "failed": failed, "notes": notes,
        "cpu_seconds_fits": sum(o.cpu_seconds for o in outcomes),
        "cpu_seconds_per_segment_median": float(np.median([o.cpu_seconds for o in outcomes])),
    }


def _forecast_means(root: Path, segment: str) -> dict[str, float]:
    """Means of the plan's forecast (total and per channel, conversions and revenue) from ``segment``'s models."""
    from advisor.ops.modelset import load_model_set
    from models.forecast import forecast
    from models.plan import parse_plan

    bundle = load_model_set(root, None, parts=("response",), segment=segment).bundle
    assert bundle is not None
    ctx = bundle.context
    start = pd.Timestamp(ctx.last_date) + pd.Timedelta(days=1)
    spend = {ch: PLAN_DAYS * float(ctx.run_rate[ch]) for ch in ctx.channels}
    plan = parse_plan({"start": str(start.date()), "end": str((start + pd.Timedelta(days=PLAN_DAYS - 1)).date()),
                       "spend": spend}, bundle)
    doc = forecast(bundle, plan, n_sims=1000, seed=0, curves=False).to_dict()
    out = {}
    for kpi in ("conversions", "revenue"):
        out[f"total.{kpi}"] = float(doc["total"][kpi]["mean"])
        for ch, block in doc["by_channel"].items():
            if isinstance(block.get(kpi), dict):
                out[f"{ch}.{kpi}"] = float(block[kpi]["mean"])
    return out


def _files(root: Path, segment: str) -> dict[str, bytes]:
    mv = segment_registry(root, segment).latest()
    return {n: mv.read_bytes(n) for n in mv.files if not n.endswith("manifest.json")}


def engines_part(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    world = generate_segmented_world(args.segments, seed=SEED, days=args.days)
    tables = world.tables
    rows = {k: len(v) for k, v in tables.items()}
    print(f"{args.segments} segments x {args.days} days: {rows}", flush=True)
    options = SegmentOptions(seed=0, backtest=args.backtest)
    runs = [
        _run_engine("local, 1 worker", tables, work / "local1", options, engine="local", workers=1),
        _run_engine("local, 2 workers", tables, work / "local2", options, engine="local", workers=2),
    ]
    from models.spark_session import spark_session

    t0 = time.perf_counter()
    spark = spark_session("local[2]", app_name="scale-out-benchmark")
    session_s = time.perf_counter() - t0
    print(f"  spark session start: {session_s:.1f} s", flush=True)
    spark_run = _run_engine("spark local[2]", tables, work / "spark", options, engine="spark", spark=spark)
    spark_run["session_start_seconds"] = session_s
    runs.append(spark_run)
    spark.stop()
    base = runs[0]["wall_seconds"]
    for r in runs:
        r["speedup_vs_1_worker"] = base / r["wall_seconds"]
    roots = [work / "local1", work / "local2", work / "spark"]
    worst, identical, compared = 0.0, True, 0
    for seg in world.seeds:
        means = [_forecast_means(r, seg) for r in roots]
        for other in means[1:]:
            assert other.keys() == means[0].keys(), seg
            for key, ref in means[0].items():
                rel = abs(other[key] - ref) / max(abs(ref), 1e-12)
                worst = max(worst, rel)
                compared += 1
        files = [_files(r, seg) for r in roots]
        identical = identical and files[1] == files[0] and files[2] == files[0]
    return {
        "segments": args.segments, "days": args.days, "rows": rows, "backtest": args.backtest, "runs": runs,
        "forecast_max_relative_difference": worst, "forecast_values_compared": compared,
        "model_files_identical": identical, "agree_to_1e-9": worst <= 1e-9,
    }


def _merged_segment(businesses: int, days: int) -> dict[str, pd.DataFrame]:
    """One segment of ``businesses`` demo businesses over the same days: campaign rows side by side (ids prefixed),
    business totals summed."""
    cds, ods = [], []
    for b in range(businesses):
        w = generate_world(seed=SEED + 50 + b, days=days)
        cd = w.tables["campaign_daily"].copy()
        cd["campaign_id"] = f"b{b}-" + cd["campaign_id"].astype(str)
        cds.append(cd)
        ods.append(w.tables["outcomes_daily"].set_index("date")[["conversions", "revenue"]])
    od = sum(ods[1:], ods[0]).reset_index()
    return {"campaign_daily": pd.concat(cds, ignore_index=True), "outcomes_daily": od}


def cost_part(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    from threadpoolctl import threadpool_limits

    points = [(b, d, False) for d in args.cost_days for b in (1, 2, 3)] + [(b, d, True) for b, d in args.backtest_points]
    out = []
    for businesses, days, backtest in points:
        tables = _merged_segment(businesses, days)
        n_rows = len(tables["campaign_daily"])
        campaigns = int(tables["campaign_daily"]["campaign_id"].nunique())
        with threadpool_limits(limits=1):
            o = train_segment(f"cost-{businesses}-{days}-{backtest}", tables, "segment", work / "cost",
                              SegmentOptions(seed=0, backtest=backtest))
        assert o.status == "published", o.error
        row = {"campaigns": campaigns, "days": days, "backtest": backtest, "campaign_rows": n_rows,
               "cpu_seconds": o.cpu_seconds, "cpu_ms_per_1000_rows": 1e6 * o.cpu_seconds / n_rows}
        print(f"  {campaigns} campaigns x {days} days{' + backtests' if backtest else ''}: {o.cpu_seconds:.2f} CPU s "
              f"({n_rows} rows)", flush=True)
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segments", type=int, default=40)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--backtest", action="store_true", help="Backtests in part 1 too (much slower).")
    ap.add_argument("--cost-days", type=int, nargs="+", default=[180, 365, 730])
    ap.add_argument("--skip-cost", action="store_true")
    ap.add_argument("--skip-engines", action="store_true", help="Only part 2.")
    ap.add_argument("--backtest-points", default="1x730",
                    help="Part 2 points with backtests on, BUSINESSESxDAYS comma-separated (default 1x730).")
    args = ap.parse_args()
    args.backtest_points = [tuple(int(x) for x in p.split("x")) for p in args.backtest_points.split(",") if p]
    doc: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                       "load_average_at_start": os.getloadavg()}}
    with tempfile.TemporaryDirectory(prefix="scale-out-") as tmp:
        work = Path(tmp)
        if not args.skip_engines:
            print("part 1: engines", flush=True)
            doc["engines"] = engines_part(args, work)
        if not args.skip_cost:
            print("part 2: cost per segment", flush=True)
            doc["cost"] = cost_part(args, work)
    doc["machine"]["load_average_at_end"] = os.getloadavg()
    doc["machine"]["peak_rss_mb_this_process"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if "engines" in doc:
        _print_engines(doc["engines"])
    if "cost" in doc:
        print("\n| campaigns | days | backtests | campaign rows | CPU s | CPU ms per 1,000 rows |")
        print("|---|---|---|---|---|---|")
        for c in doc["cost"]:
            print(f"| {c['campaigns']} | {c['days']} | {'on' if c['backtest'] else 'off'} | {c['campaign_rows']:,} | "
                  f"{c['cpu_seconds']:.2f} | {c['cpu_ms_per_1000_rows']:.0f} |")
    print(json.dumps(doc, indent=1, default=str))
    e = doc.get("engines")
    sys.exit(0 if e is None or (e["agree_to_1e-9"] and not any(r["failed"] for r in e["runs"])) else 1)


def _print_engines(e: dict[str, Any]) -> None:
    print(f"\n## scale-out: {e['segments']} segments x {e['days']} days ({e['rows']['campaign_daily']:,} campaign rows), "
          f"backtests {'on' if e['backtest'] else 'off'}\n")
    print("| engine | wall s | speed-up vs 1 worker | CPU s of the fits | median CPU s / segment |")
    print("|---|---|---|---|---|")
    for r in e["runs"]:
        extra = f" (+ {r['session_start_seconds']:.1f} s session start)" if "session_start_seconds" in r else ""
        print(f"| {r['engine']} | {r['wall_seconds']:.1f}{extra} | {r['speedup_vs_1_worker']:.2f} | "
              f"{r['cpu_seconds_fits']:.1f} | {r['cpu_seconds_per_segment_median']:.2f} |")
    print(f"\nforecast agreement across engines: max relative difference {e['forecast_max_relative_difference']:.3g} "
          f"over {e['forecast_values_compared']} values (bar 1e-9: {'met' if e['agree_to_1e-9'] else 'MISSED'}); "
          f"model files byte-identical: {e['model_files_identical']}")


if __name__ == "__main__":
    main()
