"""Driver analysis on real ad-level data (Facebook ads, Kaggle): conversion rate and CPA by age, gender and
interest. No dates, so no calendar features and a random holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.drivers import DriverParams, DriverTarget
from models.explain import category_effects, global_drivers
from training.drivers import train_driver_models


def load_kag(root) -> pd.DataFrame:
    raw = pd.read_csv(root / "facebook_ads_kag" / "KAG_conversion_data.csv", encoding="utf-8-sig")
    return pd.DataFrame(
        {
            "spend": raw["Spent"],
            "impressions": raw["Impressions"],
            "clicks": raw["Clicks"],
            "conversions": raw["Total_Conversion"],
            "age": raw["age"].astype(str),
            "gender": raw["gender"].astype(str),
            "interest": raw["interest"].astype(str),
        }
    )


@pytest.mark.datasets
def test_kaggle_driver_analysis_runs(shared_datasets) -> None:
    df = load_kag(shared_datasets)
    targets = (
        DriverTarget("conversion_rate", "conversions", "clicks"),
        DriverTarget("cpa", "spend", "conversions"),
    )
    ms = train_driver_models(df, targets=targets, spend_feature=False, params=DriverParams(min_data_in_leaf=10, seed=0))
    assert ms.features.names == ["age", "gender", "interest"]
    for kpi in ("conversion_rate", "cpa"):
        drivers = global_drivers(ms, kpi, df)
        assert {d.feature for d in drivers} == {"age", "gender", "interest"}
        assert all(np.isfinite(d.impact) and d.impact >= 0 for d in drivers)
        effects = category_effects(ms, kpi, df, "age")
        assert set(effects.index) == {"30-34", "35-39", "40-44", "45-49"}
    # Known from the data: conversion rate per click falls with age (ratio of sums, 30-34 vs 45-49).
    g = df.groupby("age")[["conversions", "clicks"]].sum()
    cvr = g.conversions / g.clicks
    eff = category_effects(ms, "conversion_rate", df, "age")
    assert np.sign(eff["30-34"] - eff["45-49"]) == np.sign(cvr["30-34"] - cvr["45-49"])
