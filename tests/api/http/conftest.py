"""Fixtures for the HTTP API tests: the app in process, one per module, on the session's world
(tests/api/conftest.py); tests of HTTP itself start a live server (``serving.live_server``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


@pytest.fixture(scope="module")
def live(world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The module's app (``serving.Live``: url, admin key of the default workspace, settings), in process."""
    with serving.app_in_process(world, tmp_path_factory.mktemp("service"), max_body_bytes=2_000_000) as running:
        yield running


@pytest.fixture(scope="module")
def base_url(live: Any) -> str:
    return str(live.url)


@pytest.fixture(scope="module")
def uploads(live: Any) -> Path:
    """Where the module's server stores the default workspace's uploaded datasets."""
    path: Path = live.settings.uploads_root("default")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture()
def client(live: Any) -> Iterator[httpx.Client]:
    """A client with the default workspace's admin key."""
    with live.client() as c:
        yield c
