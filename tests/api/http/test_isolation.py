"""Workspace isolation and access control over EVERY route of the app (issue 6, "Must show").

Two workspaces share one app (in process): B is ``default`` (the trained world, a job, an upload, an audit entry) and A
is a fresh workspace with its own admin and viewer keys. The routes are read from the app itself (its route table
and OpenAPI document), never from a hand-written list, so a new route is covered as soon as it exists: a new path
parameter fails :func:`request_for` until it is given one of B's ids here.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastapi.routing
import httpx
import pandas as pd
import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

A = "ws-a"
PUBLIC = {"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"}
#: the dashboard's public routes and what an anonymous call gets: the sign-in form (a POST without the form's CSRF
#: token is refused) and static files (a made-up path is not found); every other /ui route answers 401
PUBLIC_UI = {("GET", "/ui/signin"): {200}, ("POST", "/ui/signin"): {403}, ("GET", "/ui/static/{path:path}"): {404}}
ALLOWED_FOR_FOREIGN_IDS = {401, 403, 404, 409, 422, 503}
BAD_CSV = (
    "date,campaign,channel,spend,impressions,clicks,conversions,revenue\n"
    "2026-01-01,c1,search,100,1000,50,5,500\n"
    "2026-01-02,c1,search,-3,1000,50,5,500\n"
)
AUDIT_MARKER = "zebra-4711"  # a word only B's question contains


@dataclass(frozen=True)
class Env:
    """The app and what each workspace owns.

    live: ``serving.Live`` (its key is B's admin key); a_admin / a_viewer: A's tokens; b_dataset / b_upload: B's
    dataset ids; b_version: B's served model version; b_job: a queued job of B; b_key: id of a viewer key of B (the
    revocation target); secrets: strings of B that no answer to A may contain unless A sent them itself.
    """

    live: Any
    app: Any
    a_admin: str
    a_viewer: str
    b_dataset: str
    b_upload: str
    b_version: str
    b_job: str
    b_key: str
    secrets: tuple[str, ...]


def key_id(token: str) -> str:
    """The id part of a ``kpia_<id>_<secret>`` token."""
    return token.split("_")[1]


@pytest.fixture(scope="module")
def env(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from api.server import create_app

    with serving.app_in_process(world, tmp_path_factory.mktemp("isolation"), max_body_bytes=5_000_000,
                                key_cache_seconds=1.0) as live:  # a revocation elsewhere is seen within 1 s
        store = live.store()
        _, a_admin = store.create_key(A, "admin", "a admin")
        _, a_viewer = store.create_key(A, "viewer", "a viewer")
        b_viewer, _ = store.create_key("default", "viewer", "b viewer (revoked by the tests)")
        b_job = store.submit_job("default", "train", {"dataset_id": "default", "seed": 3, "backtest": False,
                                                      "activate": False})
        content = (Path(world.data) / "campaign_daily.csv").read_text()
        half = "\n".join(content.splitlines()[: len(content.splitlines()) // 2]) + "\n"
        with live.client() as b:
            up = b.post("/v1/datasets", files=[("files", ("campaign_daily.csv", half.encode(), "text/csv"))],
                        data={"dataset_id": "b-upload-7"})
            assert up.status_code == 201, up.text
            asked = b.post("/v1/advise", json={"question": f"Why did social-02 miss its targets? {AUDIT_MARKER}"})
            assert asked.status_code == 200, asked.text
            version = next(m["version"] for m in b.get("/v1/models").json()["models"] if m["active"])
        datasets = {d.id: d for d in store.datasets("default")}
        channels = sorted(pd.read_csv(Path(world.data) / "campaign_daily.csv")["channel"].unique())
        secrets = (datasets["default"].fingerprint, datasets["b-upload-7"].fingerprint, b_job.id, key_id(live.key),
                   b_viewer.id, AUDIT_MARKER, *channels)
        store.dispose()
        yield Env(live, create_app(live.settings), a_admin, a_viewer, "default", "b-upload-7", version,
                  b_job.id, b_viewer.id, secrets)


# ---------------------------------------------------------------------------------------------- the route table


@dataclass(frozen=True)
class Operation:
    """One (method, path) of the OpenAPI document and the role its dependencies ask for (None: public)."""

    method: str
    path: str
    spec: dict[str, Any]
    role: str | None


def _roles_of(dependant: Any) -> set[str]:
    """Roles required anywhere in a route's dependency tree (``api.http.auth.viewer/analyst/admin``)."""
    from api.http import auth

    by_call = {auth.viewer: "viewer", auth.analyst: "analyst", auth.admin: "admin"}
    found = {by_call[d.call] for d in dependant.dependencies if d.call in by_call}
    for sub in dependant.dependencies:
        found |= _roles_of(sub)
    return found


