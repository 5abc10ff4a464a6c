"""Readers: CSV (comma/semicolon, UTF-8 ± BOM, CRLF), Parquet and SQL into a ``RawTable``.

A ``RawTable`` frame is indexed by the row numbers users see in issues (see ``advisor.data.issues``):
CSV → file line number (header = 1), Parquet/SQL/in-memory → 1-based record number. CSV cells are read as
text; typing happens in validation so that bad cells can be reported with their line numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Strings read as missing in CSV cells (pandas' defaults plus "--", used by ad platforms for "none").
NA_VALUES = ["--"]


class EmptySourceError(ValueError):
    """The source holds no header at all (0-byte or whitespace-only file)."""


class SourceReadError(ValueError):
    """The source cannot be read (not UTF-8, broken Parquet, SQL error ...); ``rows``: offending lines, if known."""

    def __init__(self, message: str, rows: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.rows = rows


@dataclass(frozen=True)
class RawTable:
    """Untyped table as read.

    frame: raw cells, index = row numbers; headers: original header cells in file order;
    source: human-readable origin; sep: CSV delimiter used (None for typed sources);
    decimal_comma: CSV numbers may use ',' as decimal mark (semicolon files);
    duplicate_headers: header names that occur more than once (pandas renames the copies ``name.1``).
    """

    frame: pd.DataFrame
    headers: tuple[str, ...]
    source: str
    sep: str | None = None
    decimal_comma: bool = False
    duplicate_headers: tuple[str, ...] = ()


def sniff_delimiter(lines: list[str]) -> str:
    """``;`` or ``,`` (the only delimiters SPEC §2 allows): the one giving more fields per line (modal count)."""
    best, best_mode = ",", 1
    for sep in (",", ";"):
        mode = _modal_fields(lines, sep)
        if mode > best_mode:
            best, best_mode = sep, mode
    return best


def _fields(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep, skipinitialspace=True), [])


def _modal_fields(lines: list[str], sep: str) -> int:
    counts = Counter(len(_fields(line, sep)) for line in lines)
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else 1


def _header_index(lines: list[str], sep: str) -> int:
    """Index of the header: the first non-blank line with the modal field count (skips report titles)."""
    sample = [(i, line) for i, line in enumerate(lines[:200]) if line.strip()][:30]
    mode = _modal_fields([line for _, line in sample], sep)
    for i, line in sample:
        if mode <= 1 or len(_fields(line, sep)) == mode:
            return i
    return sample[0][0] if sample else 0


def read_csv(path: Path) -> RawTable:
    """Read a CSV file as text cells; blank lines are dropped but keep line numbering intact.

    Title lines above the header (as in Google Ads report downloads) are skipped: the header is the first line
    with the modal number of fields.
    """
    name = Path(path).name
    data = Path(path).read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceReadError(f"{name}: UTF-16 text (e.g. an 'Excel CSV' export); save it as UTF-8 CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceReadError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise EmptySourceError(f"{name} is empty")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    sample = [line for line in lines[:200] if line.strip()][:30]
    sep = sniff_delimiter(sample)
    first = _header_index(lines, sep)
    header = [h.strip() for h in _fields(lines[first], sep)]
    duplicates = tuple(sorted(h for h, n in Counter(header).items() if n > 1))
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
        detail = str(exc).strip().removeprefix("Error tokenizing data. C error: ")
        line = re.search(r"line (\d+)", detail)  # pandas counts physical lines from the top of the file
        rows = (int(line.group(1)),) if line else ()
        raise SourceReadError(f"{name}: cannot parse as CSV with delimiter {sep!r}: {detail}", rows) from exc
    frame.index = pd.Index(np.arange(len(frame)) + first + 2 + _embedded_newlines(frame, text), name="row")
    frame = frame.dropna(how="all")
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed)  # trailing delimiters make empty, nameless columns
    headers = tuple(str(c) for c in frame.columns)
    return RawTable(
        frame, headers, str(path), sep=sep, decimal_comma=sep == ";", duplicate_headers=duplicates
    )


def _embedded_newlines(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Per row, the line breaks inside quoted cells of the rows above it (keeps line numbers exact)."""
    if '"' not in text or frame.empty:
        return np.zeros(len(frame), dtype=int)
    breaks = frame.apply(lambda col: col.str.count("\n")).sum(axis=1).to_numpy(dtype=int)
    return np.concatenate(([0], np.cumsum(breaks)[:-1]))


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
    import sqlalchemy as sa  # imported on use: it is slow to import and only SQL sources need it

    if (table is None) == (query is None):
        raise ValueError("give exactly one of table= or query=")
    try:
        engine = sa.create_engine(url)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:  # malformed URL, driver not installed
        raise SourceReadError(f"SQL source {_safe_url(url)}: {exc}") from exc
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
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.Index(np.arange(len(frame)) + 1, name="row")
    return RawTable(frame, tuple(str(c) for c in frame.columns), source)


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<sql url>"
