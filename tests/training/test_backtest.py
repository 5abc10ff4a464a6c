"""Backtest metrics and rolling origins."""

from __future__ import annotations

import numpy as np
import pytest

from models.response import ResponseSpec
from models.response.synthetic import synthetic_world
from training.backtest import BacktestSpec, mase, rolling_origin, seasonal_naive, smape, wape
from training.response import prepare_history


def test_metrics_known_values() -> None:
    y = np.array([10.0, 20.0, 30.0])
    f = np.array([12.0, 18.0, 30.0])
    assert wape(y, f) == pytest.approx(4 / 60)
    assert smape(y, f) == pytest.approx(np.mean([4 / 22, 4 / 38, 0.0]))
    assert smape(np.zeros(2), np.zeros(2)) == 0.0
    train = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
    assert mase(y, f, train, 7) == pytest.approx(np.mean([2, 2, 0]) / 7)
    np.testing.assert_array_equal(seasonal_naive(np.arange(14.0), 10, 7), [7, 8, 9, 10, 11, 12, 13, 7, 8, 9])


def test_rolling_origin_structure_and_short_history() -> None:
    w = synthetic_world(seed=11, days=260)
    hist, ch, _, _ = prepare_history(w.tables)
    spec = ResponseSpec(country=None, n_starts=1)
    out = rolling_origin(hist, y="conversions", channels=ch, spec=spec, bt=BacktestSpec(n_origins=4, n_sims=100))
    assert len(out["origins"]) == 4
    assert [o["origin"] for o in out["origins"]] == sorted(o["origin"] for o in out["origins"])
    assert str(hist.index[-28].date()) == out["origins"][-1]["origin"]
    with pytest.raises(ValueError, match="too short"):
        rolling_origin(hist.iloc[:120], y="conversions", channels=ch, spec=spec, bt=BacktestSpec(n_origins=4))
