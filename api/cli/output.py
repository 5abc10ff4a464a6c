"""Output helpers shared by CLI commands.

`--format json` prints exactly one JSON document on stdout and nothing else; `csv` prints CSV; `table` (the default)
renders a Rich table. Progress and errors go to stderr so stdout stays machine-readable.
"""

from __future__ import annotations

import enum
import functools
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import typer

from advisor.core.jsonable import dumps, to_jsonable

if TYPE_CHECKING:
    from rich.console import Console

P = ParamSpec("P")
R = TypeVar("R")


class _LazyConsole:
    """A Rich console made on first use (importing Rich costs start-up time that ``--help`` should not pay)."""

    def __init__(self, *, to_stderr: bool) -> None:
        self._to_stderr = to_stderr
        self._console: Console | None = None

    def _get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            stream = sys.stderr if self._to_stderr else sys.stdout
            width = None if stream.isatty() else 160
            self._console = Console(stderr=True, width=width) if self._to_stderr else Console(soft_wrap=True, width=width)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


stderr: Any = _LazyConsole(to_stderr=True)
stdout: Any = _LazyConsole(to_stderr=False)


class OutputFormat(enum.StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(
    OutputFormat.table, "--format", "-f", help="table (for people), json (one document on stdout), or csv."
)

__all__ = ["FORMAT_OPTION", "OutputFormat", "fail", "print_json", "print_records", "stderr", "stdout", "to_jsonable"]


def print_json(document: Any) -> None:
    """Print one JSON document on stdout (``advisor.core.jsonable``: NaN/inf become null)."""
    sys.stdout.write(dumps(document, indent=2) + "\n")


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
        import csv
        import io

        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in records:
            writer.writerow({k: csv_safe(to_jsonable(row.get(k))) for k in columns})
        sys.stdout.write(buf.getvalue())
        return
    from rich.table import Table

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
            fail(_message(exc))

    return wrapper


def _message(exc: Exception) -> str:
    """The error line of a domain error; a request that failed validation lists each field and rule."""
    errors = getattr(exc, "errors", None)
    if callable(errors) and type(exc).__name__ == "ValidationError":
        parts = []
        for e in errors():
            where = ".".join(str(p) for p in e.get("loc", ())) or "options"
            parts.append(f"{where}: {str(e.get('msg', '')).removeprefix('Value error, ')}")
        return "invalid options: " + "; ".join(parts)
    return str(exc).strip("'\"")
