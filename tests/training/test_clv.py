"""CLV training pipeline: backtest split, refit, manifest and artifacts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from models.clv import BGNBDParams, CLVModel, CLVModelSet, GammaGammaParams
from models.clv.simulate import simulate_orders
from training.clv import MODEL_FILE, orders_fingerprint, train_clv, train_clv_tables


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return simulate_orders(
        2500, BGNBDParams(0.6, 5.0, 1.2, 4.0), GammaGammaParams(3.0, 4.0, 40.0), end="2024-12-31", seed=3
    )


def test_backtest_then_refit(orders: pd.DataFrame) -> None:
    result = train_clv(orders, backtest_weeks=13, refit=True)
    m = result.manifest
    last = pd.Timestamp(orders["order_date"].max())
    assert m["holdout_end"] == m["fitted_through"] == last.date().isoformat()
    assert m["calibration_end"] == (last - pd.Timedelta(weeks=13)).date().isoformat()
    assert result.holdout is not None and result.holdout.duration == pytest.approx(13.0)
    assert result.holdout.mae < result.holdout.baseline_mae
    assert m["metrics"]["holdout"]["mae"] == result.holdout.mae
    assert m["n_customers"] == orders["customer_id"].nunique() == len(result.rfm)
    assert set(m["params"]) == {"bgnbd", "gamma_gamma"} and m["converged"]
    assert {"numpy", "pandas", "scipy"} <= set(m["versions"])
    json.dumps(m)  # manifest is plain JSON


def test_artifacts_restore_the_model(orders: pd.DataFrame) -> None:
    result = train_clv(orders)
    last = pd.Timestamp(orders["order_date"].max()).date().isoformat()
    assert result.holdout is None and result.manifest["calibration_end"] == last
    files = result.artifacts()
    assert list(files) == [MODEL_FILE]
    again = CLVModel.from_dict(json.loads(files[MODEL_FILE]))
    pd.testing.assert_frame_equal(again.predict(result.rfm), result.model.predict(result.rfm))
    doc = result.to_dict()
    assert set(doc["bgnbd"]) == {"r", "alpha", "a", "b"} and set(doc["gamma_gamma"]) == {"p", "q", "gamma"}


def test_fingerprint_ignores_row_order(orders: pd.DataFrame) -> None:
    shuffled = orders.sample(frac=1.0, random_state=0)
    assert orders_fingerprint(shuffled) == orders_fingerprint(orders)
    assert orders_fingerprint(orders.assign(revenue=orders["revenue"] + 1)) != orders_fingerprint(orders)


def test_tables_entry_point_maps_campaigns_to_channels(orders: pd.DataFrame) -> None:
    orders = orders[orders["customer_id"] <= 1000]
    orders = orders.assign(campaign_id=["c1" if i % 3 else "c2" for i in orders["customer_id"]])
    cd = pd.DataFrame({"date": ["2024-01-01"] * 2, "campaign_id": ["c1", "c2"], "channel": ["search", "email"]})
    result = train_clv_tables({"orders": orders, "campaign_daily": cd})
    assert isinstance(result.model, CLVModelSet) and result.manifest["segment_by"] == "channel"
    assert set(result.model.segments_) | set(result.model.fallback_) == {"search", "email"}
    assert result.holdout is not None and result.manifest["fitted_through"] == result.manifest["holdout_end"]
    with pytest.raises(ValueError, match="orders: table not found"):
        train_clv_tables({"campaign_daily": cd})
