"""Forecast / contribution / optimizer / interval benchmark on the demo world (SPEC §7).

Run: ``.venv/bin/python benchmarks/forecast_demo.py [--seeds 1 2 3 4 5]`` (default: seeds 1–3, on which the
model's settings were chosen, plus 4–5 held out). For each seed: trains with
``training.pipeline.train_all`` (backtests included, timed), then scores against ``TrueWorld``:
28-day totals error for five plans, plan-effect error, channel contribution error over the history,
optimizer regret (revenue and conversions objectives), backtest interval coverage, and latencies.

``--lift-tests``: the same, with one four-week lift test per channel and KPI (``demo_world.campaign_lift_tests``:
true incremental over the window + noise, 10 % standard error) in the training tables (``tables["lift_tests"]``);
prints per seed whether the contribution error meets the issue-13 target (≤ 15 % on every seed). Without the flag
nothing changes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from demo_world import TrueWorld, campaign_lift_tests, generate_world
from demo_world.lift import COLUMNS as LIFT_COLUMNS
from models.forecast import forecast
from models.optimize import optimize_budget
from models.plan import parse_plan
from models.registry import Registry
from models.response import ResponseBundle, ResponseModel, ResponseSpec
from training.backtest import BacktestSpec, calibration, origin_error
from training.pipeline import train_all
from training.response import campaign_map, prepare_history, reported_column, reported_map

H = 28
#: issue 13: contribution error with lift tests, every seed
LIFT_TARGET = 0.15


def plans(ref: pd.DataFrame, truth: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The five plans as daily spend frames (same dates and weekday profile as the reference)."""
    roas = {ch: v["true_incremental"]["revenue"] / v["spend"] for ch, v in truth["channels"].items() if v["spend"] > 0}
    active = [c for c in ref.columns if ref[c].sum() > 0 and c in roas]
    worst, best = min(active, key=roas.__getitem__), max(active, key=roas.__getitem__)
    shift = ref.copy()
    moved = 0.3 * ref[worst].sum()
    shift[worst] = ref[worst] * 0.7
    shift[best] = ref[best] + moved * ref[best] / ref[best].sum()
    off = ref.copy()
    biggest = max(active, key=lambda c: ref[c].sum())
    off[biggest] = 0.0
    return {
        "reference": ref,
        "plus50": ref * 1.5,
        "minus30": ref * 0.7,
        f"shift_{worst}_to_{best}": shift,
        f"off_{biggest}": off,
    }


def true_optimum(tw: TrueWorld, ref: pd.DataFrame, budget: float, kpi: str) -> float:
    """Maximise the TRUE expected total over channel totals (same bounds ±50%, same weekday profile)."""
    chans = [c for c in ref.columns]
    tot = ref.sum().to_numpy()
    prof = (ref / ref.sum().replace(0, 1)).to_numpy()
    lo, hi = 0.5 * tot, 1.5 * tot
    scale = np.maximum(hi, 1.0)

    def val(x: np.ndarray) -> float:
        daily = pd.DataFrame(prof * (x * scale), index=ref.index, columns=chans)
        return tw.expected_totals(daily)[kpi]

    norm = val(tot / scale)
    best = -np.inf
    for x0 in (tot / scale, (lo + (hi - lo) * (budget - lo.sum()) / (hi.sum() - lo.sum())) / scale):
        r = minimize(
            lambda x: -val(x) / norm,
            x0,
            method="SLSQP",
            bounds=list(zip(lo / scale, hi / scale, strict=True)),
            constraints=[{"type": "eq", "fun": lambda x: (x @ scale - budget) / budget}],
            options={"maxiter": 300, "ftol": 1e-12},
        )
        best = max(best, val(r.x))
    return best


