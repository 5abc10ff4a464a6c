"""Response model on the media-mix data sets in ``../shared/datasets`` (skipped where absent): PyMC-Marketing's
``mmm_example`` (accuracy guard), ``mmm_roas_data`` (a confounded channel fixed by lift tests), Meridian geo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.response import LiftTest, ResponseModel, ResponseSpec

pytestmark = pytest.mark.datasets


def test_mmm_example_contribution_error_does_not_grow(shared_datasets: Path) -> None:
    """x1 −14.5 %, x2 −1.0 % with the default spec, seed 1 (benchmarks/mmm_example.py). The data were generated
    with PyMC-Marketing's logistic curve; the weekly spend-driven fit uses the Hill curve with a shape prior
    (``models.response.media.WEEKLY_SHAPE_PRIOR``), which fits these weeks as well as the logistic (residual sum
    of squares 0.3 % lower) but reads x1's level lower than the logistic did (−1.6 %); the same choice brought
    ``mmm_roas_data`` from 57.8 to 32.3 % and ``media_tvp_data`` from 22.8 to 18.0 %. With two channels the shapes'
    learned centre (``ResponseSpec.shape_pooling``, session 11) costs x1 4 points here (−10.3 % with the fixed
    centre) and gains ``mmm_roas_data`` 5 and ``media_tvp_data`` 3 (mmm_datasets.py)."""
    d = shared_datasets / "pymc_marketing"
    df = pd.read_csv(d / "mmm_example.csv", parse_dates=["date_week"]).set_index("date_week")
    truth = pd.read_csv(d / "mmm_example_ground_truth_DERIVED.csv", parse_dates=["date_week"]).set_index("date_week")
    hist = df[["y", "x1", "x2", "event_1", "event_2"]].astype(float)
    m = ResponseModel(ResponseSpec(country=None, seed=1), kpi="y").fit(
        hist, y="y", channels=["x1", "x2"], controls=("event_1", "event_2")
    )
    err = {c: abs(m.contributions_[c].sum() / truth[f"{c}_contribution"].sum() - 1) for c in ("x1", "x2")}
    assert err["x1"] < 0.16 and err["x2"] < 0.03, err


def test_media_tvp_contribution_error_does_not_grow(shared_datasets: Path) -> None:
    """Time-varying media effect (the model's is constant): x1 −16.3 %, x2 −19.7 % with the default spec (22.8 % mean
    with the logistic curve the BIC used to pick)."""
    df = pd.read_csv(shared_datasets / "pymc_marketing" / "media_tvp_data.csv", parse_dates=["date_week"])
    df = df.set_index("date_week")
    hist = df[["y", "x1", "x2", "event_1", "event_2"]].astype(float)
    m = ResponseModel(ResponseSpec(country=None), kpi="y").fit(
        hist, y="y", channels=["x1", "x2"], controls=("event_1", "event_2")
    )
    err = {c: abs(m.contributions_[c].sum() / df[f"{c}_contribution"].sum() - 1) for c in ("x1", "x2")}
    assert err["x1"] < 0.19 and err["x2"] < 0.22, err


def test_mmm_roas_lift_tests_fix_the_confounded_channel(shared_datasets: Path) -> None:
    """x1 is confounded by an unobserved driver: its contribution read +29 % too high from the totals alone (+51 % with
    the fixed shape centre, +83 % before the weekly priors); one true four-week lift test per channel (s.e. 10 %)
    brings both channels within 20 %."""
    df = pd.read_csv(shared_datasets / "pymc_marketing" / "mmm_roas_data.csv", parse_dates=["date"]).set_index("date")
    truth = {"x1": df["y"] - df["y01"], "x2": df["y"] - df["y02"]}
    hist = df[["y", "x1", "x2"]].astype(float)

    def errors(tests: list[LiftTest]) -> dict[str, float]:
        m = ResponseModel(ResponseSpec(country=None), kpi="y").fit(hist, y="y", channels=["x1", "x2"], lift_tests=tests)
        return {c: float(m.contributions_[c].sum() / truth[c].sum() - 1) for c in truth}

    assert errors([])["x1"] > 0.2
    tests = []
    for i, c in enumerate(("x1", "x2")):
        win = truth[c].iloc[60 + 20 * i : 64 + 20 * i]
        tests.append(LiftTest(c, win.index[0], win.index[-1], float(win.sum()), 0.1 * float(win.sum())))
    got = errors(tests)
    assert max(abs(v) for v in got.values()) < 0.2, got


def test_meridian_geo_panel_fits_with_pooled_geos(shared_datasets: Path) -> None:
    df = pd.read_csv(shared_datasets / "meridian" / "geo_all_channels.csv", index_col=0, parse_dates=["time"])
    df = df.rename(columns={"time": "date"})
    ch = [f"Channel{i}_spend" for i in range(5)]
    controls = ["competitor_sales_control", "sentiment_score_control", "Promo"]
    nat = df.groupby("date")[["conversions", *ch]].sum()
    nat[controls] = df.groupby("date")[controls].mean()
    nat.index = pd.DatetimeIndex(nat.index)
    m = ResponseModel(ResponseSpec(country="US", n_starts=1, saturation="hill"), kpi="conversions").fit(
        nat, y="conversions", channels=ch, controls=controls, geo_panel=df
    )
    assert len(m.geos_) == 40
    gc = m.geo_contributions(df)
    np.testing.assert_allclose(gc.groupby("date")[ch].sum().to_numpy(), m.contributions_.to_numpy(), rtol=1e-9)
    assert (m.geo_coefficients() >= 0).all().all()
