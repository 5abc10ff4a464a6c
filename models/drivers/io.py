"""Save and load driver models as plain text: ``<kpi>.txt`` (LightGBM text format), ``features.json``
(the :class:`FeatureSpec`) and ``manifest.json`` (targets, parameters, scores, versions). No pickles."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from models.drivers.features import FeatureSpec
from models.drivers.model import DriverModel, DriverModelSet, DriverParams, DriverTarget

FORMAT_VERSION = 1


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def save_driver_models(models: DriverModelSet, directory: str | Path) -> Path:
    """Write ``models`` into ``directory`` (created if needed); returns the directory."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    entries = {}
    for kpi, model in models.models.items():
        fname = f"{kpi}.txt"
        _atomic_write(out / fname, model.booster_.model_to_string())
        entries[kpi] = {"file": fname, "target": model.target.to_dict()}
    _atomic_write(out / "features.json", json.dumps(models.features.to_dict(), indent=1, sort_keys=True))
    first = next(iter(models.models.values()), None)
    manifest = {
        **dict(models.manifest),
        "format_version": FORMAT_VERSION,
        "kind": "lightgbm_drivers",
        "models": entries,
        "params": first.params.to_dict() if first else {},
    }
    _atomic_write(out / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True, default=str))
    return out


def load_driver_models(directory: str | Path) -> DriverModelSet:
    """Read a directory written by :func:`save_driver_models`; raises FileNotFoundError if incomplete."""
    src = Path(directory)
    manifest_path = src / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"no driver models in {src} (manifest.json missing)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    features = FeatureSpec.from_dict(json.loads((src / "features.json").read_text(encoding="utf-8")))
    params = DriverParams.from_dict(manifest.get("params", {}))
    models = {
        kpi: DriverModel.from_string(
            DriverTarget.from_dict(entry["target"]), (src / entry["file"]).read_text(encoding="utf-8"), params
        )
        for kpi, entry in manifest["models"].items()
    }
    return DriverModelSet(features=features, models=models, manifest=manifest)
