"""Response model on a known adstock + Hill world: recovery, determinism, refusal, weekly data, persistence."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from models.response import ResponseBundle, ResponseModel, ResponseSpec
from models.response.synthetic import synthetic_world
from training.response import fit_bundle, prepare_history

SPEC = ResponseSpec(country=None, n_starts=1, seed=3)


@pytest.fixture(scope="module")
def world_and_bundle() -> tuple[object, ResponseBundle, pd.DataFrame]:
    w = synthetic_world(seed=0, days=400)
    hist, ch, camp, freq = prepare_history(w.tables)
    return w, fit_bundle(hist, ch, camp, freq, SPEC), hist


def test_recovers_channel_contributions(world_and_bundle) -> None:
    w, bundle, _ = world_and_bundle
    m = bundle.models["conversions"]
    est = m.contributions_.sum()
    true = w.incremental.sum()
    err = (est / true - 1).abs()
    assert err.mean() < 0.2, err.to_dict()
    assert set(m.channels_) == {"search", "social", "display"}
    # decays ordered as in the truth: social carries over most, display least
    d = {c: t.decay for c, t in m.transforms_.items()}
    assert d["social"] > d["search"] > d["display"] - 0.05


def test_expected_tracks_spend(world_and_bundle) -> None:
    _, bundle, _ = world_and_bundle
    m = bundle.models["conversions"]
    dates = m.future_dates(28)
    low = pd.DataFrame({c: np.full(28, 200.0) for c in m.channels_}, index=dates)
    high = low * 3
    assert m.expected(high).sum() > m.expected(low).sum() + 100
    # zero spend still carries over adstock from the history for a few days
    zero = low * 0
    assert m.media(zero)[0].sum() > 0 and m.media(zero)[-1].sum() < m.media(zero)[0].sum()


def test_deterministic_for_a_seed() -> None:
    w = synthetic_world(seed=1, days=200)
    hist, ch, _, _ = prepare_history(w.tables)
    a = ResponseModel(SPEC).fit(hist, y="conversions", channels=ch)
    b = ResponseModel(SPEC).fit(hist, y="conversions", channels=ch)
    assert a.to_files("x/")["x/params.json"] == b.to_files("x/")["x/params.json"]


def test_refuses_unidentifiable_channel(caplog: pytest.LogCaptureFixture) -> None:
    w = synthetic_world(seed=2, days=200)
    hist, ch, _, _ = prepare_history(w.tables)
    hist["tv"] = 0.0
    hist.loc[hist.index[:3], "tv"] = 1000.0  # three days of spend: nothing to learn from
    hist["radio"] = 500.0  # constant: confounded with the intercept
    with caplog.at_level(logging.WARNING):
        m = ResponseModel(SPEC).fit(hist, y="conversions", channels=[*ch, "tv", "radio"])
    assert set(m.refused_) == {"tv", "radio"}
    assert "tv" not in m.transforms_ and "radio" not in m.transforms_
    assert any("'tv' refused" in w for w in m.warnings_)
    assert "refused" in caplog.text


def test_weekly_data_and_round_trip() -> None:
    w = synthetic_world(seed=4, days=730)
    hist, ch, _, _ = prepare_history(w.tables)
    weekly = hist.resample("W-MON", label="left", closed="left").sum().iloc[:-1]
    m = ResponseModel(ResponseSpec(country=None, n_starts=1, shape_source="spend")).fit(
        weekly, y="conversions", channels=ch
    )
    assert m.freq_ == "W"
    assert all(t.decay <= 0.9 for t in m.transforms_.values())
    est = m.contributions_.sum().sum()
    true = w.incremental.iloc[: len(weekly) * 7].sum().sum()
    assert est == pytest.approx(true, rel=0.35)
    files = m.to_files("r/")
    back = ResponseModel.from_files(files, "r/")
    spend = pd.DataFrame({c: np.full(13, 5000.0) for c in ch}, index=back.future_dates(13))
    np.testing.assert_allclose(back.expected(spend), m.expected(spend))
    assert back.prophet() is not None
    # the in-sample contributions travel with the model (attribution reads them), to 12 significant digits
    pd.testing.assert_frame_equal(back.contributions_, m.contributions_, check_freq=False, check_names=False,
                                  rtol=1e-11)
    assert ResponseModel.from_files({k: v for k, v in files.items() if not k.endswith(".csv")}, "r/").contributions_ is None


def test_bundle_files_round_trip(world_and_bundle) -> None:
    _, bundle, _ = world_and_bundle
    back = ResponseBundle.from_files(bundle.to_files())
    assert back.context == bundle.context
    assert set(back.models) == {"conversions", "revenue"}
    sim = back.models["revenue"].simulate(back.daily_reference(back.models["revenue"].future_dates(10)), n=50)
    assert sim.total.shape == (50, 10)


def test_recent_efficiency_scales_forward_response() -> None:
    w = synthetic_world(seed=6, days=300)
    cd = w.tables["campaign_daily"].copy()
    late = (cd["channel"] == "search") & (cd["date"] > cd["date"].max() - pd.Timedelta(days=28))
    cd.loc[late, "conversions"] *= 0.5  # e.g. a broken landing page: the platform sees half the conversions
    hist, ch, _, _ = prepare_history({**w.tables, "campaign_daily": cd})
    from training.response import reported_map

    m = ResponseModel(SPEC).fit(hist, y="conversions", channels=ch, reported=reported_map(hist, "conversions", ch))
    eff = m.fitted.efficiency
    assert eff["search"] == pytest.approx(0.5, abs=0.12)
    assert eff["social"] == pytest.approx(1.0, abs=0.15)
    assert m.media_fit_ is not None
    j = m.channels_.index("search")
    assert m.transforms_["search"].beta == pytest.approx(m.media_fit_.beta[j] * eff["search"])
