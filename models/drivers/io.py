"""Persist driver models as plain text: ``<kpi>.txt`` (LightGBM text format, ``model_to_string``),
``features.json`` (the :class:`FeatureSpec`) and ``manifest.json`` (targets, parameters, validation scores,
versions). No pickles.

Two forms: a ``{name: text}`` mapping under a prefix (``drivers/`` by default) for the versioned registry
(:mod:`models.registry`: ``files.update(driver_model_files(ms))``; ``driver_models_from_files(mv.texts("drivers/"))``),
and a plain directory (:func:`save_driver_models` / :func:`load_driver_models`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from models.drivers.features import FeatureSpec
from models.drivers.model import DriverModel, DriverModelSet, DriverParams, DriverTarget

FORMAT_VERSION = 1
PREFIX = "drivers/"


def driver_model_files(models: DriverModelSet, prefix: str = PREFIX) -> dict[str, str]:
    """All files of ``models`` as ``{prefix + name: text}``."""
    files: dict[str, str] = {}
    entries = {}
    for kpi, model in models.models.items():
        fname = f"{kpi}.txt"
        files[prefix + fname] = model.booster_.model_to_string()
        entries[kpi] = {"file": fname, "target": model.target.to_dict()}
    files[prefix + "features.json"] = json.dumps(models.features.to_dict(), indent=1, sort_keys=True)
    first = next(iter(models.models.values()), None)
    manifest = {
        **dict(models.manifest),
        "format_version": FORMAT_VERSION,
        "kind": "lightgbm_drivers",
        "models": entries,
        "params": first.params.to_dict() if first else {},
    }
    files[prefix + "manifest.json"] = json.dumps(manifest, indent=1, sort_keys=True, default=str)
    return files


def driver_models_from_files(files: Mapping[str, str], prefix: str = PREFIX) -> DriverModelSet:
    """Inverse of :func:`driver_model_files`; raises FileNotFoundError when the manifest is missing."""
    if prefix + "manifest.json" not in files:
        raise FileNotFoundError(f"no driver models ({prefix}manifest.json missing)")
    manifest = json.loads(files[prefix + "manifest.json"])
    features = FeatureSpec.from_dict(json.loads(files[prefix + "features.json"]))
    params = DriverParams.from_dict(manifest.get("params", {}))
    models = {
        kpi: DriverModel.from_string(DriverTarget.from_dict(entry["target"]), files[prefix + entry["file"]], params)
        for kpi, entry in manifest["models"].items()
    }
    return DriverModelSet(features=features, models=models, manifest=manifest)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def save_driver_models(models: DriverModelSet, directory: str | Path) -> Path:
    """Write ``models`` into ``directory`` (created if needed; each file replaced atomically)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in driver_model_files(models, prefix="").items():
        _atomic_write(out / name, text)
    return out


def load_driver_models(directory: str | Path) -> DriverModelSet:
    """Read a directory written by :func:`save_driver_models`; raises FileNotFoundError if incomplete."""
    src = Path(directory)
    if not (src / "manifest.json").is_file():
        raise FileNotFoundError(f"no driver models in {src} (manifest.json missing)")
    files = {p.name: p.read_text(encoding="utf-8") for p in src.iterdir() if p.suffix in (".txt", ".json")}
    return driver_models_from_files(files, prefix="")
