"""The history the response models were fitted on, read back from a dataset: spend per period by channel and the
platform-reported figures per channel over a window (what attribution and the advisor's trust answer compare the
models' incremental figures with)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def spend_history(ds: Any, freq: str) -> pd.DataFrame:
    """Spend per period by channel (DatetimeIndex on the models' grain ``freq`` ``D``/``W``, every period from the
    first to the last): the ``mmm`` table's national spend when there is one, else ``campaign_daily``'s.
    ``ds``: an :class:`advisor.data.Dataset` (or anything with ``campaign_daily`` and ``mmm``)."""
    mmm = getattr(ds, "mmm", None)
    if mmm is not None:
        nat = mmm.national()
        cols = {ch: nat[mmm.spend_column(ch)].astype(float) for ch in mmm.channels}
        return pd.DataFrame(cols, index=pd.DatetimeIndex(nat.index)).sort_index()
    cd = ds.campaign_daily
    frame = cd.assign(date=pd.to_datetime(cd["date"]), channel=cd["channel"].astype(str))
    wide = frame.pivot_table(index="date", columns="channel", values="spend", aggfunc="sum")
    full = pd.date_range(wide.index.min(), wide.index.max(), freq="D" if freq == "D" else "7D")
    return wide.reindex(full).fillna(0.0).astype(float)


def reported(
    ds: Any, start: pd.Timestamp, end: pd.Timestamp, freq: str = "D"
) -> dict[str, tuple[float | None, float | None]]:
    """Platform-reported (conversions, revenue) per channel summed over the rows dated inside the periods
    ``start..end`` (a weekly period dated ``d`` covers ``d..d+6``, so daily campaign rows beside a weekly ``mmm``
    table count in full); None where every row is NaN (rows derived from an ``mmm`` table)."""
    cd = ds.campaign_daily
    dates = pd.to_datetime(cd["date"])
    last = end + pd.Timedelta(days=6) if freq == "W" else end
    rows = cd[(dates >= start) & (dates <= last)]
    out: dict[str, tuple[float | None, float | None]] = {}
    for ch, g in rows.groupby(rows["channel"].astype(str)):
        sums = [g[k].sum(min_count=1) if k in g else float("nan") for k in ("conversions", "revenue")]
        conv, rev = (None if pd.isna(v) else float(v) for v in sums)
        out[str(ch)] = (conv, rev)
    return out
