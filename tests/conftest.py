"""Shared fixtures."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"

logging.getLogger("cmdstanpy").setLevel(logging.WARNING)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Under ``pytest -n 2 --dist loadgroup`` (``make test``), keep the tests of a module that share a module- or
    class-scoped fixture on one xdist worker, so that fixture (often an app serving a trained world) is built once
    per run instead of once per worker; the tests of other modules are still spread one by one. (Marked as each
    test is collected: pytest-xdist reads the ``xdist_group`` marks in its ``pytest_collection_modifyitems``.)"""
    info = getattr(item, "_fixtureinfo", None)
    if info is not None and any(
        defs and defs[-1].scope in ("module", "class") for defs in info.name2fixturedefs.values()
    ):
        item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """What pytest-xdist 3.8 means to do for ``--dist loadgroup``: suffix the node id with ``@<group>`` (its
    scheduler groups by that suffix). Its own hook writes ``item._nodeid``, which pytest 9 no longer reads (the id
    lives in ``item._id``), so without this every ``xdist_group`` mark is ignored (pytest-xdist issue #1386, fix
    in PR #1388). A no-op once xdist's suffix shows in the node id, and without ``--dist loadgroup``."""
    if not config.getoption("loadgroup", default=False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid and hasattr(item, "_id"):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


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



@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """One local[2] SparkSession for the whole run (a start takes ~10 s); modules that use it carry
    ``pytest.mark.xdist_group("spark")`` so that one xdist worker starts it."""
    from models.spark_session import spark_session

    session = spark_session("local[2]", "kpi-advisor-tests")
    yield session
    session.stop()
