"""``/v1/datasets``: upload a data folder (validated like ``kpi-advisor validate``) and list datasets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile, status

from api.http import manage, schemas
from api.http.auth import analyst, viewer
from api.http.state import Workspace

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

PROBLEM_422: dict[int | str, dict[str, Any]] = {403: {"description": "The key's role is below analyst"}, 422: {"description": "Validation failed: problem+json with errors [{table, column, rows, rule, message}]"}}


@router.post(
    "",
    operation_id="uploadDataset",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DatasetInfo,
    summary="Upload a data folder",
    responses={**PROBLEM_422, 409: {"description": "The dataset id is taken"}},
)
def upload_dataset(
    files: Annotated[
        list[UploadFile],
        File(description="Table files named after their table (campaign_daily.csv|.parquet, orders.csv, ...) "
             "and optionally targets.yaml."),
    ],
    dataset_id: Annotated[str | None, Form(description="Id for the dataset (default: generated).")] = None,
    state: Workspace = Depends(analyst),
) -> dict[str, object]:
    """Store CSV/Parquet table files as a new dataset after checking every table against the data contract.
    A failing upload stores nothing and answers 422 with every issue (table, column, rows, rule, message)."""
    payload = [(f.filename or "", f.file.read()) for f in files]
    ds_id, ds = state.datasets.upload(payload, dataset_id)
    state.refresh()  # a workspace without trained models serves its newest dataset
    return state.datasets.describe(ds_id, ds, ds_id == state.snapshot.dataset_id)


@router.get("", operation_id="listDatasets", response_model=schemas.DatasetList, summary="List datasets")
def list_datasets(state: Workspace = Depends(viewer)) -> dict[str, object]:
    """The workspace's datasets (the default workspace also has ``default``, the configured folder); ``active``
    marks the one requests use by default: the served models' dataset, else the newest upload."""
    return manage.list_datasets(state)
