"""`kpi-advisor forecast` / `optimize` end to end on a published model set: channel names YAML would read as
booleans (`on`, `no`), any budget with `--bounds` and `--width` above 1, and a model set with one KPI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from api.cli import app
from api.cli.planning import parse_bounds
from models.registry import Registry
from models.response import ResponseBundle, ResponseSpec
from models.response.synthetic import synthetic_world
from training.response import fit_bundle, prepare_history

RENAME = {"search": "on", "social": "no"}  # YAML 1.1 reads both as booleans


@pytest.fixture(scope="module")
def bundle() -> ResponseBundle:
    w = synthetic_world(seed=3, days=300)
    cd = w.tables["campaign_daily"].copy()
    cd["channel"] = cd["channel"].replace(RENAME)
    hist, ch, camp, freq = prepare_history({**w.tables, "campaign_daily": cd})
    return fit_bundle(hist, ch, camp, freq, ResponseSpec(country=None, n_starts=1))


def _publish(root: Path, bundle: ResponseBundle) -> Path:
    Registry(root).publish(bundle.to_files(), {"kind": "test"})
    return root


@pytest.fixture(scope="module")
def registry(bundle: ResponseBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _publish(tmp_path_factory.mktemp("models"), bundle)


@pytest.fixture(scope="module")
def revenue_only(bundle: ResponseBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    one = ResponseBundle({"revenue": bundle.models["revenue"]}, bundle.context)
    return _publish(tmp_path_factory.mktemp("revenue_only"), one)


def _days(bundle: ResponseBundle, n: int) -> str:
    return str((pd.Timestamp(bundle.context.last_date) + pd.Timedelta(days=n)).date())


def _run(*args: str, ok: bool = True) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert (result.exit_code == 0) == ok, result.output
    return result


def test_plan_file_channels_on_and_no_stay_names(bundle: ResponseBundle, registry: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        f"start: {_days(bundle, 1)}\nend: {_days(bundle, 28)}\nspend:\n  on: 5000\n  no: 3000\n"
        f"daily:\n  display: [{', '.join(['100'] * 28)}]\n"
    )
    doc = json.loads(_run("forecast", "--plan", str(plan), "--models", str(registry), "--format", "json").stdout)
    assert doc["spend"] == {"display": pytest.approx(2800.0), "no": pytest.approx(3000.0), "on": pytest.approx(5000.0)}
    assert doc["by_channel"]["on"]["conversions"]["mean"] > 0
    table = _run("forecast", "--plan", str(plan), "--models", str(registry))
    assert "on" in table.stdout and "TOTAL" in table.stdout


def test_optimize_any_budget_with_bounds_and_wide_width(bundle: ResponseBundle, registry: Path) -> None:
    start, end = _days(bundle, 1), _days(bundle, 28)
    run_rate = 28 * sum(bundle.context.run_rate.values())
    budget = f"{3 * run_rate:.0f}"
    common = ("optimize", "--models", str(registry), "--start", start, "--end", end, "--budget", budget)
    doc = json.loads(_run(*common, "--bounds", "on=0:20000", "--bounds", "no=1000:", "--format", "json").stdout)
    assert doc["bounds"]["on"] == [0.0, 20000.0] and doc["bounds"]["no"][0] == 1000.0
    assert doc["objective"] == "revenue"
    assert sum(doc["allocation"].values()) == pytest.approx(float(budget), rel=1e-4)
    assert len(doc["notes"]) == 1 and "× the run rate" in doc["notes"][0] and "widened" in doc["notes"][0]
    table = _run(*common)
    err = " ".join(table.stderr.split())
    assert "note: budget" in err and "widened so the budget fits" in err
    wide = json.loads(_run(*common, "--width", "3", "--format", "json").stdout)  # 0 to 4× the run rate: it fits
    assert all(lo == 0.0 for lo, _ in wide["bounds"].values()) and wide["notes"] == []
    bad = _run(*common, "--bounds", "tv=0:1", ok=False)
    assert "unknown channel 'tv' in bounds; the model knows: display, no, on" in " ".join(bad.output.split())
    tight = _run(*common, "--bounds", "on=0:1", "--bounds", "no=0:1", "--bounds", "display=0:1", ok=False)
    assert "is above what the channel bounds allow" in " ".join(tight.output.split())


def test_revenue_only_model_set(bundle: ResponseBundle, revenue_only: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"start": _days(bundle, 1), "end": _days(bundle, 14), "spend": {"on": 4000}}))
    doc = json.loads(_run("forecast", "--plan", str(plan), "--models", str(revenue_only), "--format", "json").stdout)
    assert doc["total"]["conversions"] is None and doc["total"]["cpa"] is None
    assert doc["total"]["revenue"]["mean"] > 0
    assert "conversions and CPA are null" in doc["notes"][0]
    table = _run("forecast", "--plan", str(plan), "--models", str(revenue_only))
    assert "conversions and CPA are null" in " ".join(table.output.split())
    common = ("optimize", "--models", str(revenue_only), "--start", _days(bundle, 1), "--end", _days(bundle, 14),
              "--budget", "20000")
    opt = json.loads(_run(*common, "--format", "json").stdout)
    assert opt["objective"] == "revenue"
    refused = _run(*common, "--objective", "conversions", ok=False)
    assert "objective 'conversions' needs a conversions model" in " ".join(refused.output.split())


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["search=1000:5000"], {"search": (1000.0, 5000.0)}),
        (["tv=:50_000", "paid social=1,000:"], {"tv": (None, 50000.0), "paid social": (1000.0, None)}),
        (["on=:"], {"on": (None, None)}),
    ],
)
def test_parse_bounds(items: list[str], expected: dict[str, tuple[float | None, float | None]]) -> None:
    assert parse_bounds(items) == expected


@pytest.mark.parametrize(
    ("items", "match"),
    [
        (["search"], "use channel=low:high"),
        (["search=5"], "use channel=low:high"),
        (["=1:2"], "use channel=low:high"),
        (["search=a:2"], "'a' is not a number"),
        (["search=-1:2"], "non-negative"),
        (["search=3:2"], "low 3 is above high 2"),
        (["search=1:2", "search=3:4"], "given twice"),
    ],
)
def test_parse_bounds_errors(items: list[str], match: str) -> None:
    with pytest.raises(typer.BadParameter, match=match):
        parse_bounds(items)
