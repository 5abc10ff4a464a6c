"""A new model version is warmed with the workspace's recent requests before it is served (``api.http.warming``)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from api.http import schemas, services
from api.http.state import AppState
from api.http.warming import PinnedWorkspace, RecentRequests

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


def test_recent_requests_are_answered_from_the_new_snapshot_before_it_is_served(world: object, tmp_path: Path) -> None:
    app = AppState(serving.service_settings(world, tmp_path, warm_requests=2))
    app.start()
    ws = app.workspace("default")
    assert ws.recent.size == 2
    old = ws.require(models=True)
    assert old.bundle is not None
    channel = old.bundle.context.channels[0]
    plans = [
        schemas.ForecastRequest(start="2026-11-01", end="2026-11-28", spend={channel: spend}, sims=100)  # type: ignore[arg-type]
        for spend in (1000.0, 2000.0, 3000.0)
    ]
    for plan in plans:
        services.forecast(ws, plan)  # the workspace keeps the 2 most recent: the first drops out
    new = dataclasses.replace(old, workspace="next")  # stands for the next version's snapshot (another cache key)
    misses = app.cache.misses
    assert ws.recent.warm(PinnedWorkspace(ws, new)) == 2
    assert app.cache.misses == misses + 2  # computed for the new snapshot, not served from the old entries
    assert ws.snapshot is old  # warming does not serve the new snapshot
    pinned = PinnedWorkspace(ws, new)
    hits = app.cache.hits
    for plan in plans[1:]:
        services.forecast(pinned, plan)  # type: ignore[arg-type]
    assert app.cache.hits == hits + 2
    services.forecast(pinned, plans[0])  # type: ignore[arg-type]
    assert app.cache.misses == misses + 3  # the request that dropped out was not warmed
    app.shutdown()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_recent_requests_keep_the_newest_distinct_ones() -> None:
    recent = RecentRequests(size=2, seconds=60)
    seen: list[tuple[object, str]] = []
    for key in ("a", "b", "a", "c"):  # a again moves it to the newest end; then c pushes out b
        recent.remember(key, lambda ws, k: seen.append((ws, k)), key)
    assert len(recent) == 2
    assert recent.warm("target") == 2 and seen == [("target", "c"), ("target", "a")]  # newest first
    off = RecentRequests(size=0, seconds=60)
    off.remember("a", lambda ws: None)
    assert len(off) == 0 and off.warm("target") == 0


def test_warming_skips_failures_and_stops_when_its_time_is_up() -> None:
    clock = FakeClock()
    recent = RecentRequests(size=10, seconds=5, clock=clock)
    answered: list[str] = []

    def answer(_: object, key: str) -> None:
        clock.now += 2  # each answer takes 2 s
        if key == "bad":
            raise ValueError("the new models cannot answer this")
        answered.append(key)

    for key in ("old", "older-ok", "bad", "new"):
        recent.remember(key, answer, key)
    # new (t=2), bad (t=4, skipped), older-ok (t=6): then past the 5 s budget, "old" is not answered
    assert recent.warm(None) == 2 and answered == ["new", "older-ok"]


def test_a_pinned_workspace_answers_from_its_snapshot() -> None:
    from types import SimpleNamespace

    from api.http.snapshot import NotReadyError, Snapshot

    workspace = SimpleNamespace(name="acme", snapshot=Snapshot("acme", "ds1", SimpleNamespace(fingerprint="f")))
    pinned = PinnedWorkspace(workspace, Snapshot("acme", problems=("next",)))
    assert pinned.name == "acme" and pinned.snapshot.problems == ("next",)
    pinned.remember("k", print)  # not remembered again
    with pytest.raises(NotReadyError):
        pinned.require()


def test_the_planners_run_rate_plan_is_warmed_too(world: object, tmp_path: Path) -> None:
    app = AppState(serving.service_settings(world, tmp_path, warm_requests=1))
    app.start()
    ws = app.workspace("default")
    old = ws.require(models=True)
    services.run_rate_plan(ws, 28)  # the dashboard planner's first call
    new = dataclasses.replace(old, workspace="next")
    misses = app.cache.misses
    assert ws.recent.warm(PinnedWorkspace(ws, new)) == 1 and app.cache.misses == misses + 1
    hits = app.cache.hits
    services.run_rate_plan(PinnedWorkspace(ws, new), 28)  # type: ignore[arg-type]
    assert app.cache.hits == hits + 1
    app.shutdown()
