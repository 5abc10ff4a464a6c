"""Catalog: built-ins, registry, user KPIs from an extra YAML file, and rejection of unsafe formulas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from advisor.kpis import (
    CatalogError,
    ExpressionError,
    KpiSpec,
    UnknownKpiError,
    compute_kpis,
    default_catalog,
    load_catalog,
)
from advisor.kpis.expr import evaluate_filter, parse_filter, parse_formula

REQUIRED = {
    "spend", "revenue", "conversions", "impressions", "clicks", "engagements", "new_customers", "roi", "roas",
    "ctr", "cpc", "cpm", "cpa", "conversion_rate", "cac", "engagement_rate", "aov", "repeat_rate", "clv",
    "clv_cac", "csat", "nps", "research_studies", "research_quality", "creativity_score", "cross_team_rating",
}  # fmt: skip


def test_builtin_catalog_has_the_required_kpis() -> None:
    cat = default_catalog()
    assert set(cat.ids) >= REQUIRED
    for spec in cat:
        assert spec.direction in ("higher", "lower")
        assert spec.name and spec.description and spec.unit and spec.table
    assert cat["cpa"].direction == "lower" and cat["roi"].group == "outcome"
    assert cat["nps"].table == "surveys" and set(cat.source_tables("clv_cac")) == {"orders", "campaign_daily"}
    assert "historical" in cat["clv"].description.lower()
    assert cat["ctr"].display(0.0123) == "1.23%"


def test_registry_register_and_lookup() -> None:
    cat = default_catalog()
    cat.register(KpiSpec(id="profit", name="Profit", formula="revenue - spend", unit="currency"))
    assert cat["profit"].formula == "revenue - spend"
    assert "profit" in cat and len(cat) == len(default_catalog()) + 1
    assert "profit" not in default_catalog()  # the built-in catalog is not mutated
    with pytest.raises(UnknownKpiError, match="valid ids"):
        cat["nope"]


USER_CATALOG = """
measures:
  approved: {table: campaign_daily, agg: sum, column: approved_conversion}
  search_spend: {table: campaign_daily, agg: sum, column: spend, where: "channel in ('search',)"}
kpis:
  approval_rate:
    name: Approval rate
    formula: approved / conversions
    unit: ratio
    direction: higher
    group: outcome
    format: ".1%"
    description: Approved conversions per reported conversion.
  profit:
    name: Profit
    formula: revenue - spend
    unit: currency
    direction: higher
  search_share:
    name: Search share of spend
    formula: search_spend / spend
    unit: ratio
  cpm:
    name: Cost per 100 impressions (overridden)
    formula: 100 * spend / impressions
    unit: currency
    direction: lower
"""


def test_user_kpis_from_extra_catalog_file(tmp_path: Path, campaign_daily: pd.DataFrame) -> None:
    path = tmp_path / "my_kpis.yaml"
    path.write_text(USER_CATALOG, encoding="utf-8")
    cat = load_catalog(path)
    assert cat["cpm"].name.endswith("(overridden)")
    df = campaign_daily.assign(approved_conversion=[5, 1, 5, 3, 5, 0])
    t = compute_kpis({"campaign_daily": df}, kpis=["approval_rate", "profit", "search_share", "cpm", "roi"],
                     catalog=cat)  # fmt: skip
    assert t.value("approval_rate") == pytest.approx(19 / 28)
    assert t.value("profit") == pytest.approx(700.0)
    assert t.value("search_share") == pytest.approx(400 / 500)
    assert t.value("cpm") == pytest.approx(100 * 500 / 75000)
    assert t.value("roi") == pytest.approx(1.4)
    # without the extra column the user KPI is null with a reason, others unaffected
    t2 = compute_kpis({"campaign_daily": campaign_daily}, kpis=["approval_rate", "profit"], catalog=cat)
    assert t2.value("approval_rate") is None
    assert t2.reason(0, "approval_rate") == "column 'approved_conversion' missing from campaign_daily"
    assert t2.value("profit") == pytest.approx(700.0)


MALICIOUS = [
    ("__import__('os').system('echo hi')", "attribute access"),
    ("__import__('os')", "names starting with '_'"),
    ("open('/etc/passwd')", "function calls"),
    ("spend.__class__", "attribute access"),
    ("(lambda: spend)()", "lambda"),
    ("[x for x in spend]", "comprehensions"),
    ("spend[0]", "subscripts"),
    ("spend ** 1000000", "operator Pow"),
    ("'a' * 10", "numbers only"),
    ("spend if clicks else revenue", "conditional"),
    ("spend; import os", "does not parse"),
    ("", "non-empty"),
]


@pytest.mark.parametrize(("formula", "message"), MALICIOUS)
def test_malicious_formula_rejected(formula: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace("*", r"\*")):
        parse_formula(formula)


@pytest.mark.parametrize(("formula", "message"), MALICIOUS[:6])
def test_malicious_formula_in_catalog_file_rejected(tmp_path: Path, formula: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f'kpis:\n  evil:\n    name: Evil\n    formula: "{formula}"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="KPI 'evil'"):
        load_catalog(path)


@pytest.mark.parametrize(
    "where",
    ["__import__('os')", "metric.startswith('n')", "len(metric) > 2", "score in metric", "(lambda: 1)()"],
)
def test_malicious_filter_rejected(where: str) -> None:
    with pytest.raises(ExpressionError):
        parse_filter(where)


def test_filter_semantics() -> None:
    df = pd.DataFrame({"metric": ["nps", "nps", "csat", "nps", None], "score": [10, 6, 5, None, 9]})
    mask = evaluate_filter(parse_filter("metric == 'nps' and score >= 9"), df)
    assert mask.tolist() == [True, False, False, False, False]
    mask = evaluate_filter(parse_filter("0 <= score <= 6 or metric not in ['nps']"), df)
    assert mask.tolist() == [False, True, True, False, True]
    mask = evaluate_filter(parse_filter("not metric == 'csat'"), df)
    assert mask.tolist() == [True, True, False, True, True]
    with pytest.raises(KeyError):
        evaluate_filter(parse_filter("missing == 1"), df)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("kpis:\n  x: {name: X, formula: nope / spend}\n", "neither a measure nor a KPI"),
        ("kpis:\n  a: {name: A, formula: b + 1}\n  b: {name: B, formula: a * 2}\n", "cycle"),
        ("kpis:\n  x: {name: X, formula: spend, direction: up}\n", "direction"),
        ("kpis:\n  x: {name: X, formula: spend, colour: red}\n", "unknown fields"),
        ("measures:\n  m: {table: campaign_daily, agg: median, column: spend}\n", "agg must be one of"),
        ("measures:\n  m: {table: nowhere, agg: sum, column: spend}\n", "not declared"),
        (
            "measures:\n  m: {table: campaign_daily, agg: sum, column: spend, where: 'spend.real > 0'}\n",
            "attribute",
        ),
        ("scorecard: [roi, nope]\n", "unknown KPI id 'nope'"),
        ("kpi:\n  x: {}\n", "unknown sections"),
    ],
)
def test_invalid_catalog_entries(tmp_path: Path, doc: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(doc, encoding="utf-8")
    with pytest.raises((CatalogError, UnknownKpiError), match=message):
        load_catalog(path)
