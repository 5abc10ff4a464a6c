"""Migrations: idempotent and concurrent ``upgrade()``, the version table's schema, migration == ORM metadata."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from api.store import Store
from api.store.tables import Base


def test_upgrade_is_idempotent(fresh_url: str) -> None:
    store = Store(fresh_url)
    try:
        assert store.current_revision() is None
        store.upgrade()
        assert store.current_revision() == "0001"
        store.create_key("acme", "viewer")
        store.upgrade()
        assert store.current_revision() == "0001"
        assert [k.workspace for k in store.list_keys("acme")] == ["acme"]  # data survives a second upgrade
    finally:
        store.dispose()


def test_upgrade_from_two_threads_at_once(fresh_url: str) -> None:
    stores = [Store(fresh_url) for _ in range(2)]  # separate engines, like two processes
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(st: Store) -> None:
        try:
            barrier.wait()
            st.upgrade()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(st,)) for st in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert {st.current_revision() for st in stores} == {"0001"}
        stores[0].ensure_workspace("acme")
        assert stores[1].workspaces() == ["acme"]
    finally:
        for st in stores:
            st.dispose()


def test_migrated_schema_equals_orm_metadata(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert diff == []
    assert tables == {*Base.metadata.tables, "alembic_version"}


def test_version_table_lands_in_the_search_path_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        if store.dialect != "postgresql":
            assert "alembic_version" in sa.inspect(conn).get_table_names()
            return
        schema = conn.scalar(sa.text("select current_schema()"))
        assert schema.startswith("kpi_test_")
        where = conn.scalar(sa.text("select table_schema from information_schema.tables "
                                    "where table_name = 'alembic_version' and table_schema like 'kpi_test_%' "
                                    "and table_schema = current_schema()"))
        assert where == schema
        assert conn.scalar(sa.text("select count(*) from information_schema.tables "
                                   "where table_name = 'alembic_version' and table_schema = 'public'")) == 0


def test_sqlite_creates_folder_and_uses_wal(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a' / 'b' / 'x.db'}")
    try:
        store.upgrade()
        assert (tmp_path / "a" / "b" / "x.db").is_file()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        store.dispose()


def test_migrations_ship_with_the_package() -> None:
    import api.store

    root = Path(api.store.__file__).parent / "migrations"
    assert (root / "env.py").is_file() and (root / "script.py.mako").is_file()
    assert (root / "versions" / "0001_initial.py").is_file()
