"""The weekly spend-driven fit's prior on media's share of the outcome, the yearly shape read from the outcome before
media (``weekly_seasonality="auto"``), and the warning when the channels explain most of the outcome."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from models.response import ResponseModel, ResponseSpec
from models.response.design import select_yearly_order
from models.response.media import MEDIA_SHARE_PRIOR
from models.response.model import MEDIA_SHARE_WARN
from models.response.synthetic import synthetic_geo_world
from models.transforms import geometric_adstock, hill

SPEC = ResponseSpec(country=None, n_starts=1, seed=1)


def _retailer(seed: int = 0, weeks: int = 208) -> tuple[pd.DataFrame, float]:
    """Weekly sales with a sharp Q4 peak (+150 % over about six weeks, every year) and two channels whose spend
    triples in the same weeks (a retailer spends when demand is high). Returns the history and the channels' true
    share of sales over it."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2019-01-07", periods=weeks, freq="7D")
    doy = idx.dayofyear.to_numpy(dtype=float)
    peak = np.exp(-0.5 * ((doy - 340.0) / 12.0) ** 2)
    base = 1000.0 * (1 + 1.5 * peak)
    hist = pd.DataFrame(index=idx)
    media = np.zeros(weeks)
    for name, beta in (("tv", 120.0), ("search", 80.0)):
        s = 100.0 * (1 + 2.0 * peak) * rng.lognormal(0.0, 0.3, weeks)
        a = geometric_adstock(s, 0.4, initial=s[:2].mean())
        media += beta * hill(a, np.array([1.2 * s.mean()]), np.array([1.3]))
        hist[name] = s
    hist["y"] = base + media + rng.normal(0.0, 25.0, weeks)
    return hist, float(media.sum() / hist["y"].sum())


def _share(model: ResponseModel, y: pd.Series) -> float:
    return float(model.contributions_.to_numpy().sum() / y.sum())


@pytest.fixture(scope="module")
def retailer() -> tuple[pd.DataFrame, float]:
    return _retailer()


def _fit(hist: pd.DataFrame, spec: ResponseSpec) -> ResponseModel:
    return ResponseModel(spec, kpi="y").fit(hist, y="y", channels=["tv", "search"])


def test_a_tight_share_prior_sets_the_share_and_a_loose_one_changes_nothing(
    retailer: tuple[pd.DataFrame, float],
) -> None:
    hist, _ = retailer
    free = _fit(hist, replace(SPEC, media_share_prior=None))
    tight = _fit(hist, replace(SPEC, media_share_prior=(0.05, 0.001)))
    loose = _fit(hist, replace(SPEC, media_share_prior=(0.4, 1e6)))
    assert _share(tight, hist["y"]) == pytest.approx(0.05, abs=0.005)
    assert _share(loose, hist["y"]) == pytest.approx(_share(free, hist["y"]), rel=1e-3)
    assert SPEC.media_share_prior == MEDIA_SHARE_PRIOR


def test_the_geo_fit_carries_the_share_prior() -> None:
    w = synthetic_geo_world(seed=4, geos=5, weeks=104, channels=2)
    spec = replace(SPEC, saturation="hill")

    def share(prior: tuple[float, float] | None) -> float:
        m = ResponseModel(replace(spec, media_share_prior=prior), kpi="y").fit(
            w.history, y="y", channels=w.channels, controls=("price",), geo_panel=w.panel
        )
        return _share(m, w.history["y"])

    assert share((0.02, 0.0005)) == pytest.approx(0.02, abs=0.004)
    assert share((0.4, 1e6)) == pytest.approx(share(None), rel=1e-3)


def test_demand_seasonality_read_first_keeps_the_peak_out_of_media(retailer: tuple[pd.DataFrame, float]) -> None:
    hist, true_share = retailer
    smooth = _fit(hist, replace(SPEC, weekly_seasonality="smooth"))
    auto = _fit(hist, SPEC)
    assert SPEC.weekly_seasonality == "auto"
    assert smooth.fitted.yearly_order == SPEC.yearly_order == 2
    assert auto.fitted.yearly_order is not None and auto.fitted.yearly_order >= 4
    err_smooth = abs(_share(smooth, hist["y"]) / true_share - 1)
    err_auto = abs(_share(auto, hist["y"]) / true_share - 1)
    assert err_auto < 0.5 * err_smooth, (err_auto, err_smooth)
    back = ResponseModel.from_files(auto.to_files("r/"), "r/")
    assert back.fitted.yearly_order == auto.fitted.yearly_order
    assert back.spec.weekly_seasonality == "auto"


def test_select_yearly_order_follows_the_shape_of_the_season() -> None:
    rng = np.random.default_rng(2)
    idx = pd.date_range("2019-01-07", periods=208, freq="7D")
    doy = idx.dayofyear.to_numpy(dtype=float)
    smooth = 100 + 10 * np.sin(2 * np.pi * doy / 365.25) + rng.normal(0, 1, len(idx))
    sharp = 100 + 60 * np.exp(-0.5 * ((doy - 340) / 10) ** 2) + rng.normal(0, 1, len(idx))
    assert select_yearly_order(idx, smooth, None) <= 2
    assert select_yearly_order(idx, sharp, None) >= 4
    assert select_yearly_order(idx[:40], sharp[:40], None) == 0  # under a year: no yearly terms


def test_a_fit_where_media_explain_most_of_the_outcome_says_so(retailer: tuple[pd.DataFrame, float]) -> None:
    hist, _ = retailer
    forced = _fit(hist, replace(SPEC, media_share_prior=(0.9, 0.001), weekly_seasonality="smooth"))
    assert _share(forced, hist["y"]) > MEDIA_SHARE_WARN
    said = [w for w in forced.warnings_ if "explain" in w]
    assert len(said) == 1 and "90%" in said[0] and "seasonality: auto" in said[0], forced.warnings_
    auto = _fit(hist, replace(SPEC, media_share_prior=(0.9, 0.001)))
    (said_auto,) = [w for w in auto.warnings_ if "explain" in w]
    assert f"read from y first (order {auto.fitted.yearly_order})" in said_auto
    assert forced.fitted.media_share == pytest.approx(_share(forced, hist["y"]))
    assert ResponseModel.from_files(forced.to_files("f/"), "f/").fitted.media_share == forced.fitted.media_share
    modest = _fit(hist, replace(SPEC, media_share_prior=(0.2, 0.001)))
    assert not [w for w in modest.warnings_ if "explain" in w]


def test_specs_saved_before_the_share_prior_read_without_it() -> None:
    old = {k: v for k, v in SPEC.to_dict().items() if k not in ("media_share_prior", "weekly_seasonality")}
    back = ResponseSpec.from_dict(old)
    assert back.media_share_prior is None and back.weekly_seasonality == "smooth"
    assert ResponseSpec.from_dict(SPEC.to_dict()) == SPEC
