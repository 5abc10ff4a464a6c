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


@pytest.fixture()
def run_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Execute a notebook under `notebooks/` top to bottom in a fresh kernel, working in a temporary folder.

    Returns the executed notebook; a failing cell raises `nbclient.exceptions.CellExecutionError`.
    The notebook can read the environment variable `KPI_ADVISOR_WORKDIR` (a tmp folder) to write its files.
    """
    import nbformat
    from nbclient import NotebookClient

    def _run(name: str, timeout: int = 600) -> nbformat.NotebookNode:
        nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
        monkeypatch.setenv("KPI_ADVISOR_WORKDIR", str(tmp_path))
        monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # figures become PNG outputs
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}}
        )
        client.execute()
        return nb

    return _run
