"""Uncertainty of the channels' total contributions with the curve parameters' (Laplace approximation, delta
method): the stored relative s.e. of weekly spend-driven fits, its round trip and its use by attribution."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics.incremental import Z80, coefficient_se, incremental
from models.response import ResponseModel, ResponseSpec
from models.response.media import fit_media
from models.response.synthetic import GeoWorld, synthetic_geo_world
from models.response.uncertainty import contribution_and_total_rse, contribution_rse, relative_cov

SPEC = ResponseSpec(country=None, n_starts=1, saturation="hill", seed=1)


@pytest.fixture(scope="module")
def world() -> GeoWorld:
    return synthetic_geo_world(seed=3, geos=6, weeks=104, channels=3, geo_effect=0.2)


@pytest.fixture(scope="module")
def national(world: GeoWorld) -> ResponseModel:
    return ResponseModel(SPEC, kpi="y").fit(world.history, y="y", channels=world.channels, controls=("price",))


@pytest.fixture(scope="module")
def geo(world: GeoWorld) -> ResponseModel:
    return ResponseModel(SPEC, kpi="y").fit(
        world.history, y="y", channels=world.channels, controls=("price",), geo_panel=world.panel
    )


def _conditional_rse(model: ResponseModel) -> dict[str, float]:
    f = model.fitted
    return {ch: float(np.sqrt(f.beta_cov[j][j])) / f.transforms[ch].beta for j, ch in enumerate(f.channels)}


def test_contribution_rse_is_the_delta_method_of_a_linear_fit() -> None:
    """One parameter θ, residuals ``(y − θx)/σ``, total ``θ·S``: Var(θ) = σ²/Σx², so the relative s.e. is
    ``σ / (θ̂ sqrt(Σx²))``, in quadrature with the conditional one; ``data_scale`` rescales the data rows."""
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 2, 50)
    y = 3.0 * x + rng.normal(0, 0.5, 50)
    theta = np.array([float(x @ y / (x @ x))])

    def evaluate(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (y - t[0] * x) / 0.5, np.array([t[0] * 7.0, 0.0])

    lo, hi = np.array([0.0]), np.array([10.0])
    want = 0.5 / np.sqrt(x @ x) / theta[0]
    got = contribution_rse(evaluate, theta, lo, hi, n_data=50, data_scale=1.0, conditional_rse=np.zeros(2))
    assert got[0] == pytest.approx(want, rel=1e-5)
    assert got[1] == 0.0  # a zero total: no interval
    half = contribution_rse(evaluate, theta, lo, hi, n_data=50, data_scale=0.5, conditional_rse=np.array([0.1, 0.0]))
    assert half[0] == pytest.approx(np.hypot(2 * want, 0.1), rel=1e-5)
    # at a bound the difference is one-sided
    edge = contribution_rse(evaluate, theta, theta - 1e-9, hi, n_data=50, data_scale=1.0, conditional_rse=np.zeros(2))
    assert edge[0] == pytest.approx(want, rel=1e-3)


@pytest.mark.parametrize("which", ["national", "geo"])
def test_weekly_spend_fit_stores_a_wider_contribution_rse_than_the_conditional_one(
    which: str, request: pytest.FixtureRequest
) -> None:
    model: ResponseModel = request.getfixturevalue(which)
    rse = model.fitted.contribution_rse
    cond = _conditional_rse(model)
    assert set(rse) == set(model.channels_)
    for ch in model.channels_:
        assert np.isfinite(rse[ch])
        assert rse[ch] > 1.05 * cond[ch], (ch, rse[ch], cond[ch])
        assert rse[ch] < 1.0  # wider, not unbounded
    back = ResponseModel.from_files(model.to_files("m/"), "m/")
    assert back.fitted.contribution_rse == rse


def test_daily_fit_has_no_contribution_rse(world: GeoWorld) -> None:
    hist = world.history
    design = np.column_stack([np.ones(len(hist)), np.arange(len(hist), dtype=float)])
    spend = hist[world.channels].to_numpy()
    daily = fit_media(hist["y"].to_numpy(), design, spend, freq="D", n_starts=1)
    weekly = fit_media(hist["y"].to_numpy(), design, spend, freq="W", n_starts=1, weekly_prior=True)
    assert daily.contribution_rse is None
    assert weekly.contribution_rse is not None and weekly.contribution_rse.shape == (len(world.channels),)


def test_attribution_intervals_use_the_contribution_rse(national: ResponseModel) -> None:
    f = national.fitted
    assert national.contributions_ is not None
    index = national.contributions_.index  # the fitted history: attribution reports the fit's own contributions
    mask = np.ones(len(index), dtype=bool)
    for ch in national.channels_:
        beta = f.transforms[ch].beta
        assert coefficient_se(national, ch) == pytest.approx(beta * f.contribution_rse[ch], rel=1e-9)
        est, why = incremental(national, ch, pd.Series(0.0, index=index), mask, "y")
        assert why is None and est is not None
        half = (est.upper_80 - est.mean) / est.mean
        assert half == pytest.approx(Z80 * f.contribution_rse[ch], rel=1e-9)
    # a model saved before the field existed: the conditional s.e. alone
    files = national.to_files("m/")
    params = json.loads(files["m/params.json"])
    del params["fitted"]["contribution_rse"]
    old = ResponseModel.from_files({**files, "m/params.json": json.dumps(params)}, "m/")
    assert old.fitted.contribution_rse == {}
    for j, ch in enumerate(national.channels_):
        assert coefficient_se(old, ch) == pytest.approx(float(np.sqrt(f.beta_cov[j][j])), rel=1e-12)


def test_the_media_total_is_the_delta_method_of_the_sum_with_the_channels_correlation() -> None:
    """Two channels with totals ``θ·5`` and ``θ·2`` driven by one parameter: the sum's θ part is that of ``θ·7``;
    the conditional part is ``Tᵀ R T`` — with a correlation of −1 between the channels' relative errors it cancels
    where the totals' errors offset."""
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 2, 40)
    y = 2.0 * x + rng.normal(0, 0.3, 40)
    theta = np.array([float(x @ y / (x @ x))])

    def evaluate(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (y - t[0] * x) / 0.3, np.array([t[0] * 5.0, t[0] * 2.0])

    lo, hi = np.array([0.0]), np.array([10.0])
    rel_theta = 0.3 / np.sqrt(x @ x) / theta[0]  # relative s.e. of θ, hence of every total
    _, none = contribution_and_total_rse(evaluate, theta, lo, hi, n_data=40, data_scale=1.0, conditional_rse=np.zeros(2))
    assert none is None  # no conditional covariance given: no media total
    zero = np.zeros((2, 2))
    _, total = contribution_and_total_rse(
        evaluate, theta, lo, hi, n_data=40, data_scale=1.0, conditional_rse=np.zeros(2), conditional_rel_cov=zero
    )
    assert total == pytest.approx(rel_theta, rel=1e-5)
    # conditional relative s.e. 0.1 and 0.25, correlation −1: Var = (5θ·0.1 − 2θ·0.25)² = 0 → only θ's part is left
    rel = np.array([[0.01, -0.025], [-0.025, 0.0625]])
    _, offset = contribution_and_total_rse(
        evaluate, theta, lo, hi, n_data=40, data_scale=1.0, conditional_rse=np.array([0.1, 0.25]),
        conditional_rel_cov=rel,
    )
    assert offset == pytest.approx(rel_theta, rel=1e-5)
    np.testing.assert_allclose(relative_cov(np.array([[4.0, 1.0], [1.0, 9.0]]), np.array([2.0, 0.0])),
                               [[1.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("which", ["national", "geo"])
def test_weekly_spend_fit_stores_the_media_totals_rse(which: str, request: pytest.FixtureRequest) -> None:
    """Wider than the conditional s.e. of the sum (the curves' part), narrower than if every channel erred the same
    way, and kept by a saved model."""
    model: ResponseModel = request.getfixturevalue(which)
    f = model.fitted
    total_rse = f.media_total_rse
    assert total_rse is not None and np.isfinite(total_rse)
    totals = model.contributions_.sum().reindex(list(f.channels)).to_numpy()
    beta = np.array([f.transforms[ch].beta for ch in f.channels])
    rel = relative_cov(np.asarray(f.beta_cov), beta)
    conditional = float(np.sqrt(totals @ rel @ totals)) / totals.sum()
    assert total_rse > conditional
    assert total_rse <= sum(f.contribution_rse[ch] * t for ch, t in zip(f.channels, totals, strict=True)) / totals.sum()
    back = ResponseModel.from_files(model.to_files("m/"), "m/")
    assert back.fitted.media_total_rse == total_rse
