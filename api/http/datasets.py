"""Datasets of a workspace: the configured data folder (``default``, default workspace only) and validated uploads.

An upload is a data folder's files: table files named after their table, ``targets.yaml``, and optionally a
``kpi-advisor.yaml`` restricted to a media-mix table read from a file of the same upload (``api.http.upload_config``).

An upload is written to a hidden temporary folder (``.upload-<pid>-…``), loaded and validated with
``advisor.data.load_dataset`` under the service's :class:`~advisor.data.limits.DataLimits` (the same checks as
``kpi-advisor validate``) in a separate process (``api.http.validation``: the web process keeps its GIL and memory
for requests) and renamed into place only when it passes, so a failing upload stores nothing. The
workspace's quota (datasets kept, bytes on disk) is checked before anything is written. Temporary folders left by a
process that died are removed when the workspace is next opened.

Loaded datasets are kept in a :class:`DatasetCache` shared by the workspaces of a process and bounded by bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.data import TABLES, Dataset, load_dataset
from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded
from api.http.upload_config import CONFIG_NAMES, TARGET_NAMES, UploadConfig, check_upload_config
from api.http.validation import dataset_bytes, mmm_summary
from api.store import DatasetExistsError, Store, UnknownDatasetError

if TYPE_CHECKING:
    from api.http.validation import UploadSummary
    from api.settings import Settings

__all__ = [
    "DEFAULT_ID", "DatasetCache", "DatasetExistsError", "DatasetStore", "UnknownDatasetError", "UploadError",
    "UploadQuota", "allowed_name", "in_daemon_thread", "upload_files",
]

log = logging.getLogger("kpi_advisor.api")

DEFAULT_ID = "default"
ID_RE = re.compile(r"\A[a-z0-9][a-z0-9_-]{0,62}\Z")
TABLE_SUFFIXES = (".csv", ".txt", ".parquet", ".pq")
TEMP_PREFIX = ".upload-"
STALE_UPLOAD_SECONDS = 24 * 3600.0
"""A temporary upload folder older than this is removed even if the process that made it looks alive."""
UPLOAD_VALIDATIONS = threading.BoundedSemaphore(2)
"""Uploads validated at once per process (each may take up to the data limits in memory); the others wait."""

T = TypeVar("T")


class UploadError(ValueError):
    """An upload that cannot be a data folder (bad file name, no files)."""


def plain_name(name: str) -> str:
    """The file name of an upload part without any directory parts (``dir/x.csv`` → ``x.csv``)."""
    return PurePath(name.replace("\\", "/")).name


def allowed_name(name: str, extra: Iterable[str] = ()) -> str:
    """The plain file name if it is a table file (``campaign_daily.csv`` ...) or ``targets.yaml`` (lower case), or
    one of ``extra`` (compared case-insensitively; returned as ``extra`` spells it: the media-mix file an uploaded
    ``kpi-advisor.yaml`` names)."""
    base = plain_name(name).lower()
    for spelled in extra:
        if base == spelled.lower():
            return spelled
    stem, _, _ = base.partition(".")
    suffix = base[len(stem) :]
    if base in TARGET_NAMES or (stem in TABLES and suffix in TABLE_SUFFIXES):
        return base
    tables = ", ".join(f"{t}.csv|.parquet" for t in TABLES)
    raise UploadError(
        f"file {name!r} is not part of a data folder; expected one of {tables}, targets.yaml, or kpi-advisor.yaml "
        "with an mmm: section and the media-mix file it names (mmm.file)"
    )


def upload_files(files: Iterable[tuple[str, bytes]], limits: DataLimits) -> dict[str, bytes]:
    """The upload's files by the name they are stored under, after checking the names and an uploaded
    ``kpi-advisor.yaml`` (``api.http.upload_config``: only ``mmm:`` from a file of the upload, and ``targets:``).

    Raises ``UploadError`` (a name that is not part of a data folder, a file given twice, no files),
    ``DataValidationError`` (a config the upload rules refuse, naming key and rule) or ``LimitExceeded`` (a config
    over the YAML limits). Nothing is written.
    """
    parts = list(files)
    configs = [(plain_name(n).lower(), c) for n, c in parts if plain_name(n).lower() in CONFIG_NAMES]
    if len(configs) > 1:
        raise UploadError(f"several config files {[n for n, _ in configs]}; send one kpi-advisor.yaml")
    config = UploadConfig()
    if configs:
        others = {plain_name(n).lower() for n, _ in parts if plain_name(n).lower() not in CONFIG_NAMES}
        config = check_upload_config(configs[0][1], others, limits)
    extra = (config.mmm_file,) if config.mmm_file is not None else ()
    named: dict[str, bytes] = {}
    for name, content in parts:
        base = plain_name(name).lower()
        clean = base if base in CONFIG_NAMES else allowed_name(name, extra)
        if clean in named:
            raise UploadError(f"file {clean!r} given twice")
        named[clean] = content
    if not named:
        raise UploadError("no files uploaded; send campaign_daily.csv (and the other tables), or kpi-advisor.yaml "
                          "with an mmm: section and its file, as multipart 'files'")
    return named


def load_limited(folder: Path, limits: DataLimits) -> Dataset:
    """``load_dataset(folder)`` under ``limits``."""
    return load_dataset(folder, limits=limits)


def check_upload(folder: Path, limits: DataLimits) -> UploadSummary:
    """Validate the upload in ``folder`` in the process's validation pool (``api.http.validation.POOL``)."""
    from api.http.validation import POOL

    return POOL.check(folder, limits)


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder`` (0 when it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(root, name))
    return total


