"""``attribution``: reported vs incremental conversions and revenue per channel
(``advisor.diagnostics.attribution``). The operation only; its CLI command, route and tool are issue 13."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import Field

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext
from advisor.ops.requests import IsoDate, OpRequest, _config

if TYPE_CHECKING:
    from advisor.diagnostics.attribution import ChannelAttribution


class AttributionRequest(OpRequest):
    """Channels (default: all) over ``start..end`` (default: the whole history)."""

    model_config = _config({"start": "2026-08-01", "end": "2026-10-31"}, {"channels": ["search", "social"]})
    start: IsoDate | None = Field(default=None, description="First date (inclusive).")
    end: IsoDate | None = Field(default=None, description="Last date (inclusive).")
    channels: list[str] | None = Field(default=None, description="Channels to attribute (default: all).")


@dataclass(frozen=True)
class AttributionResult:
    """One row per channel: spend, reported and incremental (with 95% interval) conversions and revenue,
    incremental ROI and the over/under-claim ratios."""

    model_version: str | None
    channels: tuple[ChannelAttribution, ...]

    def to_json(self) -> dict[str, Any]:
        rows: list[dict[str, Any]] = to_jsonable([c.to_dict() for c in self.channels])
        return {"model_version": self.model_version, "channels": rows}


def attribution(req: AttributionRequest, ctx: OpsContext) -> AttributionResult:
    """Attribution of ``ctx.dataset``'s channels with the context's response models (without them the
    incremental fields are null and say why)."""
    from advisor.diagnostics.attribution import attribution as run_attribution

    ds = ctx.require_dataset()
    known = sorted(ds.campaign_daily["channel"].astype(str).unique())
    unknown = [c for c in req.channels or [] if c not in known]
    if unknown:
        raise ValueError(f"unknown channel(s) {', '.join(map(repr, unknown))}; known channels: {', '.join(known)}")
    bundle = ctx.models.bundle
    response: Any = bundle.models if bundle is not None else None
    rows = run_attribution(ds.campaign_daily, req.start, req.end, response=response, channels=req.channels)
    return AttributionResult(ctx.models.version if bundle is not None else None, tuple(rows))
