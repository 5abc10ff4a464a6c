"""Geo-level response model: pooled shapes, partially pooled geo coefficients, national equivalents, lift tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.response import ResponseModel, ResponseSpec
from models.response.lift import LiftTest
from models.response.synthetic import GeoWorld, synthetic_geo_world

SPEC = ResponseSpec(country=None, n_starts=1, saturation="hill", seed=1)


@pytest.fixture(scope="module")
def world() -> GeoWorld:
    return synthetic_geo_world(seed=3, geos=8, weeks=104, channels=3, geo_effect=0.3)


@pytest.fixture(scope="module")
def model(world: GeoWorld) -> ResponseModel:
    return ResponseModel(SPEC, kpi="y").fit(
        world.history, y="y", channels=world.channels, controls=("price",), geo_panel=world.panel
    )


def test_recovers_contributions_shapes_and_geo_coefficients(world: GeoWorld, model: ResponseModel) -> None:
    inc = world.incremental.groupby("date")[world.channels].sum()
    err = model.contributions_.sum() / inc.sum() - 1
    assert err.abs().max() < 0.2, err.to_dict()
    for c in world.channels:
        assert model.transforms_[c].decay == pytest.approx(world.decay[c], abs=0.08)
    coef = model.geo_coefficients()
    assert list(coef.index) == list(model.geos_) == [f"g{g:02d}" for g in range(8)]
    for c in world.channels:
        assert np.corrcoef(coef[c], world.coefficient.loc[coef.index, c])[0, 1] > 0.9
    assert model.shape_source_ == {c: "spend" for c in world.channels}


def test_geo_contributions_add_up_to_the_national_ones(world: GeoWorld, model: ResponseModel) -> None:
    gc = model.geo_contributions(world.panel)
    assert list(gc.columns) == ["date", "geo", *model.channels_]
    assert len(gc) == 8 * 104
    nat = gc.groupby("date")[model.channels_].sum()
    np.testing.assert_allclose(nat.to_numpy(), model.contributions_.to_numpy(), rtol=1e-9)
    truth = world.incremental.set_index(["date", "geo"])
    got = gc.set_index(["date", "geo"]).loc[truth.index]
    per_geo = (got.groupby("geo").sum() / truth.groupby("geo").sum() - 1).abs()
    assert float(per_geo.to_numpy().mean()) < 0.2, per_geo
    with pytest.raises(ValueError, match="not fitted on: \\['zz'\\]"):
        model.geo_contributions(world.panel.assign(geo=world.panel["geo"].replace({"g00": "zz"})))


def test_round_trip_keeps_geo_parameters(world: GeoWorld, model: ResponseModel) -> None:
    back = ResponseModel.from_files(model.to_files("g/"), "g/")
    assert back.geos_ == model.geos_
    pd.testing.assert_frame_equal(back.geo_contributions(world.panel), model.geo_contributions(world.panel))
    spend = pd.DataFrame({c: np.full(8, 900.0) for c in world.channels}, index=back.future_dates(8))
    np.testing.assert_allclose(back.expected(spend), model.expected(spend))
    se = model.geo_coefficient_se()
    assert se is not None and list(se.index) == list(model.geos_) and (se.to_numpy() > 0).all()
    pd.testing.assert_frame_equal(back.geo_coefficient_se(), se)
    unit = model.geo_contributions(world.panel, per_unit=True)
    coef = model.geo_coefficients()
    per_geo = unit.groupby("geo")[list(world.channels)].sum() * coef
    np.testing.assert_allclose(per_geo.to_numpy(), model.geo_contributions(world.panel).groupby("geo")[
        list(world.channels)].sum().to_numpy())


def test_national_transform_is_exact_under_constant_shares() -> None:
    """Each geo's spend a fixed share of the national spend: the national transform reproduces the summed
    geo contributions of any national spend path."""
    w = synthetic_geo_world(seed=5, geos=5, weeks=104, channels=2, geo_effect=0.3)
    share = np.array([0.1, 0.15, 0.2, 0.25, 0.3])
    panel = w.panel.copy()
    for c in w.channels:
        nat = w.history[c]
        panel[c] = [nat.loc[d] * share[int(g[1:])] for d, g in zip(panel["date"], panel["geo"], strict=True)]
    m = ResponseModel(SPEC, kpi="y").fit(w.history, y="y", channels=w.channels, geo_panel=panel)
    gc = m.geo_contributions(panel).groupby("date")[w.channels].sum()
    for c in w.channels:
        t = m.transforms_[c]
        s = w.history[c].to_numpy()
        np.testing.assert_allclose(t.response(s, initial=s[:2].mean()), gc[c].to_numpy(), rtol=1e-8)
    assert m.geo_contributions(panel).shape == (5 * 104, 4)


def test_national_lift_test_constrains_the_national_sum(world: GeoWorld, model: ResponseModel) -> None:
    win = world.history.index[50:54]
    c = world.channels[1]
    base = float(model.contributions_.loc[win, c].sum())
    target = 1.5 * base
    m = ResponseModel(SPEC, kpi="y").fit(
        world.history,
        y="y",
        channels=world.channels,
        controls=("price",),
        geo_panel=world.panel,
        lift_tests=[LiftTest(c, win[0], win[-1], target, 0.01 * target)],
    )
    ((_, fitted),) = m.lift_fit_
    assert fitted == pytest.approx(target, rel=0.05)
    assert fitted == pytest.approx(float(m.contributions_.loc[win, c].sum()))


def test_panel_errors(world: GeoWorld) -> None:
    h, ch = world.history, world.channels
    with pytest.raises(ValueError, match="geo panel lacks 1 \\(geo, date\\) rows of the history"):
        ResponseModel(SPEC, kpi="y").fit(h, y="y", channels=ch, geo_panel=world.panel.iloc[1:])
    with pytest.raises(ValueError, match="summed over geos differs from the national history"):
        ResponseModel(SPEC, kpi="y").fit(h.assign(y=h["y"] * 1.01), y="y", channels=ch, geo_panel=world.panel)
    with pytest.raises(ValueError, match="geo panel lacks columns \\['region'\\]"):
        ResponseModel(SPEC, kpi="y").fit(h, y="y", channels=ch, geo_panel=world.panel, geo_column="region")
    with pytest.raises(ValueError, match="fitted nationally; it has no geo contributions"):
        ResponseModel(SPEC, kpi="y").fit(h, y="y", channels=ch).geo_contributions(world.panel)


@pytest.mark.parametrize("saturation", ["hill", "logistic"])
def test_always_on_channel_without_effect_does_not_take_the_baseline(saturation: str) -> None:
    """A channel that always spends (budget levels move, never off) and has no effect: without the weekly shape
    priors its half-saturation ran to a fifth of its spend, the saturated feature aliased the intercept and
    the channel took 9–17 % of the outcome; with them it takes next to nothing."""
    w = synthetic_geo_world(seed=4, geos=8, weeks=104, channels=3, geo_effect=0.3)
    rng = np.random.default_rng(4)
    panel = w.panel.copy()
    size = panel.groupby("geo")["y"].transform("mean") / panel["y"].mean()
    level = pd.Series(np.repeat(rng.lognormal(0, 0.3, 20), 6)[:104], index=w.history.index)
    noise = rng.lognormal(0, 0.05, len(panel))
    panel["flat"] = np.round(300 * size * level.loc[pd.DatetimeIndex(panel["date"])].to_numpy() * noise, 2)
    hist = w.history.assign(flat=panel.groupby("date")["flat"].sum().to_numpy())
    spec = ResponseSpec(country=None, n_starts=1, saturation=saturation, seed=1)  # type: ignore[arg-type]
    m = ResponseModel(spec, kpi="y").fit(
        hist, y="y", channels=[*w.channels, "flat"], controls=("price",), geo_panel=panel
    )
    assert m.contributions_["flat"].sum() < 0.03 * hist["y"].sum()
    assert m.transforms_["flat"].half_saturation > 0.8 * hist["flat"].mean()


def test_warm_started_refit_on_a_shorter_history(world: GeoWorld, model: ResponseModel) -> None:
    """Backtest origins refit warm-started from the full fit (one short search): the shapes stay near the full
    fit's and the contributions near the truth."""
    hist = world.history.iloc[:88]
    panel = world.panel[world.panel["date"].isin(hist.index)]
    m = ResponseModel(SPEC, kpi="y").fit(
        hist, y="y", channels=world.channels, controls=("price",), geo_panel=panel, warm_start=model
    )
    assert m.geos_ == model.geos_
    for c in world.channels:
        assert m.transforms_[c].decay == pytest.approx(model.transforms_[c].decay, abs=0.1)
    inc = world.incremental[world.incremental["date"].isin(hist.index)].groupby("date")[world.channels].sum()
    err = m.contributions_.sum() / inc.sum() - 1
    assert err.abs().max() < 0.25, err.to_dict()


