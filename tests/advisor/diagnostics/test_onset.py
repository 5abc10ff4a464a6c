"""Change dating: steps, gradual decay, no change, zero-count days, spend covariates, fixed candidates."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.diagnostics.onset import detect_onset, detect_onset_counts

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


@pytest.mark.parametrize("floors", [(), (0.25, 0.5)])
def test_batched_shapes_equal_one_solve_per_shape(rng, floors) -> None:
    """All shapes fitted in one batched Newton solve give the fit of one solve per shape (converged rows only
    take a few more, vanishing, Newton steps in a batch)."""
    for _ in range(40):
        n = int(rng.integers(30, 250))
        t = np.arange(n)
        spend = np.exp(rng.normal(0, 0.3, n))
        clicks = rng.integers(20, 400, n).astype(float)
        rate = np.where(t < rng.integers(10, n - 10), 0.04, 0.04 * rng.uniform(0.3, 1.2))
        conv = rng.poisson(clicks * rate).astype(float)
        cov = np.column_stack([np.log(spend), np.log(spend) * 0.5 + rng.normal(0, 0.1, n)])
        batched = detect_onset_counts(t, conv, clicks, cov, floors=floors)
        single = detect_onset_counts(t, conv, clicks, cov, floors=floors, batch=False)
        assert (batched is None) == (single is None)
        if batched is None or single is None:
            continue
        assert (batched.onset, batched.shape_days, batched.floor) == (single.onset, single.shape_days, single.floor)
        for name in ("level", "shift", "chi2", "step_chi2"):
            assert getattr(batched, name) == pytest.approx(getattr(single, name), rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(batched.fitted, single.fitted, rtol=1e-9)


def test_onset_designs_fit_like_the_general_poisson_fit(rng) -> None:
    """The Newton fit that keeps the shared columns [1, Z] apart equals the fit on the built designs."""
    from advisor.diagnostics.onset import _poisson_fit, _poisson_fit_onsets, _shape

    n = 157
    t = np.arange(n, dtype=float)
    e = rng.uniform(50, 500, n)
    for q in (0, 2):
        Z = rng.normal(size=(n, q))
        Z -= Z.mean(axis=0)
        x = rng.poisson(e * 0.05 * np.exp(Z.sum(axis=1) * 0.2) * np.where(t > 90, 0.6, 1.0)).astype(float)
        for k in (0.0, 7.0, 90.0):
            g = _shape(t, t[7:150], k)
            X = np.concatenate([np.ones((len(g), n, 1)), g[..., None], np.broadcast_to(Z[None], (len(g), n, q))], axis=2)
            start = np.zeros((len(g), 2 + q))
            start[:, 0] = np.log(x.sum() / e.sum())
            theta, dev = _poisson_fit(X, x, e, start)
            theta2, dev2 = _poisson_fit_onsets(g, Z, x, e, start)
            np.testing.assert_allclose(theta2, theta, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(dev2, dev, rtol=1e-9)
            assert np.argmin(dev2) == np.argmin(dev)
