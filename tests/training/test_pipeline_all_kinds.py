"""`train_all` publishes every model kind in one version, and a failing run publishes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from demo_world import generate_world
from models.drivers import driver_models_from_files
from models.registry import Registry
from training.pipeline import train_all


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate_world(seed=5, days=240).tables


def test_one_version_holds_response_drivers_and_clv(tables: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    out = train_all(tables, tmp_path, backtest=None, fingerprint="abc")
    mv = Registry(tmp_path).load(out["model_version"])
    manifest = json.loads(mv.read_text("manifest.json"))
    assert manifest["kind"] == ["response", "drivers", "clv"]
    assert manifest["data_fingerprint"] == "abc"
    drivers = driver_models_from_files(mv.texts("drivers/"))
    assert {"ctr", "conversion_rate"} <= set(drivers.models)
    assert "clv/model.json" in mv.files
    assert out["metrics"]["drivers"]["validation"]["scores"]
    assert out["metrics"]["clv"]["parameters"]


def test_failing_run_leaves_previous_version_serving(tables: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    first = train_all(tables, tmp_path, backtest=None, drivers=False, clv=False)["model_version"]
    broken = dict(tables)
    broken["orders"] = tables["orders"].drop(columns=["revenue"])
    with pytest.raises(Exception, match="revenue"):
        train_all(broken, tmp_path, backtest=None, drivers=False, clv=True)
    assert Registry(tmp_path).latest().version == first
    assert Registry(tmp_path).list() == [first]
