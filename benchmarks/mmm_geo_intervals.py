"""Per-geo attribution intervals on the demo geo worlds: how often each geo's 80 % interval holds its true figure.

Run: ``.venv/bin/python benchmarks/mmm_geo_intervals.py [--seeds 1 2 3 4 5 6] [--geos 10] [--lift none|with]``.
For each seed writes ``generate_mmm_world(seed, 1092 days, geos)`` (with ``mmm_lift_tests`` when ``--lift with``),
trains it as ``kpi-advisor train --no-backtest`` does (``mmm_score.train_folder``), runs ``kpi-advisor attribution
--format json`` over the whole history and counts, per KPI, the (geo, channel) pairs whose 80 % interval holds the
truth's per-geo incremental figure (``truth.json``: ``channels.<c>.by_geo.<g>.true_incremental``). Prints per seed
and in total (target of an 80 % interval: about 80 %), with the median interval width relative to the truth.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from mmm_score import geo_benchmark_args, trained_demo_world

KPIS = ("conversions", "revenue")
BOUNDS = {"conversions": ("lower_80", "upper_80"), "revenue": ("revenue_lower_80", "revenue_upper_80")}


def main() -> None:
    args = geo_benchmark_args()
    cli = str(Path(sys.executable).parent / "kpi-advisor")
    hits: dict[str, list[bool]] = {k: [] for k in KPIS}
    widths: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            folder = Path(tmp) / f"s{seed}"
            world = trained_demo_world(folder, seed, args.geos, args.lift == "with")
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
