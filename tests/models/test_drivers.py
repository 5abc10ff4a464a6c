"""Driver models: features, determinism, persistence, monotone constraints, ratio semantics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.drivers import (
    FeatureSpec,
    build_features,
    geometric_adstock,
    infer_feature_spec,
    load_driver_models,
    save_driver_models,
)
from models.drivers.synthetic import synthetic_campaign_daily
from training.drivers import train_driver_models


@pytest.fixture(scope="module")
def world() -> pd.DataFrame:
    return synthetic_campaign_daily(seed=1, days=120)


@pytest.fixture(scope="module")
def fitted(world: pd.DataFrame):
    return train_driver_models(world)


def test_adstock_recursion() -> None:
    np.testing.assert_allclose(geometric_adstock(np.array([10.0, 0.0, 0.0]), 0.5), [10.0, 5.0, 2.5])


def test_feature_spec_infers_attributes_and_roundtrips(world: pd.DataFrame) -> None:
    spec = infer_feature_spec(world.assign(temp=1.0))
    assert spec.categorical == ("channel", "audience", "creative_type")
    assert spec.numeric == ("temp",)
    assert "conversions" not in spec.names and "campaign_id" not in spec.names
    assert FeatureSpec.from_dict(spec.to_dict()) == spec


def test_features_age_adstock_and_unknown_levels(world: pd.DataFrame) -> None:
    spec = infer_feature_spec(world)
    one = world[world.campaign_id == "c1"].iloc[10:12].copy()
    one.loc[one.index[1], "audience"] = "never-seen"
    X = build_features(one, spec)
    assert X["campaign_age"].tolist() == [10.0, 11.0]  # age from the campaign's real start, not the slice
    assert pd.isna(X["audience"].iloc[1])
    full = build_features(world, spec)
    c1 = world.campaign_id == "c1"
    expected = geometric_adstock(world.loc[c1, "spend"].to_numpy(), 0.5)
    np.testing.assert_allclose(full.loc[c1, "spend_adstock"], expected)


def test_deterministic_for_a_seed(world: pd.DataFrame, fitted) -> None:
    again = train_driver_models(world)
    for kpi, model in fitted.models.items():
        assert model.booster_.model_to_string() == again.models[kpi].booster_.model_to_string()


def test_manifest_has_time_aware_validation(fitted, world: pd.DataFrame) -> None:
    val = fitted.manifest["validation"]
    assert val["split"]["kind"] == "time"
    assert world["date"].min() < val["split"]["cutoff"] <= world["date"].max()
    assert set(val["scores"]) == {"ctr", "conversion_rate", "aov", "conversions", "revenue"}
    assert val["scores"]["ctr"]["wr2"] > 0.8  # channel explains CTR almost fully
    assert len(fitted.manifest["data_fingerprint"]) == 16


def test_save_load_roundtrip(tmp_path, fitted, world: pd.DataFrame) -> None:
    save_driver_models(fitted, tmp_path)
    assert (tmp_path / "ctr.txt").read_text().startswith("tree")
    loaded = load_driver_models(tmp_path)
    assert loaded.features == fitted.features
    X = fitted.matrix(world)
    for kpi in fitted.models:
        np.testing.assert_allclose(loaded.models[kpi].predict(X), fitted.models[kpi].predict(X))
    with pytest.raises(FileNotFoundError):
        load_driver_models(tmp_path / "nothing")


def test_conversions_monotone_in_spend(fitted, world: pd.DataFrame) -> None:
    rows = world.sample(40, random_state=0)
    X = fitted.matrix(rows)
    preds = []
    for factor in (0.25, 0.5, 1.0, 2.0, 4.0):
        Xs = X.copy()
        Xs["spend"] *= factor
        Xs["spend_adstock"] *= factor
        preds.append(fitted.models["conversions"].predict(Xs))
    assert np.all(np.diff(np.vstack(preds), axis=0) >= -1e-9)


def test_rate_model_respects_ratio_of_sums(fitted, world: pd.DataFrame) -> None:
    X = fitted.matrix(world)
    pred = fitted.models["conversion_rate"].predict(X)
    weighted = np.sum(pred * world["clicks"]) / world["clicks"].sum()
    ratio = world["conversions"].sum() / world["clicks"].sum()
    assert weighted == pytest.approx(ratio, rel=0.03)
    naive = np.mean(world["conversions"] / world["clicks"])  # mean of daily ratios: not what we fit
    assert abs(weighted - ratio) < abs(naive - ratio) or abs(naive - ratio) < 1e-4
