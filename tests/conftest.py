"""Shared fixtures."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"

logging.getLogger("cmdstanpy").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Folder of real test data sets; skips where it is absent (a user's own clone)."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"shared data sets not found at {SHARED_DATASETS} (present in CI, absent in a user's clone)")
    return SHARED_DATASETS
