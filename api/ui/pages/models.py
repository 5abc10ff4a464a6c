"""Models and data (``/ui/models``): the workspace's model versions with their backtest metrics (a table and a
chart of the forecast error by version), activate / roll back a version, start a training job and follow its
progress, the datasets and an upload that shows every validation error (table, column, rows, rule).

Every action calls the same code as the API (``api.http.manage``; the upload is ``POST /v1/datasets``'s handler):
the JSON endpoints under ``/ui/api`` answer what ``/v1`` answers, errors included (problem+json; a failed upload's
``errors`` are ``[{table, column, rows, rule, message}]``). Reading needs a viewer; activating, training and
uploading need an analyst (the controls are not rendered for a viewer, and the endpoints answer 403)."""

from __future__ import annotations

from typing import Annotated, Any

import altair as alt
import pandas as pd
from fastapi import APIRouter, Body, Depends, File, Form, Path, Request, UploadFile, status
from fastapi.responses import HTMLResponse

from api.http import manage, schemas
from api.http.routers.datasets import upload_dataset
from api.ui import charts
from api.ui.render import NavItem, render
from api.ui.session import UiUser, csrf_checked, ui_analyst, ui_viewer

NAV = NavItem(href="/ui/models", page="models", order=50)
router = APIRouter(prefix="/ui", include_in_schema=False)

JOB_ID = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")
VERSION = Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
RECENT_JOBS = 10
#: backtest figures shown per KPI: the model's (mean over origins) and the seasonal-naive baseline's WAPE
BACKTEST_KEYS = ("wape", "smape", "mase", "coverage_80")


def backtest_rows(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per version and KPI that has a backtest: ``{"version", "kpi", "wape", "smape", "mase",
    "coverage_80", "naive_wape", "origins", "active"}`` (fractions; None when missing), newest version first."""
    rows = []
    for m in models:
        for kpi, entry in sorted(((m.get("metrics") or {}).get("response") or {}).items()):
            bt = entry.get("backtest") if isinstance(entry, dict) else None
            if not isinstance(bt, dict) or not isinstance(bt.get("model"), dict):
                continue
            model, naive = bt["model"], bt.get("seasonal_naive") or {}
            rows.append({"version": m["version"], "kpi": kpi, **{k: model.get(k) for k in BACKTEST_KEYS},
                         "naive_wape": naive.get("wape"), "origins": bt.get("n_origins"), "active": m["active"]})
    return rows


def error_chart(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Backtest WAPE by version (horizontal bars, newest on top, one colour per KPI; a black tick at the
    seasonal-naive baseline's WAPE), None without backtests."""
    frame = pd.DataFrame([{"version": r["version"], "kpi": r["kpi"], "wape": r["wape"], "naive": r["naive_wape"]}
                          for r in rows if r["wape"] is not None])
    if frame.empty:
        return None
    order = sorted(frame["version"].unique(), reverse=True)
    y = alt.Y("version:N", sort=order, title=None)
    bars = alt.Chart(frame).mark_bar(height={"band": 0.8}).encode(
        y=y, yOffset="kpi:N", x=alt.X("wape:Q", title="WAPE", axis=alt.Axis(format=".0%", tickCount=6)),
        color=alt.Color("kpi:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["version:N", "kpi:N", alt.Tooltip("wape:Q", format=".1%"),
                 alt.Tooltip("naive:Q", format=".1%", title="seasonal naive")],
    )
    ticks = alt.Chart(frame.dropna(subset=["naive"])).mark_tick(color="#111827", thickness=2).encode(
        y=y, yOffset="kpi:N", x="naive:Q")
    height = 26 * len(frame) + 10
    return charts.spec(alt.layer(bars, ticks).properties(width="container", height=height).configure_view(stroke=None))


def summary(model: dict[str, Any]) -> dict[str, Any]:
    """What the versions table shows of a model: KPIs with a response model, training history span, warnings."""
    metrics = model.get("metrics") or {}
    history = model.get("history") or {}
    return {**model, "kpis": sorted((metrics.get("response") or {}).keys()),
            "span": f"{history.get('start', '')}..{history.get('end', '')}" if history.get("start") else "",
            "n_warnings": len(metrics.get("warnings") or [])}


@router.get("/models", response_class=HTMLResponse)
def page(request: Request, user: UiUser = Depends(ui_viewer)) -> HTMLResponse:
    """The page: versions, backtests, jobs, datasets (and, for an analyst, the controls)."""
    state = user.workspace
    models = [summary(m) for m in manage.list_models(state)["models"]]
    rows = backtest_rows(models)
    spec = error_chart(rows)
    return render(
        request, user, "models", models=models, backtests=rows,
        charts=[{"id": "backtest-chart", "spec": spec}] if spec else [],
        datasets=manage.list_datasets(state)["datasets"], jobs=manage.list_jobs(state, RECENT_JOBS)["jobs"],
    )


@router.get("/api/models")
def models_json(user: UiUser = Depends(ui_viewer)) -> dict[str, Any]:
    """The model versions (as ``GET /v1/models``), newest first."""
    return manage.list_models(user.workspace)


@router.post("/api/models/{version}/activate", dependencies=[Depends(csrf_checked)])
def activate(version: Annotated[str, VERSION], user: UiUser = Depends(ui_analyst)) -> dict[str, Any]:
    """Serve ``version`` (activate or roll back; as ``POST /v1/models/{version}/activate``)."""
    return manage.activate_model(user.workspace, version)


@router.post("/api/train", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(csrf_checked)])
def train(req: schemas.TrainRequest = Body(default_factory=schemas.TrainRequest),
          user: UiUser = Depends(ui_analyst)) -> dict[str, Any]:
    """Queue a training job (as ``POST /v1/train``); poll ``GET /ui/api/jobs/{id}``."""
    return manage.train(user.workspace, req)


@router.get("/api/jobs/{job_id}")
def job(job_id: Annotated[str, JOB_ID], user: UiUser = Depends(ui_viewer)) -> dict[str, Any]:
    """A job's status and progress (as ``GET /v1/jobs/{id}``)."""
    return manage.get_job(user.workspace, job_id)


@router.get("/api/datasets")
def datasets_json(user: UiUser = Depends(ui_viewer)) -> dict[str, Any]:
    """The datasets (as ``GET /v1/datasets``)."""
    return manage.list_datasets(user.workspace)


@router.post("/api/datasets", status_code=status.HTTP_201_CREATED, dependencies=[Depends(csrf_checked)])
async def upload(
    files: Annotated[list[UploadFile], File()],
    dataset_id: Annotated[str | None, Form(max_length=64)] = None,
    user: UiUser = Depends(ui_analyst),
) -> dict[str, object]:
    """Upload table files as a new dataset: ``POST /v1/datasets``'s handler (the same checks and limits); a failing
    upload stores nothing and answers 422 problem+json with every error."""
    return await upload_dataset(files, dataset_id or None, state=user.workspace)
