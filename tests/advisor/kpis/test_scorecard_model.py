"""Scorecard lines fed by a model (``ModelKpis``): values replace the catalog's, lines say ``source: model``."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from advisor.kpis import ModelKpis, build_scorecard

TARGETS = {
    "targets": [
        {"kpi": "clv", "target": 100},
        {"kpi": "clv_cac", "target": 3.0},
        {"kpi": "clv_cac", "target": 3.0, "scope": {"channel": "search"}},
        {"kpi": "roi", "target": 2.0},
    ]
}


def _provider(calls: list[date | None]) -> ModelKpis:
    def values(as_of: date | None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        calls.append(as_of)
        october = as_of == date(2026, 10, 31)
        return {
            ("clv", ()): 95.0 if october else 80.0,  # 95 vs 100: at risk, score 95; change +15
            ("clv_cac", ()): 1.5,  # 1.5 vs 3: off track, score 50
            ("clv_cac", (("channel", "social"),)): 6.0,  # no search value: the search line is null
        }

    return ModelKpis(kpis=("clv", "clv_cac"), values=values, basis="test model", names={"clv": "CLV (model)"})


def test_model_values_replace_catalog_lines(tables: dict[str, pd.DataFrame]) -> None:
    calls: list[date | None] = []
    card = build_scorecard(tables, TARGETS, period="2026-10", model_kpis=_provider(calls))
    assert calls == [date(2026, 10, 31), date(2026, 9, 30)]  # asked as of the period end and the previous one
    clv = card.line("clv")
    assert (clv.value, clv.status, clv.score, clv.change) == (95.0, "at_risk", 95.0, 15.0)
    assert clv.change_relative == pytest.approx(15 / 80)
    assert (clv.source, clv.basis, clv.name) == ("model", "test model", "CLV (model)")
    ratio = card.line("clv_cac")
    assert (ratio.value, ratio.status, ratio.score, ratio.source) == (1.5, "off_track", 50.0, "model")
    assert ratio.name == "CLV to CAC ratio"  # not renamed
    search = card.line("clv_cac", channel="search")
    assert search.value is None and search.source == "model"
    assert search.reason == "the model gives no value for channel=search"
    roi = card.line("roi")
    assert roi.source == "data" and roi.basis is None
    doc = clv.to_dict()
    assert doc["source"] == "model" and doc["basis"] == "test model"


def test_without_model_the_catalog_value_is_kept(tables: dict[str, pd.DataFrame]) -> None:
    card = build_scorecard(tables, TARGETS, period="2026-10")
    clv = card.line("clv")
    assert clv.source == "data" and clv.value == pytest.approx(62.5)  # fixture: historical CLV 62.5
    assert clv.to_dict()["source"] == "data"


def test_model_line_with_nan_value_is_null(tables: dict[str, pd.DataFrame]) -> None:
    provider = ModelKpis(kpis=("clv",), values=lambda as_of: {("clv", ()): float("nan")})
    line = build_scorecard(tables, TARGETS, period="2026-10", model_kpis=provider).line("clv")
    assert line.value is None and line.status == "no_data" and line.reason is not None
