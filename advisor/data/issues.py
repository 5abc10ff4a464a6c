"""Validation issues, the validation report and the error raised when a table fails.

Row numbers (``ValidationIssue.rows``) are 1-based and point at what the user can open:

* CSV files: **file line numbers, the header being line 1** — the first data row is line 2. Blank lines, title
  lines above the header and line breaks inside quoted cells all count, so the number is the line an editor
  shows (for a record spanning several lines: its first line). If title lines precede the header, the header
  is not line 1 and the numbers still are the file's own line numbers.
* Parquet files, SQL tables/queries and in-memory frames (``Dataset.from_frames``): 1-based record numbers
  (the first record is 1).

At most ``MAX_ROWS`` (5) row numbers are kept per issue; the message states the total count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 5


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule in one table.

    table: contract table name (``campaign_daily`` ...), or ``config`` / ``targets`` for those files.
    column: contract column name, ``"a,b"`` for a multi-column key, or None for table-level issues.
    rows: first ≤ 5 offending row numbers (see module docstring), sorted ascending; empty when not row-bound.
    rule: stable machine-readable rule id (e.g. ``non_negative``, ``clicks_le_impressions``).
    message: human-readable explanation naming table, column, rule and the number of rows.
    """

    table: str
    column: str | None
    rows: tuple[int, ...]
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping with keys table, column, rows, rule, message."""
        return {
            "table": self.table,
            "column": self.column,
            "rows": list(self.rows),
            "rule": self.rule,
            "message": self.message,
        }


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of validating a data folder (SPEC §5 ``validate``).

    ok: True when there are no errors (warnings allowed).
    tables: the tables that were found and checked, in contract order (``mmm`` last when configured).
    mmm: summary of a valid media-mix table (``{"grain": "D"|"W", "periods", "geos", "channels", "outcomes",
    "first", "last"}``), None when there is none (or it failed).
    """

    ok: bool
    errors: tuple[ValidationIssue, ...]
    warnings: tuple[ValidationIssue, ...]
    tables: tuple[str, ...]
    mmm: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"ok", "errors": [...], "warnings": [...], "tables": [...]}`` plus ``"mmm": {...}`` when a media-mix
        table was read (``validate --format json``)."""
        out = {
            "ok": self.ok,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "tables": list(self.tables),
        }
        if self.mmm is not None:
            out["mmm"] = self.mmm
        return out


class DataValidationError(ValueError):
    """Raised when a table (or the folder) fails validation; nothing partial is returned.

    ``issues`` holds every error found (``warnings`` those found alongside, if any).
    """

    def __init__(self, issues: Iterable[ValidationIssue], warnings: Iterable[ValidationIssue] = ()) -> None:
        self.issues: tuple[ValidationIssue, ...] = tuple(issues)
        self.warnings: tuple[ValidationIssue, ...] = tuple(warnings)
        shown = "\n".join(f"  - {i.message}" for i in self.issues[:10])
        more = f"\n  ... and {len(self.issues) - 10} more" if len(self.issues) > 10 else ""
        super().__init__(f"{len(self.issues)} data validation error(s):\n{shown}{more}")

    def report(self) -> ValidationReport:
        """The error as a ``ValidationReport`` (ok=False)."""
        tables = tuple(dict.fromkeys(i.table for i in self.issues))
        return ValidationReport(ok=False, errors=self.issues, warnings=self.warnings, tables=tables)
