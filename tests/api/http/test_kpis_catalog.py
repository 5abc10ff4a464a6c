"""``POST /v1/kpis`` with an inline user catalog (the body's ``catalog``, never a server path) and the business
KPIs over HTTP on the trained demo world (which has ``outcomes_daily``)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd
import pytest

PROBLEM = "application/problem+json"


def test_inline_catalog_adds_kpis(client: httpx.Client) -> None:
    body = {
        "kpis": ["spend", "revenue", "profit", "mer"],
        "catalog": {"kpis": {"profit": {"name": "Profit", "formula": "revenue - spend", "unit": "currency"}}},
    }
    r = client.post("/v1/kpis", json=body)
    assert r.status_code == 200, r.text
    [row] = r.json()["rows"]
    assert row["profit"] == pytest.approx(row["revenue"] - row["spend"])
    assert client.post("/v1/kpis", json={"kpis": ["profit"]}).status_code == 422  # not kept between requests


def test_business_kpis_match_the_raw_tables(client: httpx.Client, world: object) -> None:
    data = Path(world.data)  # type: ignore[attr-defined]
    spend = pd.read_csv(data / "campaign_daily.csv", parse_dates=["date"])
    outcomes = pd.read_csv(data / "outcomes_daily.csv", parse_dates=["date"])
    month = lambda df: df[(df["date"] >= "2026-09-01") & (df["date"] <= "2026-09-30")]  # noqa: E731
    r = client.get("/v1/kpis", params={"kpis": "mer,blended_cac", "start": "2026-09-01", "end": "2026-09-30"})
    [row] = r.json()["rows"]
    assert row["mer"] == pytest.approx(month(outcomes)["revenue"].sum() / month(spend)["spend"].sum(), rel=1e-9)
    assert row["blended_cac"] == pytest.approx(month(spend)["spend"].sum() / month(outcomes)["conversions"].sum())
    by_channel = client.get("/v1/kpis", params={"by": "channel", "kpis": "mer"}).json()["rows"]
    assert by_channel and all(r["mer"] is None for r in by_channel)


@pytest.mark.parametrize(
    ("catalog", "detail"),
    [
        ({"kpis": {"hack": {"name": "H", "formula": "open('x')"}}}, "KPI 'hack'"),
        ({"kpis": {"loop": {"name": "L", "formula": "loop + 1"}}}, "cycle"),
        ({"measures": {"m": {"table": "campaign_daily", "agg": "sum", "column": "spend", "min_rows": "2"}}}, "min_rows"),
    ],
)
def test_bad_inline_catalog_is_a_422_problem(client: httpx.Client, catalog: dict[str, object], detail: str) -> None:
    r = client.post("/v1/kpis", json={"catalog": catalog})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    assert detail in r.json()["detail"]
    assert client.post("/v1/kpis", json={"catalog": {"file": "/etc/passwd"}}).status_code == 422


def test_scorecard_has_notes(client: httpx.Client) -> None:
    doc = client.get("/v1/scorecard", params={"period": "2026-10"}).json()
    assert doc["notes"] == []
