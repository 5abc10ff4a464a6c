"""Channel contribution error on PyMC-Marketing's ``mmm_example.csv`` (weekly, 2 channels, known truth).

Run: ``.venv/bin/python benchmarks/mmm_example.py``. Fits the response model (Prophet baseline with
the two event dummies as controls, adstock + saturation searched on the outcome — the file has no
platform-reported series) and compares each channel's summed contribution with
``mmm_example_ground_truth_DERIVED.csv``. Also reports the in-sample share of variance explained.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from models.response import ResponseModel, ResponseSpec
from training.backtest import rolling_origin

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "pymc_marketing"


def main() -> None:
    logging.getLogger("models").setLevel(logging.ERROR)
    if not (DATA / "mmm_example.csv").is_file():
        print(f"skipped: {DATA} not found")
        return
    df = pd.read_csv(DATA / "mmm_example.csv", parse_dates=["date_week"]).set_index("date_week")
    truth = pd.read_csv(DATA / "mmm_example_ground_truth_DERIVED.csv", parse_dates=["date_week"]).set_index("date_week")
    hist = df[["y", "x1", "x2", "event_1", "event_2"]].astype(float)
    variants = {
        "defaults (weekly: Hill with the shape prior)": ResponseSpec(country=None),
        "logistic forced": ResponseSpec(country=None, saturation="logistic"),
        "weekly rules off (auto by BIC)": ResponseSpec(
            country=None, weekly_priors=False, roi_shrinkage=False, weekly_changepoint_every=None
        ),
    }
    for seed in (1, 2, 3):
        for name, spec in variants.items():
            spec = ResponseSpec(**{**spec.to_dict(), "seed": seed})
            t0 = time.perf_counter()
            m = ResponseModel(spec, kpi="y").fit(hist, y="y", channels=["x1", "x2"], controls=("event_1", "event_2"))
            dt = time.perf_counter() - t0
            assert m.contributions_ is not None
            errs = {}
            for ch in ("x1", "x2"):
                est = float(m.contributions_[ch].sum())
                true = float(truth[f"{ch}_contribution"].sum())
                errs[ch] = abs(est - true) / true
            params = {
                c: (t.saturation, round(t.decay, 2), round(t.half_saturation, 3), round(t.shape, 2))
                for c, t in m.transforms_.items()
            }
            print(
                f"seed {seed} | {name:45s} | contribution error x1 {100 * errs['x1']:5.1f}%  "
                f"x2 {100 * errs['x2']:5.1f}%  mean {100 * np.mean(list(errs.values())):5.1f}% | "
                f"fit {dt:.1f}s | (sat, decay, half-sat, shape) {params}",
                flush=True,
            )
    bt = rolling_origin(
        hist, y="y", channels=["x1", "x2"], spec=ResponseSpec(country=None), controls=("event_1", "event_2")
    )
    mdl, pnm, sn = bt["model"], bt["prophet_no_media"], bt["seasonal_naive"]
    print(
        f"backtest ({bt['n_origins']} origins x {bt['horizon']} weeks): model wape {mdl['wape']:.3f} "
        f"smape {mdl['smape']:.3f} mase {mdl['mase']:.3f} coverage80 {mdl['coverage_80']:.3f} "
        f"coverage95 {mdl['coverage_95']:.3f} | prophet-no-media wape {pnm['wape']:.3f} | "
        f"seasonal-naive wape {sn['wape']:.3f}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
