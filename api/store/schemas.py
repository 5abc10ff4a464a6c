"""A throw-away PostgreSQL schema for running the service in isolation on a shared server (test suites, soak runs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def temporary_schema(server_url: str, prefix: str = "kpi_tmp") -> Iterator[str]:
    """Create an empty schema ``<prefix>_<8 hex>`` on the PostgreSQL server at ``server_url`` and yield a URL whose
    connections use it as their ``search_path`` (pass it to ``Store`` / ``KPI_ADVISOR_DATABASE_URL``); the schema
    and everything in it is dropped on exit. ``sqlalchemy.exc.OperationalError`` when the server does not answer."""
    admin = sa.create_engine(server_url)
    try:
        schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield f"{server_url}?options=-csearch_path%3D{schema}"
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
