"""Planner (``/ui/planner?days=28``): spend per channel over a horizon after the history, pre-filled with the
run-rate (``services.run_rate_plan``), and its forecast with 80 / 95 % intervals per channel and in total, the
response curve of each channel with the current and the planned spend marked; "optimise" puts the optimiser's split
of the same budget beside the plan with its uplift; the plan downloads as the CLI's plan file
(``kpi-advisor forecast --plan plan.yaml``).

JSON for the page's script (session cookie; POST with the CSRF token): ``POST /ui/api/forecast`` (a
``ForecastRequest``, as ``POST /v1/forecast``) answers ``{"forecast": the operation's JSON, "html": the results
panel, "charts": {id: spec}}``; ``POST /ui/api/optimize`` (the same plan) ``{"request": the ``OptimizeRequest``
of the plan's budget and period, "optimize": the operation's JSON, "html", "charts"}``;
``GET /ui/api/plan.yaml?plan=<JSON of start, end, spend>`` the plan file. A plan the operation refuses (negative
spend, unknown channel, too long) is problem+json with the operation's message."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.http import schemas, services
from api.ui import charts_planning as pc
from api.ui.i18n import strings
from api.ui.render import NavItem, environment, render
from api.ui.session import UiUser, csrf_checked, ui_viewer
from models.plan import PlanError

NAV = NavItem(href="/ui/planner", page="planner", order=20)
router = APIRouter(prefix="/ui", include_in_schema=False)

#: horizons offered (days): 4 and 13 weeks, 26 weeks; those longer than the service's horizon are left out
HORIZONS = (28, 91, 182)
DEFAULT_DAYS = 28


def kpi_of(fc: dict[str, Any]) -> str:
    """The KPI the charts show: revenue when the models forecast it, else conversions."""
    return "revenue" if (fc.get("total") or {}).get("revenue") else "conversions"


UNIT = {"revenue": "currency", "conversions": "count"}


def forecast_charts(fc: dict[str, Any], base: dict[str, Any], t: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The planner's charts of a forecast ``fc`` (the operation's JSON), ``base`` the run-rate plan of the same
    horizon (its spend per period is the "current" mark on the response curves): ``{id: spec}``."""
    kpi = kpi_of(fc)
    blocks = {ch: row.get(kpi) for ch, row in (fc.get("by_channel") or {}).items()}
    n = max(len(fc.get("daily") or []), 1)
    out = {
        "fc-daily": pc.forecast_bands(fc.get("daily") or [], kpi, unit=UNIT[kpi], title=t[f"kpi.{kpi}"]),
        "fc-channels": pc.interval_bars(blocks, unit=UNIT[kpi], title=t[f"incremental.{kpi}"]),
    }
    for i, (ch, curve) in enumerate(sorted((fc.get("response_curves") or {}).items())):
        out[f"curve-{i}"] = pc.response_curve(
            curve, kpi, current=float((base.get("spend") or {}).get(ch, 0.0)) / n, unit=UNIT[kpi],
            labels=(t["current"], t["proposed"]))
    return out


def curve_ids(fc: dict[str, Any]) -> list[dict[str, str]]:
    """``[{"id", "channel"}]`` of the response-curve charts, in the order of :func:`forecast_charts`."""
    return [{"id": f"curve-{i}", "channel": ch} for i, ch in enumerate(sorted(fc.get("response_curves") or {}))]


def results_html(user: UiUser, fc: dict[str, Any], plan: dict[str, Any]) -> str:
    """The results panel (totals and per-channel table) of a forecast, as on the page."""
    return environment().get_template("_planner_results.html").render(
        t=strings("planner", user.lang), fc=fc, kpi=kpi_of(fc), plan=plan)


def optimize_html(user: UiUser, opt: dict[str, Any], plan: dict[str, Any], fc: dict[str, Any] | None) -> str:
    """The optimiser panel: recommended split beside the plan, uplift."""
    return environment().get_template("_planner_optimize.html").render(
        t=strings("planner", user.lang), opt=opt, plan=plan, fc=fc)


def plan_of(req: schemas.ForecastRequest) -> dict[str, Any]:
    """The plan mapping of a request (start, end, spend by channel)."""
    return {"start": req.start.isoformat(), "end": req.end.isoformat(), "spend": dict(req.spend or {})}


def horizon_days(req: schemas.ForecastRequest | schemas.OptimizeRequest) -> int:
    return (req.end - req.start).days + 1


