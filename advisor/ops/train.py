"""``train``: fit the response, driver and CLV models on the dataset and publish them as one registry version
(``training.pipeline.train_all``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext
from advisor.ops.requests import TrainRequest


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
    summary = train_all(
        ds.tables, ctx.models_root, seed=req.seed, fingerprint=ds.fingerprint, progress=ctx.progress,
        backtest=BacktestSpec() if req.backtest else None, provenance=ctx.provenance,
    )
    return TrainResult(dict(summary))
