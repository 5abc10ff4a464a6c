"""Readers: CSV (comma/semicolon, UTF-8 ± BOM, CRLF), Parquet and SQL into a ``RawTable``, within ``DataLimits``.

A ``RawTable`` frame is indexed by the row numbers users see in issues (see ``advisor.data.issues``):
CSV → file line number (header = 1), Parquet/SQL/in-memory → 1-based record number. CSV cells are read as
text; typing happens in validation so that bad cells can be reported with their line numbers.

Limits (``advisor.data.limits``) are checked while reading, before a table is materialised: CSV text is streamed
(columns counted from the header, rows capped at ``max_rows + 1``, characters counted against
``max_decompressed_bytes``, each line against ``max_field_chars``); Parquet is checked on its metadata first, then
read batch by batch; SQL results are fetched in chunks. A broken limit raises ``LimitExceeded``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from advisor.data.limits import DEFAULT_LIMITS, DataLimits, LimitExceeded

#: Strings read as missing in CSV cells (pandas' defaults plus "--", used by ad platforms for "none").
NA_VALUES = ["--"]
#: Lines looked at to find the delimiter and the header (title lines of report downloads sit above it).
HEAD_LINES = 200
_CHUNK_BYTES = 1 << 20


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
    try:
        return next(csv.reader([line], delimiter=sep, skipinitialspace=True), [])
    except csv.Error:  # a cell over the csv module's own limit: the line counts as one field
        return [line]


def _modal_fields(lines: list[str], sep: str) -> int:
    counts = Counter(len(_fields(line, sep)) for line in lines)
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else 1


def _header_index(lines: list[str], sep: str) -> int:
    """Index of the header: the first non-blank line with the modal field count (skips report titles)."""
    sample = [(i, line) for i, line in enumerate(lines[:HEAD_LINES]) if line.strip()][:30]
    mode = _modal_fields([line for _, line in sample], sep)
    for i, line in sample:
        if mode <= 1 or len(_fields(line, sep)) == mode:
            return i
    return sample[0][0] if sample else 0


class _BoundedText(io.TextIOBase):
    """UTF-8 text of a binary stream, read in chunks, that refuses to grow past the limits.

    Counts bytes read (against ``max_decompressed_bytes``: CSV inputs are plain text, so their size is their
    decompressed size) and the characters of every physical line (against ``max_field_chars``); notes whether a
    quote character was seen (only then can a cell span lines). ``lines_read``: line breaks passed so far.
    """

    def __init__(self, raw: BinaryIO, name: str, table: str, limits: DataLimits) -> None:
        super().__init__()
        self._raw, self._name, self._table, self._limits = raw, name, table, limits
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._bytes_in = 0
        self._line_chars = 0  # length of the line still open at the end of the last chunk
        self._pending = ""
        self.lines_read = 0
        self.saw_quote = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        """Up to ``size`` characters (all the rest when ``size`` is None or negative)."""
        whole = size is None or size < 0
        parts, have = [self._pending], len(self._pending)
        while whole or have < (size or 0):
            chunk = self._next_chunk()
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        out = "".join(parts)
        if whole:
            self._pending = ""
            return out
        self._pending = out[size:]
        return out[:size]

    def _next_chunk(self) -> str:
        data = self._raw.read(_CHUNK_BYTES)
        limit = self._limits.max_decompressed_bytes
        if self._bytes_in + len(data) > limit:
            raise LimitExceeded(
                self._table, "max_decompressed_bytes", limit, None,
                f"{self._table}: {self._name} holds more than {limit:,} bytes of text (max_decompressed_bytes)",
            )
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            at = self._bytes_in + exc.start - len(self._decoder.getstate()[0])
            raise SourceReadError(f"{self._name}: not UTF-8 text ({exc.reason} at byte {max(at, 0)})") from exc
        self._bytes_in += len(data)
        if text:
            self._check(text)
        return text

    def _check(self, text: str) -> None:
        limits = self._limits
        self.saw_quote = self.saw_quote or '"' in text
        parts = text.split("\n")
        lengths = [self._line_chars + len(parts[0]), *map(len, parts[1:])]
        longest = max(lengths)
        if longest > limits.max_field_chars:
            line = self.lines_read + 1 + lengths.index(longest)
            fields = max(parts[0].count(","), parts[0].count(";")) + 1
            if self.lines_read == 0 and fields > limits.max_columns:  # a very wide header: say so, not its length
                raise _too_many_columns(self._table, self._name, limits, fields)
            raise LimitExceeded(
                self._table, "max_field_chars", limits.max_field_chars, None,
                f"{self._table}: line {line} of {self._name} is longer than {limits.max_field_chars:,} "
                f"characters (max_field_chars)",
            )
        self.lines_read += len(parts) - 1
        self._line_chars = lengths[-1]


def _head_lines(path: Path, table: str, limits: DataLimits) -> tuple[list[str], bool]:
    """The first ``HEAD_LINES`` lines (without line ends) and whether that is the whole file."""
    with open(path, "rb") as raw:
        stream = _BoundedText(raw, path.name, table, limits)
        chunks: list[str] = []
        breaks = 0
        while breaks < HEAD_LINES:
            chunk = stream.read(1 << 16)
            if not chunk:
                return [line.rstrip("\r") for line in "".join(chunks).split("\n")], True
            chunks.append(chunk)
            breaks += chunk.count("\n")
    return [line.rstrip("\r") for line in "".join(chunks).split("\n")[:HEAD_LINES]], False


def read_csv(path: Path, *, table: str | None = None, limits: DataLimits = DEFAULT_LIMITS) -> RawTable:
    """Read a CSV file as text cells; blank lines are dropped but keep line numbering intact.

    Title lines above the header (as in Google Ads report downloads) are skipped: the header is the first line
    with the modal number of fields. The file is streamed: a header wider than ``limits.max_columns`` is refused
    before any row is parsed, parsing stops after ``max_rows + 1`` rows, and a file past
    ``max_decompressed_bytes`` bytes or a line/cell longer than ``max_field_chars`` raises ``LimitExceeded``
    (``table``: the name used in its message, default the file's stem).
    """
    path = Path(path)
    name, table = path.name, table or path.stem
    with open(path, "rb") as raw:
        if raw.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            raise SourceReadError(f"{name}: UTF-16 text (e.g. an 'Excel CSV' export); save it as UTF-8 CSV")
    lines, whole = _head_lines(path, table, limits)
    if whole and not "".join(lines).strip():
        raise EmptySourceError(f"{name} is empty")
    sample = [line for line in lines if line.strip()][:30]
    sep = sniff_delimiter(sample)
    first = _header_index(lines, sep)
    header = [h.strip() for h in _fields(lines[first], sep)]
    if len(header) > limits.max_columns:
        raise _too_many_columns(table, name, limits, len(header))
    duplicates = tuple(sorted(h for h, n in Counter(header).items() if n > 1))
    with open(path, "rb") as raw:
        stream = _BoundedText(raw, name, table, limits)
        try:
            frame = pd.read_csv(
                stream,
                sep=sep,
                dtype=str,
                na_values=NA_VALUES,
                skip_blank_lines=False,
                skipinitialspace=True,
                skiprows=first,
                nrows=limits.max_rows + 1,
            )
        except pd.errors.ParserError as exc:
            detail = str(exc).strip().removeprefix("Error tokenizing data. C error: ")
            line = re.search(r"line (\d+)", detail)  # pandas counts physical lines from the top of the file
            rows = (int(line.group(1)),) if line else ()
            raise SourceReadError(f"{name}: cannot parse as CSV with delimiter {sep!r}: {detail}", rows) from exc
        except pd.errors.EmptyDataError as exc:
            raise EmptySourceError(f"{name} is empty") from exc
        saw_quote = stream.saw_quote
    if len(frame) > limits.max_rows:
        raise _too_many_rows(table, name, limits, None)
    frame.index = pd.Index(np.arange(len(frame)) + first + 2 + _embedded_newlines(frame, saw_quote), name="row")
    if saw_quote:  # a quoted cell may span lines, so cells are not bounded by the line check
        check_cells(frame, table, name, limits)
    frame = frame.dropna(how="all")
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed)  # trailing delimiters make empty, nameless columns
    headers = tuple(str(c) for c in frame.columns)
    return RawTable(
        frame, headers, str(path), sep=sep, decimal_comma=sep == ";", duplicate_headers=duplicates
    )


def _too_many_rows(table: str, source: str, limits: DataLimits, actual: int | None) -> LimitExceeded:
    count = f"{actual:,} rows" if actual is not None else f"more than {limits.max_rows:,} rows"
    return LimitExceeded(
        table, "max_rows", limits.max_rows, actual,
        f"{table}: {source} has {count}; at most {limits.max_rows:,} are allowed (max_rows)",
    )


def _too_many_columns(table: str, source: str, limits: DataLimits, actual: int) -> LimitExceeded:
    return LimitExceeded(
        table, "max_columns", limits.max_columns, actual,
        f"{table}: {source} has {actual:,} columns, more than the {limits.max_columns:,} allowed (max_columns)",
    )


def _too_many_bytes(table: str, source: str, limits: DataLimits, actual: int) -> LimitExceeded:
    return LimitExceeded(
        table, "max_decompressed_bytes", limits.max_decompressed_bytes, actual,
        f"{table}: {source} holds {actual:,} bytes of data once decompressed, more than the "
        f"{limits.max_decompressed_bytes:,} allowed (max_decompressed_bytes)",
    )


def check_cells(frame: pd.DataFrame, table: str, source: str, limits: DataLimits) -> None:
    """Raise ``LimitExceeded`` (``max_field_chars``) naming column and row of the first over-long text cell."""
    for col in frame.columns:
        s = frame[col]
        if s.dtype != object:
            continue
        lengths = s.str.len() if pd.api.types.infer_dtype(s, skipna=True) == "string" else s.map(
            lambda v: len(v) if isinstance(v, str | bytes) else 0
        )
        over = lengths.to_numpy(dtype=float, na_value=0.0) > limits.max_field_chars
        if over.any():
            row = frame.index[int(np.argmax(over))]
            raise LimitExceeded(
                table, "max_field_chars", limits.max_field_chars, int(lengths[over].max()),
                f"{table}.{col}: the cell in row {row} of {source} is longer than {limits.max_field_chars:,} "
                f"characters (max_field_chars)",
                column=str(col),
            )


def _embedded_newlines(frame: pd.DataFrame, saw_quote: bool) -> np.ndarray:
    """Per row, the line breaks inside quoted cells of the rows above it (keeps line numbers exact)."""
    if not saw_quote or frame.empty:
        return np.zeros(len(frame), dtype=int)
    breaks = np.zeros(len(frame), dtype=int)
    for col in frame.columns:
        breaks += frame[col].str.count("\n").fillna(0).to_numpy(dtype=int)
    return np.concatenate(([0], np.cumsum(breaks)[:-1]))


def _expands_too_much(table: str, name: str, limits: DataLimits, size: int, on_disk: int) -> LimitExceeded:
    return LimitExceeded(
        table, "max_expansion", limits.max_expansion, size // on_disk,
        f"{table}: {name} ({on_disk:,} bytes) grew past {size:,} bytes once decoded, more than "
        f"{limits.max_expansion} times its size (rule max_expansion): a decompression bomb or a table of "
        f"repeated rows; upload the rows themselves",
    )


def parquet_parts(path: Path) -> list[Path]:
    """The Parquet files of ``path``: itself when it is a file; for a folder (a data set as Spark writes it:
    ``part-00000-....parquet`` files beside ``_SUCCESS`` and ``.crc`` files) its ``.parquet``/``.pq`` files, in
    name order, skipping names that start with ``_`` or ``.``. :class:`SourceReadError` for a folder without any."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    parts = sorted(
        p for p in path.iterdir()
        if p.is_file() and p.suffix.lower() in (".parquet", ".pq") and not p.name.startswith(("_", "."))
    )  # fmt: skip
    if not parts:
        raise SourceReadError(f"{path.name}: a folder without Parquet part files (*.parquet)")
    return parts


