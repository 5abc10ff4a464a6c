"""Readers: CSV (comma/semicolon, UTF-8 ± BOM, CRLF), Parquet and SQL into a ``RawTable``.

A ``RawTable`` frame is indexed by the row numbers users see in issues (see ``advisor.data.issues``):
CSV → file line number (header = 1), Parquet/SQL/in-memory → 1-based record number. CSV cells are read as
text; typing happens in validation so that bad cells can be reported with their line numbers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

#: Strings read as missing in CSV cells (pandas' defaults plus "--", used by ad platforms for "none").
NA_VALUES = ["--"]


class EmptySourceError(ValueError):
    """The source holds no header at all (0-byte or whitespace-only file)."""


class SourceReadError(ValueError):
    """The source cannot be read (not UTF-8, broken Parquet, SQL error ...)."""


@dataclass(frozen=True)
class RawTable:
    """Untyped table as read.

    frame: raw cells, index = row numbers; headers: original header cells in file order;
    source: human-readable origin; sep: CSV delimiter used (None for typed sources);
    decimal_comma: CSV numbers may use ',' as decimal mark (semicolon files).
    """

    frame: pd.DataFrame
    headers: tuple[str, ...]
    source: str
    sep: str | None = None
    decimal_comma: bool = False


def sniff_delimiter(header_line: str) -> str:
    """``;`` when the header has more semicolons than commas, else ``,`` (SPEC allows only these two)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_csv(path: Path) -> RawTable:
    """Read a CSV file as text cells; blank lines are dropped but keep line numbering intact."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceReadError(
            f"{Path(path).name}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    if not text.strip():
        raise EmptySourceError(f"{Path(path).name} is empty")
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    sep = sniff_delimiter(lines[first])
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            na_values=NA_VALUES,
            skip_blank_lines=False,
            skipinitialspace=True,
            skiprows=first,
        )
    except pd.errors.ParserError as exc:
        raise SourceReadError(
            f"{Path(path).name}: cannot parse as CSV with delimiter {sep!r}: {exc}"
        ) from exc
    frame.index = pd.Index(np.arange(len(frame)) + first + 2, name="row")
    frame = frame.dropna(how="all")
    headers = tuple(str(c) for c in frame.columns)
    return RawTable(frame, headers, str(path), sep=sep, decimal_comma=sep == ";")


def read_parquet(path: Path) -> RawTable:
    """Read a Parquet file (typed columns kept); rows numbered 1..n."""
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise SourceReadError(f"{Path(path).name}: cannot read Parquet: {exc}") from exc
    if frame.shape[1] == 0:
        raise EmptySourceError(f"{Path(path).name} has no columns")
    return _typed(frame, str(path))


def read_sql(url: str, *, table: str | None = None, query: str | None = None) -> RawTable:
    """Read a SQL ``table`` (optionally ``schema.table``) or ``query`` via SQLAlchemy; rows numbered 1..n."""
    if (table is None) == (query is None):
        raise ValueError("give exactly one of table= or query=")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if table is not None:
                schema, _, name = table.rpartition(".")
                frame = pd.read_sql_table(name, conn, schema=schema or None)
            else:
                frame = pd.read_sql_query(sa.text(query or ""), conn)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        raise SourceReadError(f"SQL source {_safe_url(url)}: {exc}") from exc
    finally:
        engine.dispose()
    what = f"table {table}" if table else "query"
    return _typed(frame, f"{_safe_url(url)} ({what})")


def from_frame(frame: pd.DataFrame, source: str = "in-memory frame") -> RawTable:
    """Wrap an in-memory frame (copied) as a ``RawTable`` with 1-based record numbers."""
    return _typed(frame.copy(), source)


def _typed(frame: pd.DataFrame, source: str) -> RawTable:
    frame = frame.reset_index(drop=True)
    frame.index = pd.Index(np.arange(len(frame)) + 1, name="row")
    return RawTable(frame, tuple(str(c) for c in frame.columns), source)


def _safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<sql url>"
