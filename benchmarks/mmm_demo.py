"""Media-mix benchmark on the demo world in the ``mmm`` layout (issue 13, "Must show").

Run: ``.venv/bin/python benchmarks/mmm_demo.py [--seeds 1 2 3] [--geos 0 10] [--days 1092] [--weeks 13]
[--origins-every N] [--lift both|none|only] [--season smooth|peak]``.
For each seed and geo count (0 = national rows): writes the folder with ``demo_world.generate_mmm_world``
(weekly, six channels, price index control, promotion days event; ``--days`` of history, default 156 weeks so
the backtest has enough origins), trains it as ``kpi-advisor train`` does (``mmm_score.train_folder``, backtests
included), once without and once with ``lift_tests.csv`` (one four-week test per channel and KPI, 10 %
standard error), and scores against ``truth.json``:

- contribution error: mean over channels of ``|estimated / true − 1|`` of each channel's incremental KPI over the
  history (national), conversions and revenue; targets ≤ 20 % without lift tests, ≤ 10 % with;
- regret: the model's optimal split of the reference budget over the next ``--weeks`` weeks (bounds ±50 %)
  scored by the TRUE outcome (``demo_world.true_outcome``) against the true optimum (scipy), as the share of
  the achievable gain lost; target ≤ 10 % (also printed: the lost outcome as a share of the true best total, and
  in brackets the achievable gain itself as a share of the reference plan's outcome — where that gain is 2 % the
  share of it lost is a noisy figure);
- 80 % interval coverage of the training backtest (4-week windows; N origins printed); target 75–85 %. With
  ``--origins-every N`` the backtest has an origin every N weeks (overlapping windows, no cap on their number;
  ``train``'s own backtest keeps one every 4 weeks, at most 30) and the coverage is printed with its
  block-bootstrap s.e. over origins and the effective number of independent weeks (``mmm_score.backtest_coverage``);
  ``--dump FILE`` writes every origin's hit rate (JSON);
- train wall time (load + fit + backtests; shared machine);
- reference fits that know parts of the truth (least squares, only scales estimated): the noise limit, knowing every
  true series — media contributions, organic baseline (``mmm_score.noise_limit_error``: what noise and the channels'
  co-movement alone leave; with lift tests, calibrated by them too, and beside it the tests' own error,
  ``mmm_score.lift_test_error``: each channel's scale taken from its test alone misses by that much); knowing the
  true media transforms with a simple baseline (``mmm_score.oracle_error``; its baseline misses holidays, the trend break and multiplicative promotions), and for geo worlds the same fit of every
  geo's rows (``mmm_score.geo_oracle_error``: what the geos' own spend variation adds).
Prints a table per seed and the median over seeds per setting.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
from pathlib import Path
from typing import Any

from mmm_score import (
    backtest_coverage,
    contribution_error,
    geo_oracle_error,
    lift_test_error,
    noise_limit_error,
    oracle_error,
    oracle_regret,
    train_folder,
    true_regret,
)

from demo_world import generate_mmm_world, mmm_lift_tests, write_lift_tests
from training.backtest import BacktestSpec

KPIS = ("conversions", "revenue")


def run(
    seed: int,
    geos: int,
    lift: bool,
    days: int,
    weeks: int,
    root: Path,
    every: int | None = None,
    season: str = "smooth",
) -> dict[str, Any]:
    """Generate, train and score one setting (``every``: weeks between backtest origins; None: as ``train``)."""
    folder = root / f"s{seed}-g{geos}-{'lift' if lift else 'none'}"
    world = generate_mmm_world(seed=seed, days=days, geos=geos, season=season)
    world.write(folder / "data")
    tests = mmm_lift_tests(world.truth, seed) if lift else None
    if tests is not None:
        write_lift_tests(tests, folder / "data" / "lift_tests.csv")
    bt = BacktestSpec(step=every, max_origins=10_000) if every else None
    trained = train_folder(folder / "data", folder / "models", seed=seed, backtest_spec=bt)
    out: dict[str, Any] = {"train_s": trained.seconds}
    for kpi in KPIS:
        out[f"oracle_{kpi}"] = oracle_error(world, kpi)
        out[f"noise_limit_{kpi}"] = noise_limit_error(world, kpi, tests)
        out[f"tests_{kpi}"] = lift_test_error(tests, kpi) if tests is not None else None
        out[f"geo_oracle_{kpi}"] = geo_oracle_error(world, kpi) if geos else None
        out[f"oracle_regret_{kpi}"] = oracle_regret(world, kpi, weeks=weeks) if geos == 0 else None
        truth = {c: v["true_incremental"][kpi] for c, v in world.truth["channels"].items()}
        err, signed = contribution_error(trained.contributions(kpi), truth)
        reg = true_regret(world.truth, trained.bundle, kpi, weeks=weeks)
        out[kpi] = {
            "contribution_error": err,
            "by_channel": signed,
            "regret": reg["regret"],
            "regret_of_total": reg["regret_of_total"],
            "gain": reg["true_best"] / reg["true_reference"] - 1,
            "marginal_ratio": reg.get("marginal_ratio"),
            "optimize_s": reg["seconds"],
            "lift_tests": trained.response(kpi).get("lift_tests"),
            "zeroed": trained.zeroed(kpi),
            **backtest_coverage(trained, kpi),
        }
    return out


def _row(name: str, r: dict[str, Any]) -> str:
    c, v = r["conversions"], r["revenue"]
    cov = (
        f"{100 * c['coverage_80']:5.1f}/{100 * v['coverage_80']:5.1f}% (N={c['n_origins']}x{c['horizon']}w"
        + (f" every {c['step']}w" if c.get("step", c["horizon"]) != c["horizon"] else "")
        + ")"
        if "coverage_80" in c and "coverage_80" in v
        else "no backtest"
    )
    if "coverage_80_se" in c and "coverage_80_se" in v:
        cov += (
            f" s.e. {100 * c['coverage_80_se']:.1f}/{100 * v['coverage_80_se']:.1f}"
            f" (blocks of 4 horizons {100 * c['coverage_80_se4']:.1f}/{100 * v['coverage_80_se4']:.1f}),"
            f" ESS {c['coverage_80_ess']:.0f}/{v['coverage_80_ess']:.0f} wk,"
            f" rho1 {c['coverage_80_rho1']:.2f}/{v['coverage_80_rho1']:.2f}"
        )
    return (
        f"   {name:16s} contrib err {100 * c['contribution_error']:5.1f}/{100 * v['contribution_error']:5.1f}%  "
        f"regret {100 * c['regret']:5.1f}/{100 * v['regret']:5.1f}%  cov80 {cov}  train {r['train_s']:6.1f}s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--geos", type=int, nargs="+", default=[0, 10])
    ap.add_argument("--days", type=int, default=1092, help="history length (default 156 weeks)")
    ap.add_argument("--weeks", type=int, default=13, help="planning horizon of the regret, weeks")
    ap.add_argument(
        "--origins-every", type=int, default=None, help="weeks between backtest origins (default: as train)"
    )
    ap.add_argument("--lift", choices=("both", "none", "only"), default="both", help="fits without/with lift tests")
    ap.add_argument("--dump", type=Path, default=None, help="write per-origin hit rates here (JSON)")
    ap.add_argument(
        "--season",
        choices=("smooth", "peak"),
        default="smooth",
        help="the worlds' yearly season: smooth (the issue's worlds) or peak (a retailer's holiday season, spend "
        "rising with it: generate_mmm_world(season='peak'))",
    )
    args = ap.parse_args()
    lifts = {"both": (False, True), "none": (False,), "only": (True,)}[args.lift]
    logging.getLogger("models").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    results: dict[tuple[int, int, bool], dict[str, Any]] = {}
    print("figures: conversions/revenue; shared machine (timings indicative only)")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            print(f"== seed {seed}", flush=True)
            for geos in args.geos:
                for lift in lifts:
                    r = run(seed, geos, lift, args.days, args.weeks, Path(tmp), args.origins_every, args.season)
                    results[(seed, geos, lift)] = r
                    name = f"{'national' if geos == 0 else f'{geos} geos'} {'+lift' if lift else ''}"
                    print(_row(name, r), flush=True)
                    print(
                        "      reference fits (OLS, scales only): knowing every true series (noise limit"
                        + (" with the tests" if lift else "")
                        + f") {100 * r['noise_limit_conversions']:.1f}/{100 * r['noise_limit_revenue']:.1f}%; "
                        + (
                            f"the lift tests' own error {100 * r['tests_conversions']:.1f}/"
                            f"{100 * r['tests_revenue']:.1f}%; "
                            if lift
                            else ""
                        )
                        + "knowing the "
                        f"true media transforms, simple baseline {100 * r['oracle_conversions']:.1f}/"
                        f"{100 * r['oracle_revenue']:.1f}%"
                        + (
                            f" on the national totals, {100 * r['geo_oracle_conversions']:.1f}/"
                            f"{100 * r['geo_oracle_revenue']:.1f}% fitting every geo"
                            if r["geo_oracle_conversions"] is not None
                            else ""
                        )
                    )
                    print(
                        "      regret as a share of the true best total (the achievable gain over the reference "
                        "plan): "
                        + ", ".join(
                            f"{kpi} {100 * r[kpi]['regret_of_total']:.2f}% ({100 * r[kpi]['gain']:.2f}%)"
                            for kpi in KPIS
                        )
                    )
                    if r["oracle_regret_conversions"] is not None:
                        print(
                            "      regret of the fit knowing the true curves (scales estimated): "
                            f"{100 * r['oracle_regret_conversions']:.1f}/{100 * r['oracle_regret_revenue']:.1f}%; "
                            "model/true marginal return at the reference split: "
                            + "; ".join(
                                f"{kpi} " + ", ".join(f"{c} {v:.2f}" for c, v in (r[kpi]["marginal_ratio"] or {}).items())
                                for kpi in KPIS
                            )
                        )
                    for kpi in KPIS:
                        by = r[kpi]["by_channel"]
                        print(
                            f"      {kpi} by channel (est/true − 1): "
                            + ", ".join(f"{c} {100 * e:+.1f}%" for c, e in by.items())
                            + (f"; ZEROED {r[kpi]['zeroed']}" if r[kpi]["zeroed"] else "")
                        )
    med = statistics.median
    print(
        f"== median over seeds {args.seeds} (targets: contribution error ≤ 20% without lift tests, ≤ 10% with; "
        "regret ≤ 10%; coverage80 75–85%)"
    )
    if args.dump:
        args.dump.write_text(
            json.dumps(
                {
                    f"s{s}-g{g}-{'lift' if lift else 'none'}": {
                        k: {x: r[k].get(x) for x in ("origin_dates", "origin_hits", "coverage_80", "horizon", "step")}
                        for k in KPIS
                    }
                    for (s, g, lift), r in results.items()
                },
                indent=1,
            )
        )
    for geos in args.geos:
        for lift in lifts:
            rs = [results[(s, geos, lift)] for s in args.seeds]
            agg: dict[str, Any] = {"train_s": med([r["train_s"] for r in rs])}
            for kpi in KPIS:
                agg[kpi] = {
                    k: med([r[kpi][k] for r in rs])
                    for k in ("contribution_error", "regret", "coverage_80", "n_origins", "horizon")
                    if all(k in r[kpi] for r in rs)
                }
            name = f"{'national' if geos == 0 else f'{geos} geos'} {'+lift' if lift else ''}"
            print(_row(name, agg))
            worst = max(r[kpi]["contribution_error"] for r in rs for kpi in KPIS)
            print(f"      worst seed contribution error {100 * worst:.1f}%")
            refs = {key: [med([r[f"{key}_{kpi}"] for r in rs]) for kpi in KPIS] for key in ("noise_limit", "oracle")}
            print(
                f"      reference fits, median: noise limit {100 * refs['noise_limit'][0]:.1f}/"
                f"{100 * refs['noise_limit'][1]:.1f}%, true transforms with a simple baseline "
                f"{100 * refs['oracle'][0]:.1f}/{100 * refs['oracle'][1]:.1f}%"
                + (
                    f"; the lift tests' own error {100 * med([r['tests_conversions'] for r in rs]):.1f}/"
                    f"{100 * med([r['tests_revenue'] for r in rs]):.1f}%"
                    if lift
                    else ""
                )
            )


if __name__ == "__main__":
    main()
