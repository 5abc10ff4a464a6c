"""`kpi-advisor demo-data --segments`, `train --segment-by` and `forecast` / `optimize` / `attribution --segment`
(issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app

pytestmark = pytest.mark.slow  # trains two segments twice (about 10 CPU-seconds of fits)

PLAN = {"start": "2026-11-01", "end": "2026-11-28", "spend": {"search": 20000, "social": 15000}}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """Two demo segments of 120 days, trained per segment on the local engine (one worker, no backtests)."""
    root = tmp_path_factory.mktemp("segments")
    runner = CliRunner()
    r = runner.invoke(app, ["demo-data", "--out", str(root / "data"), "--segments", "2", "--days", "120", "--seed", "5"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["train", "--data", str(root / "data"), "--models", str(root / "models"),
                            "--segment-by", "segment", "--engine", "local", "--workers", "1", "--no-backtest",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    return root / "data", root / "models", json.loads(r.stdout)


def test_demo_data_writes_segments_with_their_seeds(trained: tuple[Path, Path, dict]) -> None:
    data = trained[0]
    cd = pd.read_csv(data / "campaign_daily.csv")
    assert list(cd.columns[:2]) == ["segment", "date"] and sorted(cd["segment"].unique()) == ["segment_00", "segment_01"]
    assert cd.groupby("campaign_id")["segment"].nunique().max() == 1  # campaign ids stay apart
    assert json.loads((data / "segments.json").read_text()) == {"segment_00": 5, "segment_01": 6}
    assert len(pd.read_csv(data / "outcomes_daily.csv")) == 240


def test_train_by_segment_reports_every_segment(trained: tuple[Path, Path, dict]) -> None:
    doc = trained[2]
    assert (doc["segment_by"], doc["engine"], doc["workers"], doc["published"], doc["failed"]) == (
        "segment", "local", 1, 2, 0)
    assert [(s["segment"], s["status"], s["model_version"]) for s in doc["segments"]] == [
        ("segment_00", "published", "v0001"), ("segment_01", "published", "v0001")]
    assert (trained[1] / "segments" / "segment_01" / "v0001" / "manifest.json").is_file()


def test_forecast_and_optimize_answer_from_a_segments_models(trained: tuple[Path, Path, dict], tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN))
    runner, models = CliRunner(), str(trained[1])
    docs = []
    for seg in ("segment_00", "segment_01"):
        r = runner.invoke(app, ["forecast", "--plan", str(plan), "--models", models, "--segment", seg, "--format", "json"])
        assert r.exit_code == 0, r.output
        docs.append(json.loads(r.stdout))
    assert [(d["segment"], d["model_version"]) for d in docs] == [("segment_00", "v0001"), ("segment_01", "v0001")]
    assert docs[0]["total"]["conversions"]["mean"] != docs[1]["total"]["conversions"]["mean"]
    r = runner.invoke(app, ["optimize", "--budget", "50000", "--start", "2026-11-01", "--end", "2026-11-28",
                            "--models", models, "--segment", "segment_01", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["segment"] == "segment_01" and abs(sum(doc["allocation"].values()) - 50000) < 1
    r = runner.invoke(app, ["forecast", "--plan", str(plan), "--models", models, "--segment", "brand-x"])
    assert r.exit_code == 2
    assert "segment 'brand-x' has no trained models; trained segments: segment_00, segment_01" in " ".join(r.output.split())


def test_engine_options_need_segment_by_and_a_failing_segment_exits_1(
    trained: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["train", "--data", str(trained[0]), "--models", str(tmp_path / "m"), "--engine", "spark"])
    assert r.exit_code == 2 and "give --segment-by COLUMN" in r.output
    data = tmp_path / "data"
    data.mkdir()
    cd = pd.read_csv(trained[0] / "campaign_daily.csv")
    cd.to_csv(data / "campaign_daily.csv", index=False)
    od = pd.read_csv(trained[0] / "outcomes_daily.csv")
    od[(od["segment"] == "segment_00") | (od["date"] < "2026-08-01")].to_csv(data / "outcomes_daily.csv", index=False)
    r = runner.invoke(app, ["train", "--data", str(data), "--models", str(tmp_path / "m"), "--segment-by", "segment",
                            "--workers", "1", "--no-backtest"])
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "published 1 segment(s)" in text and "1 failed" in text
    assert "segment segment_01 failed: ValueError: outcomes_daily covers" in text
    assert (tmp_path / "m" / "segments" / "segment_00" / "v0001").is_dir()
    assert not (tmp_path / "m" / "segments" / "segment_01").exists()


def test_attribution_of_a_segment_reads_its_models_and_its_rows(
    trained: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    data, models, _ = trained
    runner = CliRunner()
    window = ["--from", "2026-08-01", "--to", "2026-09-30"]
    docs = {}
    for seg in ("segment_00", "segment_01"):
        r = runner.invoke(app, ["attribution", "--data", str(data), "--models", str(models), "--segment", seg,
                                *window, "--format", "json"])
        assert r.exit_code == 0, r.output
        docs[seg] = json.loads(r.stdout)
    doc = docs["segment_00"]
    assert (doc["segment"], doc["model_version"]) == ("segment_00", "v0001")
    # segment_00's rows alone, answered by the models trained on them (its registry read as a plain one)
    alone = tmp_path / "alone"
    alone.mkdir()
    for table in ("campaign_daily", "outcomes_daily"):
        df = pd.read_csv(data / f"{table}.csv")
        df[df["segment"] == "segment_00"].drop(columns=["segment"]).to_csv(alone / f"{table}.csv", index=False)
    r = runner.invoke(app, ["attribution", "--data", str(alone), "--models", str(models / "segments" / "segment_00"),
                            *window, "--format", "json"])
    assert r.exit_code == 0, r.output
    plain = json.loads(r.stdout)
    assert "segment" not in plain
    for key in ("from", "to", "freq", "channels", "lift_tests"):
        assert doc[key] == plain[key], key
    cd = pd.read_csv(data / "campaign_daily.csv", parse_dates=["date"])
    own = cd[(cd["segment"] == "segment_00") & (cd["date"] >= doc["from"]) & (cd["date"] <= doc["to"])]
    sums = own.groupby("channel")[["spend", "conversions", "revenue"]].sum()
    for ch, c in doc["channels"].items():  # the platform-reported figures are the segment's own
        assert c["spend"] == pytest.approx(sums.loc[ch, "spend"]), ch
        assert c["reported_conversions"] == pytest.approx(sums.loc[ch, "conversions"]), ch
        assert c["reported_revenue"] == pytest.approx(sums.loc[ch, "revenue"]), ch
    other = docs["segment_01"]["channels"]
    assert any(other[ch]["reported_conversions"] != c["reported_conversions"] for ch, c in doc["channels"].items())


def test_attribution_of_an_unknown_segment_or_data_without_segments_exits_2(
    trained: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    data, models, _ = trained
    runner = CliRunner()
    r = runner.invoke(app, ["attribution", "--data", str(data), "--models", str(models), "--segment", "brand-x"])
    assert r.exit_code == 2
    assert "segment 'brand-x' has no trained models; trained segments: segment_00, segment_01" in " ".join(r.output.split())
    flat = tmp_path / "flat"
    flat.mkdir()
    for table in ("campaign_daily", "outcomes_daily"):
        df = pd.read_csv(data / f"{table}.csv")
        df[df["segment"] == "segment_01"].drop(columns=["segment"]).to_csv(flat / f"{table}.csv", index=False)
    r = runner.invoke(app, ["attribution", "--data", str(flat), "--models", str(models), "--segment", "segment_01"])
    assert r.exit_code == 2
    assert "campaign_daily has no column 'segment' to select the segment's rows by" in " ".join(r.output.split())


def test_diagnose_of_a_segment_reads_its_models_and_its_rows(trained: tuple[Path, Path, dict], tmp_path: Path) -> None:
    data, models, _ = trained
    runner = CliRunner()
    args = ["diagnose", "--channel", "search", "--from", "2026-09-01", "--to", "2026-10-31", "--no-fit-drivers",
            "--format", "json"]
    r = runner.invoke(app, [*args, "--data", str(data), "--models", str(models), "--segment", "segment_01"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert (doc.pop("segment"), doc.pop("segment_notes")) == ("segment_01", [])
    alone = tmp_path / "alone"
    alone.mkdir()
    for table in ("campaign_daily", "outcomes_daily"):
        df = pd.read_csv(data / f"{table}.csv")
        df[df["segment"] == "segment_01"].drop(columns=["segment"]).to_csv(alone / f"{table}.csv", index=False)
    r = runner.invoke(app, [*args, "--data", str(alone), "--models", str(models / "segments" / "segment_01")])
    assert r.exit_code == 0, r.output
    assert doc == json.loads(r.stdout)
    r = runner.invoke(app, [*args, "--data", str(data), "--segment", "segment_01"])
    assert r.exit_code == 2 and "--models" in r.output
