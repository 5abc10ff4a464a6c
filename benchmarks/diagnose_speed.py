"""Speed of `diagnose` with loaded driver models, and of driver-model training, on the demo world.

Targets: diagnose ≤ 300 ms per campaign with models loaded; driver training ≤ ~30 s.
Run: .venv/bin/python benchmarks/diagnose_speed.py [--seed 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import pandas as pd

from advisor.diagnostics import PeriodError, Scope, diagnose
from demo_world import generate_world
from models.drivers import load_driver_models, save_driver_models
from training.drivers import train_driver_models


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=180, help="length of the diagnosed period")
    args = ap.parse_args()
    cd = generate_world(seed=args.seed).tables["campaign_daily"]
    t0 = time.perf_counter()
    fitted = train_driver_models(cd)
    train_s = time.perf_counter() - t0
    print(f"driver training: {train_s:.1f} s for {len(cd):,} rows, {len(fitted.models)} KPIs (budget ~30 s)")
    with tempfile.TemporaryDirectory() as tmp:
        save_driver_models(fitted, tmp)
        t0 = time.perf_counter()
        models = load_driver_models(tmp).prepare()
        print(f"load (with SHAP explainers): {1000 * (time.perf_counter() - t0):.0f} ms")
    end = pd.Timestamp(cd["date"].max())
    start = end - pd.Timedelta(days=args.days - 1)
    times, cpu = [], []
    for cid in sorted(cd["campaign_id"].unique()):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            diagnose(cd, Scope("campaign_id", cid), start.date(), end.date(), models=models)
        except PeriodError:
            continue
        times.append(1000 * (time.perf_counter() - t0))
        cpu.append(1000 * (time.process_time() - c0))
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    print(
        f"diagnose (campaign, {args.days} days, models loaded): median {statistics.median(times):.0f} ms, "
        f"p90 {p90:.0f} ms, max {times[-1]:.0f} ms over {len(times)} campaigns (target ≤ 300 ms); "
        f"CPU time median {statistics.median(cpu):.0f} ms"
    )
    t0 = time.perf_counter()
    diagnose(cd, Scope("channel", "social"), start.date(), end.date(), models=models)
    print(f"diagnose (channel social): {1000 * (time.perf_counter() - t0):.0f} ms")


if __name__ == "__main__":
    main()
