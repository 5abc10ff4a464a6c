"""Store fixtures over both backends: SQLite in ``tmp_path`` and PostgreSQL on 127.0.0.1:5432 (database ``test``).

PostgreSQL (``KPI_ADVISOR_TEST_PG_URL`` overrides the server) tests run in a fresh schema (``kpi_test_<uuid8>``, via ``?options=-csearch_path=...``) that is dropped
afterwards; when the server does not answer they skip with the reason (a user's own clone), never fail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.store import Store
from api.store.tables import Base

BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


pg_schema = sys.modules["kpi_api_serving"].pg_schema  # shared with the service tests (tests/api/http/serving.py)


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
