"""Fixtures for advisor.data tests: a small valid synthetic campaign_daily and a data folder writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BROKEN = Path(__file__).resolve().parents[2] / "fixtures" / "broken"


def campaign_daily(
    days: int = 35,
    campaigns: tuple[tuple[str, str], ...] = (("c1", "search"), ("c2", "social")),
    seed: int = 0,
) -> pd.DataFrame:
    """Valid campaign_daily in contract form (dates as ISO strings), rows in file order date-major."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in pd.date_range("2024-01-01", periods=days):
        for cid, ch in campaigns:
            imp = int(rng.integers(1_000, 2_000))
            clicks = int(rng.integers(10, 100))
            conv = int(rng.integers(0, 10))
            rows.append(
                {
                    "date": d.strftime("%Y-%m-%d"),
                    "campaign_id": cid,
                    "channel": ch,
                    "spend": round(float(rng.uniform(50, 60)), 2),
                    "impressions": imp,
                    "clicks": clicks,
                    "conversions": conv,
                    "revenue": round(float(rng.uniform(0, 500)), 2),
                    "new_customers": int(rng.integers(0, conv + 1)),
                    "audience": "young" if cid == "c1" else "broad",
                    "frequency": round(float(rng.uniform(1, 3)), 3),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def broken_dir() -> Path:
    return BROKEN


@pytest.fixture
def make_folder(tmp_path: Path) -> Callable[..., Path]:
    """Write tables (name → frame) as CSV (or Parquet with fmt='parquet') into a fresh folder."""

    def write(fmt: str = "csv", **tables: pd.DataFrame) -> Path:
        folder = tmp_path / f"data_{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        for name, df in tables.items():
            if fmt == "parquet":
                df.to_parquet(folder / f"{name}.parquet", index=False)
            else:
                df.to_csv(folder / f"{name}.csv", index=False)
        return folder

    return write


@pytest.fixture
def make_cd() -> Callable[..., pd.DataFrame]:
    """Factory of valid synthetic campaign_daily frames (see ``campaign_daily``)."""
    return campaign_daily
