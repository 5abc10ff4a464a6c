"""`kpi-advisor scorecard --models` uses the registry's CLV model for the CLV lines; `customers` prints CLV:CAC
by channel, retention by cohort and CSAT/NPS trends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.data import load_dataset
from api.cli import app
from models.registry import Registry
from training.clv import train_clv_tables


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(data folder of a one-year demo world, registry holding one version with only its CLV model)."""
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo-data", "--out", str(out), "--seed", "5", "--days", "365"])
    assert result.exit_code == 0, result.output
    fitted = train_clv_tables(load_dataset(out).tables)
    models = tmp_path_factory.mktemp("models")
    Registry(models).publish(fitted.artifacts(), {"kind": ["clv"]})
    return out, models


def _line(doc: dict, kpi: str) -> dict:
    return next(k for g in doc["groups"] for k in g["kpis"] if k["kpi"] == kpi and not k["scope"])


def test_scorecard_uses_model_clv(world: tuple[Path, Path]) -> None:
    data, models = world
    runner = CliRunner()
    res = runner.invoke(app, ["scorecard", "--data", str(data), "--models", str(models), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    truth = json.loads((data / "truth.json").read_text())["clv"]["overall"]
    clv, ratio = _line(doc, "clv"), _line(doc, "clv_cac")
    assert clv["source"] == ratio["source"] == "model"
    assert "v0001" in clv["basis"] and "undiscounted" in clv["basis"]
    assert clv["value"] == pytest.approx(truth["clv"], rel=0.15)
    assert _line(doc, "roi")["source"] == "data"
    hist = runner.invoke(
        app, ["scorecard", "--data", str(data), "--models", str(models), "--historical-clv", "--format", "json"]
    )
    assert hist.exit_code == 0, hist.output
    old = _line(json.loads(hist.stdout), "clv")
    assert old["source"] == "data" and old["value"] < clv["value"]  # revenue to date understates CLV


def test_scorecard_without_clv_model_falls_back(world: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = world
    Registry(tmp_path).publish({"other/x.json": "{}"}, {"kind": ["other"]})
    res = CliRunner().invoke(app, ["scorecard", "--data", str(data), "--models", str(tmp_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert _line(json.loads(res.stdout), "clv")["source"] == "data"
    assert "no CLV model" in res.stderr


def test_advise_clv_question_uses_model(world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    data, models = world
    monkeypatch.delenv("KPI_ADVISOR_LLM_MODEL", raising=False)
    args = ["advise", "-q", "CLV to CAC by channel?", "--data", str(data), "--models", str(models), "--format", "json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    clv = next(a for a in json.loads(res.stdout)["analyses"] if a["name"] == "clv")
    assert clv["result"]["source"] == "model"


def test_customers_command_json(world: tuple[Path, Path]) -> None:
    data, models = world
    res = CliRunner().invoke(app, ["customers", "--data", str(data), "--models", str(models), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["model_version"] == "v0001" and doc["model_source"] == "model version v0001"
    truth = json.loads((data / "truth.json").read_text())["clv"]["by_channel"]
    rows = {r["channel"]: r for r in doc["clv"]["by_channel"]}
    assert set(rows) == set(truth)
    for ch, t in truth.items():
        assert rows[ch]["clv_cac"] == pytest.approx(t["clv_cac"], rel=0.25), ch
    assert doc["retention"]["grain"] == "month" and doc["retention"]["rows"][0]["period_number"] == 0
    assert doc["satisfaction"]["rows"] and isinstance(doc["findings"], list)
    table = CliRunner().invoke(app, ["customers", "--data", str(data), "--models", str(models), "--grain", "quarter"])
    assert table.exit_code == 0 and "Retention by quarter cohort" in table.stdout
    bad = CliRunner().invoke(app, ["customers", "--data", str(data), "--grain", "fortnight"])
    assert bad.exit_code != 0
