"""advisor.ops.modelset.load_model_set: one reader of registry versions for every interface."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.ops.modelset import load_model_set
from models.registry import Registry, RegistryError


def test_missing_or_empty_registry_and_unknown_version_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="no trained models"):
        load_model_set(tmp_path / "nowhere")
    Registry(tmp_path).publish({"other/x.json": "{}"}, {"kind": ["other"]})
    with pytest.raises(RegistryError, match="available: \\['v0001'\\]"):
        load_model_set(tmp_path, "v0009")
    with pytest.raises(ValueError, match="unknown model parts"):
        load_model_set(tmp_path, parts=("response", "mmm"))


def test_parts_a_version_lacks_are_none_with_the_reason(tmp_path: Path) -> None:
    Registry(tmp_path).publish({"other/x.json": "{}"}, {"kind": ["other"], "note": "test"})
    models = load_model_set(tmp_path)
    assert (models.version, models.root, models.label) == ("v0001", tmp_path, "model version v0001")
    assert models.manifest is not None and models.manifest["note"] == "test"
    assert models.bundle is None and models.drivers is None and models.clv_model is None
    assert len(models.problems) == 3 and any("no CLV model" in p for p in models.problems)
    only_clv = load_model_set(tmp_path, "v0001", parts=("clv",))
    assert only_clv.problems == ("model version v0001 holds no CLV model (train with orders in the data)",)
