"""Recommendations vs planted problems on the demo world (SPEC §7 style: per seed and the median).

For each seed: generate the world; diagnose each planted campaign problem over the last 180 days and
recommend; for the over-funded channel, recommend from every channel's marginal return. A problem is a hit
when its matching action (refresh creative, check landing page, retarget/drop the audience, move budget out of
the saturated channel) is among the recommendations for its campaign/channel; the rank is reported too.

Run: .venv/bin/python benchmarks/recommend_demo.py [--seeds 1 2 3] [--days 730]
"""

from __future__ import annotations

import argparse
import statistics
import time

from advisor.advise.demo_check import check_world
from demo_world import generate_world


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--days", type=int, default=730)
    args = ap.parse_args()
    rates, top1 = [], []
    for seed in args.seeds:
        t0 = time.perf_counter()
        world = generate_world(seed, days=args.days)
        checks = check_world(world.tables["campaign_daily"], world.truth["problems"])
        for c in checks:
            top = c.recommendations[0].id if c.recommendations else "-"
            impact = next(
                (r.expected_impact for r in c.recommendations if r.id == c.expected and dict(r.scope) == c.scope), None
            )
            print(
                f"  seed {seed} {c.kind:20s} {next(iter(c.scope.values())):14s} expect {c.expected:18s} "
                f"{'HIT' if c.hit else 'MISS'} rank {c.rank} (top: {top}; impact {impact and round(impact)})"
            )
        hits = sum(c.hit for c in checks)
        rates.append(hits / len(checks))
        top1.append(sum(c.rank == 1 for c in checks) / len(checks))
        print(f"seed {seed}: {hits}/{len(checks)} planted problems get their action, "
              f"{top1[-1]:.0%} ranked first ({time.perf_counter() - t0:.1f} s)")
    print(f"median over {len(rates)} seeds: hit rate {statistics.median(rates):.0%}, "
          f"ranked first {statistics.median(top1):.0%}")


if __name__ == "__main__":
    main()
