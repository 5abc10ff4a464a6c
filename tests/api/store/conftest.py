"""Store fixtures over both backends: SQLite in ``tmp_path`` and PostgreSQL on 127.0.0.1:5432 (database ``test``).

PostgreSQL (``KPI_ADVISOR_TEST_PG_URL`` overrides the server) tests run in a fresh schema (``kpi_test_<uuid8>``, via ``?options=-csearch_path=...``) that is dropped
afterwards; when the server does not answer they skip with the reason (a user's own clone), never fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.store import Store
from api.store.tables import Base

PG_SERVER = os.environ.get("KPI_ADVISOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


@contextmanager
def pg_schema() -> Iterator[str]:
    """A new, empty PostgreSQL schema; yields a URL whose connections use it as ``search_path``."""
    admin = sa.create_engine(PG_SERVER)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {admin.url.render_as_string()} does not answer (set KPI_ADVISOR_TEST_PG_URL "
                    f"to another server): {exc.orig}")
    schema = f"kpi_test_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """One migrated schema per test module (tables are emptied before each test)."""
    with pg_schema() as url:
        store = Store(url)
        store.upgrade()
        store.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    if request.param == "sqlite":
        st = Store(f"sqlite:///{tmp_path / 'db' / 'store.db'}")
        st.upgrade()
    else:
        st = Store(request.getfixturevalue("pg_module_url"))
        with st.engine.begin() as conn:
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield st
    st.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables, no migrations yet) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'store.db'}"
    else:
        with pg_schema() as url:
            yield url


@pytest.fixture()
def second(store: Store) -> Iterator[Callable[[], Store]]:
    """Open further `Store`s on the same database (as another process would)."""
    opened: list[Store] = []

    def _open() -> Store:
        opened.append(Store(store.url))
        return opened[-1]

    yield _open
    for st in opened:
        st.dispose()
