"""Driver training pipeline: split, skipped targets, fingerprint, the work bound on a realistic size."""

from __future__ import annotations

import pandas as pd

from models.drivers import DriverParams, DriverTarget
from models.drivers.synthetic import synthetic_campaign_daily
from training.drivers import data_fingerprint, train_driver_models


def test_skips_targets_with_missing_columns_and_records_why() -> None:
    df = synthetic_campaign_daily(seed=2, days=60)
    targets = (DriverTarget("ctr", "clicks", "impressions"), DriverTarget("cac", "spend", "new_customers"))
    ms = train_driver_models(df, targets=targets, params=DriverParams(n_estimators=20))
    assert set(ms.models) == {"ctr"}
    assert "new_customers" in ms.manifest["skipped"]["cac"]


def test_no_dates_uses_random_holdout_and_no_time_features() -> None:
    df = synthetic_campaign_daily(seed=3, days=40).drop(columns=["date", "campaign_id"])
    ms = train_driver_models(df, params=DriverParams(n_estimators=20))
    assert ms.manifest["validation"]["split"]["kind"].startswith("random")
    assert "campaign_age" not in ms.features.names


def test_fingerprint_changes_with_data() -> None:
    df = synthetic_campaign_daily(seed=4, days=20)
    assert data_fingerprint(df) == data_fingerprint(df.copy())
    changed = df.copy()
    changed.loc[0, "spend"] += 1
    assert data_fingerprint(changed) != data_fingerprint(df)


def test_realistic_size_trains_five_models_within_the_tree_budget() -> None:
    """40 campaigns × 365 days (14,600 rows), five targets. The work is bounded by what the time budget rests on
    (``n_estimators`` trees per model, at most ``num_leaves`` leaves each), checked on the fitted boosters rather
    than on a stopwatch; the seconds are a benchmark's business (benchmarks/diagnose_speed.py)."""
    parts = [
        synthetic_campaign_daily(seed=s, days=365).assign(campaign_id=lambda d, s=s: d.campaign_id + f"_{s}")
        for s in range(7)
    ]
    df = pd.concat(parts, ignore_index=True)
    params = DriverParams()
    ms = train_driver_models(df, params=params)
    assert len(ms.models) == 5
    for model in ms.models.values():
        dump = model.booster_.dump_model()
        assert 0 < model.booster_.num_trees() <= params.n_estimators
        assert max(tree["num_leaves"] for tree in dump["tree_info"]) <= params.num_leaves
