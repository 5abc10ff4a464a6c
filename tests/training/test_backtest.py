"""Backtest metrics and rolling origins."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from models.response import ResponseSpec
from models.response.synthetic import synthetic_world
from training.backtest import (
    BacktestSpec,
    OriginError,
    calibration,
    mase,
    origin_error,
    rolling_origin,
    seasonal_naive,
    smape,
    wape,
)
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
    # two earlier, unscored origins calibrate the first scored one; the published calibration uses all six
    assert out["calibration_origins"] == 2
    assert set(out["calibration"]) == {"level_sd", "noise_scale", "media_scale"}
    assert out["calibration"]["level_sd"] >= 0 and 0 < out["calibration"]["media_scale"] <= 1
    with pytest.raises(ValueError, match="too short"):
        rolling_origin(hist.iloc[:120], y="conversions", channels=ch, spec=spec, bt=BacktestSpec(n_origins=4))


def test_calibration_from_origin_errors() -> None:
    assert calibration([]) == {"level_sd": 0.0, "noise_scale": 1.0, "media_scale": 1.0}
    # level errors of ±5% where the simulation spreads 3%: the missing 4% is added; per-period errors
    # twice as wide as simulated: noise scale 2
    c = calibration([OriginError(0.05, 0.03, 4.0, 1.0), OriginError(-0.05, 0.03, 4.0, 1.0)])
    assert c["level_sd"] == pytest.approx(0.04)
    assert c["noise_scale"] == pytest.approx(2.0)
    assert c["media_scale"] == 1.0
    # simulation wider than the errors, mostly through the media draws: those are narrowed
    c = calibration([OriginError(0.03, 0.05, 1.0, 4.0, media_sd=0.045)])
    assert c["level_sd"] == 0.0
    assert c["media_scale"] == pytest.approx(np.sqrt((0.03**2 - (0.05**2 - 0.045**2)) / 0.045**2))
    assert c["noise_scale"] == 0.5  # bounded
    rng = np.random.default_rng(0)
    draws = 100.0 + rng.normal(0.0, 5.0, size=(2000, 28))
    e = origin_error(np.full(28, 110.0), np.full(28, 100.0), draws, media_totals=np.zeros(2000))
    assert e.rel_error == pytest.approx(0.1)
    assert e.model_sd == pytest.approx(5.0 * np.sqrt(28) / 2800, rel=0.1)
    assert e.resid_ms == 0.0 and e.media_sd == 0.0
    assert e.model_ms == pytest.approx(25.0 * 28 / 27, rel=0.05)


def test_calibration_window_forgets_the_early_origins() -> None:
    """Early origins (shortest training histories) erred by 20%; the recent ones by 2% where the simulation
    spreads 3%: over all origins a 10% level error would be added to every interval, over the recent window none."""
    early = [OriginError(0.2, 0.03, 1.0, 1.0)] * 4
    recent = [OriginError(0.02, 0.03, 1.0, 1.0), OriginError(-0.02, 0.03, 1.0, 1.0)] * 4
    assert calibration(early + recent)["level_sd"] == pytest.approx(np.sqrt((4 * 0.04 + 8 * 0.0004) / 12 - 0.0009))
    assert calibration(early + recent, window=8)["level_sd"] == 0.0
    assert calibration(early + recent, window=8) == calibration(recent)
    assert calibration(early, window=0) == calibration([])
    assert BacktestSpec().calibration_window == 8


def test_origins_every_step_overlap_and_calibrate_only_on_ended_windows() -> None:
    """Origins 7 days apart with a 28-day horizon: windows overlap, the calibration counts are scaled to the same
    span of history (2 horizons → 8 origins) and no origin is calibrated on a window that had not ended."""
    w = synthetic_world(seed=11, days=260)
    hist, ch, _, _ = prepare_history(w.tables)
    spec = ResponseSpec(country=None, n_starts=1)
    bt = BacktestSpec(n_origins=6, n_sims=50, horizon=28, step=7, calibration_origins=2, calibration_window=1)
    out = rolling_origin(hist, y="conversions", channels=ch, spec=spec, bt=bt)
    dates = [o["origin"] for o in out["origins"]]
    assert len(dates) == 6 and out["step"] == 7 and out["calibration_origins"] == 8
    assert str(hist.index[-28].date()) == dates[-1]
    assert all((np.datetime64(b) - np.datetime64(a)).astype(int) == 7 for a, b in itertools.pairwise(dates))
    # the default step (one horizon) keeps the tiling of before
    tiled = rolling_origin(hist, y="conversions", channels=ch, spec=spec, bt=BacktestSpec(n_origins=2, n_sims=50))
    assert tiled["step"] == 28 and [o["origin"] for o in tiled["origins"]] == [
        str(hist.index[-56].date()),
        str(hist.index[-28].date()),
    ]
