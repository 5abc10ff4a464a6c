"""Properties of the truth's numeric transforms (normalised geometric adstock, Hill)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo_world.transforms import geometric_adstock, hill

spend = st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60)
decay = st.floats(0.0, 0.95)


@settings(max_examples=60, deadline=None)
@given(spend, spend, decay)
def test_adstock_is_linear(a: list[float], b: list[float], lam: float) -> None:
    n = min(len(a), len(b))
    x, y = np.array(a[:n]), np.array(b[:n])
    both, _ = geometric_adstock(x + 2 * y, lam)
    np.testing.assert_allclose(both, geometric_adstock(x, lam)[0] + 2 * geometric_adstock(y, lam)[0], atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 1e4), decay, st.floats(0.0, 1e4))
def test_adstock_carries_state_and_preserves_mass(impulse: float, lam: float, state: float) -> None:
    x = np.zeros(400)
    x[0] = impulse
    ad, _ = geometric_adstock(x, lam)
    assert ad.sum() == pytest.approx(impulse, rel=1e-6)  # normalised: total effect = spend
    # splitting a series in two and carrying the state over gives the same result
    series = np.linspace(0, 100, 30) + state
    whole, _ = geometric_adstock(series, lam, state)
    first, mid = geometric_adstock(series[:12], lam, state)
    second, _ = geometric_adstock(series[12:], lam, mid)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 1e4), st.floats(1.0, 2.0))
def test_hill_is_monotone_bounded_and_half_at_k(k: float, s: float) -> None:
    x = np.linspace(0, 20 * k, 200)
    h = hill(x, k, s)
    assert h[0] == 0 and np.all(np.diff(h) >= 0) and np.all(h < 1)
    assert hill(k, k, s) == pytest.approx(0.5)
