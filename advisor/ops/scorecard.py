"""``scorecard``: the department's KPI system against targets (``advisor.kpis.build_scorecard``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext
from advisor.ops.requests import ScorecardRequest

if TYPE_CHECKING:
    from advisor.kpis import ModelKpis, Scorecard


@dataclass(frozen=True)
class ScorecardResult:
    """The scorecard: groups of KPI lines (value, target, status, score, source) and the composite score 0..100."""

    card: Scorecard

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self.card.to_dict())
        return doc


def model_clv(ctx: OpsContext) -> ModelKpis | None:
    """Model CLV and CLV:CAC lines (``advisor.customers.model_kpis``) from the context's CLV model, or None (no
    CLV model, or the dataset lacks orders / campaign_daily)."""
    from advisor.customers import model_kpis

    ds = ctx.require_dataset()
    model = ctx.models.clv_model
    if model is None or ds.tables.get("orders") is None or ds.tables.get("campaign_daily") is None:
        return None
    return model_kpis(ds.tables, model, label=ctx.models.label)


def scorecard(req: ScorecardRequest, ctx: OpsContext) -> ScorecardResult:
    """The KPI system vs ``ctx.dataset``'s targets for ``req.period``; CLV and CLV:CAC from the CLV model when
    there is one (unless ``historical_clv``), else from the data. The business totals feed MER and blended
    CAC; on campaign rows derived from an mmm table the card says that platform outcomes are unknown.
    ``req.catalog`` adds user KPIs (targets may name them)."""
    from advisor.kpis import build_scorecard
    from advisor.kpis.business import DERIVED_ROWS_NOTE, derived_campaign_rows, kpi_tables
    from advisor.ops.kpis import request_catalog

    ds = ctx.require_dataset()
    if ds.targets is None:
        name = f"dataset {ctx.dataset_id!r}" if ctx.dataset_id else "the dataset"
        raise ValueError(f"{name} has no targets.yaml: a scorecard needs targets (see README, 'targets')")
    provider = None if req.historical_clv else model_clv(ctx)
    card = build_scorecard(
        kpi_tables(ds), ds.targets, period=req.period, catalog=request_catalog(req.catalog), model_kpis=provider
    )
    if derived_campaign_rows(ds):
        card = replace(card, notes=(DERIVED_ROWS_NOTE, *card.notes))
    return ScorecardResult(card)
