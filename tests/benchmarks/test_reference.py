"""The reference-model benchmark (benchmarks/mmm_reference.py): how a lift test is handed to PyMC-Marketing
(benchmarks/reference/pymc_fit.py ``saturation_lift_rows``). The fit itself needs the reference virtualenv and is
not run here."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "reference"))

from pymc_fit import saturation_lift_rows

from demo_world import generate_mmm_world, mmm_lift_tests


def _frame() -> pd.DataFrame:
    weeks = pd.date_range("2025-01-06", periods=8, freq="W-MON")
    return pd.DataFrame({"week_start": weeks, "tv_spend": [10.0, 20, 30, 40, 50, 60, 70, 80]})


def test_a_four_week_test_becomes_a_weekly_holdout_at_the_window_mean_spend() -> None:
    tests = pd.DataFrame(
        [
            {"channel": "tv", "start": "2025-01-20", "end": "2025-02-16", "kpi": "conversions", "incremental": 400.0,
             "std_error": 40.0},
            {"channel": "tv", "start": "2025-01-20", "end": "2025-02-16", "kpi": "revenue", "incremental": 9e4,
             "std_error": 9e3},
        ]
    )
    rows = saturation_lift_rows(_frame(), tests, "conversions")
    assert rows.to_dict("records") == [
        {"channel": "tv_spend", "x": 45.0, "delta_x": -45.0, "delta_y": -100.0, "sigma": 10.0}
    ]


def test_a_window_outside_the_data_is_refused_with_the_test_named() -> None:
    tests = pd.DataFrame(
        [{"channel": "tv", "start": "2026-01-05", "end": "2026-02-01", "kpi": "conversions", "incremental": 1.0,
          "std_error": 0.1}]
    )
    with pytest.raises(ValueError, match=r"lift test of 'tv' .* overlaps no week"):
        saturation_lift_rows(_frame(), tests, "conversions")


def test_every_demo_test_maps_to_four_weeks_of_live_spend() -> None:
    world = generate_mmm_world(seed=1, days=1092, geos=0)
    tests = mmm_lift_tests(world.truth, 1)
    rows = saturation_lift_rows(world.frame, tests, "conversions")
    assert sorted(rows["channel"]) == sorted(f"{c}_spend" for c in world.channels)
    conv = tests[tests["kpi"] == "conversions"].set_index("channel")
    for r in rows.itertuples():
        c = r.channel.removesuffix("_spend")
        assert r.x > 0 and r.delta_x == -r.x
        assert np.isclose(r.delta_y, -conv.loc[c, "incremental"] / 4)
        assert np.isclose(r.sigma, conv.loc[c, "std_error"] / 4)
