"""``train``: fit the response, driver and CLV models on the dataset and publish them as one registry version
(``training.pipeline.train_all``); ``train_segments``: one such model set per segment (``training.engines``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext
from advisor.ops.requests import SegmentTrainRequest, TrainRequest

if TYPE_CHECKING:
    import pandas as pd

    from advisor.data.dataset import Dataset
    from training.mmm import MmmLayout


@dataclass(frozen=True)
class TrainResult:
    """What training published: ``model_version``, metrics per model kind (backtests when asked), warnings."""

    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def model_version(self) -> str:
        return str(self.summary["model_version"])

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self.summary)
        return doc


def train(req: TrainRequest, ctx: OpsContext) -> TrainResult:
    """Train on ``ctx.dataset`` and publish into ``ctx.models_root``; a failed run publishes nothing."""
    from training.backtest import BacktestSpec
    from training.pipeline import train_all

    if ctx.models_root is None:
        raise ValueError("training needs a model registry folder to publish into")
    ds = ctx.require_dataset()
    tables, layout = training_tables(ds)
    summary = train_all(
        tables, ctx.models_root, seed=req.seed, fingerprint=ds.fingerprint, progress=ctx.progress,
        backtest=BacktestSpec() if req.backtest else None, provenance=ctx.provenance,
        mmm=layout, campaign_source=str(getattr(ds, "campaign_source", "campaign_daily")),
    )
    return TrainResult(dict(summary))


def training_tables(ds: Dataset) -> tuple[dict[str, pd.DataFrame], MmmLayout | None]:
    """The frames ``train_all`` takes and the mmm layout: ``tables["mmm"]`` is the canonical mmm frame and
    ``tables["lift_tests"]`` the lift tests when the dataset has them; the layout names the mmm column roles
    (channel → spend column, outcomes, controls + organic + events as regressors, geo, grain, holidays)."""
    from training.mmm import MmmLayout

    tables = dict(ds.tables)
    lift = getattr(ds, "lift_tests", None)
    if lift is not None:
        tables["lift_tests"] = lift
    mmm = getattr(ds, "mmm", None)
    if mmm is None:
        return tables, None
    tables["mmm"] = mmm.frame
    layout = MmmLayout(
        channels={ch: mmm.spend_column(ch) for ch in mmm.channels},
        outcomes=tuple(mmm.outcomes),
        regressors=(*mmm.controls, *mmm.organic, *mmm.events),
        geo="geo" if mmm.geo else None,
        freq=mmm.freq,
        country=mmm.holidays,
        seasonality=mmm.seasonality,
    )
    return tables, layout


@dataclass(frozen=True)
class SegmentTrainResult:
    """What segment training did: ``segment_by``, ``engine``, one entry per segment (``segment``, ``status``
    published | failed, ``model_version``, ``error``, ``rows`` per table, ``cpu_seconds``, ``wall_seconds``,
    ``seed``), ``published`` / ``failed`` counts, ``notes`` (tables not used per segment) and ``wall_seconds``."""

    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [s for s in self.summary["segments"] if s["status"] != "published"]

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self.summary)
        return doc


def train_segments(req: SegmentTrainRequest, ctx: OpsContext) -> SegmentTrainResult:
    """One model set per segment of ``ctx.dataset`` (the values of ``req.segment_by``), each published into its own
    registry under ``ctx.models_root`` (``segments/<segment>/v0001``) by the ``local`` or ``spark`` engine. A
    failed segment publishes nothing and is listed with its error; the others publish theirs."""
    import time

    from training.engines import train_segments as run
    from training.segments import SegmentOptions

    if ctx.models_root is None:
        raise ValueError("training needs a model registry folder to publish into")
    ds = ctx.require_dataset()
    tables, layout = training_tables(ds)
    options = SegmentOptions(
        seed=req.seed, backtest=req.backtest, mmm=layout,
        campaign_source=str(getattr(ds, "campaign_source", "campaign_daily")), fingerprint=ds.fingerprint,
        provenance=dict(ctx.provenance or {}),
    )
    if layout is not None and req.segment_by == "geo" and layout.geo is None:
        raise ValueError("--segment-by geo: the mmm table has no geo column (national data); nothing to split")
    t0 = time.perf_counter()
    outcomes, notes = run(
        tables, req.segment_by, ctx.models_root, options, engine=req.engine, workers=req.workers,
        spark_master=req.spark_master, progress=ctx.progress,
    )
    segments = [o.to_dict() for o in outcomes]
    failed = sum(o.status != "published" for o in outcomes)
    return SegmentTrainResult({
        "segment_by": req.segment_by, "engine": req.engine,
        "workers": req.workers if req.engine == "local" else None,
        "spark_master": req.spark_master if req.engine == "spark" else None,
        "published": len(outcomes) - failed, "failed": failed, "segments": segments, "notes": notes,
        "wall_seconds": time.perf_counter() - t0,
    })
