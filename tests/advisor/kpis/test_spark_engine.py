"""The KPI engine on Spark (advisor.kpis.spark): the same KPI table and JSON as the local engine.

One local[2] session for the run (fixture ``spark``); the data are small, what is checked is that both engines
agree: the demo world (campaign_daily as a Parquet folder of part files) through the ``kpis`` operation and the CLI
for several groupings, grains, windows and ``--compare``; a user catalog with filters and every aggregation on a
hand-made table with missing values; period starts on ISO weeks and quarters across year ends.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from advisor.core.periods import period_start
from advisor.data import load_dataset
from advisor.data.spark_source import load_spark_dataset
from advisor.kpis import compute_kpis, extend_catalog
from advisor.kpis.spark import SparkTable, period_column
from advisor.ops.context import OpsContext
from advisor.ops.kpis import kpis
from advisor.ops.requests import KpisRequest
from api.cli import app
from demo_world import generate_world

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


def assert_same(local: Any, spark: Any, path: str = "") -> None:
    """Equal JSON documents, floats to 1e-9 relative (Spark adds doubles in another order than pandas)."""
    if isinstance(local, dict):
        assert isinstance(spark, dict) and local.keys() == spark.keys(), path
        for k in local:
            assert_same(local[k], spark[k], f"{path}.{k}")
    elif isinstance(local, list):
        assert isinstance(spark, list) and len(local) == len(spark), path
        for i, (a, b) in enumerate(zip(local, spark, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(local, float) or isinstance(spark, float):
        assert local is not None and spark is not None, (path, local, spark)
        assert math.isclose(local, spark, rel_tol=1e-9, abs_tol=0.0), (path, local, spark)
    else:
        assert local == spark, (path, local, spark)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo world (400 days) with campaign_daily as a folder of 3 Parquet part files (+ ``_SUCCESS``)."""
    folder = tmp_path_factory.mktemp("demo_parquet")
    world = generate_world(seed=7, days=400)
    world.write(folder)
    csv = folder / "campaign_daily.csv"
    rows = pd.read_csv(csv)
    rows["date"] = pd.to_datetime(rows["date"]).dt.date
    csv.unlink()
    parts = folder / "campaign_daily"
    parts.mkdir()
    n = len(rows)
    for k in range(3):
        rows.iloc[k * n // 3 : (k + 1) * n // 3].to_parquet(parts / f"part-{k:05d}.parquet", index=False)
    (parts / "_SUCCESS").write_text("")
    return folder


@pytest.fixture(scope="session")
def contexts(demo_folder: Path, spark: Any) -> tuple[OpsContext, OpsContext]:
    local = OpsContext(load_dataset(demo_folder), 365, 1000, dataset_id="demo")
    on_spark = OpsContext(None, 365, 1000, dataset_id="demo", spark_dataset=load_spark_dataset(demo_folder, spark))
    return local, on_spark


@pytest.mark.parametrize(
    "request_fields",
    [
        {"by": ["channel"], "grain": "month"},
        {"by": ["channel"], "grain": "week", "start": "2026-03-01", "end": "2026-06-30", "compare": True},
        {"by": ["campaign_id"], "grain": "day", "start": "2026-05-01", "end": "2026-05-20"},
        {"grain": "quarter", "compare": True},
        {"by": ["channel", "audience"], "start": "2026-02-01", "end": "2026-05-31", "compare": True},
    ],
)
def test_kpis_operation_gives_the_same_json(
    contexts: tuple[OpsContext, OpsContext], request_fields: dict[str, Any]
) -> None:
    req = KpisRequest.model_validate(request_fields)
    local, on_spark = (kpis(req, ctx).to_json() for ctx in contexts)
    assert len(local["rows"]) > 0 and any(r.get("clv") is not None for r in local["rows"])  # orders KPIs too
    assert_same(local, on_spark)


def test_cli_engine_spark_prints_the_json_of_engine_local(demo_folder: Path, spark: Any) -> None:
    args = ["kpis", "--data", str(demo_folder), "--by", "channel", "--grain", "month", "--from", "2026-01-01",
            "--format", "json"]  # fmt: skip
    local = CliRunner().invoke(app, [*args, "--engine", "local"])
    on_spark = CliRunner().invoke(app, [*args, "--engine", "spark"])
    assert local.exit_code == 0 and on_spark.exit_code == 0, (local.output, on_spark.output)
    assert_same(json.loads(local.stdout), json.loads(on_spark.stdout))


USER_CATALOG = {
    "measures": {
        "search_spend": {"table": "campaign_daily", "agg": "sum", "column": "spend", "where": "channel == 'search'"},
        "big_days": {"table": "campaign_daily", "agg": "count", "where": "spend >= 100 and not (clicks < 60)"},
        "not_search": {"table": "campaign_daily", "agg": "count", "column": "bonus",
                       "where": "channel not in ('search',) or audience in ['young']"},
        "bonus_known": {"table": "campaign_daily", "agg": "sum", "column": "bonus"},
        "bonus_search": {"table": "campaign_daily", "agg": "sum", "column": "bonus", "where": "channel == 'search'"},
        "mean_spend": {"table": "campaign_daily", "agg": "mean", "column": "spend", "where": "0 < clicks <= 300"},
        "low_ctr": {"table": "campaign_daily", "agg": "min", "column": "clicks"},
        "top_revenue": {"table": "campaign_daily", "agg": "max", "column": "revenue", "where": "revenue > 0"},
        "campaigns": {"table": "campaign_daily", "agg": "nunique", "column": "campaign_id"},
        "steady": {"table": "campaign_daily", "agg": "nunique", "column": "campaign_id", "min_rows": 2},
    },
    "kpis": {
        "search_share": {"name": "Search share", "formula": "search_spend / spend"},
        "big": {"name": "Big days", "formula": "big_days + 0 * not_search"},
        "bonus_rate": {"name": "Bonus", "formula": "bonus_known / bonus_search"},
        "stats": {"name": "Stats", "formula": "mean_spend + min(low_ctr, top_revenue) - abs(-campaigns) + steady"},
    },
}


def test_user_catalog_filters_and_aggregations(spark: Any, campaign_daily: pd.DataFrame) -> None:
    """Filters (in, not in, chained comparisons, not, or), mean/min/max/count/nunique with min_rows, and a sum
    over a column missing in every row of a group (unknown, not 0) — identical from both engines."""
    rows = campaign_daily.assign(bonus=[1.0, np.nan, 2.0, np.nan, np.nan, np.nan])
    cat = extend_catalog(USER_CATALOG)
    on_spark = SparkTable(spark.createDataFrame(rows.assign(date=rows["date"].dt.date)))
    ids = ["search_share", "big", "bonus_rate", "stats", "cpc", "roas"]
    for by, grain in ((["channel"], "day"), ([], None), (["audience"], "week")):
        local = compute_kpis({"campaign_daily": rows}, by=by, grain=grain, kpis=ids, catalog=cat, compare=True)
        remote = compute_kpis({"campaign_daily": on_spark}, by=by, grain=grain, kpis=ids, catalog=cat, compare=True)
        assert_same(local.to_records(reasons=True), remote.to_records(reasons=True))
    by_channel = compute_kpis({"campaign_daily": on_spark}, by=["channel"], kpis=["bonus_rate"], catalog=cat)
    social = by_channel.to_records(reasons=True)[1]  # social rows have no bonus at all: unknown, not 0
    assert social["channel"] == "social" and social["bonus_rate"] is None
    assert social["reasons"]["bonus_rate"] == "campaign_daily.bonus is missing in every row of this group/period"


def test_period_starts_match_the_core_convention(spark: Any) -> None:
    """ISO weeks (Monday), months and quarters across year ends (2020-12-28 is the Monday of 2020-W53)."""
    days = pd.date_range("2020-12-20", "2023-01-10", freq="D")
    frame = spark.createDataFrame(pd.DataFrame({"d": days.date}))
    for grain in ("day", "week", "month", "quarter"):
        got = frame.select(period_column(frame["d"], grain).alias("p")).toPandas()["p"]
        expected = period_start(days.to_numpy(), grain)
        assert (pd.to_datetime(got).to_numpy(dtype="datetime64[ns]") == expected).all(), grain


def test_row_checks_run_in_the_kpi_job_and_stop_it(tmp_path: Path, spark: Any, campaign_daily: pd.DataFrame) -> None:
    """The rows are read once: the aggregation job counts the row checks too, and a broken rule stops the
    operation with the validation error (table, column, rule, count) instead of a KPI table."""
    from advisor.data import DataValidationError

    rows = campaign_daily.assign(date=campaign_daily["date"].dt.date)
    rows.loc[3, "spend"] = -5.0
    (tmp_path / "campaign_daily").mkdir()
    rows.to_parquet(tmp_path / "campaign_daily" / "part-00000.parquet", index=False)
    ds = load_spark_dataset(tmp_path, spark)
    assert ds.checks.pending
    ctx = OpsContext(None, 365, 1000, spark_dataset=ds)
    for _ in range(2):  # the counts are kept: the second request fails the same way without counting again
        with pytest.raises(DataValidationError) as info:
            kpis(KpisRequest(by=["channel"], grain="day", start="2026-10-01", end="2026-10-01"), ctx)
        issue = info.value.issues[0]
        assert (issue.table, issue.column, issue.rule) == ("campaign_daily", "spend", "non_negative")
        assert issue.message.startswith("campaign_daily.spend: must be ≥ 0, 1 negative value(s) (e.g. '-5.0'")
    assert not ds.checks.pending
