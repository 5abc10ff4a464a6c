"""The whole service on PostgreSQL (127.0.0.1:5432, database ``test``, a fresh schema): keys, workspaces, uploads,
model versions, jobs and the audit log go through the same routes as on SQLite."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def live(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with serving.pg_schema() as url, serving.app_in_process(
        world, tmp_path_factory.mktemp("pg-service"), database_url=url
    ) as running:
        yield running


def test_service_runs_on_postgresql(live: Any) -> None:
    assert live.settings.database_url.startswith("postgresql+psycopg://")
    with live.client() as c:
        models = c.get("/v1/models").json()["models"]
        assert [(m["version"], m["active"]) for m in models] == [("v0001", True)]
        fc = c.post("/v1/forecast", json={"start": "2026-11-01", "end": "2026-11-07", "spend": {}})
        assert fc.status_code == 200 and fc.json()["model_version"] == "v0001"
        made = c.post("/v1/keys", json={"role": "viewer", "name": "pg viewer"})
        assert made.status_code == 201
        diag = c.post("/v1/diagnose", json={"channel": "search"})
        assert diag.status_code == 200
        job = c.post("/v1/train", json={"seed": 1})  # no worker here: it stays queued, then is cancelled
        assert job.status_code == 202 and job.json()["status"] == "queued"
        cancelled = c.post(f"/v1/jobs/{job.json()['id']}/cancel").json()
        assert cancelled["status"] == "cancelled"
        audit = c.get("/v1/audit").json()["entries"]
        assert [e["route"] for e in audit] == ["/v1/diagnose"] and audit[0]["model_version"] == "v0001"
    with live.client(made.json()["token"]) as viewer:
        assert viewer.get("/v1/kpis", params={"by": "channel"}).status_code == 200
        assert viewer.post("/v1/train", json={}).status_code == 403
        assert viewer.get("/v1/audit").status_code == 403
