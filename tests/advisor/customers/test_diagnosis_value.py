"""`diagnosis_customer_value`: the diagnose block (CLV, CAC, CLV:CAC, findings and their actions) or a null
reason; None without a CLV model or for a scope that acquires no customers by definition."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.advise import diagnosis_customer_value
from advisor.customers import acquisition_of, clv_by_acquisition, scope_customer_value
from demo_world import generate_world
from models.clv import CLVModel, CLVModelSet
from training.clv import train_clv_tables


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate_world(seed=4, days=240).tables


@pytest.fixture(scope="module")
def model(tables: dict[str, pd.DataFrame]) -> CLVModel | CLVModelSet:
    return train_clv_tables(tables).model


def test_no_model_or_other_scope_kind_is_none(tables: dict[str, pd.DataFrame], model: CLVModel | CLVModelSet) -> None:
    assert diagnosis_customer_value(tables, None, "channel", "search") is None
    assert diagnosis_customer_value(tables, model, "audience", "broad") is None


def test_block_has_numbers_findings_and_their_actions(tables: dict[str, pd.DataFrame], model: CLVModel | CLVModelSet) -> None:
    table = clv_by_acquisition(tables["orders"], tables["campaign_daily"], model, horizon_weeks=52)
    worst, best = str(table.iloc[0]["channel"]), str(table.iloc[-1]["channel"])
    block = diagnosis_customer_value(tables, model, "channel", worst)
    assert block is not None and block["reason"] is None
    assert {k: block[k] for k in ("clv", "cac", "clv_cac", "customers")} == {
        k: v for k, v in (scope_customer_value(tables, model, "channel", worst) or {}).items()
        if k in ("clv", "cac", "clv_cac", "customers")
    }
    assert block["clv_cac"] == pytest.approx(block["clv"] / block["cac"])
    assert block["clv_cac"] < 3 and block["findings"][0]["check"] == "clv_cac"
    assert [a["id"] for a in block["actions"]] == ["tighten_targeting_or_retention"]
    assert block["actions"][0]["scope"] == {"channel": worst}
    healthy = diagnosis_customer_value(tables, model, "channel", best)
    assert healthy is not None and healthy["clv_cac"] >= 3
    assert healthy["findings"] == [] and healthy["actions"] == []


def test_channel_without_orders_gets_a_null_reason(tables: dict[str, pd.DataFrame], model: CLVModel | CLVModelSet) -> None:
    orders = tables["orders"]
    acquired = acquisition_of(orders, tables["campaign_daily"])
    gone = str(acquired["channel"].iloc[0])
    lost = set(acquired.loc[acquired["channel"].astype(str) == gone, "customer_id"])
    trimmed = {**tables, "orders": orders[~orders["customer_id"].isin(lost)]}
    block = diagnosis_customer_value(trimmed, model, "channel", gone)
    assert block is not None
    assert block["clv"] is None and block["cac"] is None and block["clv_cac"] is None
    assert block["customers"] == 0 and block["actions"] == []
    assert f"no customer in orders was acquired by channel {gone}" in block["reason"]
    no_orders = {k: v for k, v in tables.items() if k != "orders"}
    block = diagnosis_customer_value(no_orders, model, "campaign_id", "search-01", scope_label="campaign S1")
    assert block is not None and block["clv_cac"] is None and "no orders table" in block["reason"]