def run_seed(seed: int, models_root: Path, lift_tests: bool = False) -> dict[str, Any]:
    world = generate_world(seed, days=730)
    tw = TrueWorld.from_dict(world.truth)
    tables = world.tables
    if lift_tests:
        tables = {**tables, "lift_tests": campaign_lift_tests(world.true_daily, seed).loc[:, list(LIFT_COLUMNS)]}
    t0 = time.perf_counter()
    res = train_all(tables, models_root / f"s{seed}", seed=seed)
    t_train = time.perf_counter() - t0
    mv = Registry(models_root / f"s{seed}").latest()
    bundle = ResponseBundle.from_files(mv.texts("response/"))
    start = pd.Timestamp(tw.history_end) + pd.Timedelta(days=1)
    end = start + pd.Timedelta(days=H - 1)
    ref = tw.reference_daily_spend(start.date(), end.date())
    out: dict[str, Any] = {"train_s": t_train, "plans": {}}
    fr: dict[str, dict[str, float]] = {}
    tr: dict[str, dict[str, float]] = {}
    for name, daily in plans(ref, world.truth).items():
        plan = parse_plan(
            {
                "start": str(start.date()),
                "end": str(end.date()),
                "daily": {c: daily[c].tolist() for c in daily.columns},
            },
            bundle,
        )
        fc = forecast(bundle, plan, curves=False)
        tr[name] = tw.expected_totals(daily)
        fr[name] = {k: fc.total[k]["mean"] for k in ("conversions", "revenue")}
        out["plans"][name] = {k: abs(fr[name][k] - tr[name][k]) / tr[name][k] for k in ("conversions", "revenue")}
    eff = {}
    for k in ("conversions", "revenue"):
        errs = []
        for name in fr:
            if name == "reference":
                continue
            dt = tr[name][k] - tr["reference"][k]
            df = fr[name][k] - fr["reference"][k]
            errs.append(abs(df - dt) / abs(dt))
        eff[k] = float(np.median(errs))
    out["plan_effect"] = eff
    # contributions over the history
    contrib = {}
    for k in ("conversions", "revenue"):
        est = res["metrics"]["response"][k]["incremental_over_history"]
        errs = [
            abs(est.get(ch, 0.0) - v["true_incremental"][k]) / v["true_incremental"][k]
            for ch, v in world.truth["channels"].items()
            if v["true_incremental"][k] > 0
        ]
        contrib[k] = float(np.mean(errs))
        out[f"contrib_{k}_by_channel"] = {
            ch: (round(est.get(ch, 0.0)), round(v["true_incremental"][k])) for ch, v in world.truth["channels"].items()
        }
    out["contribution_error"] = contrib
    # optimizer regret
    budget = float(ref.to_numpy().sum())
    bounds = {c: (0.5 * float(ref[c].sum()), 1.5 * float(ref[c].sum())) for c in ref.columns}
    prof = ref / ref.sum().replace(0, 1)
    regret = {}
    t_opt = []
    for k in ("revenue", "conversions"):
        t1 = time.perf_counter()
        alloc = optimize_budget(bundle, budget, start, end, objective=k, bounds=bounds)  # type: ignore[arg-type]
        t_opt.append(time.perf_counter() - t1)
        rec_daily = prof * pd.Series(alloc.allocation)
        t_rec = tw.expected_totals(rec_daily[ref.columns])[k]
        t_best = true_optimum(tw, ref, budget, k)
        t_ref = tr["reference"][k]
        regret[k] = (t_best - t_rec) / max(t_best - t_ref, 1e-9)
        out[f"opt_{k}"] = {
            "true_best": t_best,
            "true_rec": t_rec,
            "true_ref": t_ref,
            "alloc": alloc.allocation,
        }
    out["regret"] = regret
    out["optimize_s"] = float(np.median(t_opt))
    # latency of one forecast
    plan = parse_plan(
        {
            "start": str(start.date()),
            "end": str(end.date()),
            "spend": {c: float(ref[c].sum()) for c in ref.columns},
        },
        bundle,
    )
    times, cpu = [], []
    for _ in range(10):
        t1, c1 = time.perf_counter(), time.process_time()
        forecast(bundle, plan)
        times.append(time.perf_counter() - t1)
        cpu.append(time.process_time() - c1)
    out["forecast_ms"] = 1000 * float(np.median(times))
    out["forecast_cpu_ms"] = 1000 * float(np.median(cpu))
    cov = {}
    for k in ("conversions", "revenue"):
        bt = res["metrics"]["response"][k]["backtest"]
        cov[k] = {m: bt["model"][m] for m in ("coverage_80", "coverage_95", "wape", "mase", "total_error")}
        cov[k]["prophet_no_media_wape"] = bt["prophet_no_media"]["wape"]
        cov[k]["seasonal_naive_wape"] = bt["seasonal_naive"]["wape"]
    out["backtest"] = cov
    return out


