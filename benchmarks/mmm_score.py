"""Shared scoring helpers of the media-mix benchmarks (``mmm_demo``, ``mmm_datasets``, ``mmm_speed``).

``train_folder`` loads a data folder through its ``kpi-advisor.yaml`` (``advisor.data.load_dataset``) and trains
it the way ``kpi-advisor train`` does (``advisor.ops.train.training_tables`` + ``training.pipeline.train_all``),
timed. ``contribution_error`` is the mean over channels of ``|estimate / truth − 1|``. ``true_regret`` scores a
model's optimal allocation against the TRUE optimum of a demo world (``demo_world.true_outcome`` + scipy).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import minimize

from demo_world import reference_plan, true_outcome
from models.registry import Registry
from models.response import ResponseBundle


@dataclass(frozen=True)
class Trained:
    """One training run: the ``train_all`` summary (``metrics``), the published bundle and the wall time (s)."""

    summary: dict[str, Any]
    bundle: ResponseBundle
    seconds: float
    channels: tuple[str, ...]

    def response(self, kpi: str) -> dict[str, Any]:
        """The training report of one KPI (``metrics.response.<kpi>``), empty when that KPI was not fitted."""
        return dict(self.summary["metrics"]["response"].get(kpi, {}))

    def contributions(self, kpi: str) -> dict[str, float]:
        """Each channel's estimated incremental KPI over the history (0 for a refused channel)."""
        est = self.response(kpi).get("incremental_over_history", {})
        return {c: float(est.get(c, 0.0)) for c in self.channels}

    def zeroed(self, kpi: str) -> dict[str, str]:
        """Channels the fit set to no effect: refused ones (with the reason) and those contributing exactly 0."""
        rep = self.response(kpi)
        if not rep:
            return {}
        out = {str(c): str(r) for c, r in rep.get("refused", {}).items()}
        for c, v in self.contributions(kpi).items():
            if c not in out and abs(v) == 0.0:
                out[c] = "zero contribution"
        return out


def train_folder(
    folder: Path,
    models_dir: Path,
    *,
    config: Path | None = None,
    seed: int = 0,
    backtest: bool = True,
    backtest_spec: Any = None,
    progress: Callable[[str, float], None] | None = None,
) -> Trained:
    """Load ``folder`` (its ``kpi-advisor.yaml`` or ``config``) and train as ``kpi-advisor train`` does; timed from
    loading to the published version (backtests included when ``backtest``; ``backtest_spec``: a
    :class:`training.backtest.BacktestSpec` other than the default, e.g. origins every week)."""
    from advisor.data import load_dataset
    from advisor.ops.train import training_tables
    from training.backtest import BacktestSpec
    from training.pipeline import train_all

    t0 = time.perf_counter()
    ds = load_dataset(Path(folder), config)
    tables, layout = training_tables(ds)
    summary = train_all(
        tables,
        models_dir,
        seed=seed,
        fingerprint=ds.fingerprint,
        progress=progress,
        backtest=(backtest_spec or BacktestSpec()) if backtest else None,
        mmm=layout,
        campaign_source=str(getattr(ds, "campaign_source", "campaign_daily")),
    )
    seconds = time.perf_counter() - t0
    bundle = ResponseBundle.from_files(Registry(models_dir).latest().texts("response/"))
    channels = tuple(layout.channels) if layout is not None else tuple(next(iter(bundle.models.values())).channels_)
    return Trained(dict(summary), bundle, seconds, channels)


