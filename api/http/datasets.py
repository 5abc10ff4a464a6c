"""Datasets the service can analyse: the configured data folder (``default``) and validated uploads.

An upload is written to a hidden temporary folder, checked with ``advisor.data.validate_folder`` (the same checks
as ``kpi-advisor validate``) and renamed into place only when it passes, so a failing upload stores nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import Any

from advisor.data import TABLES, Dataset, DataValidationError, load_dataset, validate_folder

DEFAULT_ID = "default"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
TABLE_SUFFIXES = (".csv", ".txt", ".parquet", ".pq")
TARGET_NAMES = ("targets.yaml", "targets.yml")


class UnknownDatasetError(LookupError):
    """No dataset with that id; the message lists the valid ids."""


class DatasetExistsError(ValueError):
    """An upload reused the id of a stored dataset."""


class UploadError(ValueError):
    """An upload that cannot be a data folder (bad file name, no files)."""


def allowed_name(name: str) -> str:
    """The plain file name if it is a table file (``campaign_daily.csv`` ...) or ``targets.yaml``."""
    base = PurePath(name.replace("\\", "/")).name.lower()
    stem, _, _ = base.partition(".")
    suffix = base[len(stem) :]
    if base in TARGET_NAMES or (stem in TABLES and suffix in TABLE_SUFFIXES):
        return base
    tables = ", ".join(f"{t}.csv|.parquet" for t in TABLES)
    raise UploadError(f"file {name!r} is not part of a data folder; expected one of {tables}, targets.yaml")


class DatasetStore:
    """Datasets by id; loaded datasets are cached (uploads are immutable, ``default`` is loaded once)."""

    def __init__(self, default_dir: Path, uploads_dir: Path) -> None:
        self.default_dir = Path(default_dir)
        self.uploads_dir = Path(uploads_dir)
        self._loaded: dict[str, Dataset] = {}
        self._lock = threading.Lock()

    def ids(self) -> list[str]:
        """``default`` (when its folder exists) then the uploads, sorted."""
        out = [DEFAULT_ID] if self.default_dir.is_dir() else []
        if self.uploads_dir.is_dir():
            out += sorted(p.name for p in self.uploads_dir.iterdir() if p.is_dir() and ID_RE.match(p.name))
        return out

    def path(self, dataset_id: str) -> Path:
        if dataset_id == DEFAULT_ID and self.default_dir.is_dir():
            return self.default_dir
        if ID_RE.match(dataset_id) and (self.uploads_dir / dataset_id).is_dir():
            return self.uploads_dir / dataset_id
        raise UnknownDatasetError(f"unknown dataset {dataset_id!r}; available: {', '.join(self.ids()) or 'none'}")

    def get(self, dataset_id: str) -> Dataset:
        """The validated dataset (``DataValidationError`` if its files no longer pass)."""
        with self._lock:
            if dataset_id in self._loaded:
                return self._loaded[dataset_id]
        ds = load_dataset(self.path(dataset_id))
        with self._lock:
            self._loaded[dataset_id] = ds
        return ds

    def upload(self, files: Iterable[tuple[str, bytes]], dataset_id: str | None = None) -> tuple[str, Dataset]:
        """Store a data folder from ``(file name, content)`` pairs if every table passes validation.

        Raises ``UploadError`` (bad names), ``DatasetExistsError`` (id taken) or ``DataValidationError`` (the
        validation report's errors, nothing stored).
        """
        dataset_id = dataset_id or uuid.uuid4().hex[:12]
        if not ID_RE.match(dataset_id) or dataset_id == DEFAULT_ID:
            raise UploadError(f"dataset id {dataset_id!r} must match {ID_RE.pattern} and not be {DEFAULT_ID!r}")
        named: dict[str, bytes] = {}
        for name, content in files:
            clean = allowed_name(name)
            if clean in named:
                raise UploadError(f"file {clean!r} given twice")
            named[clean] = content
        if not named:
            raise UploadError("no files uploaded; send campaign_daily.csv (and the other tables) as multipart 'files'")
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        if (self.uploads_dir / dataset_id).exists():
            raise DatasetExistsError(f"dataset {dataset_id!r} already exists; choose another id")
        tmp = Path(tempfile.mkdtemp(prefix=".upload-", dir=self.uploads_dir))
        try:
            for name, content in named.items():
                (tmp / name).write_bytes(content)
            report = validate_folder(tmp)
            if not report.ok:
                raise DataValidationError(report.errors, report.warnings)
            ds = load_dataset(tmp)
            try:
                os.rename(tmp, self.uploads_dir / dataset_id)
            except OSError:
                raise DatasetExistsError(f"dataset {dataset_id!r} already exists; choose another id") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        with self._lock:
            self._loaded[dataset_id] = ds
        return dataset_id, ds

    def describe(self, dataset_id: str, ds: Dataset, active: bool) -> dict[str, Any]:
        """``DatasetInfo`` fields of a loaded dataset."""
        return {
            "id": dataset_id,
            "tables": {name: len(df) for name, df in ds.tables.items()},
            "has_targets": ds.targets is not None,
            "fingerprint": ds.fingerprint,
            "active": active,
            "warnings": [w.to_dict() for w in ds.warnings],
        }
