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
    X = models.matrix(df)
    total = 0.0
    for kpi in models.models:
        t0 = time.perf_counter()
        res = explain_rows(models, kpi, X)
        dt = time.perf_counter() - t0
        total += dt
        print(f"SHAP {kpi:16s} {len(X):,} rows x {X.shape[1]} features: {dt:.2f} s ({res.values.shape})")
    print(f"SHAP all {len(models.models)} KPIs: {total:.2f} s (target ≤ 5 s per 10,000 rows and KPI)")


if __name__ == "__main__":
    main()
