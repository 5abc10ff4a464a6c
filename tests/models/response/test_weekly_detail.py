"""Weekly baseline detail: one column per holiday and per event occurrence, under a ridge (partial pooling)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray

from models.response.design import (
    baseline_design,
    event_occurrences,
    event_rest,
    ridge_directions,
    trend_hinge_columns,
    weekly_detail_columns,
    weekly_holiday_columns,
    weekly_holiday_count,
)
from models.response.geo import GeoPanel, fit_geo_media
from models.response.media import fit_media
from models.transforms import geometric_adstock

WEEKS = pd.date_range("2022-01-03", periods=156, freq="7D")


def test_holiday_columns_split_the_weekly_count_by_name() -> None:
    names, cols = weekly_holiday_columns(WEEKS, "US")
    assert {"Black Friday", "Christmas Day", "Thanksgiving Day", "Cyber Monday"} <= set(names)
    assert cols.shape == (len(WEEKS), len(names))
    np.testing.assert_array_equal(cols.sum(axis=1), weekly_holiday_count(WEEKS, "US"))
    xmas = cols[:, names.index("Christmas Day")]
    assert xmas.sum() == 3 and set(WEEKS[xmas > 0].month) == {12}
    assert weekly_holiday_columns(WEEKS, None)[1].shape == (len(WEEKS), 0)


def test_event_occurrences_are_the_runs_away_from_the_rest_value() -> None:
    x = np.array([0, 2, 3, 0, 0, 7, 0, 1, 1, 0, 0.0])
    occ = event_occurrences(x)
    assert occ.shape == (len(x), 3)
    np.testing.assert_array_equal(occ.sum(axis=1), x)
    np.testing.assert_array_equal(occ[:, 1], [0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0])
    z = (x - x.mean()) / x.std()  # a standardised event column: its rest value is not 0
    assert event_rest(z) == pytest.approx(-x.mean() / x.std())
    np.testing.assert_allclose(event_occurrences(z), occ / x.std())
    assert event_occurrences(np.array([0, 1, 1, 0.0])).shape == (4, 0)  # one occurrence: nothing to split
    assert event_rest(np.array([1.0, 0.9, 1.1, 1.0])) is None  # a price index
    assert event_rest(np.ones(4)) is None  # constant
    assert event_occurrences(np.array([0.3, 0.2, 0.5, 0.1])).shape == (4, 0)


def test_detail_columns_are_scaled_holidays_then_event_occurrences() -> None:
    promo = np.zeros(len(WEEKS))
    promo[[10, 11, 60, 100, 101]] = [7, 3, 5, 7, 7]
    price = 1 + 0.1 * np.sin(np.arange(len(WEEKS)))
    z = weekly_detail_columns(WEEKS, "US", np.column_stack([price, promo]))
    np.testing.assert_allclose(weekly_detail_columns(WEEKS, "US", np.column_stack([price, promo - 0.1])), z)
    names, _ = weekly_holiday_columns(WEEKS, "US")
    assert z.shape == (len(WEEKS), len(names) + 3)
    np.testing.assert_allclose(z[:, : len(names)].max(axis=0), 1.0)
    np.testing.assert_allclose(z[:, len(names) :].sum(axis=1), promo / 7)


@pytest.mark.parametrize("lam", [0.0, 0.3, 5.0])
def test_ridge_directions_give_the_profiled_ridge_objective(lam: float) -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(40, 4))
    r = rng.normal(size=40)
    gamma = np.linalg.solve(z.T @ z + lam * np.eye(4), z.T @ r)
    objective = float(np.sum((r - z @ gamma) ** 2) + lam * gamma @ gamma)
    rd = ridge_directions(z, lam)
    assert float(np.sum(rd.apply(r) ** 2)) == pytest.approx(objective, rel=1e-10)
    np.testing.assert_allclose(rd.residual(r), r - z @ gamma, atol=1e-12)
    both = rd.apply(np.column_stack([r, 2 * r]))
    np.testing.assert_allclose(both[:, 1], 2 * rd.apply(r))  # linear
    assert ridge_directions(np.zeros((5, 0)), 1.0).apply(np.ones(5)) == pytest.approx(np.ones(5))


def _world(seed: int) -> tuple[NDArray[np.float64], ...]:
    """A weekly world whose baseline has Black Friday (+) and Christmas (−) and four promotions of different lift;
    channel 0 pushes in Nov–Dec (by a different amount each year, so it is not a yearly pattern), channel 1 during
    promotions (so a one-coefficient holiday count and a
    one-coefficient promotion column leave their misfit where the spend is)."""
    rng = np.random.default_rng(seed)
    n = len(WEEKS)
    names, hol = weekly_holiday_columns(WEEKS, "US")
    bf, xmas = hol[:, names.index("Black Friday")], hol[:, names.index("Christmas Day")]
    promo, lift = np.zeros(n), np.zeros(n)
    for start, size in zip((20, 60, 95, 130), (0.05, 0.30, 0.12, 0.40), strict=True):
        promo[start : start + 2] = 1.0
        lift[start : start + 2] = size
    t = np.arange(n)
    spend = 100 * (1 + 0.6 * rng.uniform(size=(n, 2)))
    push = rng.uniform(0.3, 2.5, size=3)[WEEKS.year - WEEKS.year[0]]  # a different Q4 push each year
    spend[:, 0] *= 1 + push * np.isin(WEEKS.month, (11, 12))
    spend[:, 1] *= 1 + 1.2 * promo
    a = np.column_stack([geometric_adstock(spend[:, c], 0.4) for c in range(2)]) / 150
    media = 80 * a**1.3 / (a**1.3 + 1.0)
    base = 1000 * (1 + 0.1 * np.sin(2 * np.pi * t / 52.18) + 0.15 * bf - 0.12 * xmas + lift)
    return base, media, spend, promo, rng.normal(0, 10, n)


def _worst_error(seed: int, detail_on: bool, geos: int) -> float:
    """Largest |estimated / true − 1| of the channels' contributions on :func:`_world` (``geos=0``: the national
    fit, else a panel of ``geos`` scaled copies with their own noise)."""
    base, media, spend, promo, noise = _world(seed)
    design = baseline_design(WEEKS, "W", origin=WEEKS[0], country="US", yearly_order=2)
    detail = weekly_detail_columns(WEEKS, "US", promo[:, None]) if detail_on else None
    if not geos:
        y = base + media.sum(axis=1) + noise
        fit = fit_media(
            y, np.column_stack([design, promo]), spend, freq="W", weekly_prior=True, n_starts=1, detail=detail
        )
        return float(np.abs(fit.contributions.sum(axis=0) / media.sum(axis=0) - 1).max())
    rng = np.random.default_rng(seed + 100)
    scale = rng.uniform(0.5, 1.5, size=geos)
    panel = GeoPanel(
        geos=tuple(f"g{g}" for g in range(geos)),
        y=np.stack([s * (base + media.sum(axis=1)) + rng.normal(0, 8 * s, len(WEEKS)) for s in scale]),
        spend=np.stack([s * spend for s in scale]),
        controls=np.broadcast_to(promo[None, :, None], (geos, len(WEEKS), 1)).copy(),
    )
    geo_fit = fit_geo_media(
        panel, design, national_spend=panel.spend.sum(axis=0), freq="W", saturation="hill", n_starts=1, detail=detail
    )
    return float(np.abs(geo_fit.contributions.sum(axis=(0, 1)) / (scale.sum() * media.sum(axis=0)) - 1).max())


@pytest.mark.parametrize("geos", [0, 4])
def test_detail_recovers_media_that_follow_holidays_and_promotions(geos: int) -> None:
    """With one holiday count and one promotion column the promotion channel takes the bigger promotions' lift
    (worst channel +100 % or more on average); with the detail columns the worst channel is within ~50 %."""
    off = np.mean([_worst_error(seed, False, geos) for seed in range(3)])
    on = np.mean([_worst_error(seed, True, geos) for seed in range(3)])
    assert off > 1.0
    assert on < 0.5 and on < off / 2, (on, off)


def test_fitted_baseline_with_detail_leaves_the_noise() -> None:
    """MediaFit.baseline with detail columns is the ridge fit's baseline: y − baseline − media is about the noise."""
    base, media, spend, promo, noise = _world(0)
    y = base + media.sum(axis=1) + noise
    design = np.column_stack([baseline_design(WEEKS, "W", origin=WEEKS[0], country="US", yearly_order=2), promo])
    detail = weekly_detail_columns(WEEKS, "US", promo[:, None])
    fit = fit_media(y, design, spend, freq="W", weekly_prior=True, n_starts=1, detail=detail)
    left = y - fit.baseline - fit.contributions.sum(axis=1)
    assert abs(left.mean()) < 1.0 and left.std() < 1.5 * noise.std()
    panel = GeoPanel(
        geos=("a", "b"),
        y=np.stack([y, 2 * y]),
        spend=np.stack([spend, 2 * spend]),
        controls=np.stack([promo[:, None]] * 2),
    )
    geo = fit_geo_media(
        panel, design[:, :-1], national_spend=3 * spend, freq="W", saturation="hill", n_starts=1, detail=detail
    )
    left = 3 * y - geo.media.baseline - geo.contributions.sum(axis=(0, 2))
    assert abs(left.mean()) < 3.0 and left.std() < 3 * 1.5 * noise.std()


def test_trend_hinge_columns_are_the_baseline_design_hinges_scaled_to_one() -> None:
    """The geo fit's ridge hinges sit on the same knots as the national fit's exact ones (every 182 days within the
    first 80 % of the history), each scaled to a largest value of 1."""
    hinges = trend_hinge_columns(WEEKS, 182)
    exact = baseline_design(WEEKS, "W", origin=WEEKS[0], changepoint_every=182, yearly_order=2)
    plain = baseline_design(WEEKS, "W", origin=WEEKS[0], yearly_order=2)
    k = exact.shape[1] - plain.shape[1]
    assert hinges.shape == (len(WEEKS), k) and k == int(0.8 * (WEEKS[-1] - WEEKS[0]).days // 182)
    np.testing.assert_allclose(hinges.max(axis=0), 1.0)
    np.testing.assert_allclose(hinges, exact[:, 2 : 2 + k] / exact[:, 2 : 2 + k].max(axis=0))
    assert trend_hinge_columns(WEEKS[:20], 182).shape == (20, 0)  # shorter than one knot's span: none