class DatasetCache:
    """Loaded datasets of a process, least recently used dropped first so that their estimated size stays within
    ``max_bytes`` (0: keep none). A dataset larger than ``max_bytes`` alone is not kept. Thread-safe.

    Keys are ``(workspace, dataset id)``; sizes are estimated once per load (:func:`dataset_bytes`). A dataset a
    workspace serves is also held by its snapshot, so dropping it here frees only what nothing else uses.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Dataset, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def get(self, key: Hashable) -> Dataset | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, ds: Dataset, size: int | None = None) -> None:
        """Keep ``ds`` (``size``: its bytes, estimated when None) and drop the least recently used over budget."""
        size = dataset_bytes(ds) if size is None else size
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (ds, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class UploadQuota:
    """What one workspace may keep of uploads: ``max_datasets`` datasets and ``max_bytes`` bytes on disk."""

    max_datasets: int = 50
    max_bytes: int = 5 * 1024**3


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_uploads(uploads_dir: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary upload folders of processes that are gone (or older than :data:`STALE_UPLOAD_SECONDS`)
    from ``uploads_dir``; returns what was removed. Folders of a live process (another web process uploading right
    now) are kept."""
    import time

    now = time.time() if now is None else now
    removed: list[Path] = []
    if not uploads_dir.is_dir():
        return removed
    for folder in uploads_dir.glob(TEMP_PREFIX + "*"):
        pid_text = folder.name[len(TEMP_PREFIX) :].partition("-")[0]
        owner = int(pid_text) if pid_text.isdigit() else None
        try:
            age = now - folder.stat().st_mtime
        except OSError:
            continue
        if owner is not None and owner != os.getpid() and _pid_alive(owner) and age < STALE_UPLOAD_SECONDS:
            continue
        if owner == os.getpid() and age < STALE_UPLOAD_SECONDS:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        log.warning("removed %d stale upload folder(s) in %s", len(removed), uploads_dir)
    return removed


