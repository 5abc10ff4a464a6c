"""``/v1/train``, ``/v1/jobs/{id}``, ``/v1/models``: train in the background, poll, list model versions."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, status

from api.http import schemas, services
from api.http.routers import get_state
from api.http.state import AppState

router = APIRouter(prefix="/v1")


@router.post(
    "/train",
    operation_id="startTraining",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=schemas.JobStatus,
    tags=["training"],
    summary="Train models (background job)",
)
def start_training(
    req: schemas.TrainRequest = Body(default_factory=schemas.TrainRequest), state: AppState = Depends(get_state)
) -> dict[str, object]:
    """Fit the forecasting models on a dataset and publish a new model version. Answers 202 with a job; poll
    ``GET /v1/jobs/{id}``. When it succeeds the new models (and that dataset) are served."""
    return services.train(state, req)


@router.get(
    "/jobs/{job_id}", operation_id="getJob", response_model=schemas.JobStatus, tags=["training"], summary="Job status"
)
def get_job(job_id: str, state: AppState = Depends(get_state)) -> dict[str, object]:
    """Status, progress (0..1) and, when finished, the result or the error of a background job."""
    return state.jobs.get(job_id).to_dict()


@router.get("/models", operation_id="listModels", response_model=schemas.ModelList, tags=["models"], summary="List models")
def list_models(state: AppState = Depends(get_state)) -> dict[str, object]:
    """Published model versions, newest first; ``active`` marks the served one."""
    return services.list_models(state)