def geo_benchmark_args() -> argparse.Namespace:
    """The per-geo benchmarks' command line, parsed: ``--seeds`` (default 1–6), ``--geos`` (10), ``--lift none|with``;
    the fitting loggers are silenced."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    ap.add_argument("--geos", type=int, default=10)
    ap.add_argument("--lift", choices=("none", "with"), default="none")
    args = ap.parse_args()
    logging.getLogger("models").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    return args


def trained_demo_world(folder: Path, seed: int, geos: int, lift: bool, days: int = 1092) -> Any:
    """Write ``demo_world.generate_mmm_world(seed, days, geos)`` to ``folder / "data"`` (with ``mmm_lift_tests`` as
    ``lift_tests.csv`` when ``lift``), train it as ``kpi-advisor train --no-backtest`` does into ``folder /
    "models"`` (:func:`train_folder`) and return the world."""
    from demo_world import generate_mmm_world, mmm_lift_tests, write_lift_tests

    world = generate_mmm_world(seed=seed, days=days, geos=geos)
    world.write(folder / "data")
    if lift:
        write_lift_tests(mmm_lift_tests(world.truth, seed), folder / "data" / "lift_tests.csv")
    train_folder(folder / "data", folder / "models", seed=seed, backtest=False)
    return world


def contribution_error(estimate: Mapping[str, float], truth: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """Mean over channels with a non-zero truth of ``|estimate / truth − 1|``, and the signed ``estimate / truth
    − 1`` per channel (a channel missing from ``estimate`` counts as 0, i.e. −100 %)."""
    signed = {c: float(estimate.get(c, 0.0)) / t - 1.0 for c, t in truth.items() if t != 0}
    return float(np.mean([abs(v) for v in signed.values()])), signed


def even_plan(truth: dict[str, Any], totals: Mapping[str, float], weeks: int) -> pd.DataFrame:
    """A weekly plan spending each channel's total evenly over the ``weeks`` weeks after the history."""
    ref = reference_plan(truth, weeks)
    return pd.DataFrame({c: np.full(weeks, float(totals.get(c, 0.0)) / weeks) for c in ref.columns}, index=ref.index)


def true_optimum(
    truth: dict[str, Any], budget: float, bounds: Mapping[str, tuple[float, float]], weeks: int, kpi: str
) -> float:
    """The TRUE maximum of the total ``kpi`` over ``weeks`` weeks for channel totals within ``bounds`` summing to
    ``budget`` (each spent evenly), by SLSQP from two starts."""
    return true_argmax(truth, budget, bounds, weeks, kpi)[0]


def true_argmax(
    truth: dict[str, Any],
    budget: float,
    bounds: Mapping[str, tuple[float, float]],
    weeks: int,
    kpi: str,
    weights: Mapping[str, float] | None = None,
) -> tuple[float, dict[str, float]]:
    """:func:`true_optimum` and the channel totals that reach it; with ``weights`` (channel → factor) the maximised
    outcome is the true baseline plus each channel's true response times its factor (:func:`oracle_regret`)."""
    chans = list(truth["channels"])
    lo = np.array([bounds[c][0] for c in chans])
    hi = np.array([bounds[c][1] for c in chans])
    scale = np.maximum(hi, 1.0)

    def value(x: np.ndarray) -> float:
        plan = even_plan(truth, dict(zip(chans, x * scale, strict=True)), weeks)
        out = true_outcome(truth, plan)
        if weights is None:
            return float(out[f"total_{kpi}"].sum())
        media = sum(weights[c] * out[f"{c}_{kpi}"] for c in chans)
        return float((out[f"baseline_{kpi}"] + media).sum())

    mid = lo + (hi - lo) * (budget - lo.sum()) / max(hi.sum() - lo.sum(), 1e-9)
    norm = value(mid / scale)
    best, best_x = -np.inf, mid / scale
    for x0 in (mid / scale, np.clip(budget * hi / hi.sum(), lo, hi) / scale):
        res = minimize(
            lambda x: -value(x) / norm,
            x0,
            method="SLSQP",
            bounds=list(zip(lo / scale, hi / scale, strict=True)),
            constraints=[{"type": "eq", "fun": lambda x: (x @ scale - budget) / budget}],
            options={"maxiter": 300, "ftol": 1e-12},
        )
        v = value(res.x)
        if v > best:
            best, best_x = v, res.x
    return best, dict(zip(chans, (best_x * scale).tolist(), strict=True))


