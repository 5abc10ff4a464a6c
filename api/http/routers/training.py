"""``/v1/train``, ``/v1/jobs``, ``/v1/models``: train in the background (worker process), poll or cancel the job,
list and activate model versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, status

from api.http import manage, schemas
from api.http.auth import analyst, viewer
from api.http.state import Workspace

router = APIRouter(prefix="/v1")

JOB_ID = Path(description="Job id from POST /v1/train.", pattern=r"^[A-Za-z0-9_-]{1,64}$")
VERSION = Path(description="Model version, e.g. v0003 (see GET /v1/models).", pattern=r"^[A-Za-z0-9_.-]{1,64}$")


@router.post(
    "/train",
    operation_id="startTraining",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=schemas.JobStatus,
    tags=["training"],
    summary="Train models (background job)",
)
def start_training(
    req: schemas.TrainRequest = Body(default_factory=schemas.TrainRequest), state: Workspace = Depends(analyst)
) -> dict[str, object]:
    """Queue a job that fits the forecasting, driver and CLV models on a dataset and publishes a new model version
    (the training worker runs it, outside the web process). Answers 202 with the job; poll ``GET /v1/jobs/{id}``.
    When it succeeds the new version becomes active (unless ``activate`` is false) and is served; if it fails or
    is cancelled, the previous version keeps serving."""
    return manage.train(state, req)


@router.get("/jobs", operation_id="listJobs", response_model=schemas.JobList, tags=["training"], summary="List jobs")
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=500, description="Most recent jobs to return.")] = 50,
    state: Workspace = Depends(viewer),
) -> dict[str, object]:
    """The workspace's jobs, newest first."""
    return manage.list_jobs(state, limit)


@router.get(
    "/jobs/{job_id}", operation_id="getJob", response_model=schemas.JobStatus, tags=["training"], summary="Job status"
)
def get_job(job_id: Annotated[str, JOB_ID], state: Workspace = Depends(viewer)) -> dict[str, object]:
    """Status (queued, running, succeeded, failed, cancelled), progress (0..1) and, when finished, the result or
    the error of a background job."""
    return manage.get_job(state, job_id)


@router.post(
    "/jobs/{job_id}/cancel",
    operation_id="cancelJob",
    response_model=schemas.JobStatus,
    tags=["training"],
    summary="Cancel a job",
    responses={409: {"description": "The job has already finished"}},
)
def cancel_job(job_id: Annotated[str, JOB_ID], state: Workspace = Depends(analyst)) -> dict[str, object]:
    """A queued job is cancelled at once; a running one is stopped by its worker within seconds (poll the job).
    The served model does not change."""
    return manage.cancel_job(state, job_id)


@router.get("/models", operation_id="listModels", response_model=schemas.ModelList, tags=["models"], summary="List models")
def list_models(state: Workspace = Depends(viewer)) -> dict[str, object]:
    """The workspace's model versions, newest first; ``active`` marks the served one."""
    return manage.list_models(state)


@router.post(
    "/models/{version}/activate",
    operation_id="activateModel",
    response_model=schemas.ModelInfo,
    tags=["models"],
    summary="Serve a model version",
)
def activate_model(version: Annotated[str, VERSION], state: Workspace = Depends(analyst)) -> dict[str, object]:
    """Make ``version`` the served one (e.g. roll back to the previous version). Every server process swaps it in
    within a second or two."""
    return manage.activate_model(state, version)
