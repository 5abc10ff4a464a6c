"""The demo world is shipped: the built wheel holds ``demo_world`` and ``kpi-advisor demo-data`` runs from it.

Builds the wheel from a copy of the packages (``uv build``; the worktree stays clean), then runs Python in a
subprocess that sees the wheel (zip import, pure Python) and the installed third-party libraries but not this
checkout (``-S``, its own working folder): no editable finder, no source tree to fall back on.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _uv() -> str:
    uv = Path(sys.executable).with_name("uv")
    found = str(uv) if uv.exists() else shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (make install puts it in .venv/bin)")
    return found


def _top_level_packages() -> list[Path]:
    return sorted(p.parent for p in REPO.glob("*/__init__.py") if p.parent.name not in {"tests", "notebooks"})


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for package in _top_level_packages():
        shutil.copytree(package, src / package.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [_uv(), "build", "--wheel", "--out-dir", str(out), str(src)], capture_output=True, text=True, timeout=600
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (built,) = out.glob("kpi_advisor-*.whl")
    return built


def _run_from_wheel(wheel: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with only the wheel and the third-party site-packages on ``sys.path`` (``-S``: no .pth files)."""
    path = [str(wheel), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env = {"PYTHONPATH": ":".join(dict.fromkeys(path)), "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


@pytest.mark.slow
def test_wheel_holds_every_file_of_demo_world(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    source = {
        p.relative_to(REPO).as_posix()
        for p in (REPO / "demo_world").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert {"demo_world/__init__.py", "demo_world/world.py", "demo_world/truth.py"} <= source
    assert source <= shipped, f"missing from the wheel: {sorted(source - shipped)}"
    assert not any(name.startswith("advisor/demo/") for name in shipped)


@pytest.mark.slow
def test_generate_world_and_demo_data_run_from_the_wheel(wheel: Path, tmp_path: Path) -> None:
    code = f"""
import demo_world
assert demo_world.__file__.startswith({str(wheel)!r}), demo_world.__file__
world = demo_world.generate_world(seed=3, days=120)
assert len(world.tables["outcomes_daily"]) == 120, len(world.tables["outcomes_daily"])
from api.cli import app
app(["demo-data", "--out", "out", "--seed", "3", "--days", "120"], standalone_mode=False)
"""
    run = _run_from_wheel(wheel, code, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    truth = json.loads((tmp_path / "out" / "truth.json").read_text(encoding="utf-8"))
    assert truth["generator"] == "demo_world"
    for name in ("campaign_daily.csv", "outcomes_daily.csv", "orders.csv", "targets.yaml"):
        assert (tmp_path / "out" / name).stat().st_size > 0, name


def test_docker_image_copies_every_package_demo_world_included() -> None:
    """The image runs ``kpi-advisor demo-data`` on first start, so it must hold demo_world like the others."""
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (REPO / "Dockerfile").read_text(), re.M))
    assert "demo_world" in copied
    assert {p.name for p in _top_level_packages()} <= copied
