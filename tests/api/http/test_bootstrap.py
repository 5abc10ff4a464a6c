"""Start-up import of the default workspace's registry: CLI-made versions are served, a version a killed training
job published but never recorded is imported inactive; the manifest's metrics are recorded."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from api.http.state import AppState

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


def _copy_version(models: Path, source: str, target: str, provenance: dict[str, str] | None) -> None:
    shutil.copytree(models / source, models / target)
    manifest_path = models / target / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if provenance is not None:
        manifest["provenance"] = provenance
    manifest_path.write_text(json.dumps(manifest))


def _versions(app: AppState) -> list[tuple[str, bool]]:
    return [(m.version, m.active) for m in app.store.model_versions("default")]


def test_orphan_of_a_killed_job_is_not_served_after_a_restart(world: object, tmp_path: Path) -> None:
    own = serving.copy_world(world, tmp_path / "world")
    settings = serving.service_settings(own, tmp_path / "service")
    first = AppState(settings)
    first.start()
    assert _versions(first) == [("v0001", True)]
    imported = first.store.model_versions("default")[0].metrics  # the manifest's fit (and backtest) figures
    assert {"response", "history"} <= set(imported) and imported["response"]
    first.shutdown()

    _copy_version(own.models, "v0001", "v0002", {"job": "3f0c2a9e4b1d", "workspace": "default"})  # the orphan
    restarted = AppState(settings)
    restarted.start()
    assert _versions(restarted) == [("v0002", False), ("v0001", True)]
    assert restarted.workspace("default").snapshot.model_version == "v0001"
    restarted.shutdown()

    _copy_version(own.models, "v0001", "v0003", None)  # then `kpi-advisor train` on the command line
    again = AppState(settings)
    again.start()
    assert _versions(again) == [("v0003", True), ("v0002", False), ("v0001", False)]
    assert again.workspace("default").snapshot.model_version == "v0003"
