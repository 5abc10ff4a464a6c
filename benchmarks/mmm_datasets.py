"""Every shared media-mix data set through its example config alone (issue 13, "Must show").

Run: ``.venv/bin/python benchmarks/mmm_datasets.py [--only robyn mmm_example ...] [--no-backtest]``.
For each ``examples/<name>/kpi-advisor*.yaml`` (``kpi-advisor.yaml``; ``kpi-advisor.controls.yaml`` where the
data helper wrote a variant with controls) of robyn, meridian_national, meridian_geo, pymc_case_study,
mmm_example, mmm_roas_data and media_tvp_data (plus any other example folder with an ``mmm:`` config): loads
the folder through the config (no reshaping), trains as ``kpi-advisor train`` does (``mmm_score.train_folder``,
backtests included unless ``--no-backtest``), prints each channel's contribution over the history and media's
share of the KPI, lists the channels the fit set to no effect (refused, with the
reason, or contributing exactly 0 — each must be reported, never silent), and times the run (shared machine).
Where the data set has ground truth (``../shared/datasets/README.md``) it prints the channel contribution error
over the history (mean over channels of ``|estimated / true − 1|``; the outcome ``y`` is configured as revenue):

- ``mmm_example``: ``x1_contribution``, ``x2_contribution`` of ``mmm_example_ground_truth_DERIVED.csv``;
- ``mmm_roas_data``: x1 = ``y − y01``, x2 = ``y − y02`` (counterfactuals without each channel);
- ``media_tvp_data``: ``x1_contribution``, ``x2_contribution`` of the file.
Skips (with the reason) when ``../shared/datasets`` or the examples are absent.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import traceback
from pathlib import Path

import pandas as pd
from mmm_score import backtest_coverage, contribution_error, train_folder

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = ROOT.parent / "shared" / "datasets"
NAMES = (
    "robyn",
    "meridian_national",
    "meridian_geo",
    "pymc_case_study",
    "mmm_example",
    "mmm_roas_data",
    "media_tvp_data",
)


def ground_truth(name: str) -> dict[str, float] | None:
    """True contribution of each channel over the history (KPI units), or None when the set has none."""
    pm = DATA / "pymc_marketing"
    if name == "mmm_example":
        gt = pd.read_csv(pm / "mmm_example_ground_truth_DERIVED.csv")
        return {c: float(gt[f"{c}_contribution"].sum()) for c in ("x1", "x2")}
    if name == "mmm_roas_data":
        df = pd.read_csv(pm / "mmm_roas_data.csv")
        return {"x1": float((df["y"] - df["y01"]).sum()), "x2": float((df["y"] - df["y02"]).sum())}
    if name == "media_tvp_data":
        df = pd.read_csv(pm / "media_tvp_data.csv")
        return {c: float(df[f"{c}_contribution"].sum()) for c in ("x1", "x2")}
    return None


def configs(only: list[str] | None) -> list[tuple[str, Path]]:
    """(example name, config path) of every mmm example config, the issue's data sets first."""
    names = [p.name for p in sorted(EXAMPLES.iterdir()) if p.is_dir()] if EXAMPLES.is_dir() else []
    ordered = [n for n in NAMES if n in names] + [n for n in names if n not in NAMES]
    out = []
    for name in ordered:
        if only and name not in only:
            continue
        for cfg in sorted((EXAMPLES / name).glob("kpi-advisor*.yaml")):
            if "mmm:" in cfg.read_text(encoding="utf-8"):
                out.append((name, cfg))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="+", help="example names to run (default: all)")
    ap.add_argument("--no-backtest", action="store_true", help="fit only (faster; no coverage figures)")
    args = ap.parse_args()
    logging.getLogger("models").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found")
        return
    todo = configs(args.only)
    if not todo:
        print(f"skipped: no mmm example configs under {EXAMPLES}")
        return
    missing = [n for n in NAMES if n not in {name for name, _ in todo}]
    if missing and not args.only:
        print(f"MISSING example configs: {missing}")
    errors: list[float] = []
    failures = 0
    print("shared machine: timings indicative only")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, cfg) in enumerate(todo):
            label = f"{name}/{cfg.name}"
            try:
                trained = train_folder(cfg.parent, Path(tmp) / str(i), config=cfg, backtest=not args.no_backtest)
            except Exception as exc:  # a benchmark reports every data set, failures included
                failures += 1
                print(f"== {label}: FAILED {type(exc).__name__}: {exc}")
                traceback.print_exc(limit=3)
                continue
            kpis = list(trained.summary["metrics"]["response"])
            data = trained.summary["metrics"].get("data", {})
            print(
                f"== {label}: {len(trained.channels)} channels, KPIs {kpis}, grain {data.get('grain')}, "
                f"geos {len(data.get('geos', []))}, train {trained.seconds:.1f}s"
            )
            truth = ground_truth(name)
            for kpi in kpis:
                zeroed = trained.zeroed(kpi)
                warned = [w for w in trained.response(kpi).get("warnings", []) if any(c in w for c in zeroed)]
                status = "none" if not zeroed else f"{zeroed} ({'reported' if warned else 'NOT IN WARNINGS'})"
                cov = backtest_coverage(trained, kpi)
                cov_txt = (
                    f" | backtest wape {cov['wape']:.3f} cov80 {cov['coverage_80']:.2f} "
                    f"(N={cov['n_origins']}x{cov['horizon']})"
                    if cov
                    else ""
                )
                print(f"   {kpi}: channels with zero effect: {status}{cov_txt}")
                share = trained.response(kpi).get("media_share")  # the training report's Σ contributions / Σ KPI
                share_txt = f"media {100 * share:.1f}% of {kpi}" if share is not None else "media share not reported"
                print(
                    f"   contribution over the history ({share_txt}): "
                    + ", ".join(f"{c} {v:,.4g}" for c, v in trained.contributions(kpi).items())
                )
                if truth is not None and kpi == "revenue":
                    err, signed = contribution_error(trained.contributions(kpi), truth)
                    errors.append(err)
                    print(
                        f"   contribution error vs ground truth: {100 * err:.1f}% ("
                        + ", ".join(f"{c} {100 * e:+.1f}%" for c, e in signed.items())
                        + ")"
                    )
    if errors:
        print(
            f"== median contribution error over the configs with ground truth: {100 * statistics.median(errors):.1f}%"
        )
    if failures:
        raise SystemExit(f"{failures} data set(s) failed")


if __name__ == "__main__":
    main()
