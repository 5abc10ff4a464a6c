"""Upload validation in separate processes, so that checking a large or hostile upload neither holds the web
process's GIL (KPI requests keep their latency) nor its memory, and can be killed.

:class:`ValidationPool` keeps a few spawned processes (``multiprocessing`` ``Pool``, daemonic) that load a data
folder with ``advisor.data.load_dataset`` under the service's :class:`~advisor.data.limits.DataLimits` and send back
an :class:`UploadSummary` (what the upload answer and the database row need), or the validation errors. Errors
cross the process boundary as plain values and are raised again in the caller as ``DataValidationError`` /
``LimitExceeded``. A pool process stops by itself when the web process is gone (it watches its parent), and the
pool is terminated at exit.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from advisor.data import Dataset, MmmTable
    from advisor.data.limits import DataLimits

log = logging.getLogger("kpi_advisor.api")

PARENT_WATCH_SECONDS = 1.0


@dataclass(frozen=True)
class UploadSummary:
    """A validated upload: data fingerprint (sha256 hex), rows per table, whether ``targets.yaml`` came with it,
    the warnings (``ValidationIssue.to_dict()`` each), the validation report (``ValidationReport.to_dict()``) and
    the estimated memory of its tables once loaded (bytes)."""

    fingerprint: str
    tables: dict[str, int]
    has_targets: bool
    warnings: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    memory_bytes: int = 0


def dataset_bytes(ds: Dataset) -> int:
    """Memory the dataset's tables take (bytes, ``DataFrame.memory_usage(deep=True)``; text cells counted), the
    media-mix frame (``ds.mmm.frame``) included."""
    frames = list(ds.tables.values())
    mmm = getattr(ds, "mmm", None)
    if mmm is not None:
        frames.append(mmm.frame)
    return int(sum(int(df.memory_usage(deep=True).sum()) for df in frames))


def mmm_summary(table: MmmTable) -> dict[str, Any]:
    """What a media-mix table holds, as ``kpi-advisor validate --format json`` reports it: ``grain`` ("D"|"W"),
    ``periods``, ``geos`` (1 when national), ``channels``, ``outcomes``, ``first`` / ``last`` (ISO dates)."""
    return {
        "grain": table.freq,
        "periods": int(table.periods),
        "geos": len(table.geos) if table.geo else 1,
        "channels": list(table.channels),
        "outcomes": list(table.outcomes),
        "first": str(table.frame["date"].min().date()),
        "last": str(table.frame["date"].max().date()),
    }


def summarise(folder: Path, limits: DataLimits) -> UploadSummary:
    """Load and validate ``folder`` under ``limits`` in this process (``DataValidationError``, ``LimitExceeded``).
    ``tables`` has the ``mmm`` table's rows and ``report`` its :func:`mmm_summary` when the upload configures one."""
    from advisor.data import ValidationReport, load_dataset

    ds = load_dataset(folder, limits=limits)
    tables = {name: len(df) for name, df in ds.tables.items()}
    mmm = None
    if ds.mmm is not None:
        tables["mmm"] = len(ds.mmm.frame)
        mmm = mmm_summary(ds.mmm)
    report = ValidationReport(ok=True, errors=(), warnings=ds.warnings, tables=tuple(tables), mmm=mmm)
    return UploadSummary(
        fingerprint=ds.fingerprint, tables=tables,
        has_targets=ds.targets is not None, warnings=[w.to_dict() for w in ds.warnings], report=report.to_dict(),
        memory_bytes=dataset_bytes(ds),
    )


def memory_bound(limits: DataLimits) -> int:
    """Data memory a validation process may take (bytes): twice the largest decompressed table plus 1 GiB for the
    libraries; a hard bound (``RLIMIT_DATA``) behind the data limits, whatever a reader misses."""
    return 2 * limits.max_decompressed_bytes + 1024**3


def _check(folder: str, limits: DataLimits) -> tuple[str, Any]:
    """Pool task: ``("ok", summary)``, ``("invalid", (issues, warnings))``, ``("limit", fields)`` or
    ``("memory", bound)``; other errors travel as ``("error", (type name, message))`` (exceptions with custom
    constructors do not pickle)."""
    try:
        from advisor.data import DataValidationError
        from advisor.data.limits import LimitExceeded

        try:
            return "ok", summarise(Path(folder), limits)
        except LimitExceeded as exc:
            return "limit", exc.to_dict()
        except DataValidationError as exc:
            return "invalid", (exc.issues, exc.warnings)
    except MemoryError:
        return "memory", _memory_limit()
    except (ValueError, LookupError, OSError, RecursionError, TypeError) as exc:
        return "error", (type(exc).__name__, str(exc)[:2000])


def _memory_limit() -> int | None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_DATA)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def _raise(kind: str, value: Any) -> UploadSummary:
    from advisor.data import DataValidationError
    from advisor.data.limits import LimitExceeded

    if kind == "ok":
        summary: UploadSummary = value
        return summary
    if kind == "limit":
        raise LimitExceeded(value["table"], value["rule"], value["limit"], value["actual"], value["message"],
                            column=value.get("column"))
    if kind == "invalid":
        raise DataValidationError(*value)
    if kind == "memory":
        bound = int(value or 0)
        raise LimitExceeded(
            "upload", "max_validation_memory", bound, None,
            f"validating the upload needs more than {bound} bytes of memory; send fewer rows or columns, or raise "
            "KPI_ADVISOR_MAX_DECOMPRESSED_BYTES (the bound is twice it plus 1 GiB)",
        )
    name, message = value
    if name == "RecursionError":
        raise RecursionError(message)
    raise ValueError(f"the upload cannot be read ({name}): {message}")


def _start_process(parent: int, memory_bytes: int | None) -> None:
    """Pool initializer: bound this process's data memory (``RLIMIT_DATA``, bytes; None: no bound) and exit when
    the web process that started the pool is gone (it may exit without terminating the pool, e.g. after a
    graceful-shutdown timeout)."""
    if memory_bytes is not None:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            memory_bytes = min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, hard))

    def watch() -> None:
        while True:
            threading.Event().wait(PARENT_WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="kpi-advisor-parent-watch", daemon=True).start()


class ValidationPool:
    """``processes`` spawned validation processes, started on first use and shared by the process's workspaces;
    :meth:`check` blocks the calling thread (run it in a daemon thread) until the folder is validated."""

    def __init__(self, processes: int = 2, memory_bytes: int | None = None) -> None:
        self.processes = processes
        self.memory_bytes = memory_bytes  # None: memory_bound(limits) of the first check
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    def _get(self, limits: DataLimits) -> Pool:
        with self._lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("spawn")
                bound = self.memory_bytes if self.memory_bytes is not None else memory_bound(limits)
                self._pool = ctx.Pool(self.processes, initializer=_start_process, initargs=(os.getpid(), bound),
                                      maxtasksperchild=50)
                atexit.register(self.close)
            return self._pool

    def check(self, folder: Path, limits: DataLimits) -> UploadSummary:
        """The summary of the valid upload in ``folder``; ``DataValidationError`` / ``LimitExceeded`` (data limits,
        or the process's memory bound: ``max_validation_memory``) / ``ValueError`` otherwise."""
        kind, value = self._get(limits).apply(_check, (str(folder), limits))
        return _raise(kind, value)

    def close(self) -> None:
        """Kill the pool's processes (running validations are abandoned)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()


POOL = ValidationPool()
"""The validation processes of this web process."""
