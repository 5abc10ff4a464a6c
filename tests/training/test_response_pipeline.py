"""train_all: fit, backtest, publish atomically; a failed run keeps the previous version."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from models.registry import Registry
from models.response import ResponseBundle, ResponseSpec
from models.response.synthetic import synthetic_world
from training.backtest import BacktestSpec
from training.pipeline import train_all
from training.response import prepare_history


def test_train_all_publishes_manifest_and_models(tmp_path: Path) -> None:
    w = synthetic_world(seed=7, days=300)
    seen: list[float] = []
    res = train_all(
        w.tables,
        tmp_path,
        seed=7,
        fingerprint="abc",
        progress=lambda m, f: seen.append(f),
        spec=ResponseSpec(country=None, n_starts=1, seed=7),
        backtest=BacktestSpec(n_origins=4, n_sims=200),
    )
    assert res["model_version"] == "v0001"
    mv = Registry(tmp_path).latest()
    man = mv.manifest
    assert man["data_fingerprint"] == "abc" and man["schema_version"] == 1
    assert "prophet" in man["libraries"] and "numpy" in man["libraries"]
    bt = man["metrics"]["response"]["conversions"]["backtest"]
    assert bt["n_origins"] == 4 and bt["horizon"] == 28
    for method in ("model", "prophet_no_media", "seasonal_naive"):
        assert {"wape", "smape", "mase"} <= set(bt[method])
    assert 0.0 <= bt["model"]["coverage_80"] <= bt["model"]["coverage_95"] <= 1.0
    # the media-aware model beats the spend-blind baselines on this world
    assert bt["model"]["wape"] < bt["prophet_no_media"]["wape"]
    assert bt["model"]["wape"] < bt["seasonal_naive"]["wape"]
    assert "response/conversions/prophet.json" in mv.files
    assert '"__class__"' not in mv.read_text("response/conversions/params.json")
    bundle = ResponseBundle.load(tmp_path)
    assert set(bundle.models) == {"conversions", "revenue"}
    assert seen[-1] == 1.0


def test_failed_training_keeps_previous_version(tmp_path: Path) -> None:
    w = synthetic_world(seed=8, days=200)
    train_all(w.tables, tmp_path, spec=ResponseSpec(country=None, n_starts=1), backtest=None)
    bad = dict(w.tables)
    bad["outcomes_daily"] = w.tables["outcomes_daily"].assign(conversions=float("nan"))
    with pytest.raises(ValueError, match="non-finite"):
        train_all(bad, tmp_path, spec=ResponseSpec(country=None, n_starts=1), backtest=None)
    assert Registry(tmp_path).list() == ["v0001"]


def test_prepare_history_without_outcomes_uses_campaign_sums() -> None:
    w = synthetic_world(seed=9, days=120)
    hist, channels, campaigns, freq = prepare_history({"campaign_daily": w.tables["campaign_daily"]})
    cd = w.tables["campaign_daily"]
    assert freq == "D" and channels == ["display", "search", "social"]
    assert campaigns["search-01"] == "search"
    assert hist["conversions"].sum() == pytest.approx(cd["conversions"].sum())
    assert hist.index.equals(pd.date_range(cd["date"].min(), cd["date"].max()))
    with pytest.raises(ValueError, match="campaign_daily"):
        prepare_history({})
