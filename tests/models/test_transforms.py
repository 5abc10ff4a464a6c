"""Media transforms: adstock carry-over, saturation curves, round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.transforms import ChannelTransform, geometric_adstock, hill, logistic


def test_adstock_matches_recursion_and_carry_over() -> None:
    x = np.array([10.0, 0.0, 0.0, 5.0])
    a = geometric_adstock(x, 0.5, initial=4.0)
    expected = []
    prev = 4.0
    for v in x:
        prev = 0.5 * v + 0.5 * prev
        expected.append(prev)
    np.testing.assert_allclose(a, expected)


def test_adstock_2d_per_channel_decay_and_steady_state() -> None:
    x = np.full((200, 2), 100.0)
    a = geometric_adstock(x, [0.2, 0.9])
    np.testing.assert_allclose(a[-1], [100.0, 100.0], rtol=1e-6)  # normalised: constant spend -> same level
    assert a[0, 1] < a[0, 0]


def test_adstock_rejects_bad_decay() -> None:
    with pytest.raises(ValueError, match="decay"):
        geometric_adstock([1.0, 2.0], 1.0)


@settings(max_examples=50, deadline=None)
@given(k=st.floats(1.0, 1e4), s=st.floats(0.5, 3.0), a=st.floats(0.0, 1e5))
def test_hill_bounded_monotone_half_point(k: float, s: float, a: float) -> None:
    h = float(hill(a, k, s))
    assert 0.0 <= h < 1.0 or h == pytest.approx(1.0)
    assert float(hill(k, k, s)) == pytest.approx(0.5)
    assert float(hill(a * 1.1 + 1, k, s)) >= h


def test_logistic_shape() -> None:
    v = logistic([0.0, 1.0, 100.0], 2.0)
    assert v[0] == 0.0 and 0 < v[1] < v[2] <= 1.0


def test_channel_transform_round_trip_and_marginal() -> None:
    t = ChannelTransform(decay=0.4, half_saturation=500.0, shape=1.2, beta=30.0)
    assert ChannelTransform.from_dict(t.to_dict()) == t
    # diminishing returns: marginal falls as spend grows (past the inflection)
    assert t.marginal(2000.0) < t.marginal(600.0)
    assert t.steady_state(1e9) == pytest.approx(30.0, rel=1e-3)
    with pytest.raises(ValueError, match="saturation"):
        ChannelTransform.from_dict({**t.to_dict(), "saturation": "cubic"})