async def in_daemon_thread(fn: Callable[..., T], *args: Any, name: str = "upload-validation") -> T:
    """``fn(*args)`` in a new daemon thread, awaited without holding a worker thread of the server.

    A request that is abandoned (client gone, server stopping after its graceful timeout) stops waiting at once;
    the thread runs on unseen, and being a daemon it never keeps the process from exiting. ``fn`` runs in a copy of
    the caller's context (log lines keep their request id)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def target() -> None:
        try:
            result, error = context.run(fn, *args), None
        except BaseException as exc:
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await future


class DatasetStore:
    """The datasets of one workspace: metadata rows in the service database (``api.store``), files on disk.

    ``default_dir`` (the ``default`` workspace only) is the configured data folder, registered as dataset
    ``default`` at start-up. ``limits``: the data limits every load runs under; ``quota``: what the workspace may
    keep; ``cache``: the process's loaded datasets (shared by its workspaces; datasets are immutable once stored);
    ``validator``: ``(folder, limits) -> UploadSummary`` checking an upload (default :func:`check_upload`, in the
    validation processes; ``api.http.validation.summarise`` validates in this process).
    Opening the store removes temporary upload folders left by a process that died.
    """

    def __init__(
        self,
        store: Store,
        workspace: str,
        uploads_dir: Path,
        default_dir: Path | None = None,
        *,
        limits: DataLimits = DEFAULT_LIMITS,
        quota: UploadQuota | None = None,
        cache: DatasetCache | None = None,
        validator: Callable[[Path, DataLimits], UploadSummary] | None = None,
    ) -> None:
        self.store = store
        self.workspace = workspace
        self.uploads_dir = Path(uploads_dir)
        self.default_dir = Path(default_dir) if default_dir is not None else None
        self.limits = limits
        self.quota = quota or UploadQuota()
        self.cache = cache if cache is not None else DatasetCache(2 * 1024**3)
        self.validator = validator  # None: the validation processes (check_upload)
        self._lock = threading.Lock()
        self._reserved = (0, 0)  # uploads of this process being validated: (datasets, bytes)
        remove_stale_uploads(self.uploads_dir)

    @classmethod
    def of(cls, settings: Settings, store: Store, workspace: str, cache: DatasetCache | None = None) -> DatasetStore:
        """The dataset store of ``workspace`` as ``settings`` configure it (limits, quota, the default folder)."""
        from api.settings import DEFAULT_WORKSPACE

        return cls(
            store, workspace, settings.uploads_root(workspace),
            settings.data_dir if workspace == DEFAULT_WORKSPACE else None,
            limits=settings.data_limits(),
            quota=UploadQuota(settings.max_datasets_per_workspace, settings.max_dataset_bytes_per_workspace),
            cache=cache if cache is not None else DatasetCache(settings.dataset_cache_bytes),
        )

    def ids(self) -> list[str]:
        """Dataset ids of the workspace, oldest first."""
        return [r.id for r in self.store.datasets(self.workspace)]

    def path(self, dataset_id: str) -> Path:
        """The dataset's folder (``UnknownDatasetError`` when the workspace has no such dataset)."""
        return Path(self.store.dataset(self.workspace, dataset_id).path)

    def get(self, dataset_id: str) -> Dataset:
        """The validated dataset (``DataValidationError`` if its files no longer pass)."""
        key = (self.workspace, dataset_id)
        ds = self.cache.get(key)
        if ds is None:
            ds = load_limited(self.path(dataset_id), self.limits)
            self.cache.put(key, ds)
        return ds

    def usage(self) -> tuple[int, int]:
        """(uploaded datasets, bytes of their files on disk) of the workspace (``default`` not counted)."""
        ids = [i for i in self.ids() if i != DEFAULT_ID]
        return len(ids), sum(folder_bytes(self.uploads_dir / i) for i in ids)

    def _reserve(self, incoming: int) -> None:
        """Check the quota for one more dataset of ``incoming`` bytes and hold it until the upload ends."""
        with self._lock:
            count, size = self.usage()
            count, size = count + self._reserved[0] + 1, size + self._reserved[1] + incoming
            if count > self.quota.max_datasets:
                raise LimitExceeded(
                    "datasets", "max_uploads", self.quota.max_datasets, count,
                    f"workspace {self.workspace!r} keeps at most {self.quota.max_datasets} uploaded datasets; "
                    "ask an admin to remove old ones or raise KPI_ADVISOR_MAX_DATASETS_PER_WORKSPACE",
                )
            if size > self.quota.max_bytes:
                raise LimitExceeded(
                    "datasets", "max_upload_bytes", self.quota.max_bytes, size,
                    f"workspace {self.workspace!r} would keep {size} bytes of uploads, more than its "
                    f"{self.quota.max_bytes}; remove old datasets or raise KPI_ADVISOR_MAX_DATASET_BYTES_PER_WORKSPACE",
                )
            self._reserved = (self._reserved[0] + 1, self._reserved[1] + incoming)

    def _release(self, incoming: int) -> None:
        with self._lock:
            self._reserved = (self._reserved[0] - 1, self._reserved[1] - incoming)

    def upload(
        self,
        files: Iterable[tuple[str, bytes]],
        dataset_id: str | None = None,
        abandoned: threading.Event | None = None,
    ) -> tuple[str, UploadSummary]:
        """Store a data folder from ``(file name, content)`` pairs if every table passes validation; returns the
        dataset id and what the validation found (the dataset is loaded in this process when first used).

        The files are table files, ``targets.yaml`` and optionally a ``kpi-advisor.yaml`` with an ``mmm:`` section
        and the media-mix file it names (:func:`upload_files`). Raises ``UploadError`` (bad names),
        ``DatasetExistsError`` (id taken), ``LimitExceeded`` (quota or data limits) or ``DataValidationError``
        (every error found; a refused config names key and rule). A failing upload stores nothing: no folder, no
        database row; nor does one whose ``abandoned`` event is set before it is stored (the client went away).
        """
        dataset_id = dataset_id or uuid.uuid4().hex[:12]
        if not ID_RE.match(dataset_id) or dataset_id == DEFAULT_ID:
            raise UploadError(
                f"dataset id {dataset_id!r} must be 1-63 characters: lowercase letters, digits, '-' and '_', "
                f"starting with a letter or digit, and not {DEFAULT_ID!r}"
            )
        named = upload_files(files, self.limits)
        if dataset_id in self.ids():
            raise DatasetExistsError(f"dataset {dataset_id!r} already exists in this workspace; choose another id")
        incoming = sum(len(c) for c in named.values())
        self._reserve(incoming)
        try:
            return self._store(named, dataset_id, abandoned)
        finally:
            self._release(incoming)

    def _store(
        self, named: dict[str, bytes], dataset_id: str, abandoned: threading.Event | None
    ) -> tuple[str, UploadSummary]:
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        final = self.uploads_dir / dataset_id
        tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=self.uploads_dir))
        placed = False
        try:
            for name, content in named.items():
                (tmp / name).write_bytes(content)
            with UPLOAD_VALIDATIONS:
                if abandoned is not None and abandoned.is_set():
                    raise UploadError("the upload was abandoned before it was validated")
                # DataValidationError with every issue, LimitExceeded
                summary = (self.validator or check_upload)(tmp, self.limits)
            if abandoned is not None and abandoned.is_set():
                raise UploadError("the upload was abandoned before it was stored")
            try:
                os.rename(tmp, final)
            except OSError:
                raise DatasetExistsError(f"dataset {dataset_id!r} already exists; choose another id") from None
            placed = True
            self.store.add_dataset(
                self.workspace, dataset_id, str(final.resolve()), summary.fingerprint, summary.tables, summary.report,
            )
        except BaseException:
            shutil.rmtree(final if placed else tmp, ignore_errors=True)
            raise
        return dataset_id, summary

    @staticmethod
    def describe_upload(dataset_id: str, summary: UploadSummary, active: bool) -> dict[str, Any]:
        """``DatasetInfo`` fields of a dataset just uploaded (from its validation summary)."""
        return {
            "id": dataset_id, "tables": dict(summary.tables), "has_targets": summary.has_targets,
            "fingerprint": summary.fingerprint, "active": active, "warnings": list(summary.warnings),
            "mmm": summary.report.get("mmm"),
        }

    def describe(self, dataset_id: str, ds: Dataset, active: bool) -> dict[str, Any]:
        """``DatasetInfo`` fields of a loaded dataset (``tables`` counts the ``mmm`` table's rows too)."""
        mmm = getattr(ds, "mmm", None)
        tables = {name: len(df) for name, df in ds.tables.items()}
        if mmm is not None:
            tables["mmm"] = len(mmm.frame)
        return {
            "id": dataset_id,
            "tables": tables,
            "has_targets": ds.targets is not None,
            "fingerprint": ds.fingerprint,
            "active": active,
            "warnings": [w.to_dict() for w in ds.warnings],
            "mmm": mmm_summary(mmm) if mmm is not None else None,
        }
