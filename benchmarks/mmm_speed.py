"""Speed of the media-mix path at scale (issue 13, "Must show"): 2 years weekly × 10 channels × 40 geos.

Run: ``.venv/bin/python benchmarks/mmm_speed.py [--geos 40] [--channels 10] [--days 728] [--fit-only]``.
Writes the demo world (``demo_world.generate_mmm_world``, 104 weeks × 40 geos = 4,160 rows × 10 channels),
then times ``train`` as ``kpi-advisor train`` runs it (load + fit + backtests; target ≤ 120 s) and the fit alone
(``--no-backtest``; only this with ``--fit-only``). With the published model loaded: one forecast of a
13-week plan (``models.forecast.forecast``, median of 10; target ≤ 100 ms) and one optimize of the same budget
(``models.optimize.optimize_budget``, median of 3; target ≤ 2 s). Shared machine: figures are indicative.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from mmm_score import train_folder

from demo_world import generate_mmm_world, reference_plan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--geos", type=int, default=40)
    ap.add_argument("--channels", type=int, default=10)
    ap.add_argument("--days", type=int, default=728)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fit-only", action="store_true", help="time the fit without backtests only")
    args = ap.parse_args()
    logging.getLogger("models").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    from models.forecast import forecast
    from models.optimize import optimize_budget
    from models.plan import parse_plan

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        world = generate_mmm_world(seed=args.seed, days=args.days, geos=args.geos, channels=args.channels)
        world.write(root / "data")
        print(
            f"data: {len(world.frame):,} rows ({world.truth['weeks']} weeks × {max(args.geos, 1)} geos), "
            f"{args.channels} channels; shared machine"
        )
        runs = (
            [("fit only (--no-backtest)", False)]
            if args.fit_only
            else [
                ("train (CLI default: with backtests)", True),
                ("fit only (--no-backtest)", False),
            ]
        )
        trained = None
        for i, (name, backtest) in enumerate(runs):
            trained = train_folder(root / "data", root / f"models{i}", seed=args.seed, backtest=backtest)
            target = "  (target ≤ 120 s)" if i == 0 else ""
            print(f"{name}: {trained.seconds:.1f} s{target}", flush=True)
        assert trained is not None
        bundle = trained.bundle
        ref = reference_plan(world.truth, 13)
        start, end = ref.index[0], ref.index[-1] + pd.Timedelta(days=6)
        spend = {c: float(ref[c].sum()) for c in ref.columns}
        plan = parse_plan({"start": str(start.date()), "end": str(end.date()), "spend": spend}, bundle)
        forecast(bundle, plan)  # warm-up (lazy imports, caches)
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            forecast(bundle, plan)
            times.append(time.perf_counter() - t0)
        print(
            f"forecast (13 weeks, {args.channels} channels): median {1000 * statistics.median(times):.0f} ms "
            "(target ≤ 100 ms)"
        )
        budget = sum(spend.values())
        opt = []
        for _ in range(3):
            t0 = time.perf_counter()
            optimize_budget(bundle, budget, start, end)
            opt.append(time.perf_counter() - t0)
        print(f"optimize (budget {budget:,.0f} over 13 weeks): median {statistics.median(opt):.2f} s (target ≤ 2 s)")


if __name__ == "__main__":
    main()
