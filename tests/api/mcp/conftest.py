"""Fixtures for the MCP tests: the same small trained world and live server as tests/api/http."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py


@pytest.fixture(scope="module")
def mcp_live(world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with serving.live_server(world, tmp_path_factory.mktemp("mcp-service")) as running:
        yield running


@pytest.fixture(scope="module")
def mcp_url(mcp_live: Any) -> str:
    return f"{mcp_live.url}/mcp"


@pytest.fixture(scope="module")
def mcp_headers(mcp_live: Any) -> dict[str, str]:
    """Headers carrying the default workspace's admin key."""
    return {"X-API-Key": mcp_live.key}
