"""``/v1/attribution``: the incremental effect of each channel over a window of the history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from advisor.ops.requests import IsoDate
from api.http import schemas, services
from api.http.auth import viewer
from api.http.state import Workspace

router = APIRouter(prefix="/v1", tags=["analytics"])


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


@router.get(
    "/attribution", operation_id="getAttribution", response_model=schemas.AttributionResponse,
    summary="Incremental effect per channel",
)
def get_attribution(
    start: Annotated[
        IsoDate | None, Query(alias="from", description="First date, YYYY-MM-DD (default: the first period)")
    ] = None,
    end: Annotated[IsoDate | None, Query(alias="to", description="Last date, YYYY-MM-DD (default: the last period)")] = None,
    channel: Annotated[
        list[str] | None, Query(description="Channels (repeat or comma-separate; default: all), e.g. search,social")
    ] = None,
    dataset: str | None = None,
    segment: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Segment (trained with `train --segment-by`): its models "
              "answer from its rows of the dataset (default: the served models, all rows)"),
    ] = None,
    state: Workspace = Depends(viewer),
) -> dict[str, object]:
    """Each channel's incremental conversions and revenue over a window of the history (default: all of it; the
    window must overlap it) with 80% and 95% intervals, ROI = (incremental revenue − spend) / spend and the
    platform-reported figures beside them (null when the data has none); lift tests measured vs fitted; per geo
    for a geo model. Needs trained models (503 until there are). Example:
    ``/v1/attribution?from=2026-08-01&to=2026-10-31&channel=search,social``; one segment's:
    ``/v1/attribution?segment=brand-a`` (404 naming the trained segments when it has no models)."""
    req = schemas.AttributionRequest(
        dataset=dataset, start=start, end=end, channels=_split(channel) or None, segment=segment
    )
    return services.attribution(state, req)
