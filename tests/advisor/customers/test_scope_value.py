"""The diagnosed scope's customer value: CLV, CAC, CLV:CAC (model) and its finding; reached from `diagnose`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from advisor.customers import clv_by_acquisition, scope_customer_value
from api.cli import app
from demo_world import DemoWorld, generate_world
from training.clv import train_clv_tables
from training.pipeline import train_all


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return generate_world(seed=4, days=240)


@pytest.fixture(scope="module")
def world_tables(world: DemoWorld) -> dict[str, pd.DataFrame]:
    return world.tables


@pytest.fixture(scope="module")
def clv_model(world_tables: dict[str, pd.DataFrame]) -> Any:
    """The CLV model of the demo world (trained once for the module)."""
    return train_clv_tables(world_tables).model


def test_block_matches_the_channel_row_and_flags_low_clv_cac(world_tables: dict[str, pd.DataFrame],
                                                             clv_model: Any) -> None:
    model = clv_model
    table = clv_by_acquisition(
        world_tables["orders"], world_tables["campaign_daily"], model, horizon_weeks=52, annual_discount=0.0
    )
    for row in table.itertuples():
        block = scope_customer_value(world_tables, model, "channel", str(row.channel))
        assert block is not None
        assert block["clv_cac"] == pytest.approx(row.clv_cac)
        assert block["customers"] == row.customers
        assert bool(block["findings"]) == (row.clv_cac < 3 and row.customers >= 30)
    assert scope_customer_value(world_tables, model, "audience", "broad") is None
    assert scope_customer_value(world_tables, model, "channel", "no-such-channel") is None
    without_orders = {k: v for k, v in world_tables.items() if k != "orders"}
    assert scope_customer_value(without_orders, model, "channel", "search") is None


@pytest.mark.slow
def test_diagnose_json_carries_customer_value_and_its_action(world: DemoWorld, clv_model: Any, tmp_path: Path) -> None:
    world.write(tmp_path / "data")
    train_all(world.tables, tmp_path / "models", backtest=None)
    model = clv_model
    table = clv_by_acquisition(
        world.tables["orders"], world.tables["campaign_daily"], model, horizon_weeks=52, annual_discount=0.0
    )
    worst = str(table.iloc[0]["channel"])  # sorted worst CLV:CAC first
    result = CliRunner().invoke(
        app,
        [
            "diagnose",
            "--data",
            str(tmp_path / "data"),
            "--channel",
            worst,
            "--models",
            str(tmp_path / "models"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    block = doc["customer_value"]
    assert block["scope"] == {"channel": worst}
    assert block["clv_cac"] < 3  # the demo world's worst channel (seed 4: video, about 1.6)
    assert block["findings"] and block["findings"][0]["check"] == "clv_cac"
    assert any(r["id"] == "tighten_targeting_or_retention" for r in doc["recommendations"])
