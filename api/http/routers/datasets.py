"""``/v1/datasets``: upload a data folder (validated like ``kpi-advisor validate``) and list datasets."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, File, Form, UploadFile, status

from api.http import manage, schemas
from api.http.auth import analyst, viewer
from api.http.datasets import in_daemon_thread
from api.http.state import Workspace

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

PROBLEM_422: dict[int | str, dict[str, Any]] = {
    403: {"description": "The key's role is below analyst"},
    413: {"description": "Over a limit (rows, columns, cell size, decompressed size, body, workspace quota): "
          "problem+json with table, column, rule, limit"},
    422: {"description": "Validation failed: problem+json with errors [{table, column, rows, rule, message}]"},
}


@router.post(
    "",
    operation_id="uploadDataset",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DatasetInfo,
    summary="Upload a data folder",
    responses={**PROBLEM_422, 409: {"description": "The dataset id is taken"}},
)
async def upload_dataset(
    files: Annotated[
        list[UploadFile],
        File(description="Table files named after their table (campaign_daily.csv|.parquet, orders.csv, "
             "lift_tests.csv, ...), optionally targets.yaml, and for a media-mix data set kpi-advisor.yaml with "
             "only an mmm: section (and targets:) whose mmm.file names a .csv/.parquet file of the same upload."),
    ],
    dataset_id: Annotated[str | None, Form(description="Id for the dataset (default: generated).")] = None,
    state: Workspace = Depends(analyst),
) -> dict[str, object]:
    """Store CSV/Parquet table files as a new dataset after checking every table against the data contract.
    A media-mix (Robyn-style wide) data set comes as its file plus a ``kpi-advisor.yaml`` whose ``mmm:`` section
    reads it (``file:`` a plain name of the upload; no ``tables:``, ``url``, ``table`` or ``query``: a refused key
    answers 422 naming key and rule). A failing upload stores nothing and answers 422 with every issue (table,
    column, rows, rule, message); one over a limit (rows, columns, cell size, decompressed size, the workspace's
    quota) answers 413 naming the rule."""
    payload = [(f.filename or "", await f.read()) for f in files]
    abandoned = threading.Event()
    try:
        # validation runs in the validation processes, awaited from a daemon thread the server does not wait for
        # when the client goes away or the server stops
        ds_id, summary = await in_daemon_thread(state.datasets.upload, payload, dataset_id, abandoned)
    except BaseException:
        abandoned.set()
        raise

    def describe() -> dict[str, object]:
        state.refresh()  # a workspace without trained models serves its newest dataset
        return state.datasets.describe_upload(ds_id, summary, ds_id == state.snapshot.dataset_id)

    return await anyio.to_thread.run_sync(describe)


@router.get("", operation_id="listDatasets", response_model=schemas.DatasetList, summary="List datasets")
def list_datasets(state: Workspace = Depends(viewer)) -> dict[str, object]:
    """The workspace's datasets (the default workspace also has ``default``, the configured folder); ``active``
    marks the one requests use by default: the served models' dataset, else the newest upload."""
    return manage.list_datasets(state)
