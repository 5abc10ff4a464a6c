"""Contract: every catalog KPI, through zero denominators and missing columns/tables, is a finite number or
null with a reason — never inf, NaN-as-number or an exception."""

from __future__ import annotations

import ast
import math

import pandas as pd
import pytest

from advisor.kpis import KpiTable, compute_kpis, default_catalog

CATALOG = default_catalog()
ALL_IDS = [spec.id for spec in CATALOG]


def _has_division(kpi_id: str) -> bool:
    order, _ = CATALOG.dependencies([kpi_id])
    return any(
        isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for k in order for n in ast.walk(CATALOG[k].parsed.tree)
    )


def _zero_tables() -> dict[str, pd.DataFrame]:
    """Every table present, every count and amount zero; no matching survey/team rows."""
    cd = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
            "campaign_id": ["A", "B"],
            "channel": ["search", "social"],
            **{c: [0.0, 0.0] for c in ("spend", "impressions", "clicks", "conversions", "revenue")},
            "engagements": [0, 0],
            "new_customers": [0, 0],
        }
    )
    orders = pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype=str),
            "order_date": pd.to_datetime([]),
            "revenue": pd.Series([], dtype=float),
        }
    )
    surveys = pd.DataFrame({"date": pd.to_datetime(["2026-10-01"]), "metric": ["other"], "score": [3.0]})
    team = pd.DataFrame({"period": ["2026-10"], "metric": ["other"], "value": [1.0]})
    business = pd.DataFrame({"date": pd.to_datetime(["2026-10-01", "2026-10-02"]), "conversions": 0.0, "revenue": 0.0})
    return {"campaign_daily": cd, "orders": orders, "surveys": surveys, "team_kpis": team, "business_daily": business}


def _check(table: KpiTable, kpi_id: str) -> list[str | None]:
    """Assert each cell of ``kpi_id`` is finite or null with a reason; return the reasons (None if valued)."""
    out: list[str | None] = []
    for row in range(len(table)):
        value = table.frame[kpi_id].iloc[row]
        reason = table.reason(row, kpi_id)
        if pd.isna(value):
            assert reason, f"{kpi_id} row {row}: null without a reason"
        else:
            assert math.isfinite(value), f"{kpi_id} row {row}: {value}"
            assert reason is None
        out.append(reason)
    for rec in table.to_records():
        assert rec[kpi_id] is None or math.isfinite(rec[kpi_id])
    return out


@pytest.mark.parametrize("kpi_id", ALL_IDS)
def test_zero_denominators(kpi_id: str) -> None:
    for by, grain in (((), None), (("channel",), "day")):
        table = compute_kpis(_zero_tables(), kpis=[kpi_id], by=by, grain=grain)
        reasons = _check(table, kpi_id)
        # the total, or the 2 (channel, day) rows of campaign_daily
        assert len(table) == (1 if grain is None else 2)
        if _has_division(kpi_id):
            assert all(r is not None for r in reasons), f"{kpi_id} should be null on zero data"


@pytest.mark.parametrize("kpi_id", ALL_IDS)
def test_missing_tables(kpi_id: str) -> None:
    table = compute_kpis({}, kpis=[kpi_id])
    assert len(table) == 1
    [reason] = _check(table, kpi_id)
    assert reason is not None and "not provided" in reason


@pytest.mark.parametrize("kpi_id", ALL_IDS)
def test_missing_columns(kpi_id: str) -> None:
    tables = {
        name: df.drop(
            columns=[c for c in df.columns if c not in ("date", "campaign_id", "channel", "period", "order_date")]
        )
        for name, df in _zero_tables().items()
    }
    tables["campaign_daily"] = tables["campaign_daily"].assign(spend=1.0)
    table = compute_kpis(tables, kpis=[kpi_id], by=["channel"], grain="month")
    reasons = _check(table, kpi_id)
    if kpi_id != "spend":
        assert all(r is not None and ("missing" in r or "not in" in r) for r in reasons), reasons
    else:
        assert table.frame["spend"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("kpi_id", ALL_IDS)
def test_grouping_column_absent_from_source(kpi_id: str) -> None:
    tables = _zero_tables()
    tables["campaign_daily"] = tables["campaign_daily"].assign(audience=["young", "old"])
    table = compute_kpis(tables, kpis=[kpi_id], by=["audience"])
    reasons = _check(table, kpi_id)
    if set(CATALOG.source_tables(kpi_id)) - {"campaign_daily"}:
        assert len(reasons) == 2 and all(r is not None and "not in" in r for r in reasons), reasons