def diagnose_contributions(seed: int) -> None:
    """Print, per KPI and channel, the contribution error of the production fit and of the same fit given the
    channels' TRUE incremental series, scaled to the platform-reported total, in place of their platform-reported
    KPI ("true shapes": exact, noise-free response shapes with each platform's over-claim kept, so only each
    channel's incrementality scale is left to estimate from the business totals).
    When the second is as far off as the first, the error is the business totals' information limit, not the
    response shapes, the benchmark's definitions or a baseline leak."""
    world = generate_world(seed, days=730)
    hist, channels, campaigns, _ = prepare_history(world.tables)
    spec = ResponseSpec(seed=seed)
    for kpi in ("conversions", "revenue"):
        true = (
            world.true_daily.pivot_table(index="date", columns="channel", values=f"incremental_{kpi}", aggfunc="sum")
            .reindex(hist.index)
            .fillna(0.0)
        )
        model = ResponseModel(spec, kpi=kpi).fit(
            hist,
            y=kpi,
            channels=channels,
            reported=reported_map(hist, kpi, channels),
            campaigns=campaign_map(hist, kpi, channels, campaigns),
        )
        oracle_hist = hist.copy()
        for ch in channels:
            # the TRUE series scaled to the platform's reported total: exact shape, the platform's over-claim kept
            col = reported_column(kpi, ch)
            oracle_hist[col] = true[ch].to_numpy() * float(hist[col].sum()) / max(float(true[ch].sum()), 1e-12)
        oracle = ResponseModel(spec, kpi=kpi).fit(
            oracle_hist, y=kpi, channels=channels, reported=reported_map(oracle_hist, kpi, channels)
        )
        rows = []
        for ch in channels:
            t = float(true[ch].sum())
            est = {
                name: float(m.contributions_[ch].sum())
                if m.contributions_ is not None and ch in m.contributions_
                else 0.0
                for name, m in (("model", model), ("true shapes", oracle))
            }
            rows.append((ch, t, est["model"] / t - 1, est["true shapes"] / t - 1))
        print(f"== seed {seed} {kpi}: channel, true incremental, error of the model / with true shapes")
        for ch, t, e, o in rows:
            print(f"   {ch:10s} {t:12.0f}  {100 * e:+6.1f}%  {100 * o:+6.1f}%")
        print(
            f"   mean abs: model {100 * np.mean([abs(r[2]) for r in rows]):.1f}%  "
            f"true shapes {100 * np.mean([abs(r[3]) for r in rows]):.1f}%"
        )


#: calibration rules compared by ``calibration_study``: (calibration origins, scored origins, pooled over KPIs)
CALIBRATION_RULES = ((4, 4, False), (4, 4, True), (8, 4, False), (4, 8, False), (8, 8, False))


