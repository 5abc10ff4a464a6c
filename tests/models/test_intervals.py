"""Interval statistics of simulated draws (``models.intervals.stats``, what a forecast reports for every total)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.intervals import stats
from tests.models.response import golden_cases as gc


def test_stats_by_hand() -> None:
    """Draws 1..100: linear-interpolation quantiles 10.9 / 90.1 (80 %) and 3.475 / 97.525 (95 %), mean 50.5;
    non-finite draws are left out; no finite draw gives None; a given mean is kept (None when not finite)."""
    d = np.arange(1.0, 101.0)
    with_holes = np.r_[d, np.nan, np.inf, -np.inf]
    got = stats([d, with_holes, np.full(5, np.nan), d], [None, None, 3.0, float("nan")])
    want = {"mean": 50.5, "lower_80": 10.9, "upper_80": 90.1, "lower_95": 3.475, "upper_95": 97.525}
    assert got[0] == pytest.approx(want, rel=1e-15) and got[1] == pytest.approx(want, rel=1e-15)
    assert got[2] == {"mean": 3.0, "lower_80": None, "upper_80": None, "lower_95": None, "upper_95": None}
    assert got[3]["mean"] is None and got[3]["lower_80"] == pytest.approx(10.9)
    assert stats([], []) == []
    with pytest.raises(ValueError, match="2 draw vectors but 1 means"):
        stats([d, d], [None])


def test_stats_equal_golden() -> None:
    """All vectors at once (the finite ones stacked into one quantile call) and one by one give the recorded
    statistics."""
    want = [c["stats"] for c in json.loads((gc.GOLDEN / "interval_stats.json").read_text())]
    vectors = gc.draw_vectors()
    together = stats([d for d, _ in vectors], [m for _, m in vectors])
    alone = [stats([d], [m])[0] for d, m in vectors]
    assert together == want
    assert alone == want
