"""campaign_daily read by Spark (advisor.data.spark_source): the checks the Spark path runs, in the wording of
the pandas validation (table, column, rule, count), and the sources it refuses with a reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from advisor.data import DataValidationError, load_dataset
from advisor.data.spark_source import load_spark_dataset

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("spark")]


def _parts(folder: Path, df: pd.DataFrame, parts: int = 2) -> Path:
    target = folder / "campaign_daily"
    target.mkdir(parents=True)
    n = len(df)
    for k in range(parts):
        df.iloc[k * n // parts : (k + 1) * n // parts].to_parquet(target / f"part-{k:05d}.parquet", index=False)
    return folder


def test_broken_rows_give_the_pandas_rules_and_wording(
    tmp_path: Path, spark: Any, make_cd: Callable[..., pd.DataFrame]
) -> None:
    df = make_cd(days=4)  # dates as ISO text, 8 rows
    df.loc[1, "date"] = "2024-13-01"
    df.loc[5, "spend"] = -3.0
    df.loc[6, "clicks"] = df.loc[6, "impressions"] + 1
    df.loc[2, "conversions"] = None
    folder = _parts(tmp_path, df)
    with pytest.raises(DataValidationError) as local:
        load_dataset(folder)
    ds = load_spark_dataset(folder, spark)  # the row checks wait for the first job over the rows
    with pytest.raises(DataValidationError) as on_spark:
        ds.check()
    found = {(i.table, i.column, i.rule): i for i in on_spark.value.issues}
    expected = {(i.table, i.column, i.rule): i for i in local.value.issues}
    assert set(found) == set(expected) == {
        ("campaign_daily", "date", "bad_date"),
        ("campaign_daily", "spend", "non_negative"),
        ("campaign_daily", "clicks", "clicks_le_impressions"),
        ("campaign_daily", "conversions", "missing_value"),
    }
    for key, issue in found.items():
        same = expected[key].message.split(" (")[0]  # the count and rule, before examples and row numbers
        assert issue.message.startswith(same), (issue.message, same)
        assert issue.rows == ()  # record numbers are not counted over part files: the examples say where
    assert "'-3.0' in part-00001.parquet on 2024-01-03, campaign c2" in found[("campaign_daily", "spend", "non_negative")].message


def test_missing_column_and_unsupported_sources_are_named(
    tmp_path: Path, spark: Any, make_cd: Callable[..., pd.DataFrame]
) -> None:
    folder = _parts(tmp_path / "a", make_cd(days=2).drop(columns=["revenue"]))
    with pytest.raises(DataValidationError, match=r"campaign_daily: required column 'revenue' is missing"):
        load_spark_dataset(folder, spark)
    csv = tmp_path / "b"
    csv.mkdir()
    make_cd(days=2).to_csv(csv / "campaign_daily.csv", index=False)
    with pytest.raises(DataValidationError, match=r"campaign_daily.csv is CSV; the Spark engine reads Parquet") as info:
        load_spark_dataset(csv, spark)
    assert info.value.issues[0].rule == "unsupported_source"


def test_other_tables_are_read_and_validated_as_usual(
    tmp_path: Path, spark: Any, make_cd: Callable[..., pd.DataFrame]
) -> None:
    folder = _parts(tmp_path, make_cd(days=3))
    pd.DataFrame({"customer_id": ["u1"], "order_date": ["2024-01-02"], "revenue": [-1.0]}).to_csv(
        folder / "orders.csv", index=False
    )
    with pytest.raises(DataValidationError) as info:
        load_spark_dataset(folder, spark)
    assert [(i.table, i.column, i.rule, i.rows) for i in info.value.issues] == [("orders", "revenue", "non_negative", (2,))]
    (folder / "orders.csv").unlink()
    ds = load_spark_dataset(folder, spark).check()
    assert ds.campaign_daily.count() == 6 and dict(ds.campaign_daily.dtypes)["date"] == "date"
