"""``kpis``: the KPI table by any grouping and time grain (``advisor.kpis.compute_kpis``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext, known_columns
from advisor.ops.requests import CatalogDocument, KpisRequest

if TYPE_CHECKING:
    from advisor.kpis import KpiCatalog, KpiTable


class UnknownColumnError(ValueError):
    """A grouping column that is not a column of the dataset; the message lists the known ones."""


@dataclass(frozen=True)
class KpisResult:
    """The KPI table (``advisor.kpis.KpiTable``: one row per group and period, one column per KPI) of a dataset."""

    dataset: str | None
    table: KpiTable

    def records(self) -> list[dict[str, Any]]:
        """The rows: group columns (and ``period``), then one key per KPI id (None: not computable)."""
        rows: list[dict[str, Any]] = self.table.to_records()
        return rows

    def to_json(self) -> dict[str, Any]:
        """``{"dataset", "kpis": [KPI ids], "rows": [...]}`` (the same document on every interface)."""
        return {"dataset": self.dataset, "kpis": list(self.table.kpis), "rows": to_jsonable(self.records())}


def check_group_columns(by: list[str], tables: Any) -> None:
    """:class:`UnknownColumnError` for a ``by`` column that no table of the dataset has."""
    known = known_columns(tables)
    unknown = [c for c in by if c not in known]
    if unknown:
        raise UnknownColumnError(
            f"cannot group by {', '.join(map(repr, unknown))}: not a column of the dataset; "
            f"known columns: {', '.join(known)}"
        )


def request_catalog(document: CatalogDocument | None) -> KpiCatalog | None:
    """The built-in catalog extended by a request's user catalog (None without one: the built-in is used).
    Raises ``advisor.kpis.CatalogError`` naming the KPI and the problem."""
    from advisor.kpis import extend_catalog

    return None if document is None else extend_catalog(document.document(), "catalog")


def kpis(req: KpisRequest, ctx: OpsContext) -> KpisResult:
    """KPIs per group and period of ``ctx.dataset``; ratio KPIs are ratios of sums.

    The tables are the dataset's plus its business totals (``business_daily``: MER, blended ROAS and CAC);
    ``req.catalog`` adds user KPIs to the built-in catalog. With ``ctx.spark_dataset`` (the Spark engine)
    campaign_daily is aggregated by Spark and the rest is the same code: the same table, the same JSON."""
    from advisor.kpis import compute_kpis
    from advisor.kpis.business import kpi_tables

    tables: dict[str, Any]
    if ctx.spark_dataset is not None:  # the Spark engine: campaign_daily aggregated by Spark, one job
        from advisor.kpis.spark import spark_kpi_tables

        tables = spark_kpi_tables(ctx.spark_dataset)
    else:
        tables = kpi_tables(ctx.require_dataset())
    check_group_columns(req.by, tables)
    table = compute_kpis(
        tables, by=req.by, grain=req.grain, start=req.start, end=req.end, kpis=req.kpis, compare=req.compare,
        catalog=request_catalog(req.catalog), cache=ctx.measures,
    )
    return KpisResult(ctx.dataset_id, table)