def read_parquet(path: Path, *, table: str | None = None, limits: DataLimits = DEFAULT_LIMITS) -> RawTable:
    """Read a Parquet file, or a folder of Parquet part files (:func:`parquet_parts`, read in name order as
    one table), typed columns kept; rows numbered 1..n over the parts in order.

    The footers are checked first (rows, columns, uncompressed size of every row group, summed over the parts),
    then the data is read batch by batch and counted again (a footer could lie), so a small file that decompresses
    to a huge table raises ``LimitExceeded`` before it is materialised. The parts must share one schema.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    name = path.name
    table = table or (path.name if path.is_dir() and not path.suffix else path.stem)
    parts = parquet_parts(path)
    files = []
    try:
        for part in parts:
            files.append(pq.ParquetFile(part))
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        for f in files:
            f.close()
        where = name if part == path else f"{name}/{part.name}"
        raise SourceReadError(f"{where}: cannot read Parquet: {exc}") from exc
    try:
        schema = files[0].schema_arrow
        for part, file in zip(parts, files, strict=True):
            if not file.schema_arrow.equals(schema):
                raise SourceReadError(
                    f"{name}/{part.name}: its columns {file.schema_arrow.names} differ from those of "
                    f"{parts[0].name} ({schema.names}); every part of a Parquet folder has one schema"
                )
        if len(schema) > limits.max_columns:
            raise _too_many_columns(table, name, limits, len(schema))
        metas = [f.metadata for f in files]
        total_rows = sum(m.num_rows for m in metas)
        if total_rows > limits.max_rows:
            raise _too_many_rows(table, name, limits, total_rows)
        declared = sum(m.row_group(i).total_byte_size for m in metas for i in range(m.num_row_groups))
        if declared > limits.max_decompressed_bytes:
            raise _too_many_bytes(table, name, limits, declared)
        batches, rows, size = [], 0, 0
        on_disk = max(sum(p.stat().st_size for p in parts), 1)
        try:
            for file in files:
                for batch in file.iter_batches(batch_size=65_536):
                    rows += batch.num_rows
                    size += batch.nbytes
                    if rows > limits.max_rows:
                        raise _too_many_rows(table, name, limits, None)
                    if size > limits.max_decompressed_bytes:
                        raise _too_many_bytes(table, name, limits, size)
                    if size > limits.expansion_floor_bytes and size > limits.max_expansion * on_disk:
                        raise _expands_too_much(table, name, limits, size, on_disk)
                    batches.append(batch)
            frame = pa.Table.from_batches(batches, schema=schema).to_pandas()
        except LimitExceeded:
            raise
        except Exception as exc:
            raise SourceReadError(f"{name}: cannot read Parquet: {exc}") from exc
    finally:
        for f in files:
            f.close()
    if frame.shape[1] == 0:
        raise EmptySourceError(f"{name} has no columns")
    check_cells(frame, table, name, limits)
    return _typed(frame, str(path))


def read_sql(
    url: str,
    *,
    table: str | None = None,
    query: str | None = None,
    name: str | None = None,
    limits: DataLimits = DEFAULT_LIMITS,
) -> RawTable:
    """Read a SQL ``table`` (optionally ``schema.table``) or ``query`` via SQLAlchemy; rows numbered 1..n.

    Results are streamed in chunks and reading stops past ``limits.max_rows`` rows or
    ``max_decompressed_bytes`` of frame memory (``LimitExceeded``; ``name``: the contract table, for messages).
    """
    import sqlalchemy as sa  # imported on use: it is slow to import and only SQL sources need it

    if (table is None) == (query is None):
        raise ValueError("give exactly one of table= or query=")
    what = f"table {table}" if table else "query"
    label = name or (table or "query")
    try:
        engine = sa.create_engine(url)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:  # malformed URL, driver not installed
        raise SourceReadError(f"SQL source {_safe_url(url)}: {exc}") from exc
    source = f"{_safe_url(url)} ({what})"
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(stream_results=True)
            chunks: Iterator[pd.DataFrame]
            if table is not None:
                schema, _, tname = table.rpartition(".")
                chunks = pd.read_sql_table(tname, conn, schema=schema or None, chunksize=50_000)
            else:
                chunks = pd.read_sql_query(sa.text(query or ""), conn, chunksize=50_000)
            frame = _bounded_concat(chunks, label, source, limits)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        if isinstance(exc, LimitExceeded):
            raise
        raise SourceReadError(f"SQL source {_safe_url(url)}: {exc}") from exc
    finally:
        engine.dispose()
    check_cells(frame, label, source, limits)
    return _typed(frame, source)


def _bounded_concat(chunks: Iterator[pd.DataFrame], table: str, source: str, limits: DataLimits) -> pd.DataFrame:
    parts: list[pd.DataFrame] = []
    rows = size = 0
    for chunk in chunks:
        if chunk.shape[1] > limits.max_columns:
            raise _too_many_columns(table, source, limits, chunk.shape[1])
        rows += len(chunk)
        size += int(chunk.memory_usage(index=False, deep=True).sum())
        if rows > limits.max_rows:
            raise _too_many_rows(table, source, limits, None)
        if size > limits.max_decompressed_bytes:
            raise _too_many_bytes(table, source, limits, size)
        parts.append(chunk)
    if not parts:
        raise ValueError("the SQL source returned no result set")
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def from_frame(
    frame: pd.DataFrame, source: str = "in-memory frame", *, table: str | None = None,
    limits: DataLimits = DEFAULT_LIMITS,
) -> RawTable:
    """Wrap an in-memory frame (copied) as a ``RawTable`` with 1-based record numbers (rows/columns capped)."""
    label = table or source
    if frame.shape[1] > limits.max_columns:
        raise _too_many_columns(label, source, limits, frame.shape[1])
    if len(frame) > limits.max_rows:
        raise _too_many_rows(label, source, limits, len(frame))
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
