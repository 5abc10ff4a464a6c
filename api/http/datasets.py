"""Datasets of a workspace: the configured data folder (``default``, default workspace only) and validated uploads.

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
from api.store import DatasetExistsError, Store, UnknownDatasetError

__all__ = ["DEFAULT_ID", "DatasetExistsError", "DatasetStore", "UnknownDatasetError", "UploadError", "allowed_name"]

DEFAULT_ID = "default"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
TABLE_SUFFIXES = (".csv", ".txt", ".parquet", ".pq")
TARGET_NAMES = ("targets.yaml", "targets.yml")


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
    """The datasets of one workspace: metadata rows in the service database (``api.store``), files on disk.

    ``default_dir`` (the ``default`` workspace only) is the configured data folder, registered as dataset
    ``default`` at start-up. Loaded datasets are cached per process (datasets are immutable once stored).
    """

    def __init__(self, store: Store, workspace: str, uploads_dir: Path, default_dir: Path | None = None) -> None:
        self.store = store
        self.workspace = workspace
        self.uploads_dir = Path(uploads_dir)
        self.default_dir = Path(default_dir) if default_dir is not None else None
        self._loaded: dict[str, Dataset] = {}
        self._lock = threading.Lock()

    def ids(self) -> list[str]:
        """Dataset ids of the workspace, oldest first."""
        return [r.id for r in self.store.datasets(self.workspace)]

    def path(self, dataset_id: str) -> Path:
        """The dataset's folder (``UnknownDatasetError`` when the workspace has no such dataset)."""
        return Path(self.store.dataset(self.workspace, dataset_id).path)

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
        validation report's errors). A failing upload stores nothing: no folder, no database row.
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
        if dataset_id in self.ids():
            raise DatasetExistsError(f"dataset {dataset_id!r} already exists in this workspace; choose another id")
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        final = self.uploads_dir / dataset_id
        tmp = Path(tempfile.mkdtemp(prefix=".upload-", dir=self.uploads_dir))
        placed = False
        try:
            for name, content in named.items():
                (tmp / name).write_bytes(content)
            report = validate_folder(tmp)
            if not report.ok:
                raise DataValidationError(report.errors, report.warnings)
            ds = load_dataset(tmp)
            try:
                os.rename(tmp, final)
            except OSError:
                raise DatasetExistsError(f"dataset {dataset_id!r} already exists; choose another id") from None
            placed = True
            self.store.add_dataset(
                self.workspace, dataset_id, str(final.resolve()), ds.fingerprint,
                {name: len(df) for name, df in ds.tables.items()}, report.to_dict(),
            )
        except BaseException:
            shutil.rmtree(final if placed else tmp, ignore_errors=True)
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
