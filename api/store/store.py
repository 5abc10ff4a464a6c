"""`Store`: the service database (workspaces, API keys, datasets, model versions, jobs, advice audit log)."""

from __future__ import annotations

from api.store.jobs import JobsMixin


class Store(JobsMixin):
    """The service database at ``url`` — ``sqlite:///data/kpi-advisor.db`` or
    ``postgresql+psycopg://user@host:5432/db``. Call :meth:`upgrade` once before use.

    Safe to share between threads, and several processes (web server and worker) may open the same database.
    Every public method is one short transaction and returns frozen records, never ORM objects.
    """
