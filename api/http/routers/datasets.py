"""``/v1/datasets``: upload a data folder (validated like ``kpi-advisor validate``) and list datasets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile, status

from api.http import schemas, services
from api.http.routers import get_state
from api.http.state import AppState

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

PROBLEM_422: dict[int | str, dict[str, Any]] = {422: {"description": "Validation failed: problem+json with errors [{table, column, rows, rule, message}]"}}


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
    state: AppState = Depends(get_state),
) -> dict[str, object]:
    """Store CSV/Parquet table files as a new dataset after checking every table against the data contract.
    A failing upload stores nothing and answers 422 with every issue (table, column, rows, rule, message)."""
    payload = [(f.filename or "", f.file.read()) for f in files]
    ds_id, ds = state.datasets.upload(payload, dataset_id)
    return state.datasets.describe(ds_id, ds, ds_id == state.snapshot.dataset_id)


@router.get("", operation_id="listDatasets", response_model=schemas.DatasetList, summary="List datasets")
def list_datasets(state: AppState = Depends(get_state)) -> dict[str, object]:
    """Datasets the service can analyse: ``default`` (the configured folder) and uploads; ``active`` marks the
    one the served models were trained on and requests use by default."""
    return services.list_datasets(state)