def marginal_ratio(
    truth: dict[str, Any], bundle: ResponseBundle, kpi: str, totals: Mapping[str, float], weeks: int, step: float = 0.01
) -> dict[str, float]:
    """Per channel, the model's marginal return at the channel totals ``totals`` (spent evenly over the ``weeks``
    weeks after the history; central difference of ±``step`` of each total, the KPI summed over those weeks, as the
    optimiser counts it) over the TRUE one: > 1 where the model overrates another unit of spend. Channels are
    additive in both the model and the truth, so each channel's response is read from its own column."""
    model = bundle.models[kpi]

    def model_total(c: str, total: float) -> float:
        return float(model.channel_media(c, np.full(weeks, total / weeks)).sum())

    def true_totals(factor: float) -> pd.Series:
        return true_outcome(truth, even_plan(truth, {c: v * factor for c, v in totals.items()}, weeks)).sum()

    up, down = true_totals(1 + step), true_totals(1 - step)
    ratio: dict[str, float] = {}
    for c, v in totals.items():
        if v <= 0:
            continue
        fitted = model_total(c, v * (1 + step)) - model_total(c, v * (1 - step))
        true = float(up[f"{c}_{kpi}"] - down[f"{c}_{kpi}"])
        ratio[c] = fitted / true if true != 0 else float("nan")
    return ratio


def true_regret(
    truth: dict[str, Any], bundle: ResponseBundle, kpi: str, weeks: int = 13, width: float = 0.5
) -> dict[str, Any]:
    """Regret of the model's optimal split of the reference budget over the next ``weeks`` weeks (channel bounds
    ±``width`` around the reference): ``(true best − true outcome of the model's split) / (true best − true
    reference)``, i.e. the share of the achievable gain the model's plan loses (0 = optimal), and the same lost
    outcome as a share of the true best total (``regret_of_total``). Also the model's allocation, the true best one
    (``true_allocation``), each channel's model / true marginal return at the reference split (``marginal_ratio``,
    :func:`marginal_ratio`: the plan moves a channel the wrong way where this ratio is on the wrong side of the
    others') and the optimiser's seconds."""
    from models.optimize import optimize_budget

    ref = reference_plan(truth, weeks)
    totals = ref.sum()
    budget = float(totals.sum())
    bounds = {c: ((1 - width) * float(totals[c]), (1 + width) * float(totals[c])) for c in ref.columns}
    start = ref.index[0]
    end = ref.index[-1] + pd.Timedelta(days=6)
    t0 = time.perf_counter()
    alloc = optimize_budget(bundle, budget, start, end, objective=kpi, bounds=bounds)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    t_rec = float(true_outcome(truth, even_plan(truth, alloc.allocation, weeks))[f"total_{kpi}"].sum())
    t_ref = float(true_outcome(truth, ref)[f"total_{kpi}"].sum())
    t_opt, best_split = true_argmax(truth, budget, bounds, weeks, kpi)
    t_best = max(t_opt, t_rec)
    return {
        "regret": (t_best - t_rec) / max(t_best - t_ref, 1e-9),
        "regret_of_total": (t_best - t_rec) / t_best,
        "true_best": t_best,
        "true_model_plan": t_rec,
        "true_reference": t_ref,
        "allocation": dict(alloc.allocation),
        "true_allocation": best_split,
        "marginal_ratio": marginal_ratio(truth, bundle, kpi, {c: float(totals[c]) for c in ref.columns}, weeks),
        "seconds": seconds,
    }


