"""``forecast``: conversions, revenue, ROI, ROAS and CPA of a spend plan with intervals
(``models.forecast.forecast``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext, check_horizon
from advisor.ops.requests import ForecastRequest

if TYPE_CHECKING:
    from models.forecast import Forecast


@dataclass(frozen=True)
class ForecastResult:
    """The forecast of the plan and the model version it came from (and its segment, when the models are a segment's)."""

    model_version: str | None
    forecast: Forecast
    segment: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self.forecast.to_dict())
        seg = {"segment": self.segment} if self.segment is not None else {}
        return {"model_version": self.model_version, **seg, **doc}


def forecast(req: ForecastRequest, ctx: OpsContext) -> ForecastResult:
    """Forecast ``req``'s plan with the context's response models; ``req.sims`` (default ``ctx.forecast_sims``)
    simulated paths behind the 80% / 95% intervals."""
    from models.forecast import forecast as run_forecast
    from models.plan import parse_plan

    check_horizon(ctx.max_horizon_days, req.start, req.end)
    bundle = ctx.require_bundle()
    plan = parse_plan(req.plan(), bundle)
    return ForecastResult(
        ctx.models.version, run_forecast(bundle, plan, n_sims=req.sims or ctx.forecast_sims), ctx.models.segment
    )


def run_rate_plan(days: int, ctx: OpsContext) -> dict[str, Any]:
    """The plan a planner starts from: the ``days`` (≥ 1) after the models' history at the recent run-rate
    (``models.plan.reference_plan``: each channel's mean spend per period of the last 28 days / 4 weeks, spread by
    its weekday pattern). ``{"start", "end", "spend": {channel: total currency}, "channels", "freq", "last_date",
    "max_horizon_days"}``; HorizonError when ``days`` exceeds the service's horizon."""
    import pandas as pd

    from models.plan import reference_plan

    bundle = ctx.require_bundle()
    pc = bundle.context
    start = date.fromisoformat(pc.last_date) + timedelta(days=1)
    end = start + timedelta(days=days - 1)
    check_horizon(ctx.max_horizon_days, start, end)
    ref = reference_plan(bundle, pd.Timestamp(start), pd.Timestamp(end))
    return {
        "start": start.isoformat(), "end": end.isoformat(), "spend": {ch: float(v) for ch, v in ref.spend.items()},
        "channels": list(pc.channels), "freq": pc.freq, "last_date": pc.last_date,
        "max_horizon_days": ctx.max_horizon_days,
    }
