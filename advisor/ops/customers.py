"""``customers``: customer KPIs (``advisor.customers.customer_report``): model CLV and CLV:CAC by acquisition
channel, repeat rate, retention by cohort, CSAT/NPS trends and findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import ModelsUnavailable, OpsContext
from advisor.ops.requests import CustomersRequest

if TYPE_CHECKING:
    from advisor.customers.report import CustomerReport

FITTED_NOW = "fitted now on the orders"


@dataclass(frozen=True)
class CustomersResult:
    """The customer report and where its CLV model came from (``model version v0003`` or fitted now)."""

    dataset: str | None
    model_version: str | None
    model_source: str
    report: CustomerReport

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self.report.to_dict())
        return {
            "dataset": self.dataset, "model_version": self.model_version, "model_source": self.model_source, **doc
        }


def customers(req: CustomersRequest, ctx: OpsContext) -> CustomersResult:
    """Customer KPIs of ``ctx.dataset`` with the context's CLV model; without one, fitted now on the orders when
    ``ctx.fit_missing`` (``training.clv.train_clv_tables``), else :class:`ModelsUnavailable`."""
    from advisor.customers import customer_report

    ds = ctx.require_dataset()
    model = ctx.models.clv_model
    version, source = ctx.models.version, ctx.models.label
    if model is None:
        if not ctx.fit_missing:
            what = f"model version {ctx.models.version}" if ctx.models.version else "the models"
            raise ModelsUnavailable(f"{what} has no CLV model: retrain with orders in the dataset")
        from training.clv import train_clv_tables

        model, version, source = train_clv_tables(ds.tables).model, None, FITTED_NOW
    report = customer_report(
        ds.tables, model, grain=req.grain, horizon_weeks=req.horizon_weeks,
        annual_discount=req.annual_discount, threshold=req.threshold,
    )
    return CustomersResult(ctx.dataset_id, version, source or FITTED_NOW, report)
