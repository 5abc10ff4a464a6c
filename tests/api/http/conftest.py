"""Fixtures for the HTTP API tests: a live server per module on the session's world (tests/api/conftest.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the module's server stores uploaded datasets."""
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def base_url(world: object, uploads: Path) -> Iterator[str]:
    with serving.live_server(world, uploads, max_body_bytes=2_000_000) as url:
        yield url


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c
