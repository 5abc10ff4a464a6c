"""Fixtures shared by the HTTP and MCP tests: one small trained world per session (tests/api/http/serving.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

# importlib import mode: load the helper module once under a fixed name so every test module shares it
_spec = importlib.util.spec_from_file_location("kpi_api_serving", Path(__file__).parent / "http" / "serving.py")
assert _spec and _spec.loader
serving = sys.modules.setdefault("kpi_api_serving", importlib.util.module_from_spec(_spec))
if not hasattr(serving, "World"):
    _spec.loader.exec_module(serving)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> object:
    """A small demo world with a trained model registry (``serving.World``: data folder + models folder)."""
    return serving.shared_world(tmp_path_factory)