def calibration_study(seed: int) -> tuple[dict[tuple[int, int, bool], dict[str, float]], dict[str, list[float]]]:
    """80 % coverage of the backtest under alternative interval calibrations (``CALIBRATION_RULES``), as
    ``training.backtest.rolling_origin`` computes it: 28-day origins stepping back from the history end, each
    refitted once on the data before it (warm-started, one start); every scored origin carries the
    :func:`training.backtest.calibration` of the origins before it. ``pooled``: the level error (``level_sd``,
    ``media_scale``) is estimated from both KPIs' origins, the per-day ``noise_scale`` per KPI.
    Returns ``{rule: {kpi: coverage}}`` ((4, 4, False) is what the published backtest does) and, per KPI, the
    signed relative level error (actual − forecast horizon total, over the forecast) of every origin, oldest first."""
    world = generate_world(seed, days=730)
    hist, channels, campaigns, _ = prepare_history(world.tables)
    spec = ResponseSpec(seed=seed)
    h, n_sims = 28, BacktestSpec().n_sims
    n_max = max(c + s for c, s, _ in CALIBRATION_RULES)
    origins = [len(hist) - h * i for i in range(n_max, 0, -1)]
    fits: dict[str, list[tuple[ResponseModel, pd.DataFrame, np.ndarray]]] = {}
    errors: dict[str, list[Any]] = {}
    for kpi in ("conversions", "revenue"):
        rep, cmap = reported_map(hist, kpi, channels), campaign_map(hist, kpi, channels, campaigns)
        full = ResponseModel(spec, kpi=kpi).fit(hist, y=kpi, channels=channels, reported=rep, campaigns=cmap)
        fits[kpi], errors[kpi] = [], []
        for o in origins:
            train, test = hist.iloc[:o], hist.iloc[o : o + h]
            m = ResponseModel(ResponseSpec(seed=seed, n_starts=1), kpi=kpi).fit(
                train, y=kpi, channels=channels, warm_start=full, reported=rep, campaigns=cmap
            )
            y = test[kpi].to_numpy(float)
            raw = m.simulate(test[channels], n=n_sims, seed=seed)
            errors[kpi].append(origin_error(y, m.expected(test[channels]), raw.total, raw.media.sum(axis=(1, 2))))
            fits[kpi].append((m, test[channels], y))
    out: dict[tuple[int, int, bool], dict[str, float]] = {}
    for n_cal, n_scored, pooled in CALIBRATION_RULES:
        first = len(origins) - n_scored
        out[(n_cal, n_scored, pooled)] = {}
        for kpi in fits:
            other = "revenue" if kpi == "conversions" else "conversions"
            cov = []
            for i in range(first, len(origins)):
                calib = calibration(errors[kpi][first - n_cal : i])
                if pooled:
                    both = calibration(errors[kpi][first - n_cal : i] + errors[other][first - n_cal : i])
                    calib = {**both, "noise_scale": calib["noise_scale"]}
                m, spend, y = fits[kpi][i]
                draws = m.with_calibration(**calib).simulate(spend, n=n_sims, seed=seed).total
                lo, hi = np.quantile(draws, [0.1, 0.9], axis=0)
                cov.append(float(np.mean((y >= lo) & (y <= hi))))
            out[(n_cal, n_scored, pooled)][kpi] = float(np.mean(cov))
    return out, {kpi: [e.rel_error for e in errs] for kpi, errs in errors.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument(
        "--diagnose-contributions",
        action="store_true",
        help="only print the per-channel contribution diagnosis (diagnose_contributions) for the seeds",
    )
    ap.add_argument(
        "--calibration-study",
        action="store_true",
        help="only print the 80%% backtest coverage under alternative interval calibrations (calibration_study)",
    )
    ap.add_argument(
        "--lift-tests",
        action="store_true",
        help="train with one four-week lift test per channel and KPI (demo_world.campaign_lift_tests)",
    )
    args = ap.parse_args()
    if args.diagnose_contributions:
        for s in args.seeds:
            diagnose_contributions(s)
        return
    if args.calibration_study:
        runs = {s: calibration_study(s) for s in args.seeds}
        study = {s: r[0] for s, r in runs.items()}
        level = [r[1][k] for r in runs.values() for k in r[1]]
        print(
            "signed level error (actual − forecast) / forecast, mean over seeds and KPIs: the 4 latest origins "
            f"{100 * np.mean([e[-4:] for e in level]):+.2f}%, the earlier ones {100 * np.mean([e[:-4] for e in level]):+.2f}%"
        )
        for rule in CALIBRATION_RULES:
            covs = [c for s in args.seeds for c in study[s][rule].values()]
            inside = sum(0.75 <= c <= 0.85 for c in covs)
            print(
                f"calibration origins {rule[0]}, scored {rule[1]}, pooled over KPIs {rule[2]!s:5s}: "
                f"mean {np.mean(covs):.3f}  s.d. {np.std(covs):.3f}  in 75–85 %: {inside}/{len(covs)}  | "
                + " ".join(
                    f"s{s} {100 * study[s][rule]['conversions']:.1f}/{100 * study[s][rule]['revenue']:.1f}"
                    for s in args.seeds
                )
            )
        return
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in args.seeds:
            r = run_seed(s, Path(tmp), lift_tests=args.lift_tests)
            rows[s] = r
            print(
                f"== seed {s}: train {r['train_s']:.1f}s, forecast {r['forecast_ms']:.1f} ms "
                f"(cpu {r['forecast_cpu_ms']:.1f} ms), "
                f"optimize {r['optimize_s']:.2f}s"
            )
            for name, e in r["plans"].items():
                print(f"   totals error {name:28s} conv {100 * e['conversions']:5.2f}%  rev {100 * e['revenue']:5.2f}%")
            pe, ce, rg = r["plan_effect"], r["contribution_error"], r["regret"]
            print(
                f"   plan-effect error (median of 4 plans): conv {100 * pe['conversions']:.1f}%  "
                f"rev {100 * pe['revenue']:.1f}%"
            )
            print(
                f"   contribution error (mean over channels): conv {100 * ce['conversions']:.1f}%  "
                f"rev {100 * ce['revenue']:.1f}%"
            )
            for k in ("conversions", "revenue"):
                by = r[f"contrib_{k}_by_channel"]
                print(
                    f"   by channel {k} (est/true − 1): "
                    + ", ".join(f"{ch} {100 * (e / t - 1):+.1f}%" for ch, (e, t) in by.items() if t > 0)
                )
            print(f"   regret: revenue {100 * rg['revenue']:.1f}%  conversions {100 * rg['conversions']:.1f}%")
            if args.lift_tests:
                worst = max(ce.values())
                verdict = "meets" if worst <= LIFT_TARGET else "MISSES"
                print(
                    f"   with lift tests: worst contribution error {100 * worst:.1f}% {verdict} ≤ {100 * LIFT_TARGET:.0f}%"
                )
            for k, v in r["backtest"].items():
                print(f"   backtest {k}: " + ", ".join(f"{m}={x:.3f}" for m, x in v.items()))
    med = statistics.median
    print("== median over seeds", args.seeds)
    for k in ("conversions", "revenue"):
        errs = [e[k] for r in rows.values() for e in r["plans"].values()]
        print(f"   totals error {k}: median {100 * med(errs):.2f}%  worst {100 * max(errs):.2f}%")
        print(f"   plan-effect error {k}: {100 * med([r['plan_effect'][k] for r in rows.values()]):.1f}%")
        print(f"   contribution error {k}: {100 * med([r['contribution_error'][k] for r in rows.values()]):.1f}%")
        print(
            f"   coverage80 {k}: {med([r['backtest'][k]['coverage_80'] for r in rows.values()]):.3f}  "
            f"coverage95 {med([r['backtest'][k]['coverage_95'] for r in rows.values()]):.3f}"
        )
    for k in ("revenue", "conversions"):
        print(f"   regret {k}: {100 * med([r['regret'][k] for r in rows.values()]):.1f}%")
    print(
        f"   train {med([r['train_s'] for r in rows.values()]):.1f}s  forecast "
        f"{med([r['forecast_ms'] for r in rows.values()]):.1f}ms  optimize "
        f"{med([r['optimize_s'] for r in rows.values()]):.2f}s"
    )


if __name__ == "__main__":
    main()
