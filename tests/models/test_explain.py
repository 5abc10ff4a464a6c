"""SHAP explanations: row additivity, exact split of period changes and target gaps, planted drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.drivers.synthetic import synthetic_campaign_daily
from models.explain import (
    CAUSALITY_NOTE,
    UNEXPLAINED,
    category_effects,
    decompose_change,
    decompose_gap,
    explain_rows,
    global_drivers,
    to_outcomes,
)
from training.drivers import train_driver_models


@pytest.fixture(scope="module")
def setup():
    df = synthetic_campaign_daily(seed=5, days=150, problems={"c3": ("fatigue", 60)})
    return df, train_driver_models(df)


def test_row_shap_adds_up_to_prediction(setup) -> None:
    df, ms = setup
    X = ms.matrix(df.head(200))
    res = explain_rows(ms, "ctr", X)
    assert res.values.shape == (200, len(ms.features.names))
    np.testing.assert_allclose(res.prediction, ms.models["ctr"].predict(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kpi", ["ctr", "conversion_rate", "aov", "conversions", "revenue"])
def test_change_split_is_additive(setup, kpi: str) -> None:
    df, ms = setup
    scope = df[df.channel == "social"].reset_index(drop=True)
    d = pd.to_datetime(scope.date)
    dec = decompose_change(ms, kpi, scope, (d < "2025-03-01").to_numpy(), (d >= "2025-04-01").to_numpy())
    assert sum(p.impact for p in dec.parts) == pytest.approx(dec.change, rel=1e-9, abs=1e-9)
    assert dec.note == CAUSALITY_NOTE and "not proven causes" in dec.note
    assert any(p.feature == UNEXPLAINED for p in dec.parts)


def test_gap_to_target_is_additive(setup) -> None:
    df, ms = setup
    scope = df[df.campaign_id == "c2"].reset_index(drop=True)
    mask = np.ones(len(scope), bool)
    dec = decompose_gap(ms, "conversion_rate", scope, mask, reference=0.05)
    assert dec.value_from == 0.05
    assert dec.value_to == pytest.approx(scope.conversions.sum() / scope.clicks.sum())
    assert sum(p.impact for p in dec.parts) == pytest.approx(dec.value_to - 0.05, abs=1e-12)


def test_fatigue_shows_up_as_campaign_age_in_the_ctr_drop(setup) -> None:
    df, ms = setup
    scope = df[df.campaign_id == "c3"].reset_index(drop=True)
    d = pd.to_datetime(scope.date)
    dec = decompose_change(ms, "ctr", scope, (d < "2025-03-01").to_numpy(), (d >= "2025-05-01").to_numpy())
    assert dec.change < 0
    top = dec.parts[0]
    assert top.feature in {"campaign_age", "month"} and top.impact < 0
    assert top.conversions is not None and top.conversions < 0  # lost conversions, not just CTR points


def test_to_outcomes_follows_the_funnel() -> None:
    df = pd.DataFrame({"impressions": [1000], "clicks": [100], "conversions": [10], "revenue": [500.0]})
    assert to_outcomes("ctr", -0.01, df) == pytest.approx((-1.0, -50.0))  # 10 fewer clicks x 10% CVR
    assert to_outcomes("conversion_rate", 0.05, df) == pytest.approx((5.0, 250.0))
    assert to_outcomes("aov", 2.0, df) == pytest.approx((0.0, 20.0))
    assert to_outcomes("cpa", 1.0, df) == (None, None)


def test_global_drivers_and_category_effects(setup) -> None:
    df, ms = setup
    top = global_drivers(ms, "conversion_rate", df, top=3)
    assert top[0].feature == "audience"  # CVR is planted by audience
    eff = category_effects(ms, "conversion_rate", df, "audience")
    assert list(eff.index) == ["broad", "lookalike", "retarget"]  # 3 % < 4 % < 6 %


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    a=st.integers(0, 140),
    b=st.integers(0, 140),
    la=st.integers(5, 60),
    lb=st.integers(5, 60),
    kpi=st.sampled_from(["ctr", "conversion_rate", "revenue"]),
)
def test_any_two_windows_split_additively(setup, a: int, b: int, la: int, lb: int, kpi: str) -> None:
    df, ms = setup
    scope = df[df.campaign_id == "c4"].reset_index(drop=True)
    idx = np.arange(len(scope))
    m_from, m_to = (idx >= a) & (idx < a + la), (idx >= b) & (idx < b + lb)
    dec = decompose_change(ms, kpi, scope, m_from, m_to)
    assert sum(p.impact for p in dec.parts) == pytest.approx(dec.change, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kpi", ["ctr", "conversion_rate", "aov", "conversions", "revenue"])
def test_masked_totals_equal_totals_of_the_cut_rows(setup, kpi: str) -> None:
    """decompose_change reads weights, totals and labels through row masks; they equal those of the cut rows."""
    from models.explain import _label, _weights, funnel_totals

    df, ms = setup
    scope = df[df.channel == "social"].reset_index(drop=True)
    scope = scope.assign(revenue=scope["revenue"].astype(object).where(scope.index % 17 != 0, "n/a"))  # non-numbers
    d = pd.to_datetime(scope.date)
    X = ms.matrix(scope)
    for mask in ((d >= "2025-04-01").to_numpy(), (d < "2025-03-01").to_numpy(), np.zeros(len(scope), bool)):
        w, act, is_rate = _weights(ms.models[kpi].target, scope, mask)
        w0, act0, is_rate0 = _weights(ms.models[kpi].target, scope[mask])
        np.testing.assert_array_equal(w, w0)
        assert (act == act0 or (np.isnan(act0) and np.isnan(act))) and is_rate == is_rate0
        cut = scope[mask]
        expected = {
            c: float(pd.to_numeric(cut[c], errors="coerce").fillna(0).sum())
            for c in ("impressions", "clicks", "conversions", "revenue")
        }
        assert funnel_totals(scope, mask) == funnel_totals(cut) == expected
        assert [_label(f, X, mask) for f in X.columns] == [_label(f, X[mask]) for f in X.columns]


@pytest.mark.parametrize("kpi", ["ctr", "conversions"])
def test_row_shap_is_what_shap_tree_explainer_gives(setup, kpi: str) -> None:
    """explain_rows uses LightGBM's own TreeSHAP (no ``shap`` import); ``shap.TreeExplainer`` of the booster, the
    reference, gives exactly the same values and expected value (also on a slice of rows)."""
    import shap

    df, ms = setup
    explainer = shap.TreeExplainer(ms.models[kpi].booster_)
    for X in (ms.matrix(df), ms.matrix(df).iloc[100:400]):
        res = explain_rows(ms, kpi, X)
        np.testing.assert_array_equal(res.values, np.asarray(explainer.shap_values(X), dtype=float))
        assert res.base == float(np.ravel(explainer.expected_value)[0])
