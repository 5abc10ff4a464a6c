"""What an operation answers from: :class:`OpsContext` (dataset, model set, settings values, optional caches).

The interfaces build it: the CLI from ``--data`` / ``--models`` and ``api.settings.Settings``; the HTTP service
from the workspace's served snapshot (with its result caches); the MCP server through the HTTP services.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from advisor.ops.modelset import EMPTY, ModelSet

if TYPE_CHECKING:
    from advisor.data import Dataset
    from advisor.data.spark_source import SparkDataset
    from advisor.kpis.measures import MeasureCache
    from advisor.recommend import ActionCatalog
    from models.response import ResponseBundle

T = TypeVar("T")


class Memo(Protocol):
    """A store of computed values by key (``api.http.state``'s ``derived`` cache is one)."""

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...


class ModelsUnavailable(LookupError):
    """The operation needs models the context does not have; the message says which and how to get them."""


class HorizonError(ValueError):
    """A plan or optimisation period longer than the configured maximum (``max_horizon_days``)."""


@dataclass(frozen=True)
class OpsContext:
    """Dataset, models and settings an operation answers from.

    dataset: the ``advisor.data.Dataset`` (None for operations that need none); dataset_id: its name in results
    (the service's dataset id, the CLI's data folder); models: the :class:`ModelSet` (empty when there are none);
    max_horizon_days: longest plan or optimisation period, days inclusive (``Settings.max_horizon_days``);
    forecast_sims: simulated paths behind forecast intervals when the request gives none; measures: KPI
    precomputations kept with the dataset (``advisor.kpis.measures.MeasureCache``); memo / memo_scope: where
    model-derived tables are kept between requests and the key part that names this dataset and models (the
    service's snapshot key); llm: chat model for the narrative, or None; llm_timeout_s: time budget of the LLM
    calls of one answer (seconds; None: the narrative's default); actions: action catalog merged over the
    built-in one; spark_dataset: the data with campaign_daily held in Spark (``advisor.data.spark_source``; the
    ``kpis`` operation then aggregates it with Spark — the Spark engine, issue 16); fit_missing: fit driver / CLV models on the dataset when the model set lacks them (the CLI does;
    the service fits at load time); models_root: registry folder ``train`` publishes to; progress: training
    progress callback ``(message, fraction 0..1)``; provenance: what started training, kept in the manifest
    (e.g. the service's job id).
    """

    dataset: Dataset | None
    max_horizon_days: int
    forecast_sims: int
    dataset_id: str | None = None
    models: ModelSet = EMPTY
    measures: MeasureCache | None = None
    memo: Memo | None = None
    memo_scope: tuple[Hashable, ...] = ()
    llm: Any = None
    llm_timeout_s: float | None = None
    actions: ActionCatalog | None = None
    fit_missing: bool = False
    models_root: Path | None = None
    progress: Callable[[str, float], None] | None = field(default=None, compare=False)
    provenance: Mapping[str, Any] | None = None
    spark_dataset: SparkDataset | None = None

    def require_dataset(self) -> Dataset:
        if self.dataset is None:
            raise ModelsUnavailable("no dataset: give a data folder or upload a dataset")
        return self.dataset

    def require_bundle(self) -> ResponseBundle:
        """The response models; :class:`ModelsUnavailable` naming why they are missing."""
        if self.models.bundle is None:
            why = "; ".join(self.models.problems) or "no trained models"
            raise ModelsUnavailable(f"forecast and optimise need response models ({why}): run `kpi-advisor train`")
        return self.models.bundle

    def memoized(self, name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """``compute()`` kept in ``memo`` under (name, scope, data fingerprint, model version, *parts); computed
        every time without a memo. Only for values that depend on nothing else."""
        if self.memo is None:
            return compute()
        fp = self.dataset.fingerprint if self.dataset is not None else ""
        key = (name, *self.memo_scope, fp, self.models.version or "", *parts)
        value: T = self.memo.get_or_compute(key, compute)
        return value


def segment_context(ctx: OpsContext) -> tuple[OpsContext, tuple[str, ...]]:
    """``ctx`` with its dataset cut down to the rows of its models' segment (``advisor.data.segments``), and notes
    on the tables left out; ``ctx`` unchanged (no notes) when the models are not a segment's. The segment column is
    the one the models were trained by (``segment_by`` in their manifest; default ``segment``). The cut-down dataset
    is kept in ``memo`` under (scope, data fingerprint, column, segment): computed once per dataset and segment.
    ``SegmentDataError`` (a ValueError) when the data has no such column or no rows of the segment."""
    from dataclasses import replace

    from advisor.data.segments import SEGMENT_COLUMN, restrict_to_segment

    segment = ctx.models.segment
    if segment is None:
        return ctx, ()
    ds = ctx.require_dataset()
    provenance = (ctx.models.manifest or {}).get("provenance") or {}
    column = str(provenance.get("segment_by") or SEGMENT_COLUMN)

    def cut() -> Any:
        return restrict_to_segment(ds, segment, column)

    if ctx.memo is None:
        part = cut()
    else:
        part = ctx.memo.get_or_compute(("segment_dataset", *ctx.memo_scope, ds.fingerprint, column, segment), cut)
    notes = tuple(
        f"{name}: has no {column!r} column; left out (its rows are not segment {segment!r}'s)" for name in part.left_out
    )
    return replace(ctx, dataset=part.dataset, measures=None), notes


def check_horizon(max_horizon_days: int, start: Any, end: Any) -> None:
    """:class:`HorizonError` when ``start..end`` (dates, inclusive) is longer than ``max_horizon_days``."""
    days = (end - start).days + 1
    if days > max_horizon_days:
        raise HorizonError(
            f"the period {start}..{end} covers {days} days; the maximum horizon is {max_horizon_days}"
        )


def known_columns(tables: Mapping[str, Any]) -> list[str]:
    """Every column name of the dataset's tables, sorted (what ``by`` may group on)."""
    return sorted({str(c) for df in tables.values() if df is not None for c in getattr(df, "columns", ())})
