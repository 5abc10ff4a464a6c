"""The media-mix benchmarks' reference fits (``benchmarks/mmm_score``): each recovers the true channel scales when the
outcome is exactly what it assumes, and the geo-panel fit equals the national one on a world without geos."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from mmm_score import (
    geo_oracle_coefficients,
    noise_limit_error,
    oracle_coefficients,
    oracle_error,
)

from demo_world import MmmWorld, generate_mmm_world
from demo_world.mmm_truth import channel_arrays, media_response


def _in_span(world: MmmWorld) -> MmmWorld:
    """The world with each geo's conversions replaced by its true media contributions plus a baseline the reference
    fits can express exactly (level by the geo's weight, a linear trend, the price index and the promotion days)."""
    truth, frame = world.truth, world.frame.copy()
    geos = truth["geo_names"]
    w = len(frame) // len(geos)
    spend = np.stack([frame[f"{c}_spend"].to_numpy(float).reshape(len(geos), w).T for c in world.channels], axis=1)
    arr = channel_arrays(truth)
    unit, _ = media_response(spend, arr["decay"], arr["half_saturation"], arr["shape"], arr["coefficient"], spend[0])
    weights = np.array([truth["geo_weights"][g] for g in geos]) if "geo_weights" in truth else np.ones(len(geos))
    t = np.arange(w) / 52.0
    price = frame["price_index"].to_numpy(float).reshape(len(geos), w)
    promo = frame["promo_days"].to_numpy(float).reshape(len(geos), w)
    base = weights[:, None] * (5000.0 + 300.0 * t[None, :]) - 2000.0 * price + 40.0 * promo
    frame["conversions"] = (unit.sum(axis=1).T + base).ravel()
    return replace(world, frame=frame)


@pytest.mark.parametrize("geos", [0, 4])
def test_the_transform_knowing_fits_recover_the_true_scales_when_the_baseline_is_in_their_span(geos: int) -> None:
    world = _in_span(generate_mmm_world(seed=3, days=728, geos=geos))
    np.testing.assert_allclose(list(geo_oracle_coefficients(world).values()), 1.0, atol=1e-6)
    np.testing.assert_allclose(list(oracle_coefficients(world).values()), 1.0, atol=1e-6)


def test_without_geos_the_geo_panel_fit_is_the_national_one() -> None:
    world = generate_mmm_world(seed=2, days=728)
    a, b = geo_oracle_coefficients(world), oracle_coefficients(world)
    np.testing.assert_allclose(list(a.values()), list(b.values()), rtol=1e-6)


def test_the_noise_limit_is_exact_without_noise_and_below_the_simple_baseline_fit() -> None:
    world = generate_mmm_world(seed=4, days=728)
    exact = world.expected.set_index("week")
    frame = world.frame.copy()
    for kpi in ("conversions", "revenue"):
        frame[kpi] = exact.loc[frame["week_start"], f"total_{kpi}"].to_numpy()
    noise_free = replace(world, frame=frame)
    assert noise_limit_error(noise_free) < 1e-6 and noise_limit_error(noise_free, "revenue") < 1e-6
    assert oracle_error(noise_free) > 0.01  # the simple baseline misses part of the organic series
    assert noise_limit_error(world) < oracle_error(world)


def test_the_noise_limit_with_exact_tests_is_pulled_to_the_truth_and_the_tests_error_is_their_noise() -> None:
    from mmm_score import lift_test_error

    from demo_world import mmm_lift_tests

    world = generate_mmm_world(seed=5, days=728)
    tests = mmm_lift_tests(world.truth, 5)
    assert lift_test_error(tests) == pytest.approx(
        float(
            np.mean(
                np.abs(
                    tests.loc[tests.kpi == "conversions", "incremental"]
                    / tests.loc[tests.kpi == "conversions", "true_incremental"]
                    - 1
                )
            )
        )
    )
    exact = tests.assign(incremental=tests["true_incremental"], std_error=tests["std_error"] * 1e-4)
    assert lift_test_error(exact) == 0.0
    # near-exact tests pin every channel's scale at the truth; noisy ones move the fit, but not to their own error
    assert noise_limit_error(world, tests=exact) < 1e-3 < noise_limit_error(world)
    assert noise_limit_error(world, tests=tests) != noise_limit_error(world)


def test_the_true_returns_over_the_whole_history_are_the_truths_per_geo_figures() -> None:
    """``mmm_geo_marginal.true_returns`` over every week: the average return is the truth's per-geo incremental revenue
    over the geo's spend; the next unit's is positive and, at ±1 %, within a percent of the derivative read at ±0.5 %."""
    import mmm_geo_marginal

    world = generate_mmm_world(seed=3, days=728, geos=3)
    weeks = world.frame["week_start"].astype(str).str[:10]
    ch = world.channels[0]
    nxt, avg = mmm_geo_marginal.true_returns(world, ch, weeks.min(), weeks.max())
    for geo, v in avg.items():
        by = world.truth["channels"][ch]["by_geo"][geo]
        assert v == pytest.approx(by["true_incremental"]["revenue"] / by["spend"], rel=1e-6)
        assert nxt[geo] > 0
    step, mmm_geo_marginal.STEP = mmm_geo_marginal.STEP, 0.005
    try:
        finer, _ = mmm_geo_marginal.true_returns(world, ch, weeks.min(), weeks.max())
    finally:
        mmm_geo_marginal.STEP = step
    assert finer == pytest.approx(nxt, rel=0.01)
