"""`kpi-advisor clv`: JSON document on stdout, errors on stderr with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from models.clv import BGNBDParams, GammaGammaParams
from models.clv.simulate import simulate_orders

CDNOW_ARGS = ["--customer-col", "id", "--date-col", "date", "--revenue-col", "spent"]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.datasets
def test_cdnow_json(runner: CliRunner, shared_datasets: Path) -> None:
    orders = shared_datasets / "pymc_marketing" / "cdnow_transactions.csv"
    args = [
        "clv",
        "--orders",
        str(orders),
        *CDNOW_ARGS,
        "--calibration-end",
        "1997-09-30",
        "--holdout-end",
        "1998-06-30",
        "--format",
        "json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["time_unit"] == "week"
    assert doc["bgnbd"]["r"] == pytest.approx(0.243, rel=0.05)
    assert doc["bgnbd"]["alpha"] == pytest.approx(4.414, rel=0.05)
    assert doc["gamma_gamma"]["gamma"] == pytest.approx(15.44, rel=0.05)
    assert doc["holdout"]["mae"] < doc["holdout"]["baseline_mae"]
    assert doc["customers"] == {"n": 2357, "repeat": 946}
    assert doc["clv"]["mean"] > 0 and doc["clv"]["horizon_weeks"] == 52


def test_with_campaign_daily_adds_clv_cac(runner: CliRunner, tmp_path: Path) -> None:
    frames = []
    for i, ch in enumerate(("search", "social")):
        o = simulate_orders(800, BGNBDParams(0.6, 6.0, 1.3, 3.0), GammaGammaParams(4, 4, 40), seed=i)
        frames.append(o.assign(customer_id=ch + o["customer_id"].astype(str), channel=ch, campaign_id=ch + "-1"))
    orders = pd.concat(frames)
    orders.to_csv(tmp_path / "orders.csv", index=False, sep=";")
    cd = pd.DataFrame(
        {
            "date": ["2024-01-01"] * 2,
            "campaign_id": ["search-1", "social-1"],
            "channel": ["search", "social"],
            "spend": [8000.0, 40000.0],
            "new_customers": [800, 800],
        }
    )
    cd.to_csv(tmp_path / "campaign_daily.csv", index=False)
    result = runner.invoke(
        app,
        [
            "clv",
            "--orders",
            str(tmp_path / "orders.csv"),
            "--campaign-daily",
            str(tmp_path / "campaign_daily.csv"),
            "--calibration-end",
            "2025-06-30",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {r["channel"]: r for r in json.loads(result.stdout)["by_acquisition"]}
    assert rows["search"]["cac"] == pytest.approx(10.0) and rows["social"]["cac"] == pytest.approx(50.0)
    assert rows["search"]["clv_cac"] > rows["social"]["clv_cac"] > 0
    doc = json.loads(result.stdout)
    assert doc["segments"] == ["search", "social"]  # one model per acquisition channel
    orders.drop(columns="channel").to_csv(tmp_path / "orders_campaign_only.csv", index=False)
    by_campaign = runner.invoke(
        app,
        ["clv", "--orders", str(tmp_path / "orders_campaign_only.csv"), "--campaign-daily",
         str(tmp_path / "campaign_daily.csv"), "--calibration-end", "2025-06-30", "--by", "campaign_id",
         "--format", "json"],
    )  # fmt: skip
    assert by_campaign.exit_code == 0, by_campaign.output
    doc = json.loads(by_campaign.stdout)
    assert doc["segments"] == ["search", "social"]  # channel looked up from campaign_daily
    assert {r["campaign_id"] for r in doc["by_acquisition"]} == {"search-1", "social-1"}
    table = runner.invoke(app, ["clv", "--orders", str(tmp_path / "orders.csv"), "--calibration-end", "2025-06-30"])
    assert table.exit_code == 0 and "gamma_gamma" in table.stdout


def test_errors_go_to_stderr(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["clv", "--orders", str(tmp_path / "nope.csv"), "--calibration-end", "2024-01-01"])
    assert missing.exit_code != 0 and "not found" in missing.stderr and missing.stdout == ""
    pd.DataFrame({"customer_id": [1], "order_date": ["2024-01-01"], "revenue": [-5]}).to_csv(
        tmp_path / "bad.csv", index=False
    )
    bad = runner.invoke(app, ["clv", "--orders", str(tmp_path / "bad.csv"), "--calibration-end", "2024-02-01"])
    assert bad.exit_code != 0 and "'revenue' must be >= 0" in bad.stderr
    date = runner.invoke(app, ["clv", "--orders", str(tmp_path / "bad.csv"), "--calibration-end", "01/02/2024"])
    assert date.exit_code != 0 and "YYYY-MM-DD" in date.stderr
    order = runner.invoke(
        app,
        [
            "clv",
            "--orders",
            str(tmp_path / "bad.csv"),
            "--calibration-end",
            "2024-02-01",
            "--holdout-end",
            "2024-01-01",
        ],
    )
    assert order.exit_code != 0 and "after --calibration-end" in order.stderr