def test_weekly_geo_fit_carries_the_hill_shape_prior(
    world: GeoWorld, model: ResponseModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The geo search carries the weekly Hill-shape prior (``WEEKLY_SHAPE_PRIOR``) as the national one does: with a
    flat prior the shapes lie further from its centre; the data still move them (true shapes 1.2–2.0 here)."""
    import models.response.media as media

    centre = media.WEEKLY_SHAPE_PRIOR[0]
    monkeypatch.setattr(media, "WEEKLY_SHAPE_PRIOR", (centre, 1e3))
    flat = ResponseModel(SPEC, kpi="y").fit(
        world.history, y="y", channels=world.channels, controls=("price",), geo_panel=world.panel
    )
    dist = sum(abs(t.shape - centre) for t in model.transforms_.values())
    dist_flat = sum(abs(t.shape - centre) for t in flat.transforms_.values())
    assert dist < dist_flat, (dist, dist_flat)


def test_auto_saturation_of_a_weekly_geo_fit_is_the_hill_curve(world: GeoWorld) -> None:
    spec = ResponseSpec(country=None, n_starts=1, seed=1)
    m = ResponseModel(spec, kpi="y").fit(
        world.history, y="y", channels=world.channels, controls=("price",), geo_panel=world.panel
    )
    assert {t.saturation for t in m.transforms_.values()} == {"hill"}


def test_return_shrinkage_pulls_the_channels_returns_together(world: GeoWorld, model: ResponseModel) -> None:
    """``geo_roi_shrinkage`` (the national fit's empirical-Bayes return shrinkage, session 12): the channels' national
    returns per unit spend lie closer to their pooled value than without it, and the fit stays near the truth."""
    from dataclasses import replace

    free = ResponseModel(replace(SPEC, geo_roi_shrinkage=False), kpi="y").fit(
        world.history, y="y", channels=world.channels, controls=("price",), geo_panel=world.panel
    )
    spend = world.history[list(world.channels)].sum()

    def spread(m: ResponseModel) -> float:
        r = m.contributions_[list(world.channels)].sum() / spend
        return float(np.std(np.log(r)))

    assert spread(model) < spread(free), (spread(model), spread(free))
    inc = world.incremental.groupby("date")[world.channels].sum().sum()
    assert (model.contributions_.sum() / inc - 1).abs().max() < 0.2


def test_between_geo_variance_is_at_least_its_estimates_standard_error() -> None:
    """``tau_se_floor`` (session 13): geos whose own estimates agree exactly (the moment estimate of the between-geo
    variance is below 0) are not pooled fully: τ² is the estimate's standard error under equal geos, √(2/(G−1)) ×
    their mean sampling variance; without the floor τ is 2 % of the coefficient. Geos that disagree keep their
    spread when it is the larger."""
    from models.response.geo import TAU_FLOOR, _pool_scales

    rng = np.random.default_rng(0)
    g_n, t_n = 10, 80
    h = rng.uniform(0.5, 1.5, (g_n, t_n, 1))
    noise = rng.normal(0, 1.0, (g_n, t_n))
    x = h[:, :, 0]
    noise -= x * ((x * noise).sum(axis=1) / (x * x).sum(axis=1))[:, None]  # orthogonal to each geo's feature
    y = x * 2.0 + noise  # every geo's own estimate is exactly 2: the moment estimate of the spread is < 0
    beta = np.array([2.0])
    gram = np.einsum("gtc,gtd->gcd", h, h)
    sig, tau_old, tau = _pool_scales(h, y, beta, dof=1)
    var = (sig**2 / gram[:, 0, 0]).mean()
    est = np.einsum("gt,gt->g", h[:, :, 0], y) / gram[:, 0, 0]
    between = est.var() - var
    floor_se = np.sqrt(2.0 / (g_n - 1)) * var
    assert tau[0] ** 2 == pytest.approx(max(between, floor_se, (TAU_FLOOR * 2.0) ** 2))
    assert tau_old[0] ** 2 == pytest.approx(max(between, (TAU_FLOOR * 2.0) ** 2))
    assert between < 0 and tau[0] ** 2 == pytest.approx(floor_se) and tau[0] > 1.5 * tau_old[0]
    # geos that differ by far more than their noise keep their own spread
    y_far = y * rng.lognormal(0.0, 0.5, (g_n, 1))
    _, tau_far_old, tau_far = _pool_scales(h, y_far, beta, dof=1)
    assert tau_far[0] == pytest.approx(tau_far_old[0])


def test_a_spec_saved_before_the_tau_floor_reads_without_it() -> None:
    d = ResponseSpec().to_dict()
    d.pop("geo_tau_se_floor")
    assert ResponseSpec().geo_tau_se_floor and not ResponseSpec.from_dict(d).geo_tau_se_floor


def test_the_tau_floor_widens_the_geo_intervals_and_keeps_the_estimates(world: GeoWorld, model: ResponseModel) -> None:
    from dataclasses import replace

    plain = ResponseModel(replace(SPEC, geo_tau_se_floor=False), kpi="y").fit(
        world.history, y="y", channels=world.channels, controls=("price",), geo_panel=world.panel
    )
    pd.testing.assert_frame_equal(model.geo_coefficients(), plain.geo_coefficients())
    se, se_plain = model.geo_coefficient_se(), plain.geo_coefficient_se()
    assert se is not None and se_plain is not None
    assert (se.to_numpy() >= se_plain.to_numpy() - 1e-12).all() and (se.to_numpy() > se_plain.to_numpy()).any()
