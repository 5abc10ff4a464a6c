"""One segment's rows of a dataset: :func:`restrict_to_segment` (issue 16, models trained per segment).

A segment's models (``train --segment-by COLUMN``) are fitted on the rows of ``campaign_daily`` and
``outcomes_daily`` whose ``COLUMN`` equals the segment, with that column dropped (``training.segments``). An
operation answering with those models reads the same rows: this module cuts a :class:`Dataset` down to them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from advisor.data.dataset import Dataset

SEGMENT_COLUMN = "segment"
"""The column segments are read from when the models do not name theirs."""
PER_SEGMENT_TABLES = ("campaign_daily", "outcomes_daily")
"""The tables cut down to a segment; they must hold the segment column when present."""
OPTIONAL_TABLES = ("orders", "surveys", "team_kpis", "lift_tests")
"""Tables kept (cut down) when they hold the segment column, left out otherwise: company-wide rows do not
describe one segment."""


class SegmentDataError(ValueError):
    """The dataset cannot be cut down to the segment: no segment column, or no rows of the segment."""


@dataclass(frozen=True)
class SegmentData:
    """``dataset``: the segment's rows (segment column dropped); ``left_out``: tables dropped because they have
    no segment column (their rows are the whole company's)."""

    dataset: Dataset
    segment: str
    column: str
    left_out: tuple[str, ...] = ()


def restrict_to_segment(ds: Dataset, segment: str, column: str = SEGMENT_COLUMN) -> SegmentData:
    """The rows of ``ds`` whose ``column`` equals ``segment`` (compared as text), ``column`` dropped.

    ``campaign_daily`` (and ``outcomes_daily`` when present) must hold ``column``; the other tables are cut down
    when they hold it and left out when they do not. Media-mix data (an ``mmm`` table) is not cut down.
    :class:`SegmentDataError` names the table, the column and the segments present when it cannot be done.
    """
    if ds.mmm is not None:
        raise SegmentDataError(
            f"segment {segment!r}: the data is a media-mix table; per-segment answers read campaign_daily / "
            "outcomes_daily rows with a segment column"
        )
    frames: dict[str, pd.DataFrame | None] = {}
    left_out: list[str] = []
    for name in (*PER_SEGMENT_TABLES, *OPTIONAL_TABLES):
        df = getattr(ds, name)
        if df is None:
            continue
        if column not in df.columns:
            if name in PER_SEGMENT_TABLES:
                cols = ", ".join(map(str, df.columns))
                raise SegmentDataError(
                    f"segment {segment!r}: {name} has no column {column!r} to select the segment's rows by; "
                    f"its columns: {cols}"
                )
            frames[name] = None
            left_out.append(name)
            continue
        keys = df[column].astype(str)
        if name == "campaign_daily" and not (keys == segment).any():
            present = sorted(keys.dropna().unique())
            shown = ", ".join(present[:20]) + (f" … ({len(present)} in all)" if len(present) > 20 else "")
            raise SegmentDataError(
                f"segment {segment!r}: campaign_daily has no rows with {column} = {segment!r}; "
                f"its segments: {shown or 'none'}"
            )
        frames[name] = df.loc[(keys == segment).to_numpy()].drop(columns=[column]).reset_index(drop=True)
    restricted = replace(
        ds,
        **frames,  # type: ignore[arg-type]
        attributes=tuple(a for a in ds.attributes if a != column),
        numeric_drivers=tuple(d for d in ds.numeric_drivers if d != column),
    )
    return SegmentData(restricted, segment, column, tuple(left_out))
