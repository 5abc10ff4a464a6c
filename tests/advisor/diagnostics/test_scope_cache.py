"""Per-scope precomputations kept in a ``MeasureCache`` (feature matrix, driver predictions, SHAP of the scope's
rows, channel rows): the diagnosis is the same with and without them, and they follow the table and the models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics import Scope, diagnose
from advisor.diagnostics.scope import per_scope, scope_frame
from advisor.kpis.measures import MeasureCache
from models.drivers import DriverModelSet, DriverParams
from models.explain import decompose_change, explain_rows
from training.drivers import train_driver_models


def _doc(result: object) -> str:
    return repr(result.to_dict())  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("scope", "start", "end"),
    [
        (Scope("campaign_id", "c3"), "2025-05-01", "2025-07-19"),
        (Scope("campaign_id", "c3"), "2025-06-10", "2025-07-19"),  # same scope, another period: cached rows reused
        (Scope("campaign_id", "c2"), "2025-05-20", "2025-07-01"),
        (Scope("channel", "search"), "2025-06-01", "2025-07-19"),
    ],
)
def test_cached_diagnosis_equals_plain(world: pd.DataFrame, drivers: DriverModelSet, scope: Scope, start: str, end: str) -> None:
    cache = MeasureCache()
    plain = diagnose(world, scope, start, end, models=drivers)
    first = diagnose(world, scope, start, end, models=drivers, kpi_cache=cache)
    again = diagnose(world, scope, start, end, models=drivers, kpi_cache=cache)
    assert _doc(first) == _doc(plain)
    assert _doc(again) == _doc(plain)
    assert plain.drivers  # the SHAP path ran


def test_other_periods_of_a_cached_scope(world: pd.DataFrame, drivers: DriverModelSet) -> None:
    cache = MeasureCache()
    scope = Scope("campaign_id", "c6")
    for start in ("2025-04-01", "2025-05-15", "2025-06-20", "2025-03-01"):
        assert _doc(diagnose(world, scope, start, "2025-07-10", models=drivers, kpi_cache=cache)) == _doc(
            diagnose(world, scope, start, "2025-07-10", models=drivers)
        )


def test_per_scope_follows_the_models_and_the_rows(world: pd.DataFrame) -> None:
    cache = MeasureCache()
    frame = scope_frame(world, Scope("campaign_id", "c1"), None, None, cache=cache)
    a, b = object(), object()
    calls: list[str] = []

    def compute(tag: str) -> str:
        calls.append(tag)
        return tag

    assert per_scope(cache, frame.rows, "k", a, lambda: compute("a")) == "a"
    assert per_scope(cache, frame.rows, "k", a, lambda: compute("a2")) == "a"  # kept
    assert per_scope(cache, frame.rows, "k", b, lambda: compute("b")) == "b"  # other models: computed afresh
    other = scope_frame(world.copy(), Scope("campaign_id", "c1"), None, None, cache=cache)  # a new dataset
    assert other.rows is not frame.rows
    assert per_scope(cache, other.rows, "k", a, lambda: compute("a3")) == "a3"
    assert per_scope(None, frame.rows, "k", a, lambda: compute("none")) == "none"
    assert calls == ["a", "b", "a3", "none"]


def test_new_models_are_not_served_old_predictions(world: pd.DataFrame, drivers: DriverModelSet) -> None:
    """After a model switch (another DriverModelSet object) the cached scope work of the old models is unused."""
    cache = MeasureCache()
    scope = Scope("campaign_id", "c3")
    diagnose(world, scope, "2025-05-01", "2025-07-19", models=drivers, kpi_cache=cache)
    other = train_driver_models(world, params=DriverParams(n_estimators=20))
    got = diagnose(world, scope, "2025-05-01", "2025-07-19", models=other, kpi_cache=cache)
    assert _doc(got) == _doc(diagnose(world, scope, "2025-05-01", "2025-07-19", models=other))


def test_decompose_change_with_shap_of_all_rows(world: pd.DataFrame, drivers: DriverModelSet) -> None:
    frame = scope_frame(world, Scope("campaign_id", "c2"), "2025-06-01", "2025-07-19")
    X = drivers.matrix(frame.rows)
    for kpi in ("conversion_rate", "revenue"):
        full = explain_rows(drivers, kpi, X)
        plain = decompose_change(drivers, kpi, frame.rows, frame.in_reference, frame.in_period, X)
        given = decompose_change(drivers, kpi, frame.rows, frame.in_reference, frame.in_period, X, shap=full)
        assert given == plain
        part = explain_rows(drivers, kpi, X[frame.in_period])
        assert np.array_equal(full.values[frame.in_period], part.values)  # a row's SHAP values stand alone


class _Transform:
    beta = 2.0

    def response(self, spend: object, initial: float = 0.0) -> np.ndarray:
        x = np.asarray(spend, dtype=float)
        return self.beta * np.sqrt(np.cumsum(x) + 1.0) - self.beta  # any deterministic curve of the history


class _Fitted:
    def __init__(self) -> None:
        self.channels = ["search", "social"]
        self.transforms = {"search": _Transform(), "social": _Transform()}
        self.beta_cov = [[0.25, 0.0], [0.0, 0.25]]


class _Response:
    fitted = _Fitted()


def test_attribution_with_cache_equals_plain(world: pd.DataFrame) -> None:
    from advisor.diagnostics.attribution import attribution

    cache = MeasureCache()
    response = {"revenue": _Response(), "conversions": _Response()}
    for start, end in (("2025-05-01", "2025-06-30"), ("2025-06-01", "2025-07-19"), ("2025-03-03", "2025-03-30")):
        for channels in (["search"], ["social", "display"]):
            plain = attribution(world, start, end, response, channels)
            cached = attribution(world, start, end, response, channels, cache=cache)
            assert [a.to_dict() for a in cached] == [a.to_dict() for a in plain]
    other = {"revenue": _Response()}  # other model objects: their contributions, not the kept ones
    assert [a.to_dict() for a in attribution(world, "2025-05-01", "2025-06-30", other, ["search"], cache=cache)] == [
        a.to_dict() for a in attribution(world, "2025-05-01", "2025-06-30", other, ["search"])
    ]
