"""Resource limits on what users hand in: rows, columns, cell size, decompressed bytes, YAML size and depth.

The defaults are sized for a real marketing department (about 5 million campaign rows); the service reads its own
values from its settings and passes a :class:`DataLimits` down. A table that breaks a limit is refused before it is
materialised, with :class:`LimitExceeded` naming the table, the column (if any), the rule and both numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.yamlio import MAX_YAML_BYTES, MAX_YAML_DEPTH


@dataclass(frozen=True)
class DataLimits:
    """Largest input accepted. Rows and columns per table; characters per CSV cell (and line); bytes of a table
    once decompressed (CSV text, Parquet's uncompressed column data); bytes and nesting depth of a YAML file.

    ``max_expansion``: how many times its size on disk a compressed file (Parquet) may grow once decoded, checked
    from ``expansion_floor_bytes`` of decoded data on. Real campaign exports grow 3-30 times; a decompression bomb
    (a few hundred KB of identical rows) grows thousands of times and is refused after the first batches instead
    of being decoded and validated in full.
    """

    max_rows: int = 5_000_000
    max_columns: int = 500
    max_field_chars: int = 100_000
    max_decompressed_bytes: int = 2 * 1024**3
    max_expansion: int = 200
    expansion_floor_bytes: int = 64 * 1024**2
    max_yaml_bytes: int = MAX_YAML_BYTES
    max_yaml_depth: int = MAX_YAML_DEPTH


DEFAULT_LIMITS = DataLimits()


class LimitExceeded(ValueError):
    """An input is larger than a :class:`DataLimits` allows (the service answers 413 with ``rule``).

    table: contract table (or ``targets`` / ``config`` / ``catalog`` for YAML files); column: the column, if one;
    rule: stable id (``max_rows``, ``max_columns``, ``max_field_chars``, ``max_decompressed_bytes``,
    ``max_expansion``, ``max_yaml_bytes``, ``max_yaml_depth``, ``max_uploads``, ``max_upload_bytes``); limit / actual: the numbers
    (``actual`` may be a lower bound when reading stopped at the limit).
    """

    def __init__(
        self, table: str, rule: str, limit: int, actual: int | None, message: str, column: str | None = None
    ) -> None:
        super().__init__(message)
        self.table = table
        self.column = column
        self.rule = rule
        self.limit = limit
        self.actual = actual

    def to_dict(self) -> dict[str, object]:
        return {"table": self.table, "column": self.column, "rule": self.rule, "limit": self.limit,
                "actual": self.actual, "message": str(self)}
