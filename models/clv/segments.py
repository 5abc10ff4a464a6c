"""One CLV model per customer segment (e.g. acquisition channel), with a pooled model as fallback.

Channels acquire customers who buy differently; one pooled BG/NBD shrinks every channel towards the average.
``CLVModelSet`` fits the pooled model on all customers and one model per segment that has enough customers
(``min_customers``) and repeat customers (``min_repeat_customers``); smaller segments, segments whose fit
fails and unseen segments use the pooled model.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.clv.value import CLVModel, CLVSpec


@dataclass(frozen=True)
class SegmentSpec:
    """Segment column of the RFM summary (``rfm_summary(..., keep=(by,))``) and the size thresholds."""

    by: str = "channel"
    min_customers: int = 300
    min_repeat_customers: int = 50
    model: CLVSpec = field(default_factory=CLVSpec)


class CLVModelSet:
    """Pooled + per-segment ``CLVModel``s. ``fit(rfm)`` needs the segment column ``spec.by`` in ``rfm``.

    Fitted attributes: ``pooled_`` (CLVModel), ``segments_`` (segment → CLVModel), ``fallback_`` (segment →
    reason it uses the pooled model).
    """

    def __init__(self, spec: SegmentSpec | None = None) -> None:
        self.spec = spec or SegmentSpec()

    def fit(self, rfm: pd.DataFrame) -> CLVModelSet:
        by = self.spec.by
        if by not in rfm.columns:
            raise ValueError(f"segment column {by!r} not in the RFM summary (rfm_summary(keep=({by!r},)))")
        self.pooled_ = CLVModel(self.spec.model).fit(rfm)
        self.segments_: dict[str, CLVModel] = {}
        self.fallback_: dict[str, str] = {}
        for seg, sub in rfm.groupby(by, sort=True):
            name = str(seg)
            repeaters = int((sub["frequency"] > 0).sum())
            if len(sub) < self.spec.min_customers or repeaters < self.spec.min_repeat_customers:
                self.fallback_[name] = f"{len(sub)} customers, {repeaters} repeat customers: too few"
                continue
            try:
                self.segments_[name] = CLVModel(self.spec.model).fit(sub)
            except (ValueError, FloatingPointError) as exc:  # pragma: no cover - defensive
                self.fallback_[name] = f"fit failed: {exc}"
        return self

    def model_for(self, segment: Hashable) -> CLVModel:
        """The segment's own model, else the pooled one."""
        return self.segments_.get(str(segment), self.pooled_)

    def predict(self, rfm: pd.DataFrame, *, horizon: int = 52, annual_discount: float = 0.10) -> pd.DataFrame:
        """``CLVModel.predict`` with each row's segment model (rows without the segment column: pooled)."""
        if self.spec.by not in rfm.columns:
            return self.pooled_.predict(rfm, horizon=horizon, annual_discount=annual_discount)
        parts = [
            self.model_for(seg).predict(sub, horizon=horizon, annual_discount=annual_discount).set_index(sub.index)
            for seg, sub in rfm.groupby(rfm[self.spec.by].astype(str), sort=False)
        ]
        return pd.concat(parts).reindex(rfm.index)

    def conditional_expected_purchases(self, t: float, rfm: pd.DataFrame) -> NDArray[np.float64]:
        """Expected purchases in the next ``t`` time units per row, each with its segment's model."""
        if self.spec.by not in rfm.columns:
            return self.pooled_.conditional_expected_purchases(t, rfm)
        out = np.empty(len(rfm))
        keys = rfm[self.spec.by].astype(str).to_numpy()
        for seg in np.unique(keys):
            rows = keys == seg
            out[rows] = self.model_for(seg).conditional_expected_purchases(t, rfm[rows])
        return out

    def params(self) -> dict[str, Any]:
        return {
            "pooled": self.pooled_.params(),
            "segments": {k: m.params() for k, m in self.segments_.items()},
        }

    def to_dict(self) -> dict[str, Any]:
        spec = asdict(self.spec)
        spec.pop("model")
        return {
            "model": "clv_model_set",
            "format_version": 1,
            "spec": spec,
            "pooled": self.pooled_.to_dict(),
            "segments": {k: m.to_dict() for k, m in self.segments_.items()},
            "fallback": dict(self.fallback_),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CLVModelSet:
        if doc.get("model") != "clv_model_set":
            raise ValueError(f"not a CLV model set document: model={doc.get('model')!r}")
        pooled = CLVModel.from_dict(doc["pooled"])
        obj = cls(SegmentSpec(**doc["spec"], model=pooled.spec))
        obj.pooled_ = pooled
        obj.segments_ = {k: CLVModel.from_dict(v) for k, v in doc["segments"].items()}
        obj.fallback_ = dict(doc.get("fallback", {}))
        return obj
