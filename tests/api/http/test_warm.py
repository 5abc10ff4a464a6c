"""A new model version is warmed with the workspace's recent requests before it is served."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from api.http import schemas, services
from api.http.state import AppState, PinnedWorkspace

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


def test_recent_requests_are_answered_from_the_new_snapshot_before_it_is_served(world: object, tmp_path: Path) -> None:
    app = AppState(serving.service_settings(world, tmp_path, warm_requests=2))
    app.start()
    ws = app.workspace("default")
    old = ws.snapshot
    services.scorecard(ws, schemas.ScorecardRequest(period="2026-10"))
    services.diagnose(ws, schemas.DiagnoseRequest(channel="search"))
    services.diagnose(ws, schemas.DiagnoseRequest(channel="social"))  # keeps the 2 most recent: scorecard drops out
    new = dataclasses.replace(old, workspace="next")  # stands for the next version's snapshot (another cache key)
    misses = app.cache.misses
    assert ws._warm(new) == 2
    assert app.cache.misses == misses + 2  # computed for the new snapshot, not served from the old entries
    assert ws.snapshot is old  # warming does not serve the new snapshot
    hits = app.cache.hits
    pinned = PinnedWorkspace(ws, new)
    for channel in ("search", "social"):
        services.diagnose(pinned, schemas.DiagnoseRequest(channel=channel))  # type: ignore[arg-type]
    assert app.cache.hits == hits + 2


def test_warming_can_be_turned_off(world: object, tmp_path: Path) -> None:
    app = AppState(serving.service_settings(world, tmp_path, warm_requests=0))
    app.start()
    ws = app.workspace("default")
    services.diagnose(ws, schemas.DiagnoseRequest(channel="search"))
    assert ws._warm(dataclasses.replace(ws.snapshot, workspace="next")) == 0
