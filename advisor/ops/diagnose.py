"""``diagnose``: why a campaign, channel or attribute value is (not) meeting its targets
(``advisor.diagnostics.diagnose``), with corrective actions (``advisor.recommend.recommend_for_diagnosis``) and
the customer value of the scope (``advisor.customers.diagnosis_customer_value``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext, segment_context
from advisor.ops.requests import DiagnoseRequest

if TYPE_CHECKING:
    from advisor.diagnostics import Diagnosis


@dataclass(frozen=True)
class DiagnoseResult:
    """The diagnosis, its ranked recommendations (``Recommendation.to_dict()``, the customer-value actions
    appended) and the customer value block (None without a CLV model or for another kind of scope); ``segment``:
    the segment whose models and rows answered (None: the whole dataset), ``segment_notes``: the tables left out
    of its rows (no segment column)."""

    diagnosis: Diagnosis
    recommendations: tuple[dict[str, Any], ...]
    customer_value: dict[str, Any] | None
    segment: str | None = None
    segment_notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(
            {
                **self.diagnosis.to_dict(),
                "recommendations": list(self.recommendations),
                "customer_value": self.customer_value,
                **({"segment": self.segment, "segment_notes": list(self.segment_notes)} if self.segment else {}),
            }
        )
        return doc


def _scope_key(rec: dict[str, Any]) -> tuple[Any, ...]:
    return rec["id"], tuple(sorted((rec.get("scope") or {}).items()))


def diagnose(req: DiagnoseRequest, ctx: OpsContext) -> DiagnoseResult:
    """Diagnose ``req``'s scope over ``req.start..req.end`` on ``ctx.dataset`` with the context's driver and
    response models (drivers fitted now when missing and ``ctx.fit_missing``). With a segment's models
    (``ctx.models.segment``) the dataset is cut down to that segment's rows first (``segment_context``)."""
    from advisor.advise.recommendations import recommend_for_diagnosis
    from advisor.diagnostics import Scope, local_returns
    from advisor.diagnostics import diagnose as run_diagnose

    ctx, notes = segment_context(ctx)
    ds = ctx.require_dataset()
    if ds.campaign_source == "mmm":
        raise ValueError(
            "diagnose needs campaign rows with platform-reported figures (campaign_daily); this dataset has only a "
            "media-mix (mmm) table — use `attribution` for each channel's incremental effect and `kpis` for spend "
            "and the business KPIs (MER, blended ROAS, blended CAC)"
        )
    column, value = req.target()
    drivers = ctx.models.drivers
    if drivers is None and ctx.fit_missing:
        from training.drivers import train_driver_models

        drivers = train_driver_models(ds.campaign_daily)
    bundle = ctx.models.bundle
    response: Any = bundle.models if bundle is not None else None  # ResponseModel is a ResponseLike
    result = run_diagnose(
        ds.campaign_daily, Scope(column, value), req.start, req.end, models=drivers, targets=ds.targets,
        response=response, kpi_cache=ctx.measures,
    )
    returns = ctx.memoized(  # every channel's marginal return to the diagnosis end: data only, not the scope
        "local_returns", (str(result.end),), lambda: local_returns(ds.campaign_daily, result.end)
    )
    recommendations = [r.to_dict() for r in recommend_for_diagnosis(result, ds.campaign_daily, returns=returns)]
    customer_value = _customer_value(ctx, result.scope.column, result.scope.value)
    if customer_value:
        seen = {_scope_key(r) for r in recommendations}
        recommendations += [r for r in customer_value["actions"] if _scope_key(r) not in seen]
    return DiagnoseResult(result, tuple(recommendations), customer_value, ctx.models.segment, notes)


def _customer_value(ctx: OpsContext, column: str, value: str) -> dict[str, Any] | None:
    """The customer value block of the scope with the context's CLV model (kept in ``ctx.memo``: it does not
    depend on the period)."""
    from advisor.advise.customer_value import ACQUISITION_COLUMNS, diagnosis_customer_value

    tables = ctx.require_dataset().tables
    model = ctx.models.clv_model
    if model is None or column not in ACQUISITION_COLUMNS:
        return None

    def compute() -> dict[str, Any] | None:
        table = None
        if "orders" in tables:
            from advisor.customers.scope import acquisition_value_table

            table = ctx.memoized("acquisition_value", (column,), lambda: acquisition_value_table(tables, model, column))
        return diagnosis_customer_value(tables, model, column, value, table=table)

    return ctx.memoized("customer_value", (column, value), compute)
