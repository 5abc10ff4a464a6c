"""Alembic environment: runs on the connection ``Store.upgrade()`` passes in (``config.attributes["connection"]``),
inside the caller's transaction; without one (the ``alembic`` command line) on ``sqlalchemy.url``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from api.store.tables import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Connection) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: call api.store.Store(url).upgrade() or set sqlalchemy.url")
    with create_engine(url).begin() as own:
        _run(own)