@router.get("/planner", response_class=HTMLResponse)
def planner(request: Request, days: Annotated[int, Query(ge=1, le=365)] = DEFAULT_DAYS,
            user: UiUser = Depends(ui_viewer)) -> HTMLResponse:
    """The planner at the run-rate of the ``days`` after the history."""
    base = services.run_rate_plan(user.workspace, days)
    spend = {ch: float(round(v)) for ch, v in base["spend"].items()}
    req = schemas.ForecastRequest(start=date.fromisoformat(base["start"]), end=date.fromisoformat(base["end"]),
                                  spend=spend)
    fc = services.forecast(user.workspace, req)
    t = strings("planner", user.lang)
    specs = forecast_charts(fc, base, t)
    plan = plan_of(req)
    horizons = [d for d in HORIZONS if d <= base["max_horizon_days"]]
    if days not in horizons:
        horizons = sorted({*horizons, days})
    return render(
        request, user, "planner", base=base, plan=plan, days=days, horizons=horizons, fc=fc, curves=curve_ids(fc),
        results=results_html(user, fc, plan), charts=[{"id": k, "spec": v} for k, v in specs.items()],
        plan_json=json.dumps(plan),
    )


@router.post("/api/forecast", dependencies=[Depends(csrf_checked)])
def forecast_json(req: schemas.ForecastRequest, user: UiUser = Depends(ui_viewer)) -> dict[str, Any]:
    """The forecast operation's JSON (as ``POST /v1/forecast``) with the planner's results panel and charts."""
    fc = services.forecast(user.workspace, req)
    base = services.run_rate_plan(user.workspace, horizon_days(req))
    plan = plan_of(req)
    return {"forecast": fc, "html": results_html(user, fc, plan),
            "charts": forecast_charts(fc, base, strings("planner", user.lang))}


@router.post("/api/optimize", dependencies=[Depends(csrf_checked)])
def optimize_json(req: schemas.ForecastRequest, user: UiUser = Depends(ui_viewer)) -> dict[str, Any]:
    """The optimize operation's JSON for the plan's budget and period (as ``POST /v1/optimize`` with ``budget`` =
    the plan's total, ``start``, ``end``; recorded in the advice log as there) with the planner's panel: the
    recommended split beside the plan and the run-rate split, the operation's uplift, and the difference from
    the plan's own forecast (both forecasts by the forecast operation)."""
    fc = services.forecast(user.workspace, req)  # the plan's checks and its forecast (cached: the page has it)
    budget = float(sum((req.spend or {}).values()))
    if budget <= 0:
        raise PlanError("the plan's total spend is 0: give a channel some spend to optimise its split")
    opt_req = schemas.OptimizeRequest(start=req.start, end=req.end, budget=budget)
    opt = services.optimize(user.workspace, opt_req)
    user.workspace.record_advice(user.principal.key_id, "/ui/api/optimize", opt_req.model_dump(mode="json"), opt)
    t = strings("planner", user.lang)
    plan = plan_of(req)
    return {"request": opt_req.model_dump(mode="json", exclude_none=True), "optimize": opt,
            "html": optimize_html(user, opt, plan, fc),
            "charts": {"opt-split": pc.split_bars(plan["spend"], opt.get("allocation") or {},
                                                  labels=(t["your_plan"], t["recommended"]))}}


def plan_yaml(plan: dict[str, Any]) -> str:
    """The CLI's plan file (``models.plan.read_plan_file``): ``start``, ``end`` and ``spend`` by channel, every
    name and date double-quoted (so channels named ``on``, ``no`` or ``yes`` stay text) and amounts as numbers."""
    lines = ["# KPI Advisor spend plan: kpi-advisor forecast --plan <this file>",
             f"start: {json.dumps(plan['start'])}", f"end: {json.dumps(plan['end'])}", "spend:"]
    lines += [f"  {json.dumps(str(ch))}: {float(v)!r}" for ch, v in plan["spend"].items()]
    return "\n".join(lines) + "\n"


@router.get("/api/plan.yaml")
def plan_file(plan: Annotated[str, Query(max_length=20_000)], user: UiUser = Depends(ui_viewer)) -> Response:
    """The plan (``plan``: JSON of ``{"start", "end", "spend": {channel: total}}``) as the CLI's YAML plan file,
    checked by the forecast operation first (a plan it refuses is problem+json with its message)."""
    try:
        req = schemas.ForecastRequest.model_validate_json(plan)
    except ValidationError as exc:
        raise PlanError("the plan is not a plan: " + "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'plan'}: {e['msg']}" for e in exc.errors())) from None
    services.forecast(user.workspace, req)  # the operation's checks (cached: the page has just forecast it)
    body = plan_yaml(plan_of(req))
    name = f"plan-{req.start.isoformat()}-{req.end.isoformat()}.yaml"
    return Response(body, media_type="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
