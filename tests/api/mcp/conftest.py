"""Fixtures for the MCP tests: the same small trained world and live server as tests/api/http."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


@pytest.fixture(scope="module")
def mcp_url(world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving.live_server(world, tmp_path_factory.mktemp("mcp-uploads")) as url:
        yield url + "/mcp"
