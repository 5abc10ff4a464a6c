"""Output helpers shared by CLI commands.

`--format json` prints exactly one JSON document on stdout and nothing else; `csv` prints CSV; `table` (the default)
renders a Rich table. Progress and errors go to stderr so stdout stays machine-readable.
"""

from __future__ import annotations

import csv
import enum
import functools
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NoReturn, ParamSpec, TypeVar

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

stderr = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(enum.StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(
    OutputFormat.table, "--format", "-f", help="table (for people), json (one document on stdout), or csv."
)


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars, dates and NaN into plain JSON values (NaN/inf become null)."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime):  # a moment (e.g. created_at) keeps its time and zone
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    return value


def print_json(document: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(document), ensure_ascii=False, indent=2) + "\n")


def _fmt_cell(value: Any) -> str:
    value = to_jsonable(value)
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.4g}"
    return str(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""


def csv_safe(value: Any) -> Any:
    """``value`` for a CSV cell a spreadsheet opens safely: text starting like a formula (``=``, ``+``, ``-``,
    ``@``, tab, carriage return) gets a leading ``'`` so it is shown as text; numbers (``-3.5``) are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def print_records(records: Sequence[Mapping[str, Any]], fmt: OutputFormat, *, title: str | None = None) -> None:
    """Print a list of row objects as JSON, CSV or a table (columns in first-seen order)."""
    if fmt is OutputFormat.json:
        print_json(list(records))
        return
    columns: list[str] = []
    for row in records:
        columns.extend(k for k in row if k not in columns)
    if fmt is OutputFormat.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in records:
            writer.writerow({k: csv_safe(to_jsonable(row.get(k))) for k in columns})
        sys.stdout.write(buf.getvalue())
        return
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in records:
        table.add_row(*(_fmt_cell(row.get(c)) for c in columns))
    stdout.print(table)


def fail(message: str, *, details: Iterable[str] = (), code: int = 2) -> NoReturn:
    """Print an error to stderr and exit non-zero."""
    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    for line in details:
        stderr.print(f"  {line}", highlight=False)
    raise typer.Exit(code)


def domain_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the domain's exceptions into a clear stderr message and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except FileNotFoundError as exc:
            fail(f"file not found: {exc.filename or exc}")
        except (ValueError, KeyError, LookupError) as exc:
            fail(str(exc).strip("'\""))

    return wrapper


def parse_date(value: str | None, name: str) -> date | None:
    """An ISO ``YYYY-MM-DD`` option value as a date (None stays None); a clear usage error otherwise."""
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date YYYY-MM-DD", param_hint=name) from None
