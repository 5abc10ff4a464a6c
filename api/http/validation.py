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


def summarise(folder: Path, limits: DataLimits) -> UploadSummary:
    """Load and validate ``folder`` under ``limits`` in this process (``DataValidationError``, ``LimitExceeded``)."""
    from advisor.data import ValidationReport
    from api.http.datasets import dataset_bytes, load_limited

    ds = load_limited(folder, limits)
    report = ValidationReport(ok=True, errors=(), warnings=ds.warnings, tables=tuple(ds.tables))
    return UploadSummary(
        fingerprint=ds.fingerprint, tables={name: len(df) for name, df in ds.tables.items()},
        has_targets=ds.targets is not None, warnings=[w.to_dict() for w in ds.warnings], report=report.to_dict(),
        memory_bytes=dataset_bytes(ds),
    )


def _check(folder: str, limits: DataLimits) -> tuple[str, Any]:
    """Pool task: ``("ok", summary)``, ``("invalid", (issues, warnings))`` or ``("limit", fields)``; other errors
    travel as ``("error", (type name, message))`` (exceptions with custom constructors do not pickle)."""
    from advisor.data import DataValidationError
    from advisor.data.limits import LimitExceeded

    try:
        return "ok", summarise(Path(folder), limits)
    except LimitExceeded as exc:
        return "limit", exc.to_dict()
    except DataValidationError as exc:
        return "invalid", (exc.issues, exc.warnings)
    except (ValueError, LookupError, OSError, RecursionError) as exc:
        return "error", (type(exc).__name__, str(exc)[:2000])


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
    name, message = value
    if name == "RecursionError":
        raise RecursionError(message)
    raise ValueError(f"the upload cannot be read ({name}): {message}")


def _watch_parent(parent: int) -> None:
    """Pool initializer: exit when the web process that started this pool is gone (it may exit without
    terminating the pool, e.g. after a graceful-shutdown timeout)."""

    def watch() -> None:
        while True:
            threading.Event().wait(PARENT_WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="kpi-advisor-parent-watch", daemon=True).start()


class ValidationPool:
    """``processes`` spawned validation processes, started on first use and shared by the process's workspaces;
    :meth:`check` blocks the calling thread (run it in a daemon thread) until the folder is validated."""

    def __init__(self, processes: int = 2) -> None:
        self.processes = processes
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    def _get(self) -> Pool:
        with self._lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("spawn")
                self._pool = ctx.Pool(self.processes, initializer=_watch_parent, initargs=(os.getpid(),),
                                      maxtasksperchild=50)
                atexit.register(self.close)
            return self._pool

    def check(self, folder: Path, limits: DataLimits) -> UploadSummary:
        """The summary of the valid upload in ``folder``; ``DataValidationError`` / ``LimitExceeded`` /
        ``ValueError`` otherwise."""
        kind, value = self._get().apply(_check, (str(folder), limits))
        return _raise(kind, value)

    def close(self) -> None:
        """Kill the pool's processes (running validations are abandoned)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()


POOL = ValidationPool()
"""The validation processes of this web process."""
