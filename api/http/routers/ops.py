"""``/healthz`` (process alive), ``/readyz`` (dataset and models loaded), ``/metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.http import schemas
from api.http.routers import get_state
from api.http.state import AppState

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
    responses={503: {"model": schemas.Health, "description": "Not ready: no dataset or no models yet"}},
)
def readyz(state: AppState = Depends(get_state)) -> Response:
    """200 when a dataset and trained models are loaded, else 503 with what is missing."""
    snap = state.snapshot
    body = schemas.Health(
        status="ready" if snap.ready else "not ready",
        model_version=snap.model_version,
        dataset=snap.dataset_id,
        detail="; ".join(snap.problems) or None,
    )
    return JSONResponse(body.model_dump(), status_code=200 if snap.ready else 503)


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"example": "kpi_advisor_http_requests_total{...} 3.0"}}}},
)
def metrics(request: Request) -> Response:
    """Request counts and latency histograms by route, in the Prometheus text format."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
