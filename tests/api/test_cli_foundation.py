"""The foundation CLI commands behave as SPEC §5 says: JSON on stdout only, errors on stderr with exit != 0."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

KPI_KEYS = {
    "spend",
    "revenue",
    "conversions",
    "roi",
    "roas",
    "ctr",
    "cpc",
    "cpm",
    "cpa",
    "conversion_rate",
    "engagement_rate",
    "cac",
    "aov",
}


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo-data", "--out", str(out), "--seed", "3", "--days", "240"])
    assert result.exit_code == 0, result.output
    return out


def test_demo_data_writes_every_table(demo_dir: Path) -> None:
    names = {p.name for p in demo_dir.iterdir()}
    assert {
        "campaign_daily.csv",
        "outcomes_daily.csv",
        "orders.csv",
        "surveys.csv",
        "team_kpis.csv",
        "targets.yaml",
        "truth.json",
    } <= names
    truth = json.loads((demo_dir / "truth.json").read_text())
    assert truth["seed"] == 3


def test_validate_json_ok(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(app, ["validate", "--data", str(demo_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["errors"] == []
    assert isinstance(doc["warnings"], list)


def test_validate_reports_broken_table_and_exits_1(runner: CliRunner, demo_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(demo_dir, bad)
    lines = (bad / "campaign_daily.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("spend")] = "-5"
    lines[1] = ",".join(cells)
    (bad / "campaign_daily.csv").write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["validate", "--data", str(bad), "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    err = next(e for e in doc["errors"] if e["column"] == "spend")
    assert err["table"] == "campaign_daily" and err["rows"] == [2]


def test_kpis_json_has_group_period_and_every_kpi(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(
        app, ["kpis", "--data", str(demo_dir), "--by", "channel", "--grain", "month", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc.keys() == {"dataset", "kpis", "rows"}  # the document GET /v1/kpis answers
    rows = doc["rows"]
    assert set(doc["kpis"]) >= KPI_KEYS
    assert rows and all({"channel", "period"} <= row.keys() for row in rows)
    assert rows[0].keys() >= KPI_KEYS
    channels = {r["channel"] for r in rows}
    assert len(channels) >= 4


def test_kpis_csv_and_table_formats(runner: CliRunner, demo_dir: Path) -> None:
    csv_out = runner.invoke(app, ["kpis", "--data", str(demo_dir), "--by", "channel", "--format", "csv"])
    assert csv_out.exit_code == 0 and csv_out.stdout.splitlines()[0].startswith("channel,period")
    table = runner.invoke(app, ["kpis", "--data", str(demo_dir), "--by", "channel"])
    assert table.exit_code == 0 and "roi" in table.stdout


def test_scorecard_json_shape(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(app, ["scorecard", "--data", str(demo_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert 0 <= doc["score"] <= 100
    names = {g["name"] for g in doc["groups"]}
    assert {"outcome", "customer", "process"} <= names
    for group in doc["groups"]:
        for line in group["kpis"]:
            assert {"kpi", "value", "target", "status"} <= line.keys()
            assert line["status"] in {"on_track", "at_risk", "off_track", "no_data"}


def test_errors_go_to_stderr_with_nonzero_exit(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["kpis", "--data", str(tmp_path / "nowhere"), "--format", "json"])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "error" in result.stderr.lower()


def test_bad_grain_is_rejected(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(app, ["kpis", "--data", str(demo_dir), "--grain", "fortnight"])
    assert result.exit_code == 2
    assert "grain" in result.stderr and "'quarter'" in result.stderr


def test_non_iso_dates_and_unknown_columns_are_refused(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(app, ["kpis", "--data", str(demo_dir), "--from", "0"])
    assert result.exit_code == 2 and "not an ISO date" in result.stderr
    result = runner.invoke(app, ["kpis", "--data", str(demo_dir), "--by", "__class__"])
    assert result.exit_code == 2 and "known columns" in result.stderr and "channel" in result.stderr


def test_help_has_examples(runner: CliRunner) -> None:
    result = runner.invoke(app, ["kpis", "--help"])
    assert result.exit_code == 0 and "Example" in result.stdout
