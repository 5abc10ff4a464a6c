"""``attribution``: each channel's incremental conversions and revenue over a window of the history, with 80 %
intervals, ROI, the platform-reported figures beside them, lift tests measured vs fitted and, for a geo model,
the split by geo (SPEC §5; ``advisor.diagnostics.incremental``).

The spend history is the one the response models were fitted on: the ``mmm`` table's national spend when the data
has one, else ``campaign_daily``'s spend per channel on the models' grain (days or weeks). Reported figures are
``campaign_daily``'s platform conversions and revenue; rows derived from an ``mmm`` table carry none (null)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import ModelsUnavailable, OpsContext, segment_context
from advisor.ops.requests import AttributionRequest
from models.response.model import media_share_warning, seasonality_read

if TYPE_CHECKING:
    from advisor.diagnostics.incremental import ChannelEffect, LiftComparison

__all__ = ["AttributionRequest", "AttributionResult", "attribution"]


@dataclass(frozen=True)
class AttributionResult:
    """The window (first and last period in it), the channels' effects, the lift tests and per-geo effects
    (``geos``: geo → channel → effect; empty unless the models are geo models); ``segment``: the segment whose
    models and rows answered (None: the whole dataset's models)."""

    dataset: str | None
    model_version: str | None
    start: pd.Timestamp
    end: pd.Timestamp
    freq: str
    channels: tuple[ChannelEffect, ...]
    lift_tests: tuple[LiftComparison, ...] = ()
    geos: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    segment: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "dataset": self.dataset,
            "model_version": self.model_version,
            **({"segment": self.segment} if self.segment is not None else {}),
            "from": self.start.date().isoformat(),
            "to": self.end.date().isoformat(),
            "freq": self.freq,
            "channels": {c.channel: c.to_dict() for c in self.channels},
            "lift_tests": [t.to_dict() for t in self.lift_tests],
            "warnings": list(self.warnings),
        }
        if self.geos:
            doc["geos"] = {g: dict(block) for g, block in self.geos.items()}
        out: dict[str, Any] = to_jsonable(doc)
        return out


def _window(req: AttributionRequest, index: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last period of ``index`` inside the requested window; PeriodError when there is none."""
    from advisor.diagnostics.scope import PeriodError

    first, last = index[0], index[-1]
    lo = pd.Timestamp(req.start) if req.start is not None else first
    hi = pd.Timestamp(req.end) if req.end is not None else last
    if lo > hi:
        raise PeriodError(f"the window {lo.date()}..{hi.date()} is reversed: 'from' must not be after 'to'")
    inside = index[(index >= lo) & (index <= hi)]
    if len(inside) == 0:
        raise PeriodError(
            f"the window {lo.date()}..{hi.date()} does not overlap the history {first.date()}..{last.date()} "
            "(no period of the history is dated inside it)"
        )
    return inside[0], inside[-1]


def _geo_warnings(geos: Mapping[str, Mapping[str, Mapping[str, Any]]], channels: list[str]) -> list[str]:
    """One warning naming the channels whose split by geo cannot be read (``advisor.diagnostics.geo_split``), on the
    first KPI of the split (conversions, else revenue), each with the geos where its interval reaches 0."""
    from advisor.diagnostics.geo_split import geo_readability

    if not geos:
        return []
    for kpi in ("conversions", "revenue"):
        found = geo_readability(geos, channels, kpi)
        if not found:
            continue
        bad = [r for r in found if r.unreadable]
        if not bad:
            return []
        which = ", ".join(f"{r.channel!r} ({r.reaching_zero} of {r.spending} geos)" for r in bad)
        return [
            f"the split by geo cannot be read for {which}: there the 80% interval of incremental {kpi} reaches 0, so "
            "the data cannot tell the geos apart; read the national figures, or run a geo holdout test (switch the "
            "channel off in some geos)"
        ]
    return []


def attribution(req: AttributionRequest, ctx: OpsContext) -> AttributionResult:
    """Attribution of ``ctx.dataset``'s channels with the context's response models; ModelsUnavailable without
    them, ScopeError for an unknown channel, PeriodError for a window outside the history. With a segment's models
    (``ctx.models.segment``) the dataset is cut down to that segment's rows first (``segment_context``): spend,
    reported figures and lift tests are the segment's own."""
    from advisor.diagnostics.history import spend_history
    from advisor.diagnostics.incremental import attribute
    from advisor.diagnostics.scope import ScopeError

    ctx, notes = segment_context(ctx)
    ds = ctx.require_dataset()
    bundle = ctx.models.bundle
    if bundle is None:
        why = "; ".join(ctx.models.problems) or "no trained models"
        raise ModelsUnavailable(f"attribution needs response models ({why}): run `kpi-advisor train`")
    models: dict[str, Any] = dict(bundle.models)
    freq = str(bundle.context.freq)
    history = spend_history(ds, freq)
    known = list(history.columns)
    unknown = [c for c in req.channels or [] if c not in known]
    if unknown:
        raise ScopeError(
            f"unknown channel(s) {', '.join(map(repr, unknown))}; known channels: {', '.join(known)}", tuple(known)
        )
    channels = list(req.channels) if req.channels else known
    start, end = _window(req, pd.DatetimeIndex(history.index))
    found = attribute(ds, models, history, start, end, channels, freq)
    warnings = list(notes)
    if getattr(ds, "campaign_source", "campaign_daily") == "mmm":
        warnings.append("the data has no campaign rows: platform-reported figures are null")
    warnings += _geo_warnings(found.geos, channels)
    for kpi, model in models.items():
        f = model.fitted
        said = media_share_warning(
            kpi, getattr(f, "media_share", None), getattr(f, "yearly_order", None), seasonality_read(model)
        )
        if said:
            warnings.append(said)
    return AttributionResult(
        ctx.dataset_id, ctx.models.version, start, end, freq, tuple(found.effects), tuple(found.lift_tests), found.geos,
        tuple(warnings),
        ctx.models.segment,
    )
