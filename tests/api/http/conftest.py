"""Fixtures for the HTTP API tests: one small trained world per session and a live server per module."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

_spec = importlib.util.spec_from_file_location("kpi_api_serving", Path(__file__).with_name("serving.py"))
assert _spec and _spec.loader
serving = sys.modules.setdefault("kpi_api_serving", importlib.util.module_from_spec(_spec))
if not hasattr(serving, "World"):
    _spec.loader.exec_module(serving)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> object:
    return serving.shared_world(tmp_path_factory)


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
