"""SHAP (TreeExplainer) speed: 10,000 campaign-day rows per driver model. Target ≤ 5 s.

Run: .venv/bin/python benchmarks/shap_speed.py
"""

from __future__ import annotations

import time

import pandas as pd

from models.drivers.synthetic import synthetic_campaign_daily
from models.explain import explain_rows
from training.drivers import train_driver_models


def main() -> None:
    parts = [
        synthetic_campaign_daily(seed=s, days=365).assign(campaign_id=lambda d, s=s: d.campaign_id + f"_{s}")
        for s in range(5)
    ]
    df = pd.concat(parts, ignore_index=True).head(10_000)
    models = train_driver_models(df)
    t0 = time.perf_counter()
    models.prepare()  # import shap and build the explainers (once per process / model load)
    print(f"explainers ready in {time.perf_counter() - t0:.2f} s (includes importing shap)")
    X = models.matrix(df)
    worst = 0.0
    for kpi in models.models:
        t0, c0 = time.perf_counter(), time.process_time()
        res = explain_rows(models, kpi, X)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        worst = max(worst, dt)
        print(f"SHAP {kpi:16s} {len(X):,} rows x {X.shape[1]} features: {dt:.2f} s wall, {cpu:.2f} s CPU")
    print(f"slowest KPI: {worst:.2f} s wall (target ≤ 5 s per 10,000 rows); {res.values.shape}")


if __name__ == "__main__":
    main()
