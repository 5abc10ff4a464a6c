"""A multi-segment demo world: the campaign rows and business totals of ``n`` independent businesses (brands,
markets or accounts of one agency) in one pair of tables with a ``segment`` column — the input of
``kpi-advisor train --segment-by segment``.

Segment ``i`` is the classic demo world of seed ``seed + i`` (each segment its own channels' budgets, campaign
qualities, organic demand and problems); its campaign ids are prefixed with the segment name so they stay unique
across segments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from demo_world.world import DEFAULT_END, generate_world

SEGMENT_COLUMN = "segment"
SEGMENT_TABLES = ("campaign_daily", "outcomes_daily")


def segment_name(i: int, n: int) -> str:
    """``segment_07`` (zero-padded to the width of ``n - 1``, at least two digits)."""
    return f"segment_{i:0{max(2, len(str(n - 1)))}d}"


@dataclass(frozen=True)
class SegmentedWorld:
    """``tables``: campaign_daily and outcomes_daily of every segment, ``segment`` first; ``seeds``: segment →
    the seed of its world."""

    tables: dict[str, pd.DataFrame]
    seeds: dict[str, int]

    def write(self, out_dir: Path) -> None:
        """Write ``campaign_daily.csv``, ``outcomes_daily.csv`` (ISO dates) and ``segments.json`` (segment → seed)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name in SEGMENT_TABLES:
            self.tables[name].to_csv(out / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        (out / "segments.json").write_text(json.dumps(self.seeds, indent=1), encoding="utf-8")


def generate_segmented_world(n: int, seed: int = 7, days: int = 730, end: date = DEFAULT_END) -> SegmentedWorld:
    """``n`` segments, segment ``i`` the demo world of seed ``seed + i`` over ``days`` days ending on ``end``."""
    if n < 1:
        raise ValueError(f"segments must be at least 1, got {n}")
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SEGMENT_TABLES}
    seeds = {}
    for i in range(n):
        name = segment_name(i, n)
        seeds[name] = seed + i
        world = generate_world(seed=seed + i, days=days, end=end)
        for table in SEGMENT_TABLES:
            df = world.tables[table].copy()
            if "campaign_id" in df.columns:
                df["campaign_id"] = name + "-" + df["campaign_id"].astype(str)
            df.insert(0, SEGMENT_COLUMN, name)
            parts[table].append(df)
    return SegmentedWorld({t: pd.concat(p, ignore_index=True) for t, p in parts.items()}, seeds)
