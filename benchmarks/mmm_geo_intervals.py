"""Per-geo attribution intervals on the demo geo worlds: how often each geo's 80 % interval holds its true figure.

Run: ``.venv/bin/python benchmarks/mmm_geo_intervals.py [--seeds 1 2 3 4 5 6] [--geos 10] [--lift none|with]``.
For each seed writes ``generate_mmm_world(seed, 1092 days, geos)`` (with ``mmm_lift_tests`` when ``--lift with``),
trains it as ``kpi-advisor train --no-backtest`` does (``mmm_score.train_folder``), runs ``kpi-advisor attribution
--format json`` over the whole history and counts, per KPI, the (geo, channel) pairs whose 80 % interval holds the
truth's per-geo incremental figure (``truth.json``: ``channels.<c>.by_geo.<g>.true_incremental``). Prints per seed
and in total (target of an 80 % interval: about 80 %), with the median interval width relative to the truth.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from mmm_score import train_folder

from demo_world import generate_mmm_world, mmm_lift_tests, write_lift_tests

KPIS = ("conversions", "revenue")
BOUNDS = {"conversions": ("lower_80", "upper_80"), "revenue": ("revenue_lower_80", "revenue_upper_80")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    ap.add_argument("--geos", type=int, default=10)
    ap.add_argument("--lift", choices=("none", "with"), default="none")
    args = ap.parse_args()
    logging.getLogger("models").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    cli = str(Path(sys.executable).parent / "kpi-advisor")
    hits: dict[str, list[bool]] = {k: [] for k in KPIS}
    widths: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            folder = Path(tmp) / f"s{seed}"
            world = generate_mmm_world(seed=seed, days=1092, geos=args.geos)
            world.write(folder / "data")
            if args.lift == "with":
                write_lift_tests(mmm_lift_tests(world.truth, seed), folder / "data" / "lift_tests.csv")
            train_folder(folder / "data", folder / "models", seed=seed, backtest=False)
            out = subprocess.run(
                [cli, "attribution", "--data", str(folder / "data"), "--models", str(folder / "models"), "--format",
                 "json"],
                capture_output=True, text=True, check=True,
            )
            doc = json.loads(out.stdout)
            seed_hits: dict[str, list[bool]] = {k: [] for k in KPIS}
            for geo, block in doc["geos"].items():
                for ch, eff in block.items():
                    truth = world.truth["channels"][ch]["by_geo"][geo]["true_incremental"]
                    for kpi in KPIS:
                        lo, hi = (eff[b] for b in BOUNDS[kpi])
                        seed_hits[kpi].append(lo <= truth[kpi] <= hi)
                    widths.append((eff["upper_80"] - eff["lower_80"]) / max(truth["conversions"], 1e-9))
            for kpi in KPIS:
                hits[kpi] += seed_hits[kpi]
            print(
                f"seed {seed}: 80% coverage per geo and channel "
                + " / ".join(f"{100 * np.mean(seed_hits[k]):.1f}%" for k in KPIS)
                + f" (n={len(seed_hits['conversions'])})",
                flush=True,
            )
    print(
        f"all seeds ({args.geos} geos, lift tests: {args.lift}): conversions / revenue "
        + " / ".join(f"{100 * np.mean(hits[k]):.1f}%" for k in KPIS)
        + f" (n={len(hits['conversions'])}; target about 80%); median interval width / truth {np.median(widths):.2f}"
    )


if __name__ == "__main__":
    main()
