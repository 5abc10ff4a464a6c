"""Whether a geo model's split of a channel by geo can be read.

A geo's figure for a channel (``advisor.diagnostics.incremental.geo_effects``) carries an 80 % interval: the pooled
coefficient's uncertainty and the geo's own, added in quadrature. Where that interval reaches 0 the data cannot tell
the channel's effect in that geo from none. When it does so in at least half the geos where the channel spends, the
split of that channel by geo cannot be read (:attr:`GeoReadability.unreadable`): the national figure is what to
read, and a geo holdout test (switching the channel off in some geos) is what would tell the geos apart. Seen on
Meridian's geo data: Channel0's interval starts at 0 in 40 of 40 geos while its national interval does not.

:func:`geo_marginal_units` gives what the next unit of spend adds in each geo (the geo model's curves at the geo's
own spend), for budget questions: a geo's average return over a window is not the return of more spend there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

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


#: relative step of the central difference of :func:`geo_marginal_units` (±1 % of the window's spend)
MARGINAL_STEP = 0.01


def geo_marginal_units(
    model: Any, panel: pd.DataFrame, channel: str, start: pd.Timestamp, end: pd.Timestamp, step: float = MARGINAL_STEP
) -> pd.DataFrame:
    """Per geo (index), what one more unit of ``channel``'s spend over ``start..end`` adds, per unit of the geo's
    coefficient: the central difference of the geo model's response per unit of coefficient
    (``model.geo_contributions(panel, per_unit=True)``) when the channel's spend in the window is scaled by
    ``1 ± step``, summed over every period of the panel (the carry-over after the window included), over the spend
    added. Columns ``unit_marginal`` and ``unit_window`` (the response per unit of coefficient summed over the window
    at the actual spend): the geo's incremental figure is its coefficient × ``unit_window``, so its interval bounds
    over ``unit_window`` are bounds of the coefficient, and × ``unit_marginal`` bounds of the marginal return.
    ``panel``: long frame (``date``, ``geo``, one spend column per channel named by the channel)."""
    from advisor.diagnostics.incremental import in_window

    dates = pd.DatetimeIndex(pd.to_datetime(panel["date"]))
    inside = in_window(dates, start, end)
    geo = panel["geo"].astype(str)

    def units(factor: float) -> pd.DataFrame:
        shifted = panel.copy()
        shifted.loc[inside, channel] = shifted.loc[inside, channel].astype(float) * factor
        out: pd.DataFrame = model.geo_contributions(shifted, per_unit=True)
        return out

    base, up, down = units(1.0), units(1.0 + step), units(1.0 - step)
    base_geo = base["geo"].astype(str)
    delta = (up[channel] - down[channel]).groupby(base_geo).sum()
    added = (panel.loc[inside, channel].astype(float) * 2 * step).groupby(geo[inside]).sum()
    window = base[in_window(pd.DatetimeIndex(pd.to_datetime(base["date"])), start, end)]
    unit_window = window[channel].groupby(window["geo"].astype(str)).sum()
    marginal = (delta / added.reindex(delta.index)).where(added.reindex(delta.index) > 0)
    return pd.DataFrame({"unit_marginal": marginal, "unit_window": unit_window.reindex(delta.index)})
