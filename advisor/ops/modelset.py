"""The models an operation answers with, read from one registry version: :func:`load_model_set`.

One registry version (``models.registry``) holds the response models (forecast / optimise), the LightGBM driver
models (diagnostics) and the CLV model (customer value); a :class:`ModelSet` carries whichever of them the
version has, plus its name, folder and manifest. Every interface (CLI, HTTP snapshots, MCP, worker warm-up)
reads models through :func:`load_model_set`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.clv import CLVModel, CLVModelSet
    from models.drivers import DriverModelSet
    from models.response import ResponseBundle

ALL_PARTS = ("response", "drivers", "clv")
"""What a registry version may hold: response models, driver models, the CLV model."""
#: Where ``training.pipeline.train_all`` stores the CLV model in a registry version (``training.clv.MODEL_FILE``).
CLV_MODEL_FILE = "clv/model.json"
DRIVERS_PREFIX = "drivers/"


@dataclass(frozen=True)
class ModelSet:
    """The models of one registry version; each part is None when the version lacks it (or it was not asked for).

    version: registry version (``v0003``) or None (no registry / a plain driver-model folder); root: the registry
    folder; manifest: the version's ``manifest.json``; bundle: response models; drivers: driver models; clv_model:
    pooled ``CLVModel`` or per-channel ``CLVModelSet``; problems: why an asked-for part is missing; segment: the
    segment whose registry the version is from (None: the single-company registry).
    """

    version: str | None = None
    root: Path | None = None
    manifest: Mapping[str, Any] | None = None
    bundle: ResponseBundle | None = None
    drivers: DriverModelSet | None = None
    clv_model: CLVModel | CLVModelSet | None = None
    problems: tuple[str, ...] = field(default=())
    segment: str | None = None

    @property
    def label(self) -> str | None:
        """``model version v0003`` (``model version v0003 of segment brand-a`` for a segment's models; how results
        name the models they used), or None without a version."""
        if not self.version:
            return None
        return f"model version {self.version}" + (f" of segment {self.segment}" if self.segment is not None else "")


EMPTY = ModelSet()


def load_model_set(
    root: str | Path, version: str | None = None, *, parts: Collection[str] = ALL_PARTS, segment: str | None = None
) -> ModelSet:
    """The models of ``version`` (default: the latest) of the registry at ``root``; only ``parts`` are read. With
    ``segment``: of that segment's registry under ``root`` (``root/segments/<segment>``, trained by
    ``train --segment-by``; ``RegistryError`` names the trained segments when it has none).

    ``root`` may also be a folder written by ``models.drivers.save_driver_models`` (driver models only; also as
    ``root/drivers``). Raises ``models.registry.RegistryError`` for a missing or empty registry or an unknown
    version (the message names the valid ones); a part the version lacks or cannot be read is None and the reason
    is in ``problems``.
    """
    from models.registry import RegistryError, resolve_registry

    unknown = set(parts) - set(ALL_PARTS)
    if unknown:
        raise ValueError(f"unknown model parts {sorted(unknown)}; valid: {', '.join(ALL_PARTS)}")
    root = Path(root)
    if "drivers" in parts and segment is None:
        for folder in (root, root / "drivers"):
            if (folder / "manifest.json").is_file() and (folder / "features.json").is_file():
                from models.drivers import load_driver_models

                return ModelSet(root=root, drivers=load_driver_models(folder))
    registry = resolve_registry(root, segment)
    mv = registry.load(version) if version is not None else registry.latest()
    problems: list[str] = []
    bundle = drivers = clv_model = None
    if "response" in parts:
        from models.response import ResponseBundle

        files = mv.texts(ResponseBundle.PREFIX)
        if ResponseBundle.PREFIX + "context.json" not in files:
            problems.append(f"model version {mv.version} holds no response models; run `kpi-advisor train`")
        else:
            try:
                bundle = ResponseBundle.from_files(files)
            except (KeyError, ValueError, RegistryError) as exc:
                problems.append(f"response models of {mv.version} cannot be read: {exc}")
    if "drivers" in parts:
        files = mv.texts(DRIVERS_PREFIX)
        if files:
            from models.drivers import driver_models_from_files

            drivers = driver_models_from_files(files)
        else:
            problems.append(f"model version {mv.version} holds no driver models")
    if "clv" in parts:
        if CLV_MODEL_FILE in mv.files:
            clv_model = clv_model_from_document(json.loads(mv.read_text(CLV_MODEL_FILE)))
        else:
            problems.append(f"model version {mv.version} holds no CLV model (train with orders in the data)")
    return ModelSet(mv.version, registry.root, mv.manifest, bundle, drivers, clv_model, tuple(problems), segment)


def clv_model_from_document(doc: Mapping[str, Any]) -> CLVModel | CLVModelSet:
    """A CLV model from its stored JSON document: a pooled ``CLVModel`` or a per-channel ``CLVModelSet``
    (the same rebuild as ``training.clv.load_model``)."""
    from models.clv import CLVModel, CLVModelSet

    return CLVModelSet.from_dict(dict(doc)) if doc.get("model") == "clv_model_set" else CLVModel.from_dict(dict(doc))
