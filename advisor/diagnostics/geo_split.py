"""Whether a geo model's split of a channel by geo can be read.

A geo's figure for a channel (``advisor.diagnostics.incremental.geo_effects``) carries an 80 % interval: the pooled
coefficient's uncertainty and the geo's own, added in quadrature. Where that interval reaches 0 the data cannot tell
the channel's effect in that geo from none. When it does so in at least half the geos where the channel spends, the
split of that channel by geo cannot be read (:attr:`GeoReadability.unreadable`): the national figure is what to
read, and a geo holdout test (switching the channel off in some geos) is what would tell the geos apart. Seen on
Meridian's geo data: Channel0's interval starts at 0 in 40 of 40 geos while its national interval does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: the lower 80 % bound of each KPI in a geo effect's document (``ChannelEffect.to_dict``)
LOWER_80 = {"conversions": "lower_80", "revenue": "revenue_lower_80"}


def reaches_zero(doc: Mapping[str, Any], kpi: str) -> bool:
    """True when the channel spends in the geo (``doc["spend"] > 0``) and its 80 % interval of incremental ``kpi``
    reaches 0."""
    low = doc.get(LOWER_80[kpi])
    return bool(float(doc.get("spend") or 0.0) > 0 and low is not None and low <= 0)


@dataclass(frozen=True)
class GeoReadability:
    """Of one channel and KPI: in how many geos its interval reaches 0, of the geos where it spends."""

    channel: str
    kpi: str
    reaching_zero: int
    spending: int

    @property
    def unreadable(self) -> bool:
        """The interval reaches 0 in at least half the geos where the channel spends."""
        return self.spending > 0 and 2 * self.reaching_zero >= self.spending


def geo_readability(
    geos: Mapping[str, Mapping[str, Mapping[str, Any]]], channels: Sequence[str], kpi: str
) -> list[GeoReadability]:
    """Per channel (in ``channels`` order, those in the split), :class:`GeoReadability` of the per-geo effects
    ``geos`` (geo → channel → effect document) for ``kpi``."""
    out = []
    for ch in channels:
        docs = [block[ch] for block in geos.values() if ch in block and block[ch].get(LOWER_80[kpi]) is not None]
        if not docs:
            continue
        spending = sum(1 for d in docs if float(d.get("spend") or 0.0) > 0)
        out.append(GeoReadability(ch, kpi, sum(reaches_zero(d, kpi) for d in docs), spending))
    return out
