"""``/healthz`` (process alive) and ``/readyz`` (service database answers), without a key; ``/metrics`` (Prometheus)
with an admin key."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.http import schemas
from api.http.auth import admin
from api.http.observability import worker_problem
from api.http.state import AppState, Workspace

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health", response_model=schemas.Health, summary="Liveness")
def healthz() -> dict[str, str]:
    """200 while the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="ready",
    response_model=schemas.Health,
    summary="Readiness",
    responses={503: {"model": schemas.Health, "description": "Not ready: the service database does not answer, or the training worker is down"}},
)
def readyz(request: Request) -> Response:
    """200 when the process has started, the service database answers and the training worker the server runs
    (if any) is alive, else 503 with the reason (a dead worker is restarted with backoff). (Whether a
    workspace has data and models is per workspace: see ``GET /v1/models`` with its key.)"""
    state: AppState = request.app.state.advisor
    try:
        state.store.current_revision()
    except Exception as exc:
        body = schemas.Health(status="not ready", detail=f"service database: {type(exc).__name__}: {exc}")
        return JSONResponse(body.model_dump(), status_code=503)
    problem = worker_problem(request.app.state, state.settings)
    if problem is not None:
        body = schemas.Health(status="not ready", detail=f"training worker: {problem}")
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(schemas.Health(status="ready").model_dump(), status_code=200)


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"example": "kpi_advisor_http_requests_total{...} 3.0"}}},
        401: {"description": "No valid API key"},
        403: {"description": "The key is not an admin key"},
    },
)
def metrics(request: Request, _: Workspace = Depends(admin)) -> Response:
    """Request counts and latency by route, model-call and job timings, jobs by status, in the Prometheus text
    format; process-wide figures with no workspace names or ids. Needs an admin key (Prometheus:
    ``authorization: {credentials: <key>}``)."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
