"""Engine set-up for SQLite and PostgreSQL, programmatic Alembic migrations, and the base every store part shares.

SQLite: WAL journal, ``busy_timeout`` 30 s, foreign keys on; SQLAlchemy emits ``BEGIN`` itself (the driver's
legacy transaction control is switched off), and write transactions start with ``BEGIN IMMEDIATE`` so that two
writers — threads or processes — queue on the lock instead of failing when a read lock would need upgrading.
PostgreSQL: ``pool_pre_ping``; migrations hold an advisory lock so that concurrent ``upgrade()`` calls serialise.
"""

from __future__ import annotations

import importlib.resources
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session

BUSY_TIMEOUT_MS = 30_000
_MIGRATION_LOCK = 72_019_601  # pg_advisory_xact_lock key of `upgrade()`
_IMMEDIATE = "kpi_sqlite_immediate"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``), configured as above.

    For a SQLite file the parent folder is created.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (below), not the driver
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_IMMEDIATE) else "BEGIN")

    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL unless it already is. The switch needs an exclusive lock and SQLite does not always call
    the busy handler for it (two processes opening a fresh file at once): retry for up to ``BUSY_TIMEOUT_MS``."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def alembic_config(connection: Any | None = None) -> Config:
    """The Alembic configuration (no ``alembic.ini``): migrations shipped in ``api.store.migrations``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(importlib.resources.files("api.store") / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class Database:
    """Holds the engine; ``_reading()`` / ``_writing()`` open one short ORM transaction each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(**{_IMMEDIATE: True})
        self.dialect = self.engine.dialect.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with Session(self._writer, expire_on_commit=False) as s, s.begin():
            yield s

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (``alembic upgrade head``). Idempotent, and safe when several
        processes call it at once: they take turns (SQLite write lock, PostgreSQL advisory lock)."""
        with self._writer.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            command.upgrade(alembic_config(conn), "head")

    def current_revision(self) -> str | None:
        """The migration the database is at (``None`` before the first ``upgrade()``)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        """Close every pooled connection (call before the process exits or forks)."""
        self.engine.dispose()
