"""Artifact registry: versioning, atomic publish, load latest / named, bad names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.registry import Registry, RegistryError


def test_publish_load_latest(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "models")
    assert reg.list() == []
    with pytest.raises(RegistryError, match="no trained models"):
        reg.latest()
    v1 = reg.publish({"a/params.json": json.dumps({"x": 1}), "b.txt": b"bytes"}, {"data_fingerprint": "f1"})
    v2 = reg.publish({"a/params.json": json.dumps({"x": 2})}, {"data_fingerprint": "f2"})
    assert (v1, v2) == ("v0001", "v0002")
    assert reg.list() == ["v0001", "v0002"]
    latest = reg.latest()
    assert latest.version == "v0002"
    assert json.loads(latest.read_text("a/params.json")) == {"x": 2}
    assert latest.manifest["data_fingerprint"] == "f2"
    assert latest.manifest["schema_version"] == 1
    old = reg.load("v0001")
    assert old.read_bytes("b.txt") == b"bytes"
    assert old.texts("a/") == {"a/params.json": json.dumps({"x": 1})}


def test_failed_publish_leaves_previous_serving(tmp_path: Path) -> None:
    reg = Registry(tmp_path)
    reg.publish({"m.json": "{}"}, {"n": 1})

    class Boom:
        """Not bytes: writing it fails half-way through the version."""

    with pytest.raises(TypeError):
        reg.publish({"m.json": "{}", "bad": Boom()}, {"n": 2})  # type: ignore[dict-item]
    assert reg.list() == ["v0001"]
    assert reg.latest().manifest["n"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.parametrize("name", ["../escape.json", "/abs.json", "manifest.json"])
def test_rejects_unsafe_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(RegistryError, match="invalid artifact file name"):
        Registry(tmp_path).publish({name: "x"}, {})


def test_unknown_version_names_choices(tmp_path: Path) -> None:
    reg = Registry(tmp_path)
    reg.publish({"m.json": "{}"}, {})
    with pytest.raises(RegistryError, match="v0001"):
        reg.load("v0042")
