"""Fixtures for the MCP tests: the same small trained world and live server as tests/api/http."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("kpi_api_serving", Path(__file__).parents[1] / "http" / "serving.py")
assert _spec and _spec.loader
serving = sys.modules.setdefault("kpi_api_serving", importlib.util.module_from_spec(_spec))
if not hasattr(serving, "World"):
    _spec.loader.exec_module(serving)


@pytest.fixture(scope="session")
def mcp_world(tmp_path_factory: pytest.TempPathFactory) -> object:
    return serving.shared_world(tmp_path_factory)


@pytest.fixture(scope="module")
def mcp_url(mcp_world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving.live_server(mcp_world, tmp_path_factory.mktemp("mcp-uploads")) as url:
        yield url + "/mcp"
