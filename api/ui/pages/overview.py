"""Overview (``/ui/``): the scorecard against targets (status colours, composite score), each scorecard KPI's
trend over the last 12 months, and what needs attention: the failing campaigns and channels ranked by money at
stake (the advise operation's ``attention`` scan, run with the deterministic router)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.http import schemas, services
from api.ui import charts
from api.ui.render import RATE_AS_PERCENT, NavItem, render
from api.ui.session import UiUser, ui_viewer

NAV = NavItem(href="/ui/", page="overview", order=10)
router = APIRouter(prefix="/ui", include_in_schema=False)

ATTENTION_QUESTION = {"en": "What needs attention?", "ru": "Что требует внимания?"}
UNIT_OF_SCORECARD = {"ratio": None, "currency": "currency", "count": "count", "percent": "percent"}


def attention(user: UiUser) -> dict[str, Any]:
    """The ``attention`` analysis of the advise operation (``result``: period, items ranked by money at stake,
    channels) in the user's language; ``{}`` when the answer ran no scan."""
    req = schemas.AdviseRequest(question=ATTENTION_QUESTION[user.lang], lang=user.lang)  # type: ignore[arg-type]
    answer = services.advise(user.workspace, req, use_llm=False)
    for analysis in answer.get("analyses", []):
        if analysis.get("name") == "attention":
            found: dict[str, Any] = analysis.get("result") or {}
            return found
    return {}


def trend_window(period_end: str) -> tuple[date, date]:
    """First and last day of the 12 months ending with the scorecard's period end (an ISO date)."""
    end = pd.Timestamp(period_end)
    start = (end - pd.DateOffset(months=12)) + pd.Timedelta(days=1)
    return start.date(), end.date()


def trends(user: UiUser, scorecard: dict[str, Any]) -> list[dict[str, Any]]:
    """One monthly trend chart per scorecard line the KPI table can compute, a scoped line (``{channel: search}``)
    from the rows of its scope only: ``[{"id", "kpi", "name", "spec"}]``."""
    kpis = [k for g in scorecard.get("groups", []) for k in g.get("kpis", [])]
    if not kpis or not scorecard.get("end"):
        return []
    start, end = trend_window(scorecard["end"])
    tables: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    out: list[dict[str, Any]] = []
    for k in kpis:
        scope = {str(c): str(v) for c, v in (k.get("scope") or {}).items()}
        by = tuple(sorted(scope))
        if by not in tables:
            req = schemas.KpisRequest(by=list(by), grain="month", start=start, end=end)
            tables[by] = services.kpis(user.workspace, req).get("rows", [])
        rows = [r for r in tables[by] if all(str(r.get(c)) == v for c, v in scope.items())]
        if not any(r.get(k["kpi"]) is not None for r in rows):
            continue
        unit = "percent" if k["kpi"] in RATE_AS_PERCENT else UNIT_OF_SCORECARD.get(k.get("unit") or "")
        name = k.get("name") or k["kpi"]
        title = f"{name} ({', '.join(scope.values())})" if scope else name
        out.append({
            "id": f"trend-{k['kpi']}" + (f"-{len(out)}" if scope else ""), "kpi": k["kpi"], "name": title,
            "spec": charts.monthly_trend(rows, k["kpi"], title=title, unit=unit, target=k.get("target")),
        })
    return out


def link_of(item: dict[str, Any], period: dict[str, str]) -> str:
    """The diagnosis page of an attention item over the scan's period."""
    query = f"?from={period.get('from', '')}&to={period.get('to', '')}" if period else ""
    if item.get("type") == "campaign":
        return f"/ui/campaign/{item['campaign_id']}{query}"
    return f"/ui/channel/{item['channel']}{query}"


#: KPIs charted when the dataset has no targets (no scorecard to pick them): the business and headline ones the data
#: can compute, in this order, at most :data:`UNTARGETED_MAX`.
UNTARGETED_KPIS = (
    "mer", "blended_roas", "business_revenue", "business_conversions", "blended_cac", "revenue", "conversions", "spend",
    "roi", "roas", "cpa", "conversion_rate", "cpm",
)
UNTARGETED_MAX = 6


def untargeted_card(user: UiUser) -> dict[str, Any]:
    """A scorecard stand-in for a dataset without targets: no groups, the last full month as the trend window's end,
    and the headline KPIs the data can compute as its lines (no target, no status)."""
    table = services.kpis(user.workspace, schemas.KpisRequest(grain="month"))
    rows = table.get("rows", [])
    if len(rows) < 2:
        return {"groups": [], "end": None, "kpis": []}
    last_full = str(rows[-2]["period"])  # the newest month may be partial
    end = (pd.Timestamp(last_full) + pd.offsets.MonthEnd(0)).date().isoformat()
    present = [k for k in UNTARGETED_KPIS if any(r.get(k) is not None for r in rows)][:UNTARGETED_MAX]
    from advisor.kpis.catalog import default_catalog

    catalog = default_catalog()
    lines = [{"kpi": k, "name": catalog[k].name if k in catalog else k, "unit": catalog[k].unit if k in catalog else None}
             for k in present]
    return {"groups": [{"name": "untargeted", "kpis": lines}], "end": end}


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, user: UiUser = Depends(ui_viewer)) -> HTMLResponse:
    """The overview page; without targets the scorecard gives way to a note and the headline KPIs' trends."""
    dataset = user.workspace.require().dataset
    if dataset is not None and dataset.targets is None:
        stand_in = untargeted_card(user)
        scan = attention(user)
        period = scan.get("period") or {}
        items = [{**i, "href": link_of(i, period)} for i in scan.get("items", [])]
        return render(request, user, "overview", card=None, trends=trends(user, stand_in), scan=scan, items=items,
                      colours=charts.STATUS_COLOURS)
    card = services.scorecard(user.workspace, schemas.ScorecardRequest())
    scan = attention(user)
    period = scan.get("period") or {}
    items = [{**i, "href": link_of(i, period)} for i in scan.get("items", [])]
    return render(request, user, "overview", card=card, trends=trends(user, card), scan=scan, items=items,
                  colours=charts.STATUS_COLOURS)
