"""A user catalog (SPEC §3: KPIs added without code) extends the built-in one; a bad one is refused with an error
naming the source, the KPI (or measure) and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from advisor.kpis import CatalogError, UnknownKpiError, compute_kpis, extend_catalog, load_catalog, read_catalog_file
from advisor.ops.requests import CatalogDocument, KpisRequest

USER = """
measures:
  search_spend: {table: campaign_daily, agg: sum, column: spend, where: "channel == 'search'"}
kpis:
  profit:
    name: Profit
    formula: revenue - spend
    unit: currency
    description: Platform revenue minus spend.
  search_share:
    name: Search share of spend
    formula: search_spend / spend
    unit: ratio
  roas:
    name: ROAS (house definition)
    formula: 100 * revenue / spend
    unit: percent
scorecard: [roi, profit]
"""


def test_user_kpis_are_added_and_override_built_ins(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    path = tmp_path / "my_kpis.yaml"
    path.write_text(USER)
    cat = load_catalog(path)
    assert {"profit", "search_share", "mer", "cpa"} <= set(cat.ids)
    assert cat.scorecard == ["roi", "profit"]
    t = compute_kpis(tables, catalog=cat, kpis=["profit", "search_share", "roas", "spend", "revenue"])
    spend, revenue = t.value("spend"), t.value("revenue")
    assert spend is not None and revenue is not None
    assert t.value("profit") == pytest.approx(revenue - spend)
    assert t.value("search_share") == pytest.approx(400 / 500)  # fixture: search 100 + 100 + 200 of 500
    assert t.value("roas") == pytest.approx(100 * revenue / spend)
    assert extend_catalog(read_catalog_file(path), str(path)).ids == cat.ids
    assert "profit" not in load_catalog().ids  # the built-in catalog is untouched


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"kpis": {"bad": {"name": "Bad", "formula": "__import__('os').system('x')"}}}, "KPI 'bad'"),
        ({"kpis": {"bad": {"name": "Bad", "formula": "spend.real"}}}, "attribute access is not allowed"),
        ({"kpis": {"bad": {"name": "Bad", "formula": "spend / visits"}}}, "KPI 'bad': formula uses 'visits'"),
        ({"kpis": {"bad": {"name": "Bad", "formula": "(spend"}}}, "does not parse"),
        ({"kpis": {"bad": {"name": "Bad"}}}, "KPI 'bad' needs at least 'name' and 'formula'"),
        ({"kpis": {"bad": {"name": "B", "formula": "spend", "colour": "red"}}}, "KPI 'bad' has unknown fields ['colour']"),
        ({"kpis": {"bad": {"name": "B", "formula": "spend", "direction": "up"}}}, "KPI 'bad': direction must be one of"),
        ({"kpis": {"bad": {"name": "B", "formula": "spend", "format": ".2q"}}}, "KPI 'bad': invalid format spec"),
        ({"kpis": {"a": {"name": "A", "formula": "b"}, "b": {"name": "B", "formula": "a"}}}, "cycle"),
        ({"kpis": {"bad-id": {"name": "B", "formula": "spend"}}}, "must be an identifier"),
        ({"kpis": ["profit"]}, "section 'kpis' must be a mapping"),
        ({"kpis": {"bad": "spend"}}, "KPI 'bad' must be a mapping"),
        ({"measures": {"m": {"table": "campaign_daily", "agg": "median", "column": "spend"}}}, "measure 'm': agg"),
        ({"measures": {"m": {"table": "nowhere", "agg": "sum", "column": "x"}}}, "table 'nowhere' is not declared"),
        ({"measures": {"m": {"table": "orders", "agg": "nunique", "column": "x", "min_rows": "two"}}}, "measure 'm'"),
        ({"metrics": {}}, "unknown sections ['metrics']"),
        ({"kpis": {"period": {"name": "P", "formula": "spend"}}}, "KPI id 'period' is reserved"),
        ({"kpis": {"spend_change": {"name": "P", "formula": "spend"}}}, "KPI id 'spend_change' is reserved"),
        ({"kpis": {"bad": {"name": "B", "formula": {"x": 1}}}}, "KPI 'bad': 'formula' must be text, got dict"),
        ({"kpis": {"bad": {1: "x", "name": "B", "formula": "spend"}}}, "KPI 'bad' has unknown fields ['1']"),
        ({"kpis": {5: {"name": "B", "formula": "spend"}}}, "section 'kpis': name 5 must be text"),
        ({"measures": {"m": {"table": "campaign_daily", "agg": "sum", "column": ["spend"]}}}, "'column' must be text"),
        ({"measures": {"m": {"table": "orders", "agg": "sum", "column": "revenue", "cumulative": "yes"}}},
         "measure 'm': 'cumulative' must be true or false"),
    ],
)
def test_bad_catalog_names_the_kpi_and_the_problem(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError) as err:
        extend_catalog(doc, "my_kpis.yaml")
    assert str(err.value).startswith("my_kpis.yaml: ")
    assert message in str(err.value)


def test_scorecard_list_must_name_kpis() -> None:
    with pytest.raises(UnknownKpiError, match="'nope'"):
        extend_catalog({"scorecard": ["nope"]})


def test_catalog_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"cannot read catalog file .*missing\.yaml"):
        load_catalog(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kpis: {profit: [unclosed\n")
    with pytest.raises(CatalogError, match=r"bad\.yaml is not valid YAML"):
        load_catalog(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    with pytest.raises(CatalogError, match="top level must be a mapping"):
        load_catalog(scalar)


def test_request_catalog_document() -> None:
    req = KpisRequest.model_validate({"catalog": {"kpis": {"profit": {"name": "Profit", "formula": "revenue - spend"}}}})
    assert req.catalog is not None
    assert req.catalog.document() == {"kpis": {"profit": {"name": "Profit", "formula": "revenue - spend"}}}
    with pytest.raises(ValidationError, match="Extra inputs"):
        KpisRequest.model_validate({"catalog": {"kpis": {}, "file": "/etc/passwd"}})
    with pytest.raises(ValidationError):
        CatalogDocument.model_validate({"kpis": ["profit"]})


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_field = st.sampled_from(["name", "formula", "unit", "direction", "group", "format", "table", "agg", "column",
                          "where", "min_rows", "cumulative", "date", "month", "description"])  # fmt: skip
_value = _json | st.sampled_from(["spend", "revenue / spend", "campaign_daily", "sum", "count", "higher", ".2f",
                                  "channel == 'search'", "orders", "customer_id"])  # fmt: skip
_entry = st.dictionaries(_field, _value, max_size=5)
_doc = st.fixed_dictionaries(
    {},
    optional={
        "tables": st.dictionaries(st.sampled_from(["campaign_daily", "t"]), _entry, max_size=2),
        "measures": st.dictionaries(st.sampled_from(["m", "spend", "n"]), _entry, max_size=2),
        "kpis": st.dictionaries(st.sampled_from(["k", "roi", "x"]), _entry, max_size=2),
        "scorecard": st.lists(st.sampled_from(["k", "roi", "nope"]), max_size=2),
    },
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(doc=_doc)
def test_any_request_catalog_is_accepted_or_refused_with_a_value_error(doc: dict[str, Any]) -> None:
    """A catalog from a request body either works (the KPI table computes) or is refused with a ValueError (HTTP
    422): never another exception (HTTP 500)."""
    campaign = pd.DataFrame({"date": pd.to_datetime(["2026-10-01"]), "campaign_id": ["A"], "channel": ["search"],
                             "spend": [1.0], "revenue": [2.0]})  # fmt: skip
    try:
        cat = extend_catalog(doc)
    except ValueError:
        return
    compute_kpis({"campaign_daily": campaign}, catalog=cat, by=["channel"], grain="month")
