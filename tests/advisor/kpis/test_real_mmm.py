"""KPIs on the real media-mix data sets (``examples/`` configs over ``../shared/datasets``): business KPIs and
spend by geo equal the raw files' sums; platform KPIs are null, never 0."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from advisor.data import load_dataset
from advisor.ops.context import OpsContext
from advisor.ops.kpis import kpis as run_kpis
from advisor.ops.requests import KpisRequest

pytestmark = pytest.mark.datasets
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SPEND = [f"Channel{i}_spend" for i in range(5)]


def test_meridian_geo_kpis_by_geo(shared_datasets: Path) -> None:
    raw = pd.read_csv(shared_datasets / "meridian" / "geo_all_channels.csv")
    ds = load_dataset(EXAMPLES / "meridian_geo")
    ctx = OpsContext(dataset=ds, max_horizon_days=366, forecast_sims=10, dataset_id="meridian_geo")
    req = KpisRequest(by=["geo"], kpis=["spend", "conversions", "roi", "cpm", "mer", "blended_cac"])
    rows = {r["geo"]: r for r in run_kpis(req, ctx).to_json()["rows"]}
    assert len(rows) == raw["geo"].nunique() == 40
    per_geo = raw.groupby("geo")
    spend = per_geo[SPEND].sum().sum(axis=1)
    conversions = per_geo["conversions"].sum()
    for geo in ("Geo0", "Geo17", "Geo39"):
        assert rows[geo]["spend"] == pytest.approx(spend[geo], rel=1e-9)
        assert rows[geo]["blended_cac"] == pytest.approx(spend[geo] / conversions[geo], rel=1e-9)
        assert rows[geo]["conversions"] is None and rows[geo]["roi"] is None  # no platform figures
        assert rows[geo]["mer"] is None  # conversions only: the business totals carry no revenue
        assert rows[geo]["cpm"] is not None and rows[geo]["cpm"] > 0