def _routes(app: Any) -> list[Any]:
    """Every route of the app, included routers flattened (FastAPI >= 0.16x nests them)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    if flatten is None:
        return list(app.routes)
    return [ctx.route for ctx in flatten(app.routes)]


def operations(app: Any) -> list[Operation]:
    """Every operation of the OpenAPI document with the role its route needs."""
    order = ("viewer", "analyst", "admin")
    roles: dict[tuple[str, str], str | None] = {}
    for route in _routes(app):
        if isinstance(route, fastapi.routing.APIRoute):
            needed = _roles_of(route.dependant)
            for method in route.methods or ():
                roles[method, route.path] = max(needed, key=order.index) if needed else None
    ops = []
    for path, methods in app.openapi()["paths"].items():
        for method, spec in methods.items():
            assert (method.upper(), path) in roles, f"{method.upper()} {path} is in the OpenAPI but not a route"
            ops.append(Operation(method.upper(), path, spec, roles[method.upper(), path]))
    assert len(ops) >= 20, [f"{o.method} {o.path}" for o in ops]
    return ops


def _schema(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    found: dict[str, Any] = doc["components"]["schemas"][ref.split("/")[-1]] if ref else schema
    return found


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    params: dict[str, Any]
    json: Any
    files: list[tuple[str, tuple[str, bytes, str]]] | None
    data: dict[str, str] | None

    def send(self, client: httpx.Client) -> httpx.Response:
        return client.request(self.method, self.url, params=self.params, json=self.json, files=self.files,
                              data=self.data)

    def text(self) -> str:
        """Everything the caller sent (a response echoing it is no leak)."""
        return json.dumps([self.url, self.params, self.json, self.data], default=str)


def request_for(env: Env, doc: dict[str, Any], op: Operation, dataset: str) -> Call:
    """A well-formed call of ``op`` that names B's things: B's job, model version, key, ``dataset``; bodies are the
    schema's own example with ``dataset`` / ``model_version`` fields pointed at B's."""
    ids = {"job_id": env.b_job, "version": env.b_version, "key_id": env.b_key}
    url = op.path
    params: dict[str, Any] = {}
    for p in op.spec.get("parameters", []):
        if p["in"] == "path":
            assert p["name"] in ids, f"{op.method} {op.path}: give the path parameter {p['name']!r} an id of B here"
            url = url.replace("{" + p["name"] + "}", ids[p["name"]])
        elif p["in"] == "query" and p["name"] == "dataset":
            params["dataset"] = dataset
    body = op.spec.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in body:
        return Call(op.method, url, params, None, [("files", ("campaign_daily.csv", BAD_CSV.encode(), "text/csv"))],
                    {"dataset_id": env.b_upload})
    payload: Any = None
    if "application/json" in body:
        schema = _schema(doc, body["application/json"]["schema"])
        payload = dict((schema.get("examples") or [{}])[0])
        props = schema.get("properties", {})
        if "dataset" in props:
            payload["dataset"] = dataset
        if "model_version" in props:
            payload["model_version"] = env.b_version
    return Call(op.method, url, params, payload, None, None)


# ---------------------------------------------------------------------------------------------- tests


def test_every_route_but_health_and_docs_needs_a_key(env: Env) -> None:
    checked = []
    for route in _routes(env.app):
        path = getattr(route, "path", "")
        methods = sorted(getattr(route, "methods", None) or {"POST"})  # a mount (/mcp) answers POST
        for method in methods:
            if method == "HEAD":
                continue
            url = path.replace("{", "").replace("}", "") + ("/" if not getattr(route, "methods", None) else "")
            with env.live.anonymous() as anon:
                r = anon.request(method, url, json={})
                wrong = anon.request(method, url, json={}, headers={"X-API-Key": "kpia_000000000000_" + "x" * 43})
            checked.append(f"{method} {path}")
            if (method, path) in PUBLIC_UI:
                assert r.status_code in PUBLIC_UI[method, path], (method, path, r.status_code, r.text[:200])
            elif path in PUBLIC:
                assert r.status_code < 400, (method, path, r.status_code, r.text[:200])
            else:
                assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
                assert wrong.status_code == 401, (method, path, wrong.status_code, wrong.text[:200])
    assert "POST /mcp" in checked and "GET /v1/kpis" in checked and "GET /ui/" in checked, checked


def test_every_operation_declares_a_role_unless_public(env: Env) -> None:
    for op in operations(env.app):
        assert (op.role is None) == (op.path in PUBLIC), (op.method, op.path, op.role)


def test_a_viewer_gets_403_on_analyst_and_admin_routes(env: Env) -> None:
    doc = env.app.openapi()
    guarded = [op for op in operations(env.app) if op.role in ("analyst", "admin")]
    assert {f"{op.method} {op.path}" for op in guarded} >= {"POST /v1/train", "POST /v1/datasets", "GET /v1/keys"}
    with env.live.client(env.a_viewer) as viewer:
        for op in operations(env.app):
            if op.role is None:
                continue
            r = request_for(env, doc, op, env.b_dataset).send(viewer)
            if op.role == "viewer":
                assert r.status_code not in (401, 403), (op.method, op.path, r.status_code, r.text[:300])
            else:
                assert r.status_code == 403, (op.method, op.path, r.status_code, r.text[:300])
                assert op.role in r.json()["detail"], r.text


@pytest.mark.parametrize("dataset", ["default", "b-upload-7"])
def test_a_key_of_workspace_a_reads_nothing_of_b_through_any_route(env: Env, dataset: str) -> None:
    doc = env.app.openapi()
    store = env.live.store()
    before = (store.job("default", env.b_job), store.list_keys("default"), store.active_model("default"),
              store.datasets("default"), store.jobs("default"))
    seen = []
    with env.live.client(env.a_admin) as a, env.live.client() as b:
        for op in operations(env.app):
            if op.role is None:
                continue
            call = request_for(env, doc, op, dataset)
            r = call.send(a)
            seen.append((op.method, op.path, r.status_code))
            assert r.status_code in ALLOWED_FOR_FOREIGN_IDS or r.status_code < 300, (op.method, op.path, r.text[:300])
            leaked = [s for s in env.secrets if s in r.text and s not in call.text()]
            assert not leaked, (op.method, op.path, leaked, r.text[:500])
            if r.status_code < 300 and op.method == "GET" and op.role == "viewer":
                # the same call with B's key does see B's things: the assertion above could fail
                control = call.send(b)
                assert control.status_code == 200, (op.method, op.path, control.text[:300])
                if op.path in ("/v1/jobs", "/v1/datasets", "/v1/models"):
                    assert any(s in control.text for s in env.secrets), (op.path, control.text[:300])
                    assert r.json() != control.json()
    codes = dict(((m, p), c) for m, p, c in seen)
    for read_by_id in [("GET", "/v1/jobs/{job_id}"), ("POST", "/v1/jobs/{job_id}/cancel"),
                       ("POST", "/v1/models/{version}/activate"), ("DELETE", "/v1/keys/{key_id}")]:
        assert codes[read_by_id] == 404, (read_by_id, codes[read_by_id])
    after = (store.job("default", env.b_job), store.list_keys("default"), store.active_model("default"),
             store.datasets("default"), store.jobs("default"))
    store.dispose()
    assert after == before  # nothing A did changed B: the job is not cancelled, no key revoked, no job queued


def test_b_ids_answer_b_with_its_own_key(env: Env) -> None:
    """Control: the ids used above are real in B (so a 404 for A means isolation, not a typo)."""
    with env.live.client() as b:
        assert b.get(f"/v1/jobs/{env.b_job}").json()["id"] == env.b_job
        assert b.get("/v1/kpis", params={"dataset": env.b_upload, "kpis": "spend"}).status_code == 200
        assert env.b_key in b.get("/v1/keys").text
        assert AUDIT_MARKER in b.get("/v1/audit").text


def test_a_revoked_key_stops_working(env: Env) -> None:
    store = env.live.store()
    info, token = store.create_key(A, "viewer", "revoked through the API")
    with env.live.client(env.a_admin) as admin, env.live.client(token) as doomed:
        assert doomed.get("/v1/datasets").status_code == 200  # now cached by the server
        assert admin.delete(f"/v1/keys/{info.id}").status_code == 200
        assert doomed.get("/v1/datasets").status_code == 401  # the revoking process forgot its cache at once
    info, token = store.create_key(A, "viewer", "revoked by another process")
    with env.live.client(token) as doomed:
        assert doomed.get("/v1/datasets").status_code == 200
        store.revoke_key(A, info.id)  # as `kpi-advisor keys revoke` would: the server's cache is not told
        serving.wait_until("the revoked key to be refused once the key cache expires",
                           lambda: doomed.get("/v1/datasets").status_code == 401,
                           timeout=env.live.settings.key_cache_seconds + 2)
    store.dispose()


@pytest.mark.parametrize("workspace", [A, "default"])
def test_an_upload_that_fails_validation_stores_nothing(env: Env, workspace: str) -> None:
    store = env.live.store()
    token = env.a_admin if workspace == A else env.live.key
    uploads: Path = env.live.settings.uploads_root(workspace)
    folders = sorted(uploads.iterdir()) if uploads.exists() else []
    rows = store.datasets(workspace)
    with env.live.client(token) as c:
        r = c.post("/v1/datasets", files=[("files", ("campaign_daily.csv", BAD_CSV.encode(), "text/csv"))],
                   data={"dataset_id": "broken-9"})
    assert r.status_code == 422, r.text
    assert (sorted(uploads.iterdir()) if uploads.exists() else []) == folders
    assert store.datasets(workspace) == rows
    with pytest.raises(LookupError):
        store.dataset(workspace, "broken-9")
    store.dispose()


def test_role_detection_sees_the_auth_dependencies(env: Env) -> None:
    """The role map is read from the dependencies: check it against the auth module's own functions."""
    from api.http import auth

    ops = {f"{o.method} {o.path}": o.role for o in operations(env.app)}
    assert ops["GET /v1/keys"] == "admin" and ops["POST /v1/train"] == "analyst" and ops["GET /v1/kpis"] == "viewer"
    assert inspect.isfunction(auth.viewer)