def coverage_uncertainty(hits: np.ndarray, block: int, n_boot: int = 2000, seed: int = 0) -> dict[str, float]:
    """Sampling uncertainty of a coverage figure from the per-origin hit rates ``hits`` ``(n,)`` (share of an
    origin's periods inside the band; consecutive origins are correlated: the periods of one window move together
    and overlapping windows share periods). ``se``: moving-block bootstrap over origins (blocks of ``block``
    consecutive origins, circular); ``ess``: the number of independent periods with the same s.e.,
    ``p(1 − p) / se²``; ``rho1``: lag-1 autocorrelation of the hit rates."""
    n = len(hits)
    p = float(hits.mean())
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    ext = np.concatenate([hits, hits[: block - 1]])
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n]
    se = float(ext[idx].mean(axis=1).std(ddof=1))
    d = hits - p
    rho1 = float((d[1:] * d[:-1]).sum() / max((d**2).sum(), 1e-12)) if n > 2 else float("nan")
    return {"se": se, "ess": p * (1 - p) / se**2 if se > 0 else float("inf"), "rho1": rho1}


def backtest_coverage(trained: Trained, kpi: str) -> dict[str, Any]:
    """The training backtest's 80 % / 95 % interval coverage of one KPI, with its scored origins, horizon, step
    between origins and the coverage's block-bootstrap s.e. (blocks of 2 horizons of origins; ``_se4``: of 4)."""
    bt = trained.response(kpi).get("backtest")
    if not bt:
        return {}
    h, step = int(bt.get("horizon", 0)), int(bt.get("step", bt.get("horizon", 1)) or 1)
    hits = np.array([float(r["model"]["coverage_80"]) for r in bt["origins"]])
    unc = coverage_uncertainty(hits, block=2 * max(h // step, 1))
    unc4 = coverage_uncertainty(hits, block=4 * max(h // step, 1))
    return {
        "coverage_80": float(bt["model"]["coverage_80"]),
        "coverage_95": float(bt["model"]["coverage_95"]),
        "wape": float(bt["model"]["wape"]),
        "n_origins": int(bt.get("n_origins", 0)),
        "horizon": h,
        "step": step,
        "coverage_80_se": unc["se"],
        "coverage_80_ess": unc["ess"],
        "coverage_80_rho1": unc["rho1"],
        "coverage_80_se4": unc4["se"],
        "origin_hits": hits.tolist(),
        "origin_dates": [str(r["origin"]) for r in bt["origins"]],
    }


def true_contributions(world: Any, kpi: str = "conversions") -> NDArray[np.float64]:
    """Each channel's true ``kpi`` contribution per week and geo ``(W, C, G)`` from the spend in ``world.frame`` and
    the truth's parameters (rows sorted by geo, week)."""
    from demo_world.mmm_truth import channel_arrays, media_response

    truth, frame, chans = world.truth, world.frame, world.channels
    geos = truth["geo_names"]
    w = len(frame) // len(geos)
    spend = np.stack([frame[f"{c}_spend"].to_numpy(float).reshape(len(geos), w).T for c in chans], axis=1)
    arr = channel_arrays(truth)
    unit, _ = media_response(spend, arr["decay"], arr["half_saturation"], arr["shape"], arr["coefficient"], spend[0])
    return np.asarray(unit * arr["aov"][None, :, None] if kpi == "revenue" else unit, dtype=np.float64)


def oracle_coefficients(world: Any, kpi: str = "conversions") -> dict[str, float]:
    """Per channel, the scale of an ordinary least-squares fit of the observed national ``kpi`` that KNOWS every
    channel's true adstock, saturation and per-geo split (only one scale per channel is estimated; truth = 1), with a
    flexible baseline (quadratic trend, three yearly Fourier pairs, the mean price index and the promotion days)."""
    frame, chans = world.frame, world.channels
    x = true_contributions(world, kpi).sum(axis=2)  # true contributions per channel
    nat = frame.groupby("week_start").agg({kpi: "sum", "price_index": "mean", "promo_days": "max"})
    y = nat[kpi].to_numpy(float)
    n = len(y)
    t = np.arange(n) / 52.0
    doy = nat.index.dayofyear.to_numpy(float)
    base = [np.ones(n), t, t**2, nat["price_index"].to_numpy(float), nat["promo_days"].to_numpy(float)]
    base += [f(2 * np.pi * k * doy / 365.25) for k in (1, 2, 3) for f in (np.sin, np.cos)]
    coef, *_ = np.linalg.lstsq(np.column_stack([x, *base]), y, rcond=None)
    return {str(c): float(v) for c, v in zip(chans, coef[: len(chans)], strict=True)}


def geo_oracle_coefficients(world: Any, kpi: str = "conversions") -> dict[str, float]:
    """:func:`oracle_coefficients` on the geo panel: one scale per channel shared by the geos, each geo's true
    contribution series known (adstock, saturation, its coefficient), each geo with its own flexible baseline (as
    :func:`oracle_coefficients`'), rows weighted by the inverse of the geo's true noise s.d. (``mmm_truthdoc.NOISE_SD``
    / √weight, at most 0.3, relative to the geo's mean outcome): how much the geos' own spend variation adds. Equal to
    :func:`oracle_coefficients` on a world without geos (one geo)."""
    from demo_world.mmm_truthdoc import NOISE_SD

    truth, frame, chans = world.truth, world.frame, world.channels
    geos = truth["geo_names"]
    g_n = len(geos)
    w = len(frame) // g_n  # rows are sorted by (geo, week)
    unit = true_contributions(world, kpi)
    y = frame[kpi].to_numpy(float).reshape(g_n, w)
    weights = np.array([truth["geo_weights"][g] for g in geos]) if "geo_weights" in truth else np.ones(g_n)
    sd = np.abs(y.mean(axis=1)) * np.minimum(NOISE_SD / np.sqrt(weights), 0.3)
    t = np.arange(w) / 52.0
    doy = pd.DatetimeIndex(frame["week_start"].iloc[:w]).dayofyear.to_numpy(float)
    c_n = len(chans)
    fourier = [f(2 * np.pi * k * doy / 365.25) for k in (1, 2, 3) for f in (np.sin, np.cos)]
    p_n = 5 + len(fourier)
    x = np.zeros((g_n * w, c_n + g_n * p_n))
    target = np.zeros(g_n * w)
    for g in range(g_n):
        rows = slice(g * w, (g + 1) * w)
        sub = frame.iloc[rows]
        base = [np.ones(w), t, t**2, sub["price_index"].to_numpy(float), sub["promo_days"].to_numpy(float), *fourier]
        x[rows, :c_n] = unit[:, :, g] / sd[g]
        x[rows, c_n + g * p_n : c_n + (g + 1) * p_n] = np.column_stack(base) / sd[g]
        target[rows] = y[g] / sd[g]
    coef, *_ = np.linalg.lstsq(x, target, rcond=None)
    return {str(c): float(v) for c, v in zip(chans, coef[:c_n], strict=True)}


def oracle_error(world: Any, kpi: str = "conversions") -> float:
    """The contribution error (mean over channels of ``|est / true − 1|``) of the least-squares fit that knows every
    true media transform but fits a simple baseline (:func:`oracle_coefficients`). Not a bound: its baseline misses
    the world's holidays, trend break and multiplicative promotions (:func:`noise_limit_error` knows those too)."""
    return float(np.mean([abs(v - 1.0) for v in oracle_coefficients(world, kpi).values()]))


def noise_limit_error(world: Any, kpi: str = "conversions", tests: pd.DataFrame | None = None) -> float:
    """The contribution error of a least-squares fit of the observed national ``kpi`` that knows EVERY true series —
    each channel's contribution, the organic baseline with its price effect — and estimates only their scales (and an
    intercept): what the noise and the channels' co-movement alone leave. :func:`oracle_error` knows the media
    transforms but fits a simple baseline (quadratic trend, three yearly harmonics, price, promotion days), which
    misses the world's holidays, trend break and multiplicative promotions: about half of its error is that.

    ``tests`` (the ``lift_tests`` rows, e.g. ``demo_world.mmm_lift_tests``): each test of ``kpi`` is one more row,
    its channel's true contribution over the window times the channel's scale = the measured incremental, weighted
    by the data rows' residual s.d. over the test's standard error (generalised least squares): the noise limit of a
    fit calibrated by those tests."""
    contrib = true_contributions(world, kpi).sum(axis=2)  # (W, C)
    base = world.expected.groupby("week")[f"baseline_{kpi}"].sum().to_numpy(float)
    y = world.frame.groupby("week_start")[kpi].sum().to_numpy(float)
    x = np.column_stack([contrib, base, np.ones(len(y))])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    if tests is not None:
        mine = tests[tests["kpi"] == kpi]
        w, p = x.shape
        sd = float(np.std(y - x @ coef)) * np.sqrt(w / max(w - p, 1))
        weeks = pd.DatetimeIndex(world.frame.groupby("week_start").size().index)
        rows = np.zeros((len(mine), p))
        for i, (channel, start, end) in enumerate(mine[["channel", "start", "end"]].itertuples(index=False)):
            j = list(world.channels).index(channel)
            rows[i, j] = contrib[(weeks >= pd.Timestamp(start)) & (weeks <= pd.Timestamp(end)), j].sum()
        scale = sd / mine["std_error"].to_numpy(float)
        coef, *_ = np.linalg.lstsq(
            np.vstack([x, rows * scale[:, None]]),
            np.concatenate([y, mine["incremental"].to_numpy(float) * scale]),
            rcond=None,
        )
    return float(np.mean(np.abs(coef[: len(world.channels)] - 1.0)))


def lift_test_error(tests: pd.DataFrame, kpi: str = "conversions") -> float:
    """Mean over the tests of ``kpi`` of ``|measured / true − 1|`` (``tests`` with ``true_incremental``, as
    ``demo_world.mmm_lift_tests`` returns them): how far the tests themselves are from the truth. A fit that took
    each channel's scale from its one test alone would miss by about this much."""
    mine = tests[tests["kpi"] == kpi]
    return float(np.mean(np.abs(mine["incremental"].to_numpy(float) / mine["true_incremental"].to_numpy(float) - 1)))


def geo_oracle_error(world: Any, kpi: str = "conversions") -> float:
    """:func:`oracle_error` of the transform-knowing fit of every geo (:func:`geo_oracle_coefficients`)."""
    return float(np.mean([abs(v - 1.0) for v in geo_oracle_coefficients(world, kpi).values()]))


def oracle_regret(world: Any, kpi: str = "conversions", weeks: int = 13, width: float = 0.5) -> float:
    """The regret (as :func:`true_regret`) of the plan that maximises the response of the transform-knowing fit
    (:func:`oracle_coefficients`: the true curves, each channel scaled by its estimated coefficient): what is left
    of the regret when only the channels' scales, not their curves, must be learned from the data. The fit sees the
    national totals only, so for a geo world (whose model sees every geo) it is no bound."""
    truth = world.truth
    ref = reference_plan(truth, weeks)
    totals = ref.sum()
    budget = float(totals.sum())
    bounds = {c: ((1 - width) * float(totals[c]), (1 + width) * float(totals[c])) for c in ref.columns}
    _, split = true_argmax(truth, budget, bounds, weeks, kpi, weights=oracle_coefficients(world, kpi))
    t_rec = float(true_outcome(truth, even_plan(truth, split, weeks))[f"total_{kpi}"].sum())
    t_ref = float(true_outcome(truth, ref)[f"total_{kpi}"].sum())
    t_best = max(true_optimum(truth, budget, bounds, weeks, kpi), t_rec)
    return (t_best - t_rec) / max(t_best - t_ref, 1e-9)
