"""``Snapshot``: what a request reads; ``require`` says what to do when the dataset or the models are missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from api.http.snapshot import NotReadyError, Snapshot

REPO = Path(__file__).resolve().parents[3]


def test_an_empty_snapshot_is_not_ready_and_says_what_to_do() -> None:
    snap = Snapshot("acme", problems=("starting",))
    assert not snap.ready and snap.key() == ("acme", "", "")
    assert snap.require(dataset=False) is snap
    with pytest.raises(NotReadyError, match="POST /v1/datasets"):
        snap.require()


def test_models_are_required_only_when_asked() -> None:
    data: Any = SimpleNamespace(fingerprint="fp1")
    snap = Snapshot("acme", "ds1", data, model_version=None)
    assert snap.require() is snap and snap.key() == ("acme", "fp1", "")
    with pytest.raises(NotReadyError, match="POST /v1/train"):
        snap.require(models=True)
    served = Snapshot("acme", "ds1", data, bundle=SimpleNamespace(), model_version="v0002")  # type: ignore[arg-type]
    assert served.ready and served.require(models=True) is served and served.key() == ("acme", "fp1", "v0002")


def test_snapshots_are_immutable() -> None:
    with pytest.raises(AttributeError):
        Snapshot().model_version = "v9"  # type: ignore[misc]


def test_importing_the_state_modules_loads_no_model_library() -> None:
    """The field types are for type checking only: the snapshot module loads neither pandas nor the models."""
    code = (
        "import sys, api.http.snapshot, api.http.cache, api.http.scheduling, api.http.warming, api.llm; "
        "print(sorted(m for m in ('pandas', 'numpy', 'models', 'langchain_core', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
