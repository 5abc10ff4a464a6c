"""Campaign and channel diagnosis (``/ui/campaign/{id}``, ``/ui/channel/{name}``; ``?from=&to=`` the period,
default the data's; on media-mix data a channel's page is :mod:`api.ui.pages.mix_channel`): the diagnose operation's verdict, findings with their onset marked on the KPI's daily chart,
the funnel by stage (this period vs the one before), SHAP drivers as a waterfall in KPI units, anomalies and the
recommended actions with their impact. ``POST /ui/api/diagnose`` answers the same JSON as ``POST /v1/diagnose``
(session cookie + CSRF token) for scripts of other pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from advisor.ops.requests import IsoDate
from api.http import schemas, services
from api.ui import charts
from api.ui.pages import mix_channel
from api.ui.render import RATE_AS_PERCENT, render
from api.ui.session import UiUser, csrf_checked, ui_viewer

NAV = None  # reached from the overview's 'needs attention' list, not from the nav bar
router = APIRouter(prefix="/ui", include_in_schema=False)

FUNNEL = ("impressions", "clicks", "conversions")
STAGE_OF_RATE = {"clicks": "ctr", "conversions": "conversion_rate"}
NAME = r"^[A-Za-z0-9_.:@ -]{1,128}$"


def unit_of(kpi: str, doc: dict[str, Any]) -> str | None:
    """Axis unit of a KPI: percent for rates, else the diagnosis's unit (currency, count) or None."""
    if kpi in RATE_AS_PERCENT:
        return "percent"
    for k in doc.get("kpis", []):
        if k.get("kpi") == kpi:
            return {"currency": "currency", "count": "count"}.get(k.get("unit") or "")
    return None


def _rows_of(user: UiUser, column: str, value: str, **req: Any) -> list[dict[str, Any]]:
    table = services.kpis(user.workspace, schemas.KpisRequest(by=[column], **req))
    return [r for r in table.get("rows", []) if str(r.get(column)) == value]


def daily_charts(user: UiUser, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One daily chart per KPI that has a dated finding (its onsets marked), else the revenue chart:
    ``[{"id", "kpi", "onsets": [...], "spec"}]``."""
    scope, period = doc["scope"], doc["period"]
    dated: dict[str, list[dict[str, str]]] = {}
    for f in doc.get("findings", []):
        if f.get("started") and f.get("kpi"):
            dated.setdefault(f["kpi"], []).append({"date": f["started"], "label": f["check"].replace("_", " ")})
    kpis = list(dated) or ["revenue"]
    rows = _rows_of(user, scope["column"], str(scope["value"]), grain="day", start=period["from"],
                    end=period["to"], kpis=kpis)
    return [
        {"id": f"daily-{k}", "kpi": k, "onsets": dated.get(k, []),
         "spec": charts.daily_with_onsets(rows, k, dated.get(k, []), doc.get("anomalies", []), unit=unit_of(k, doc))}
        for k in kpis
    ]


def funnel_stages(user: UiUser, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Impressions → clicks → conversions over the period and the period of the same length before it, each stage
    coloured by its rate's finding (ctr, conversion rate): failing / warning / ok."""
    scope, period = doc["scope"], doc["period"]
    start, end = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    before_end = start - timedelta(days=1)
    before_start = before_end - (end - start)
    now = _rows_of(user, scope["column"], str(scope["value"]), start=start, end=end, kpis=list(FUNNEL))
    before = _rows_of(user, scope["column"], str(scope["value"]), start=before_start, end=before_end,
                      kpis=list(FUNNEL))
    worst: dict[str, str] = {}
    rank = {"failing": 3, "warning": 2, "ok": 1}
    for f in doc.get("findings", []):
        stage = f.get("stage")
        if stage and rank.get(f.get("status", ""), 0) > rank.get(worst.get(stage, ""), 0):
            worst[stage] = f["status"]
    if not now:
        return []
    out = []
    for stage in FUNNEL:
        value = now[0].get(stage)
        if value is None:
            continue
        out.append({"stage": stage, "value": value, "previous": before[0].get(stage) if before else None,
                    "status": worst.get(STAGE_OF_RATE.get(stage, stage), "ok")})
    return out


def waterfalls(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The SHAP drivers of each KPI as a waterfall in that KPI's units: ``[{"id", "kpi", "spec"}]``."""
    by_kpi: dict[str, list[dict[str, Any]]] = {}
    for d in doc.get("drivers", []):
        if d.get("kpi") and d.get("impact") is not None:
            by_kpi.setdefault(d["kpi"], []).append(d)
    return [{"id": f"drivers-{k}", "kpi": k, "spec": charts.waterfall(ds, kpi=k, unit=unit_of(k, doc))}
            for k, ds in by_kpi.items()]


def diagnosis_page(request: Request, user: UiUser, req: schemas.DiagnoseRequest, kind: str, name: str) -> HTMLResponse:
    doc = services.diagnose(user.workspace, req)
    funnel = funnel_stages(user, doc)
    findings = [f for f in doc.get("findings", []) if f.get("status") in ("failing", "warning")]
    return render(
        request, user, "campaign", doc=doc, kind=kind, name=name, findings=findings, daily=daily_charts(user, doc),
        funnel=funnel, funnel_spec=charts.funnel(funnel) if funnel else None, waterfalls=waterfalls(doc),
        colours=charts.STATUS_COLOURS,
    )


Start = Annotated[IsoDate | None, Query(alias="from")]
End = Annotated[IsoDate | None, Query(alias="to")]


@router.get("/campaign/{campaign_id}", response_class=HTMLResponse)
def campaign(
    request: Request, campaign_id: Annotated[str, Path(pattern=NAME)], start: Start = None, end: End = None,
    user: UiUser = Depends(ui_viewer),
) -> HTMLResponse:
    """The diagnosis of one campaign."""
    req = schemas.DiagnoseRequest(campaign=campaign_id, start=start, end=end)
    return diagnosis_page(request, user, req, "campaign", campaign_id)


@router.get("/channel/{channel}", response_class=HTMLResponse)
def channel(
    request: Request, channel: Annotated[str, Path(pattern=NAME)], start: Start = None, end: End = None,
    user: UiUser = Depends(ui_viewer),
) -> HTMLResponse:
    """The diagnosis of one channel; on media-mix data (no campaign rows) what the models measure about it instead
    (:mod:`api.ui.pages.mix_channel`)."""
    dataset = user.workspace.require().dataset
    if dataset is not None and dataset.campaign_source == "mmm":
        return mix_channel.page(request, user, channel, start, end)
    req = schemas.DiagnoseRequest(channel=channel, start=start, end=end)
    return diagnosis_page(request, user, req, "channel", channel)


@router.post("/api/diagnose", dependencies=[Depends(csrf_checked)])
def diagnose_json(req: schemas.DiagnoseRequest, user: UiUser = Depends(ui_viewer)) -> dict[str, Any]:
    """The diagnose operation's JSON (as ``POST /v1/diagnose``) for the session's workspace."""
    return services.diagnose(user.workspace, req)
