"""``/v1/kpis``, ``/v1/scorecard``, ``/v1/diagnose``: KPI tables, the KPI system vs targets, diagnostics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from advisor.ops.requests import CohortGrain, IsoDate
from api.http import schemas, services
from api.http.auth import viewer
from api.http.state import Workspace

router = APIRouter(prefix="/v1", tags=["analytics"])


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


@router.get("/kpis", operation_id="getKpis", response_model=schemas.KpisResponse, summary="KPI table (query)")
def get_kpis(
    by: Annotated[list[str] | None, Query(description="Group columns (repeat or comma-separate): channel, campaign_id, ...")] = None,
    grain: Annotated[schemas.Grain | None, Query(description="day, week, month or quarter")] = None,
    start: Annotated[IsoDate | None, Query(description="First date, YYYY-MM-DD")] = None,
    end: Annotated[IsoDate | None, Query(description="Last date, YYYY-MM-DD")] = None,
    kpis: Annotated[list[str] | None, Query(description="KPI ids (default: all), e.g. roi,cpa")] = None,
    compare: bool = False,
    dataset: str | None = None,
    state: Workspace = Depends(viewer),
) -> dict[str, object]:
    """KPI table by any grouping and time grain (same as ``POST /v1/kpis``). Ratio KPIs are ratios of sums;
    a KPI that cannot be computed is null. Example: ``/v1/kpis?by=channel&grain=month&start=2026-07-01``."""
    req = schemas.KpisRequest(
        dataset=dataset, by=_split(by), grain=grain, start=start, end=end, kpis=_split(kpis) or None, compare=compare
    )
    return services.kpis(state, req)


@router.post("/kpis", operation_id="computeKpis", response_model=schemas.KpisResponse, summary="KPI table")
def post_kpis(req: schemas.KpisRequest, state: Workspace = Depends(viewer)) -> dict[str, object]:
    """KPI table by any grouping and time grain: one row per group (and period) with every KPI
    (spend, revenue, conversions, roi, roas, ctr, cpc, cpm, cpa, conversion_rate, cac, aov, ...)."""
    return services.kpis(state, req)


@router.get("/scorecard", operation_id="getScorecard", response_model=schemas.ScorecardResponse, summary="Scorecard")
def get_scorecard(
    period: Annotated[
        str | None, Query(max_length=16, description="YYYY-MM, YYYY-Qn or YYYY (default: last full month)")
    ] = None,
    dataset: str | None = None,
    state: Workspace = Depends(viewer),
) -> dict[str, object]:
    """The department's KPI system (outcome, customer, process KPIs) against targets, each with a status, and a
    weighted composite score 0..100."""
    return services.scorecard(state, schemas.ScorecardRequest(dataset=dataset, period=period))


@router.get("/customers", operation_id="getCustomers", response_model=schemas.CustomersResponse, summary="Customer KPIs")
def get_customers(
    grain: Annotated[CohortGrain, Query(description="Cohort / trend period: week, month or quarter")] = "month",
    dataset: str | None = None,
    state: Workspace = Depends(viewer),
) -> dict[str, object]:
    """CLV (52 weeks from acquisition, first order included, undiscounted) and CLV:CAC by acquisition channel
    from the served CLV model, repeat rate, retention by cohort, CSAT/NPS trends, and findings such as channels
    whose CLV:CAC is below 3. Needs trained models with a CLV model and a dataset with orders."""
    return services.customers(state, schemas.CustomersRequest(dataset=dataset, grain=grain))


@router.post("/diagnose", operation_id="diagnose", response_model=schemas.DiagnoseResponse, summary="Diagnose")
def diagnose(req: schemas.DiagnoseRequest, request: Request, state: Workspace = Depends(viewer)) -> dict[str, object]:
    """Why a campaign, channel or attribute value is (not) meeting its targets: verdict, ranked findings with
    funnel stage and onset date, drivers (associations, in KPI units), anomalies and a summary."""
    result = services.diagnose(state, req)
    state.record_advice(request.state.principal.key_id, "/v1/diagnose", req.model_dump(mode="json"), result)
    return result
