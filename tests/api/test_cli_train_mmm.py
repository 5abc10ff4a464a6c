"""`kpi-advisor train` on media-mix data: the human-readable report names the data source and grain, each channel's
shape source, the lift tests used, why the driver models were skipped, and a failed run's clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

from api.cli import app
from tests.training.mmm_frames import TRUE, mmm_frame


def _folder(tmp_path: Path, zero: bool = False) -> Path:
    frame, _, _ = mmm_frame(weeks=60, seed=4, outcomes=("conversions",))
    if zero:
        frame["conversions"] = 0.0
    raw = frame.rename(columns={f"spend__{ch}": f"{ch}_cost" for ch in TRUE}).rename(
        columns={"control__price": "price", "organic__newsletter": "newsletter", "event__promo": "promo"}
    )
    data = tmp_path / "data"
    data.mkdir()
    raw.to_csv(data / "mmm.csv", index=False)
    config = {
        "mmm": {
            "file": "mmm.csv",
            "date": "date",
            "outcomes": {"conversions": "conversions"},
            "channels": {ch: {"spend": f"{ch}_cost"} for ch in TRUE},
            "controls": ["price"],
            "organic": ["newsletter"],
            "events": ["promo"],
        }
    }
    (data / "kpi-advisor.yaml").write_text(yaml.safe_dump(config))
    pd.DataFrame(
        {
            "channel": ["tv"],
            "start": ["2023-06-05"],
            "end": ["2023-06-26"],
            "kpi": ["conversions"],
            "incremental": [3000.0],
            "std_error": [400.0],
        }
    ).to_csv(data / "lift_tests.csv", index=False)
    return data


def test_train_report_on_mmm_data(tmp_path: Path) -> None:
    data = _folder(tmp_path)
    models = tmp_path / "models"
    result = CliRunner().invoke(app, ["train", "--data", str(data), "--models", str(models), "--no-backtest"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "mmm data, weekly" in out and "tv (spend)" in out
    assert "driver models skipped: the data has no campaign rows" in out
    doc = json.loads((models / "v0001" / "manifest.json").read_text())
    assert doc["metrics"]["response"]["conversions"]["lift_tests"] == 1


def test_train_fails_clearly_on_an_all_zero_outcome(tmp_path: Path) -> None:
    data = _folder(tmp_path, zero=True)
    models = tmp_path / "models"
    result = CliRunner().invoke(app, ["train", "--data", str(data), "--models", str(models), "--no-backtest"])
    assert result.exit_code != 0
    assert "every outcome (conversions) is zero in every period" in " ".join(result.output.split())
    assert not (models / "v0001").exists()
