"""``/v1/forecast``, ``/v1/optimize``: forecast a spend plan, find the best split of a budget."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.http import schemas, services
from api.http.auth import viewer
from api.http.state import Workspace

router = APIRouter(prefix="/v1", tags=["planning"])


@router.post("/forecast", operation_id="forecastPlan", response_model=schemas.ForecastResponse, summary="Forecast a plan")
def forecast(req: schemas.ForecastRequest, state: Workspace = Depends(viewer)) -> dict[str, object]:
    """Conversions, revenue, ROI, ROAS and CPA of a spend plan, in total and per channel, each with mean and
    80%/95% intervals; plus per-day values, response curves and marginal ROI. Unknown channels or campaigns answer
    422 naming the valid ones; the period may be at most 365 days and must start after the training data."""
    return services.forecast(state, req)


@router.post("/optimize", operation_id="optimizeBudget", response_model=schemas.OptimizeResponse, summary="Optimise a budget")
def optimize(req: schemas.OptimizeRequest, request: Request, state: Workspace = Depends(viewer)) -> dict[str, object]:
    """Best split of a budget over channels (each within ± width of its recent spend) for revenue, conversions
    or profit, or with a target the least spend that reaches it; with the forecast and the uplift over the
    recent run-rate plan."""
    result = services.optimize(state, req)
    state.record_advice(request.state.principal.key_id, "/v1/optimize", req.model_dump(mode="json"), result)
    return result
