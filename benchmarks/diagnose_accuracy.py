"""Diagnosis accuracy on the demo world (SPEC §7 "diagnosis hit" and "false alarm rate").

For each seed: generate the world, fit the driver models once, diagnose every campaign active in the last
180 days. A planted campaign problem is a hit when it is the campaign's first finding, at the right funnel
stage, with an onset within 7 days of the truth. Healthy campaigns (no planted campaign problem) count as
false alarms when their verdict is ``failing``. Prints per seed and the median over seeds.

Run: .venv/bin/python benchmarks/diagnose_accuracy.py [--seeds 7 11 23] [--days 180]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import pandas as pd

from advisor.diagnostics import PeriodError, Scope, diagnose
from demo_world import generate_world
from training.drivers import train_driver_models

STAGE_OK = {"ctr": {"ctr"}, "conversion_rate": {"conversion_rate"}}


def evaluate(seed: int, days: int, verbose: bool = False) -> dict[str, float]:
    world = generate_world(seed=seed)
    cd = world.tables["campaign_daily"]
    end = pd.Timestamp(cd["date"].max())
    start = end - pd.Timedelta(days=days - 1)
    models = train_driver_models(cd)
    planted = {p["campaign_id"]: p for p in world.truth["problems"] if p.get("campaign_id")}
    problem_channels = {p["channel"] for p in world.truth["problems"] if not p.get("campaign_id")}
    hits, total, alarms, healthy, alarms_clean, healthy_clean = 0, 0, 0, 0, 0, 0
    for cid in sorted(cd["campaign_id"].unique()):
        try:
            d = diagnose(cd, Scope("campaign_id", cid), start.date(), end.date(), models=models)
        except PeriodError:
            continue
        top = d.findings[0]
        if cid in planted:
            p = planted[cid]
            total += 1
            truth = date.fromisoformat(p["start"])
            onset_ok = top.started is not None and abs((top.started - truth).days) <= 7
            stage_ok = top.stage in STAGE_OK.get(p["stage"], {p["stage"]})
            hit = onset_ok and stage_ok and top.status.value == "failing"
            hits += hit
            print(
                f"  seed {seed} {cid:13s} {p['kind']:20s} truth {p['stage']:15s} {truth} | "
                f"top {top.check}/{top.stage}/{top.started} {top.status.value} -> {'HIT' if hit else 'MISS'}"
            )
        else:
            healthy += 1
            alarms += d.verdict.value == "failing"
            clean = d.scope.value and cd.loc[cd.campaign_id == cid, "channel"].iloc[0] not in problem_channels
            healthy_clean += clean
            alarms_clean += clean and d.verdict.value == "failing"
            if verbose or d.verdict.value == "failing":
                print(f"  seed {seed} {cid:13s} healthy -> {d.verdict.value}: {d.findings[0].message[:120]}")
    return {
        "hit_rate": hits / total if total else float("nan"),
        "hits": hits,
        "planted": total,
        "false_alarm_rate": alarms / healthy if healthy else float("nan"),
        "false_alarms": alarms,
        "healthy": healthy,
        "false_alarm_rate_outside_problem_channels": alarms_clean / healthy_clean if healthy_clean else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    rows = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        r = evaluate(seed, args.days, args.verbose)
        rows.append(r)
        print(
            f"seed {seed}: diagnosis hit {r['hits']}/{r['planted']} = {r['hit_rate']:.0%}, "
            f"false alarms {r['false_alarms']}/{r['healthy']} = {r['false_alarm_rate']:.0%} "
            f"({time.perf_counter() - t0:.1f} s)"
        )
    print(
        f"median over {len(rows)} seeds: diagnosis hit {statistics.median(r['hit_rate'] for r in rows):.0%}, "
        f"false alarm rate {statistics.median(r['false_alarm_rate'] for r in rows):.0%}"
    )


if __name__ == "__main__":
    main()
