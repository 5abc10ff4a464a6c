"""Versioned model artifacts on local disk with atomic publish.

Layout: ``root/v0001/`` … each a folder of text/bytes files plus ``manifest.json``. A version is
written into a hidden temporary folder under ``root``, every file fsynced, then renamed into place
(``os.rename`` of a directory is atomic on POSIX and fails if the target exists), so readers see a
complete version or none, and a failed training run leaves the previous version serving. Any model
kind (response, LightGBM drivers, CLV) adds files to the same version.

Segments (brands, markets, accounts fitted one model set each): ``root/segments/<segment>/v0001/`` … — every
segment is a registry of its own (:func:`segment_registry`), versioned and published atomically on its own. A
registry without segments keeps the layout above unchanged; :func:`list_segments` names the segments trained.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote

MANIFEST = "manifest.json"
SCHEMA_VERSION = 1
_VERSION_RE = re.compile(r"^v(\d{4,})$")
SEGMENTS_DIR = "segments"
"""The folder of a registry root that holds one registry per segment."""
MAX_SEGMENT_CHARS = 200


class RegistryError(RuntimeError):
    """No such version, an empty registry, or a bad file name."""


@dataclass(frozen=True)
class ModelVersion:
    """A published version: its name, folder, manifest and file names (relative POSIX paths)."""

    version: str
    path: Path
    manifest: dict[str, Any]
    files: tuple[str, ...]

    def read_text(self, name: str) -> str:
        return (self.path / name).read_text(encoding="utf-8")

    def read_bytes(self, name: str) -> bytes:
        return (self.path / name).read_bytes()

    def texts(self, prefix: str = "") -> dict[str, str]:
        """All files under ``prefix`` as text, keyed by relative name."""
        return {f: self.read_text(f) for f in self.files if f.startswith(prefix) and f != MANIFEST}


def _check_name(name: str) -> str:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts or name == MANIFEST:
        raise RegistryError(f"invalid artifact file name {name!r}")
    return str(p)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Registry:
    """Model registry rooted at a folder (created on first publish)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def list(self) -> list[str]:
        """Published versions, oldest first."""
        if not self.root.is_dir():
            return []
        found = [
            (int(m.group(1)), p.name)
            for p in self.root.iterdir()
            if (m := _VERSION_RE.match(p.name)) and (p / MANIFEST).is_file()
        ]
        return [name for _, name in sorted(found)]

    def publish(self, files: Mapping[str, bytes | str], manifest: Mapping[str, Any]) -> str:
        """Write ``files`` and ``manifest`` as the next version atomically; returns the version name."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            names = []
            for name, content in files.items():
                rel = _check_name(name)
                names.append(rel)
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
                with open(target, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            full = {
                **dict(manifest),
                "schema_version": SCHEMA_VERSION,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "files": sorted(names),
            }
            with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
                json.dump(full, fh, indent=2, sort_keys=True, default=str)
                fh.flush()
                os.fsync(fh.fileno())
            for d in {tmp / n for n in names} | {tmp}:
                _fsync_dir(d.parent if d != tmp else d)
            while True:
                existing = [int(v[1:]) for v in self.list()]
                others = [int(m.group(1)) for p in self.root.iterdir() if (m := _VERSION_RE.match(p.name))]
                version = f"v{max([0, *existing, *others]) + 1:04d}"
                try:
                    os.rename(tmp, self.root / version)
                    break
                except OSError:
                    if not (self.root / version).exists():
                        raise
            _fsync_dir(self.root)
            return version
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def load(self, version: str) -> ModelVersion:
        """A named version; :class:`RegistryError` naming the valid versions if absent."""
        path = self.root / version
        if not _VERSION_RE.match(version) or not (path / MANIFEST).is_file():
            raise RegistryError(
                f"model version {version!r} not found in {self.root}; available: {self.list() or 'none'}"
            )
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        return ModelVersion(version, path, manifest, tuple(manifest.get("files", [])))

    def latest(self) -> ModelVersion:
        """The newest version; :class:`RegistryError` when the registry is empty."""
        versions = self.list()
        if not versions:
            raise RegistryError(f"no trained models in {self.root}; run `kpi-advisor train` first")
        return self.load(versions[-1])


def check_segment(segment: object) -> str:
    """``segment`` as a segment name: a non-empty string of at most :data:`MAX_SEGMENT_CHARS` characters that is
    not only blanks; :class:`RegistryError` otherwise. Any other character is allowed (it is encoded in the folder
    name)."""
    if not isinstance(segment, str) or not segment.strip() or len(segment) > MAX_SEGMENT_CHARS:
        raise RegistryError(
            f"invalid segment name {segment!r}: give a non-empty text of at most {MAX_SEGMENT_CHARS} characters"
        )
    return segment


def segment_folder(segment: str) -> str:
    """The folder name of ``segment``: percent-encoded (``/``, ``.``, ``%``, control and non-ASCII characters), so
    any name maps to one safe folder and back (:func:`unquote`)."""
    return quote(check_segment(segment), safe=" -_@+,=").replace(".", "%2E")


def segment_registry(root: str | os.PathLike[str], segment: str) -> Registry:
    """The registry of ``segment`` under the registry folder ``root`` (``root/segments/<segment>``)."""
    return Registry(Path(root) / SEGMENTS_DIR / segment_folder(segment))


def list_segments(root: str | os.PathLike[str]) -> list[str]:
    """Segments with at least one published version under ``root``, sorted by name."""
    base = Path(root) / SEGMENTS_DIR
    if not base.is_dir():
        return []
    return sorted(unquote(p.name) for p in base.iterdir() if p.is_dir() and Registry(p).list())


def resolve_registry(root: str | os.PathLike[str], segment: str | None) -> Registry:
    """The registry of ``segment`` under ``root`` (None: ``root`` itself, the single-company layout);
    :class:`RegistryError` naming the trained segments when ``segment`` has no versions."""
    if segment is None:
        return Registry(root)
    reg = segment_registry(root, segment)
    if not reg.list():
        known = list_segments(root)
        shown = ", ".join(known[:20]) + (f" … ({len(known)} in all)" if len(known) > 20 else "")
        raise RegistryError(
            f"segment {segment!r} has no trained models; trained segments: {shown or 'none'} "
            "(train with `kpi-advisor train --segment-by COLUMN`)"
        )
    return reg
