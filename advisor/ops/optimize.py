"""``optimize``: the best split of a budget over channels (``models.optimize.optimize_budget``), or the least
spend that reaches a target (``models.optimize.minimum_spend``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext, check_horizon
from advisor.ops.requests import OptimizeRequest

if TYPE_CHECKING:
    from models.optimize import Allocation


@dataclass(frozen=True)
class OptimizeResult:
    """The allocation (recommended split, reference run-rate plan, bounds, forecast, uplift, status) and the
    model version it came from (and its segment, when the models are a segment's)."""

    model_version: str | None
    allocation: Allocation
    segment: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self.allocation.to_dict())
        seg = {"segment": self.segment} if self.segment is not None else {}
        return {"model_version": self.model_version, **seg, **doc}


def optimize(req: OptimizeRequest, ctx: OpsContext) -> OptimizeResult:
    """Allocate ``req.budget`` for ``req.objective`` (default: revenue, or conversions for models without a revenue
    model) or reach ``target_conversions`` / ``target_revenue`` with the least spend, over ``req.start..req.end``
    with the context's response models. Any budget fits the default bounds (they widen; the result's ``notes`` say
    how); ``req.bounds`` are a channel's own (``models.optimize.channel_bounds``)."""
    from models.optimize import minimum_spend, optimize_budget

    check_horizon(ctx.max_horizon_days, req.start, req.end)
    bundle = ctx.require_bundle()
    bounds = dict(req.bounds) if req.bounds else None
    start, end = req.start.isoformat(), req.end.isoformat()
    if req.budget is not None:
        res = optimize_budget(
            bundle, req.budget, start, end, objective=req.objective, min_roi=req.min_roi, width=req.width,
            bounds=bounds, n_sims=ctx.forecast_sims,
        )
    else:
        if req.target_conversions is not None:
            kpi, target = "conversions", req.target_conversions
        else:
            kpi, target = "revenue", float(req.target_revenue or 0)
        res = minimum_spend(
            bundle, kpi, target, start, end, width=req.width, bounds=bounds,  # type: ignore[arg-type]
            n_sims=ctx.forecast_sims,
        )
    return OptimizeResult(ctx.models.version, res, ctx.models.segment)
