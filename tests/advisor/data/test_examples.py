"""examples/: every shared media-mix data set loads through its kpi-advisor.yaml alone (skips without ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.data import load_dataset, validate_folder

pytestmark = pytest.mark.datasets

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

# folder → (channels, outcomes, geos, periods)
EXPECTED = {
    "robyn": (("tv", "ooh", "print", "facebook", "search"), ("revenue",), 0, 208),
    "meridian_national": (tuple(f"Channel{i}" for i in range(5)), ("conversions",), 0, 156),
    "meridian_geo": (tuple(f"Channel{i}" for i in range(5)), ("conversions",), 40, 156),
    "pymc_case_study": (
        ("dm", "inst", "nsp", "auddig", "audtr", "vidtr", "viddig", "so", "on", "sem"), ("revenue",), 0, 209
    ),
    "mmm_example": (("x1", "x2"), ("revenue",), 0, 179),
    "mmm_roas_data": (("x1", "x2"), ("revenue",), 0, 131),
    "media_tvp_data": (("x1", "x2"), ("revenue",), 0, 179),
    "mmm_multidimensional_example": (("x1", "x2"), ("revenue",), 2, 159),
}


def test_every_example_folder_is_listed() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_loads(shared_datasets: Path, name: str) -> None:
    channels, outcomes, geos, periods = EXPECTED[name]
    ds = load_dataset(EXAMPLES / name)
    m = ds.mmm
    assert m is not None and ds.campaign_source == "mmm" and ds.warnings == ()
    assert m.channels == channels and m.outcomes == outcomes and m.freq == "W"
    assert len(m.geos) == geos and m.periods == periods
    assert len(m.frame) == periods * max(geos, 1)
    spend = m.frame[[m.spend_column(c) for c in m.channels]]
    assert (spend.sum() > 0).all()  # no channel read as all zero
    assert m.national().shape[0] == periods


def test_example_roles(shared_datasets: Path) -> None:
    robyn = load_dataset(EXAMPLES / "robyn").mmm
    assert robyn is not None and robyn.holidays == "DE"
    assert robyn.events == ("event__events=event1", "event__events=event2")
    assert robyn.exposure_column("facebook") == "exposure__facebook" and robyn.exposure_column("tv") is None
    case = load_dataset(EXAMPLES / "pymc_case_study").mmm
    assert case is not None and "event__hldy_Father's Day" in case.events and len(case.events) == 22
    assert case.organic == ("organic__mdip_em", "organic__mdip_sms", "organic__mdip_aff")
    assert case.frame["event__hldy_Father's Day"].sum() > 0
    plain = load_dataset(EXAMPLES / "mmm_roas_data").mmm
    controlled = load_dataset(
        EXAMPLES / "mmm_roas_data", EXAMPLES / "mmm_roas_data" / "kpi-advisor.controls.yaml"
    ).mmm
    assert plain is not None and plain.controls == ()
    assert controlled is not None and controlled.controls == ("control__cs", "control__cc", "control__z")


def test_validate_reports_the_grain(shared_datasets: Path) -> None:
    doc = validate_folder(EXAMPLES / "meridian_geo").to_dict()
    assert doc["ok"] and doc["mmm"]["grain"] == "W" and doc["mmm"]["geos"] == 40 and doc["mmm"]["periods"] == 156


def test_validate_command_prints_the_grain(shared_datasets: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, ["validate", "--data", str(EXAMPLES / "robyn")])
    assert result.exit_code == 0
    assert "mmm: weekly (grain W), 208 periods 2015-11-23..2019-11-11, national" in result.output
    doc = CliRunner().invoke(app, ["validate", "--data", str(EXAMPLES / "robyn"), "--format", "json"])
    assert '"grain": "W"' in doc.stdout
