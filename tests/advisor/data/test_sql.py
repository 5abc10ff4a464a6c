"""SQL sources: SQLite in tmp_path, and the PostgreSQL server on 127.0.0.1:5432 (marked ``postgres``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from advisor.data import DataValidationError, load_dataset, load_table

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(date=pd.to_datetime(df["date"]).dt.date)


def _check_loaded(out: pd.DataFrame, source: pd.DataFrame) -> None:
    assert len(out) == len(source) and out["date"].dtype == "datetime64[ns]"
    assert out["impressions"].dtype == "int64" and out["campaign_id"].tolist()[:2] == ["c1", "c2"]
    assert out["spend"].sum() == pytest.approx(source["spend"].sum())
    assert out.attrs["attributes"] == ("audience",) and out.attrs["numeric_drivers"] == ("frequency",)


def test_sqlite_table_and_query(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    source = make_cd(days=30)
    url = f"sqlite:///{tmp_path / 'ads.db'}"
    engine = sa.create_engine(url)
    _typed(source).to_sql("daily_ads", engine, index=False)
    engine.dispose()
    _check_loaded(load_table("campaign_daily", url, sql_table="daily_ads"), source)
    query = "select * from daily_ads where campaign_id = 'c1'"
    only_c1 = load_table("campaign_daily", url, query=query)
    assert set(only_c1["campaign_id"]) == {"c1"} and len(only_c1) == 30


def test_sqlite_via_config_and_bad_rows(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    bad = make_cd(days=30)
    bad.loc[2, "spend"] = -1.0
    db = tmp_path / "ads.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    _typed(bad).rename(columns={"spend": "cost_eur"}).to_sql("ads", engine, index=False)
    engine.dispose()
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kpi-advisor.yaml").write_text(
        f"tables:\n  campaign_daily:\n    url: 'sqlite:///{db}'\n    table: ads\n"
        "    columns: {cost_eur: spend}\n"
    )
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder)
    assert [(i.column, i.rows, i.rule) for i in info.value.issues] == [("spend", (3,), "non_negative")]


def test_sql_errors_are_issues(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError) as info:
        load_table("campaign_daily", f"sqlite:///{tmp_path / 'none.db'}", sql_table="missing")
    assert [i.rule for i in info.value.issues] == ["unreadable_file"]
    with pytest.raises(DataValidationError) as info:
        load_table("campaign_daily", "nosuchdialect://host/db", sql_table="t")
    assert [i.rule for i in info.value.issues] == ["unreadable_file"]
    with pytest.raises(DataValidationError) as info:
        load_table("campaign_daily", "postgresql+psycopg://u:secret@127.0.0.1:1/x", query="select 1")
    assert "secret" not in info.value.issues[0].message  # passwords never echoed


@pytest.fixture
def pg_engine() -> Iterator[sa.Engine]:
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 (db test, user postgres) does not answer: {exc.orig}")
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_postgres_table_and_query(pg_engine: sa.Engine, make_cd: Callable[..., pd.DataFrame]) -> None:
    source = make_cd(days=30)
    name = f"kpi_advisor_test_{uuid.uuid4().hex[:12]}"
    _typed(source).to_sql(name, pg_engine, index=False)
    try:
        _check_loaded(load_table("campaign_daily", PG_URL, sql_table=name), source)
        _check_loaded(load_table("campaign_daily", PG_URL, query=f'select * from "{name}"'), source)
        query = f'select date, campaign_id, channel, spend, impressions, clicks from "{name}"'
        with pytest.raises(DataValidationError) as info:
            load_table("campaign_daily", PG_URL, query=query)
        assert {i.column for i in info.value.issues} == {"conversions", "revenue"}
    finally:
        with pg_engine.begin() as conn:
            conn.execute(sa.text(f'drop table if exists "{name}"'))


def test_sqlite_midnight_timestamps_are_dates(tmp_path: Path, make_cd: Callable[..., pd.DataFrame]) -> None:
    source = make_cd(days=3)
    url = f"sqlite:///{tmp_path / 'ts.db'}"
    engine = sa.create_engine(url)
    # stored as '2024-01-01 00:00:00.000000'
    source.assign(date=pd.to_datetime(source["date"])).to_sql("ads", engine, index=False)
    engine.dispose()
    out = load_table("campaign_daily", url, query="select * from ads")  # a query returns the raw strings
    assert out["date"].min() == pd.Timestamp("2024-01-01") and len(out) == 6
