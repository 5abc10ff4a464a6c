"""`kpi-advisor diagnose`: JSON on stdout only, clear errors with suggestions, models from a folder."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app
from models.drivers import DriverParams, save_driver_models
from training.drivers import train_driver_models


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, world):
    folder = tmp_path_factory.mktemp("data")
    world.to_csv(folder / "campaign_daily.csv", index=False)
    return folder


def run(*args: str):
    return CliRunner().invoke(app, ["diagnose", *args])


def test_json_document_for_a_campaign(tmp_path, data_dir, world) -> None:
    models = tmp_path / "drivers"
    save_driver_models(train_driver_models(world, params=DriverParams(n_estimators=30)), models)
    res = run("--data", str(data_dir), "--campaign", "c3", "--from", "2025-04-01", "--to", "2025-07-19",
              "--models", str(models), "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)  # nothing but the document on stdout
    assert doc["verdict"] == "failing"
    assert doc["findings"][0]["check"] == "creative_fatigue"
    assert doc["drivers"] and isinstance(doc["recommendations"], list)
    for rec in doc["recommendations"]:  # filled by advisor.recommend when it is installed
        assert {"action", "rationale", "expected_impact", "confidence"} <= set(rec)


def test_unknown_campaign_is_an_error_with_suggestions(data_dir) -> None:
    res = run("--data", str(data_dir), "--campaign", "c33", "--no-fit-drivers", "--format", "json")
    assert res.exit_code == 2
    assert "closest known" in res.stderr and "c3" in res.stderr
    assert res.stdout == ""


def test_scope_options_are_checked(data_dir) -> None:
    assert run("--data", str(data_dir), "--format", "json").exit_code != 0
    assert run("--data", str(data_dir), "--scope", "audience", "--no-fit-drivers").exit_code != 0
    res = run("--data", str(data_dir), "--scope", "audience=broad", "--from", "2025-04-01", "--no-fit-drivers",
              "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["scope"] == {"column": "audience", "value": "broad", "label": "audience broad"}


def test_period_outside_the_data(data_dir) -> None:
    res = run("--data", str(data_dir), "--channel", "search", "--from", "2031-01-01", "--to", "2031-02-01",
              "--no-fit-drivers")
    assert res.exit_code == 2 and "outside the data" in res.stderr
