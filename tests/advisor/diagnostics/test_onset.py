"""Change dating: steps, gradual decay, no change, zero-count days, spend covariates, fixed candidates."""

from __future__ import annotations

import json

import numpy as np
import pytest

from advisor.diagnostics.onset import detect_onset, detect_onset_counts
from tests.advisor.diagnostics import golden_cases as gc

N = 200


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_log_rate_step_and_gradual(rng) -> None:
    t = np.arange(N)
    base = np.log(0.01) + rng.normal(0, 0.1, N)
    step = base.copy()
    step[130:] += np.log(0.3)
    fit = detect_onset(t, step, np.full(N, 0.01))
    assert fit is not None and fit.onset == 130 and not fit.gradual and fit.shift == pytest.approx(np.log(0.3), abs=0.1)
    decay = base.copy()
    decay[120:] += np.log(0.35 + 0.65 * np.exp(-np.arange(N - 120) / 25))
    fit = detect_onset(t, decay, np.full(N, 0.01))
    assert fit is not None and abs(fit.onset - 120) <= 3 and fit.gradual
    flat = detect_onset(t, base, np.full(N, 0.01))
    assert flat is not None and flat.chi2 < 15


def test_counts_handle_days_with_zero_successes(rng) -> None:
    t = np.arange(N)
    clicks = rng.integers(40, 80, N).astype(float)
    rate = np.where(t < 140, 0.05, 0.005)  # after the break most days have 0 conversions
    conv = rng.poisson(clicks * rate).astype(float)
    assert (conv[140:] == 0).mean() > 0.5
    fit = detect_onset_counts(t, conv, clicks, shapes=(0.0,))
    assert fit is not None and abs(fit.onset - 140) <= 3 and fit.shift < -1.5 and fit.chi2 > 50


def test_spend_covariate_absorbs_saturation(rng) -> None:
    """CVR falls as spend doubles (diminishing returns): with log spend as covariate no big break remains."""
    t = np.arange(N)
    spend = np.exp(rng.normal(0, 0.3, N)) * np.where(t < 120, 1.0, 2.0)
    clicks = 100 * spend
    conv = rng.poisson(clicks * 0.03 * spend**-0.6).astype(float)
    plain = detect_onset_counts(t, conv, clicks, shapes=(0.0,))
    adjusted = detect_onset_counts(t, conv, clicks, np.log(spend)[:, None], shapes=(0.0,))
    assert plain is not None and adjusted is not None
    assert plain.onset == 120 and plain.shift < -0.3 and plain.chi2 > 30
    assert adjusted.chi2 < 10  # what is left after the spend effect is noise


def test_candidates_restrict_onsets(rng) -> None:
    t = np.arange(N)
    clicks = np.full(N, 500.0)
    conv = rng.poisson(clicks * np.where(t < 100, 0.04, 0.02)).astype(float)
    fit = detect_onset_counts(t, conv, clicks, shapes=(0.0,), candidates=np.array([90.0]))
    free = detect_onset_counts(t, conv, clicks, shapes=(0.0,))
    assert fit is not None and free is not None
    assert fit.onset == 90 and free.chi2 > fit.chi2
    assert detect_onset_counts(t[:10], conv[:10], clicks[:10]) is None


def test_shape_values() -> None:
    from advisor.diagnostics.onset import shape_value

    u = np.array([-1.0, 0.0, 1.0, 1e6])
    np.testing.assert_allclose(shape_value(u, 0.0), [0, 0, 1, 1])
    np.testing.assert_allclose(shape_value(u, 10.0)[[0, 3]], [0, 1])
    floored = shape_value(np.array([10.0, 1e6]), 10.0, 0.35)
    assert 0 < floored[0] < 1 and floored[1] == pytest.approx(1.0)


@pytest.mark.parametrize("floors", gc.FLOORS)
def test_count_onsets_equal_golden(floors: tuple[float, ...]) -> None:
    """40 random series of 30–250 days with covariates (with and without fatigue floors) give the recorded fits:
    onset, shape and floor exactly, the numbers to 1e-9 relative (Newton steps end at a tolerance)."""
    want = json.loads((gc.GOLDEN / "onset_fits.json").read_text())["floors=" + ",".join(map(str, floors))]
    for i, (t, conv, clicks, cov) in enumerate(gc.onset_series(floors)):
        fit = detect_onset_counts(t, conv, clicks, cov, floors=floors)
        if want[i] is None:
            assert fit is None, i
            continue
        assert fit is not None, i
        assert (fit.onset, fit.shape_days, fit.floor) == (want[i]["onset"], want[i]["shape_days"], want[i]["floor"]), i
        got = {"level": fit.level, "shift": fit.shift, "chi2": fit.chi2, "step_chi2": fit.step_chi2,
               "fitted_first": fit.fitted[0], "fitted_last": fit.fitted[-1], "fitted_mean": fit.fitted.mean()}  # fmt: skip
        for name, value in got.items():
            assert value == pytest.approx(want[i][name], rel=1e-9, abs=1e-12), (i, name)


def test_poisson_fit_by_hand() -> None:
    """Without covariates the Poisson fit of a step is the two segments' pooled log rates: a = ln(Σx/Σe) before
    the step, a + b after; with a zero change column b stays 0 and a is the pooled log rate of all days."""
    from advisor.diagnostics.onset import _poisson_fit

    e = np.array([100.0, 200.0, 100.0, 400.0, 100.0, 300.0])
    x = np.array([5.0, 7.0, 3.0, 2.0, 0.0, 1.0])
    g = np.array([[0.0, 0.0, 0.0, 1.0, 1.0, 1.0], [0.0] * 6])
    start = np.array([[np.log(x.sum() / e.sum()), 0.0]] * 2)
    theta, dev = _poisson_fit(g, np.zeros((6, 0)), x, e, start, iters=50)
    np.testing.assert_allclose(theta[0], [np.log(15 / 400), np.log(3 / 800) - np.log(15 / 400)], rtol=1e-9)
    np.testing.assert_allclose(theta[1], [np.log(18 / 1200), 0.0], rtol=1e-9, atol=1e-15)
    mu = e * 18 / 1200
    full = 2 * np.sum(np.where(x > 0, x * np.log(np.where(x > 0, x, 1) / mu), 0.0) - (x - mu))
    assert dev[1] == pytest.approx(full, rel=1e-9) and dev[0] < dev[1]
