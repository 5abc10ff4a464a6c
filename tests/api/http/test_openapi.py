"""OpenAPI document: good enough for a GPT Action import (operation ids, descriptions, examples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.http import Settings
from api.server import create_app

ROUTES = {
    ("post", "/v1/datasets"), ("get", "/v1/datasets"), ("post", "/v1/train"), ("get", "/v1/jobs/{job_id}"),
    ("get", "/v1/models"), ("get", "/v1/kpis"), ("get", "/v1/attribution"), ("post", "/v1/kpis"), ("get", "/v1/scorecard"),
    ("post", "/v1/diagnose"), ("post", "/v1/forecast"), ("post", "/v1/optimize"), ("post", "/v1/advise"),
    ("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics"),
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(data_dir=root / "d", models_dir=root / "m", database_url=f"sqlite:///{root / 'db.sqlite'}"))
    doc: dict[str, Any] = app.openapi()
    return doc


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _has_example(spec: dict[str, Any], content: dict[str, Any]) -> bool:
    for media in content.values():
        if "example" in media or "examples" in media:
            return True
        schema = _resolve(spec, media.get("schema", {}))
        if "examples" in schema or "example" in schema:
            return True
    return False


def test_every_route_is_documented(spec: dict[str, Any]) -> None:
    found = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert ROUTES <= found, ROUTES - found
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and all(ids)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("summary") and op.get("description"), (method, path)
            assert op.get("tags"), (method, path)


def test_every_route_has_examples(spec: dict[str, Any]) -> None:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {})
            if body and "multipart/form-data" not in body:
                assert _has_example(spec, body), f"no request example for {method} {path}"
            ok = next(v for k, v in op["responses"].items() if k.startswith("2"))
            assert _has_example(spec, ok.get("content", {})), f"no response example for {method} {path}"


def test_errors_are_documented_as_problem_json(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/v1/forecast"]["post"]
    assert "application/problem+json" in op["responses"]["default"]["content"]
    problem = _resolve(spec, op["responses"]["default"]["content"]["application/problem+json"]["schema"])
    assert {"type", "title", "status", "detail"} <= set(problem["properties"])


def test_app_without_data_says_what_to_do(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.store import Store

    settings = Settings(
        data_dir=tmp_path / "d", models_dir=tmp_path / "m", workspaces_dir=tmp_path / "w",
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", worker=False,
    )
    store = Store(settings.database_url)
    store.upgrade()
    _, key = store.create_key("default", "viewer")
    with TestClient(create_app(settings, mcp=False), headers={"X-API-Key": key}) as c:
        r = c.get("/readyz")
        assert r.status_code == 200 and r.json()["status"] == "ready"  # the service is up; the workspace is empty
        f = c.post("/v1/forecast", json={"start": "2026-11-01", "end": "2026-11-02", "spend": {}})
        assert f.status_code == 503 and "POST /v1/train" in f.json()["detail"]
        k = c.get("/v1/kpis")
        assert k.status_code == 503 and "POST /v1/datasets" in k.json()["detail"]


def test_public_url_is_the_openapi_server(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, models_dir=tmp_path, public_url="https://advisor.example.com",
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    assert create_app(settings, mcp=False).openapi()["servers"] == [{"url": "https://advisor.example.com"}]
