"""``kpi-advisor kpis|scorecard --catalog FILE`` and the business KPIs on a small hand-made data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

CAMPAIGNS = """date,campaign_id,channel,spend,impressions,clicks,conversions,revenue
2026-09-10,A,search,100,1000,10,1,10
2026-09-20,B,social,50,2000,20,2,20
2026-10-05,A,search,200,4000,40,4,40
2026-10-06,B,social,150,3000,30,3,30
"""
OUTCOMES = """date,conversions,revenue
2026-09-10,6,300
2026-09-25,3,150
2026-10-05,10,1000
2026-10-20,4,400
"""
CATALOG = """kpis:
  profit: {name: Profit, formula: revenue - spend, unit: currency, direction: higher}
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "campaign_daily.csv").write_text(CAMPAIGNS)
    (tmp_path / "outcomes_daily.csv").write_text(OUTCOMES)
    (tmp_path / "targets.yaml").write_text("targets:\n  - {kpi: mer, target: 3.0}\n  - {kpi: profit, target: 0}\n")
    (tmp_path / "my_kpis.yaml").write_text(CATALOG)
    return tmp_path


def test_kpis_by_month_with_business_kpis_and_a_user_catalog(folder: Path) -> None:
    args = ["kpis", "--data", str(folder), "--grain", "month", "--catalog", str(folder / "my_kpis.yaml"), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"mer", "blended_roas", "blended_cac", "profit"} <= set(doc["kpis"])
    rows = {r["period"]: r for r in doc["rows"]}
    assert rows["2026-10"]["mer"] == pytest.approx(1400 / 350)
    assert rows["2026-09"]["blended_cac"] == pytest.approx(150 / 9)
    assert rows["2026-10"]["profit"] == pytest.approx(70 - 350)
    table = CliRunner().invoke(app, args[:-2])  # the table format shows the user's KPIs and MER by default
    assert table.exit_code == 0 and "profit" in table.stdout and "mer" in table.stdout


def test_bad_catalog_file_is_refused_naming_the_file_and_kpi(folder: Path) -> None:
    bad = folder / "bad.yaml"
    bad.write_text("kpis:\n  hack: {name: Hack, formula: \"open('x')\"}\n")
    for command in ("kpis", "scorecard"):
        result = CliRunner().invoke(app, [command, "--data", str(folder), "--catalog", str(bad)])
        assert result.exit_code == 2
        assert "bad.yaml: KPI 'hack'" in result.stderr and "function calls" in result.stderr
    missing = CliRunner().invoke(app, ["kpis", "--data", str(folder), "--catalog", str(folder / "nope.yaml")])
    assert missing.exit_code == 2 and "cannot read catalog file" in missing.stderr


def test_scorecard_with_a_user_catalog_and_business_totals(folder: Path) -> None:
    base = ["scorecard", "--data", str(folder), "--period", "2026-10", "--historical-clv", "--format", "json"]
    args = [*base, "--catalog", str(folder / "my_kpis.yaml")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    lines = {ln["kpi"]: ln for g in doc["groups"] for ln in g["kpis"]}
    assert lines["mer"]["value"] == pytest.approx(1400 / 350) and lines["mer"]["status"] == "on_track"
    assert lines["profit"]["value"] == pytest.approx(-280) and lines["profit"]["status"] == "off_track"
    assert doc["notes"] == []
    without = CliRunner().invoke(app, base)  # no --catalog: a target on an unknown KPI
    assert without.exit_code == 2 and "'profit'" in without.stderr


def test_kpis_by_geo_on_an_mmm_folder_says_the_rows_are_derived(tmp_path: Path) -> None:
    (tmp_path / "mmm.csv").write_text(
        "week,region,sales,tv_cost,search_cost\n2026-10-05,north,600,100,50\n2026-10-05,south,450,200,25\n"
        "2026-10-12,north,700,300,50\n2026-10-12,south,150,0,75\n"
    )
    (tmp_path / "kpi-advisor.yaml").write_text(
        "mmm:\n  file: mmm.csv\n  date: week\n  geo: region\n  outcomes: {revenue: sales}\n"
        "  channels:\n    tv: {spend: tv_cost}\n    search: {spend: search_cost}\n"
    )
    result = CliRunner().invoke(app, ["kpis", "--data", str(tmp_path), "--by", "geo", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["geo"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["north"]["spend"] == 500.0 and rows["north"]["mer"] == pytest.approx(1300 / 500)
    assert rows["south"]["revenue"] is None and rows["south"]["ctr"] is None
    assert "note: the data has no campaign rows" in result.stderr
