"""Shared demo world for the demo tests (generated once per test session/worker, ~1 s)."""

from __future__ import annotations

import pytest

from demo_world import DemoWorld, TrueWorld, generate_world


@pytest.fixture(scope="session")
def world() -> DemoWorld:
    return generate_world(seed=7)


@pytest.fixture(scope="session")
def true_world(world: DemoWorld) -> TrueWorld:
    return TrueWorld.from_dict(world.truth)
