"""PyMC-Marketing's MMM on one demo world folder written by ``benchmarks/mmm_reference.py`` (run by that script
with the reference virtualenv's Python, ``make reference-venv``; not imported by the project).

Usage: ``pymc_fit.py FOLDER KPI LIFT SATURATION SEED`` with ``LIFT`` 0/1 and ``SATURATION`` logistic|hill. Prints
one JSON line: each channel's posterior-mean incremental KPI over the history (``estimate``) and the fit's seconds.

The model is PyMC-Marketing's ``MMM`` as its documentation sets one up: geometric adstock (``l_max`` 8 weeks),
logistic (its default) or Hill saturation, the controls ``price_index``, ``promo_days`` and a linear trend, two
yearly Fourier pairs, default priors; NUTS (numpyro) with 2 chains × 500 draws after 700 tuning steps.
Lift tests enter through ``add_lift_test_measurements``, which compares a test with the saturation curve's
difference between spend ``x`` and ``x + delta_x`` per period (no adstock): a four-week window of the demo's
``lift_tests.csv`` becomes ``x`` = the channel's mean weekly spend in the window, ``delta_x = −x``,
``delta_y = −incremental / weeks``, ``sigma = std_error / weeks`` (the test read as a holdout at steady state).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def saturation_lift_rows(frame: pd.DataFrame, tests: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The ``kpi`` rows of a ``lift_tests`` table as PyMC-Marketing's lift measurements (columns ``channel``, ``x``,
    ``delta_x``, ``delta_y``, ``sigma``; one per test): the test read as a holdout at steady state, per week —
    ``x`` the channel's mean weekly spend over the weeks of ``frame`` (column ``week_start``, spend in
    ``<channel>_spend``) whose start lies in the window, ``delta_x = −x``, ``delta_y = −incremental / weeks``,
    ``sigma = std_error / weeks``. The channel is named by its spend column, as the model's channels are."""
    rows = []
    for t in tests[tests["kpi"] == kpi].itertuples():
        window = (frame["week_start"] >= pd.Timestamp(t.start)) & (frame["week_start"] <= pd.Timestamp(t.end))
        weeks = int(window.sum())
        if weeks == 0:
            raise ValueError(f"lift test of {t.channel!r} ({t.start}..{t.end}) overlaps no week of the data")
        level = float(frame.loc[window, f"{t.channel}_spend"].mean())
        rows.append(
            {
                "channel": f"{t.channel}_spend",
                "x": level,
                "delta_x": -level,
                "delta_y": -float(t.incremental) / weeks,
                "sigma": float(t.std_error) / weeks,
            }
        )
    return pd.DataFrame(rows, columns=["channel", "x", "delta_x", "delta_y", "sigma"])


def main() -> None:
    folder, kpi, lift, sat, seed = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4], int(sys.argv[5])
    warnings.filterwarnings("ignore")
    logging.getLogger("pymc").setLevel(logging.ERROR)
    from pymc_marketing.mmm import MMM, GeometricAdstock, HillSaturation, LogisticSaturation

    frame = pd.read_csv(folder / "frame.csv", parse_dates=["week_start"])
    channels = json.loads((folder / "channels.json").read_text())
    spend = [f"{c}_spend" for c in channels]
    frame["trend"] = np.arange(len(frame)) / 52.0
    x = frame[["week_start", *spend, "price_index", "promo_days", "trend"]]
    y = frame[kpi]
    mmm = MMM(
        date_column="week_start",
        channel_columns=spend,
        control_columns=["price_index", "promo_days", "trend"],
        adstock=GeometricAdstock(l_max=8),
        saturation=LogisticSaturation() if sat == "logistic" else HillSaturation(),
        yearly_seasonality=2,
    )
    t0 = time.perf_counter()
    if lift:
        tests = pd.read_csv(folder / "lift_tests.csv", parse_dates=["start", "end"])
        mmm.build_model(x, y)
        mmm.add_lift_test_measurements(saturation_lift_rows(frame, tests, kpi))
    mmm.fit(
        x, y, chains=2, draws=500, tune=700, target_accept=0.9, random_seed=seed, progressbar=False,
        nuts_sampler="numpyro",
    )
    total = mmm.compute_channel_contribution_original_scale().sum("date").mean(("chain", "draw"))
    estimate = {c: float(total.sel(channel=f"{c}_spend")) for c in channels}
    print(json.dumps({"estimate": estimate, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
