"""The ``train`` operation on a media-mix dataset: the mmm frame and its column roles reach ``train_all``, drivers
are skipped (no campaign rows), lift tests are passed on, and a failed run publishes nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from advisor.data.dataset import Dataset
from advisor.ops.context import OpsContext
from advisor.ops.requests import TrainRequest
from advisor.ops.train import train, training_tables
from models.registry import Registry
from models.response import ResponseBundle
from tests.training.mmm_frames import TRUE, mmm_frame

CONFIG = {
    "date": "week",
    "geo": "region",
    "outcomes": {"conversions": "orders", "revenue": "sales"},
    "channels": {ch: {"spend": f"{ch}_cost"} for ch in TRUE},
    "controls": ["price"],
    "organic": ["newsletter"],
    "events": ["promo"],
}


def _raw(weeks: int = 60, geos: int = 2, seed: int = 0) -> pd.DataFrame:
    """A user's wide file: raw column names, as the ``mmm:`` config maps them."""
    frame, _, _ = mmm_frame(weeks=weeks, geos=geos, seed=seed)
    names = {f"spend__{ch}": f"{ch}_cost" for ch in TRUE}
    names.update(
        {
            "date": "week",
            "geo": "region",
            "conversions": "orders",
            "revenue": "sales",
            "control__price": "price",
            "organic__newsletter": "newsletter",
            "event__promo": "promo",
        }
    )
    return frame.rename(columns=names)


def test_training_tables_hand_over_the_frame_and_its_roles() -> None:
    lift = pd.DataFrame(
        {
            "channel": ["tv"],
            "start": ["2023-03-06"],
            "end": ["2023-03-27"],
            "kpi": ["conversions"],
            "incremental": [1000.0],
            "std_error": [200.0],
        }
    )
    ds = Dataset.from_mmm(_raw(), CONFIG, lift_tests=lift)
    tables, layout = training_tables(ds)
    assert ds.mmm is not None and layout is not None
    assert tables["mmm"] is ds.mmm.frame and "lift_tests" in tables
    assert dict(layout.channels) == {ch: f"spend__{ch}" for ch in TRUE}
    assert layout.outcomes == ("conversions", "revenue")
    assert layout.regressors == ("control__price", "organic__newsletter", "event__promo")
    assert (layout.geo, layout.freq, layout.country) == ("geo", "W", None)


def test_training_tables_without_mmm() -> None:
    from models.response.synthetic import synthetic_world

    w = synthetic_world(seed=0, days=60)
    ds = Dataset.from_frames(w.tables["campaign_daily"], w.tables["outcomes_daily"])
    tables, layout = training_tables(ds)
    assert layout is None and "mmm" not in tables


def test_train_operation_on_mmm_data(tmp_path: Path) -> None:
    ds = Dataset.from_mmm(_raw(weeks=64, seed=1), CONFIG)
    ctx = OpsContext(ds, 365, 1000, models_root=tmp_path)
    res = train(TrainRequest(seed=2, backtest=False), ctx).to_json()
    metrics = res["metrics"]
    assert set(metrics["response"]) == {"conversions", "revenue"}
    assert metrics["data"]["source"] == "mmm" and metrics["data"]["geos"] == ["g00", "g01"]
    assert "no campaign rows" in metrics["drivers"]["skipped"]
    bundle = ResponseBundle.load(tmp_path)
    assert bundle.context.freq == "W" and set(bundle.context.channels) == set(TRUE)


def test_train_operation_failed_run_publishes_nothing(tmp_path: Path) -> None:
    raw = _raw(weeks=60, seed=3).drop(columns=["sales"])
    raw["orders"] = 0.0
    config = {**CONFIG, "outcomes": {"conversions": "orders"}}
    ds = Dataset.from_mmm(raw, config)
    with pytest.raises(ValueError, match=r"every outcome \(conversions\) is zero in every period"):
        train(TrainRequest(backtest=False), OpsContext(ds, 365, 1000, models_root=tmp_path))
    assert Registry(tmp_path).list() == []
