"""Time-varying efficiency in the incrementality fit, interval calibration, schema-1 loading."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from models.response import ResponseModel, ResponseSpec
from models.response.media import efficiency_path, fit_media_reported
from models.response.synthetic import synthetic_world
from models.transforms import geometric_adstock, hill
from training.response import prepare_history, reported_map


def test_efficiency_path_known_values() -> None:
    curve = np.ones((10, 2))
    rep = np.column_stack([np.full(10, 2.0), np.r_[np.ones(5), np.zeros(5)]])
    eff = efficiency_path(rep, curve, window=3)
    np.testing.assert_allclose(eff[:, 0], 2.0)
    # centred 3-period window, truncated at the ends; clipped at 0.25 where the channel reports nothing
    np.testing.assert_allclose(eff[:, 1], [1, 1, 1, 1, 2 / 3, 1 / 3, 0.25, 0.25, 0.25, 0.25])
    np.testing.assert_array_equal(efficiency_path(rep, curve, window=0), np.ones((10, 2)))
    np.testing.assert_array_equal(efficiency_path(rep, np.zeros((10, 2)), window=5), np.ones((10, 2)))


def _quality_drop_world(seed: int = 0, t: int = 600) -> dict[str, np.ndarray]:
    """Two channels; channel 0's true response (and so its reported KPI) drops to 40% from day 400."""
    rng = np.random.default_rng(seed)
    level = np.repeat(rng.lognormal(0.0, 0.4, size=(t // 20 + 1, 2)), 20, axis=0)[:t]
    spend = 100.0 * level * rng.lognormal(0.0, 0.1, size=(t, 2))
    curve = hill(geometric_adstock(spend, np.array([0.3, 0.5]), initial=spend[0]), np.array([120.0, 150.0]), 1.2)
    quality = np.ones((t, 2))
    quality[400:, 0] = 0.4
    inc = np.array([40.0, 30.0]) * curve * quality
    claim = np.array([1.6, 1.2])
    reported = claim * inc * rng.gamma(30.0, 1 / 30.0, size=(t, 2))
    days = np.arange(t)
    base = 100.0 + 10.0 * np.sin(2 * np.pi * days / 7)
    y = base + inc.sum(axis=1) + rng.normal(0.0, 3.0, t)
    design = np.column_stack([np.ones(t), np.sin(2 * np.pi * days / 7), np.cos(2 * np.pi * days / 7)])
    return {"y": y, "design": design, "spend": spend, "reported": reported, "inc": inc}


def test_varying_efficiency_removes_bias_of_a_quality_drop() -> None:
    w = _quality_drop_world()
    errs = {}
    for window in (0, 28):
        mf = fit_media_reported(w["y"], w["design"], w["spend"], w["reported"], n_starts=1, efficiency_window=window)
        errs[window] = np.abs(mf.contributions.sum(axis=0) / w["inc"].sum(axis=0) - 1)
        assert mf.reported_fit is not None and mf.reported_fit.shape == w["spend"].shape
    assert errs[28].max() < 0.08
    assert errs[28].max() < errs[0].max()


@pytest.fixture(scope="module")
def fitted() -> tuple[ResponseModel, pd.DataFrame]:
    w = synthetic_world(seed=2, days=300)
    hist, ch, _, _ = prepare_history(w.tables)
    m = ResponseModel(ResponseSpec(country=None, n_starts=1)).fit(
        hist, y="conversions", channels=ch, reported=reported_map(hist, "conversions", ch)
    )
    spend = pd.DataFrame({c: np.full(28, float(hist[c].iloc[-28:].mean())) for c in ch}, index=m.future_dates(28))
    return m, spend


def test_calibration_widens_intervals_and_round_trips(fitted: tuple[ResponseModel, pd.DataFrame]) -> None:
    m, spend = fitted
    assert len(m.fitted.noise_var) == 2
    sd0 = m.simulate(spend, n=400).total.sum(axis=1).std()
    files = m.to_files("r/")
    m.with_calibration(level_sd=0.05, noise_scale=1.5)
    sim = m.simulate(spend, n=400)
    assert sim.total.sum(axis=1).std() > 1.5 * sd0
    back = ResponseModel.from_files(m.to_files("r/"), "r/")
    assert (back.fitted.level_sd, back.fitted.noise_scale) == (0.05, 1.5)
    assert ResponseModel.from_files(files, "r/").fitted.level_sd == 0.0
    with pytest.raises(ValueError, match="level_sd"):
        m.with_calibration(level_sd=-1.0)
    with pytest.raises(ValueError, match="noise_scale"):
        m.with_calibration(noise_scale=0.0)
    m.with_calibration()


def test_loads_schema_1_files(fitted: tuple[ResponseModel, pd.DataFrame]) -> None:
    m, spend = fitted
    files = m.to_files("r/")
    params = json.loads(files["r/params.json"])
    params["schema"] = 1
    del params["spec"]["varying_efficiency"]
    for key in ("level_sd", "noise_scale", "noise_var"):
        del params["fitted"][key]
    old = ResponseModel.from_files({**files, "r/params.json": json.dumps(params)}, "r/")
    assert old.spec.varying_efficiency is False
    assert old.fitted.noise_var == [] and old.fitted.level_sd == 0.0
    np.testing.assert_allclose(old.expected(spend), m.expected(spend))
    assert old.simulate(spend, n=20).total.shape == (20, 28)
    params["schema"] = 99
    with pytest.raises(ValueError, match="schema 99 not supported"):
        ResponseModel.from_files({**files, "r/params.json": json.dumps(params)}, "r/")


def test_variance_function_recovers_count_noise() -> None:
    from models.response.model import variance_function

    rng = np.random.default_rng(1)
    mu = np.linspace(100.0, 900.0, 4000)
    y = rng.poisson(mu * rng.gamma(50.0, 1 / 50.0, mu.size))
    a, b = variance_function(y - mu, mu)
    for level in (200.0, 800.0):  # the variance it implies, not the (collinear) coefficients
        assert a * level + b * level**2 == pytest.approx(level + level**2 / 50, rel=0.2)
    assert variance_function(y - mu, -mu) == []


def test_campaign_curves_give_the_channel_curve_at_the_recent_mix() -> None:
    from models.response.media import _campaign_curves
    from models.transforms import ChannelTransform

    rng = np.random.default_rng(3)
    t = 500
    level = np.repeat(rng.lognormal(0.0, 0.5, size=(t // 25 + 1, 2)), 25, axis=0)[:t]
    spend = np.array([200.0, 50.0]) * level * rng.lognormal(0.0, 0.1, size=(t, 2))
    spend[:250, 1] = 0.0  # the second campaign starts half-way
    k, s, b, d = np.array([150.0, 200.0]), np.array([1.5, 1.0]), np.array([30.0, 40.0]), np.array([0.3, 0.5])
    curves = b * hill(geometric_adstock(spend, d, initial=spend[0]), k, s)
    reported = curves * rng.gamma(200.0, 1 / 200.0, size=(t, 2))
    parts = [(spend[:, 0], reported[:, 0]), (spend[:, 1], reported[:, 1])]
    past, (decay, half, shape, beta) = _campaign_curves(parts, "D", "hill", rng, 2, 28)
    np.testing.assert_allclose(past, curves.sum(axis=1), rtol=0.08, atol=0.5)
    w = spend[-28:].sum(axis=0) / spend[-28:].sum()
    per_period = spend[-28:].sum() / 28
    grid = np.linspace(0.5, 1.5, 11) * per_period
    truth = sum(b[j] * hill(w[j] * grid, k[j], s[j]) for j in range(2))
    fwd = ChannelTransform(decay=decay, half_saturation=half, shape=shape, beta=beta).steady_state(grid)
    np.testing.assert_allclose(fwd, truth, rtol=0.08)  # one Hill curve summarising two
    assert min(d) <= decay <= max(d)


def test_campaign_map_lists_each_channels_campaign_columns() -> None:
    from training.response import campaign_map, campaign_reported_column, campaign_spend_column

    w = synthetic_world(seed=2, days=120)
    hist, ch, camp, _ = prepare_history(w.tables)
    cmap = campaign_map(hist, "revenue", ch, camp)
    assert set(cmap) == set(ch)
    assert sorted(c for pairs in cmap.values() for c, _ in pairs) == sorted(campaign_spend_column(c) for c in camp)
    for channel, pairs in cmap.items():
        for sc, rc in pairs:
            cid = sc.removeprefix("campaign_spend__")
            assert camp[cid] == channel and rc == campaign_reported_column("revenue", cid)
        assert np.allclose(sum(hist[sc] for sc, _ in pairs), hist[channel])


def test_simulation_views_agree_with_the_full_media_draws(fitted: tuple[ResponseModel, pd.DataFrame]) -> None:
    m, spend = fitted
    sim = m.simulate(spend, n=200, seed=3)
    media = sim.media  # (n, H, C)
    assert media.shape == (200, 28, len(sim.channels))
    np.testing.assert_allclose(media.mean(axis=0), sim.media_mean, rtol=0.2)  # draws centre on the expectation
    for start in (0, 5):
        np.testing.assert_allclose(sim.media_by_period(start), media[:, start:, :].sum(axis=2), rtol=1e-12)
        np.testing.assert_allclose(sim.media_by_channel(start), media[:, start:, :].sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(sim.total, sim.baseline[None, :] + media.sum(axis=2) + sim.noise, rtol=1e-12)
