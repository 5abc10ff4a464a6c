"""`kpi-advisor attribution`: the table, the JSON document and the errors, on the session's trained world."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli import app
from api.cli.attribution import _num, geo_rows


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["attribution", *args])


def test_table_names_the_window_the_channels_and_the_columns(world: Any) -> None:
    result = run("--data", str(world.data), "--models", str(world.models), "--from", "2026-08-01", "--to", "2026-10-31")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "incremental effect 2026-08-01 .. 2026-10-31" in out and "intervals 80%" in out
    for needle in ("channel", "spend", "incremental conv", "conv 80%", "incremental revenue", "ROI", "reported conv",
                   "search", "social"):
        assert needle in out, needle


def test_json_channels_and_csv(world: Any) -> None:
    base = ("--data", str(world.data), "--models", str(world.models), "--channel", "search,social")
    doc = json.loads(run(*base, "--format", "json").stdout)
    assert list(doc["channels"]) == ["search", "social"]
    search = doc["channels"]["search"]
    assert search["lower_80"] < search["incremental_conversions"] < search["upper_80"]
    csv = run(*base, "--format", "csv")
    assert csv.exit_code == 0 and csv.stdout.splitlines()[0].startswith("channel,spend,incremental conv")
    assert len(csv.stdout.splitlines()) == 3


def test_errors_say_what_to_change(world: Any, tmp_path: Path) -> None:
    base = ("--data", str(world.data), "--models", str(world.models))
    outside = run(*base, "--from", "2031-01-01", "--to", "2031-02-01")
    assert outside.exit_code == 2 and "does not overlap the history" in outside.stderr
    unknown = run(*base, "--channel", "tv")
    assert unknown.exit_code == 2 and "known channels: affiliate" in unknown.stderr
    bad = run(*base, "--from", "1.8.2026")
    assert bad.exit_code == 2 and "ISO date" in bad.stderr
    none = run("--data", str(world.data), "--models", str(tmp_path / "empty"))
    assert none.exit_code == 2 and "no models in" in none.stderr


def test_compact_interval_numbers_and_geo_rows() -> None:
    assert [_num(v) for v in (13_712.0, 2_448_188.0, 3.75e9, 950.4, 7.25, None)] == ["13.7k", "2.45M", "3.75B", "950", "7.25", "—"]
    doc = {"geos": {"north": {"tv": {"spend": 20.0, "incremental_conversions": None, "incremental_revenue": 29.3,
                                     "revenue_lower_80": 0.0, "revenue_upper_80": 61_500.0, "roi": 0.47}}}}
    assert geo_rows(doc) == [{"geo": "north", "channel": "tv", "spend": 20.0, "incremental conv": None,
                              "conv 80%": None, "incremental revenue": 29.3, "revenue 80%": "0–61.5k", "ROI": "+47%"}]
    assert geo_rows({"channels": {}}) == []
