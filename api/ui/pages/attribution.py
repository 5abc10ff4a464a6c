"""Attribution (``/ui/attribution?from=&to=``, default the whole history): the attribution operation's incremental
conversions and revenue per channel with 80 % intervals beside the platform-reported figures, ROI with its 80 %
interval, and the lift tests measured vs fitted when the data has them. The window selector offers the last 4, 13
and 26 weeks of the history besides free dates. ``GET /ui/api/attribution`` answers the operation's JSON (as
``GET /v1/attribution``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from advisor.ops.requests import IsoDate
from api.http import schemas, services
from api.ui import charts_planning as pc
from api.ui.i18n import strings
from api.ui.render import NavItem, render
from api.ui.session import UiUser, ui_viewer

NAV = NavItem(href="/ui/attribution", page="attribution", order=30)
router = APIRouter(prefix="/ui", include_in_schema=False)

#: quick windows: the last n weeks of the history
PRESET_WEEKS = (4, 13, 26)
#: z of the central 80 % interval of a normal (the lift test's measured ± this × standard error)
Z80 = 1.2815515655446004


def presets(first: str, last: str) -> list[dict[str, Any]]:
    """``[{"weeks", "from", "to"}]``: the last 4 / 13 / 26 weeks of the history ``first..last`` (ISO dates) that fit
    inside it."""
    lo, hi = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    for w in PRESET_WEEKS:
        start = hi - timedelta(days=7 * w - 1)
        if start >= lo:
            out.append({"weeks": w, "from": start.isoformat(), "to": hi.isoformat()})
    return out


def effect_blocks(channels: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """Channel → ``{"mean", "lower_80", "upper_80", "lower_95", "upper_95"}`` of incremental conversions
    (``prefix`` ``""``) or revenue (``"revenue_"``), from the operation's ``channels``."""
    mean_key = "incremental_revenue" if prefix else "incremental_conversions"
    return {ch: {"mean": e.get(mean_key), **{f"{s}_{lv}": e.get(f"{prefix}{s}_{lv}") for s in ("lower", "upper")
                                             for lv in ("80", "95")}}
            for ch, e in channels.items()}


def attribution_charts(doc: dict[str, Any], t: dict[str, str]) -> list[dict[str, Any]]:
    """The page's charts: incremental vs reported conversions and revenue, ROI, lift tests: ``[{"id", "spec"}]``."""
    chans = doc.get("channels") or {}
    out = [
        {"id": "attr-conversions", "spec": pc.interval_bars(
            effect_blocks(chans, ""), unit="count", title=t["incremental.conversions"],
            reported={ch: e.get("reported_conversions") for ch, e in chans.items()})},
    ]
    if any(e.get("incremental_revenue") is not None for e in chans.values()):
        out.append({"id": "attr-revenue", "spec": pc.interval_bars(
            effect_blocks(chans, "revenue_"), unit="currency", title=t["incremental.revenue"],
            reported={ch: e.get("reported_revenue") for ch, e in chans.items()})})
        roi = {ch: {"mean": e.get("roi"), "lower_80": e.get("roi_lower_80"), "upper_80": e.get("roi_upper_80")}
               for ch, e in chans.items()}
        out.append({"id": "attr-roi", "spec": pc.interval_bars(roi, unit="percent", title="ROI", zero_rule=True)})
    tests = [x for x in doc.get("lift_tests") or [] if x.get("measured") is not None]
    if tests:
        blocks = {lift_label(x): {"mean": x["measured"], "lower_80": x["measured"] - Z80 * x["std_error"],
                                  "upper_80": x["measured"] + Z80 * x["std_error"]} for x in tests}
        out.append({"id": "attr-lift", "spec": pc.interval_bars(
            blocks, unit="count", title=t["lift.axis"],
            reported={lift_label(x): x.get("fitted") for x in tests})})
    return out


#: optional columns of the channel table, shown only when some channel has a value in them
OPTIONAL_COLUMNS = ("reported_conversions", "incremental_revenue", "reported_revenue", "roi")


def shown_columns(channels: dict[str, Any]) -> set[str]:
    """The :data:`OPTIONAL_COLUMNS` some channel has a value in (media-mix data without revenue or platform figures
    leaves four empty columns out)."""
    return {c for c in OPTIONAL_COLUMNS if any(e.get(c) is not None for e in channels.values())}


def grouped_notes(channels: dict[str, Any]) -> list[dict[str, Any]]:
    """The channels' notes, each once with the channels it holds for (``channels`` empty when it holds for all):
    ``[{"note", "channels"}]`` in first-seen order."""
    by_note: dict[str, list[str]] = {}
    for ch, e in channels.items():
        for note in e.get("notes") or []:
            by_note.setdefault(str(note), []).append(ch)
    return [{"note": n, "channels": [] if len(chs) == len(channels) > 1 else chs} for n, chs in by_note.items()]


def lift_label(test: dict[str, Any]) -> str:
    """``channel · kpi · start..end`` of a lift test (a chart row)."""
    return f"{test['channel']} · {test['kpi']} · {test['start']}..{test['end']}"


@router.get("/attribution", response_class=HTMLResponse)
def attribution(
    request: Request, start: Annotated[IsoDate | None, Query(alias="from")] = None,
    end: Annotated[IsoDate | None, Query(alias="to")] = None, user: UiUser = Depends(ui_viewer),
) -> HTMLResponse:
    """The attribution page over ``from..to`` (default: the whole history)."""
    whole = services.attribution(user.workspace, schemas.AttributionRequest())
    doc = whole if start is None and end is None else services.attribution(
        user.workspace, schemas.AttributionRequest(start=start, end=end))
    t = strings("attribution", user.lang)
    charts = attribution_charts(doc, t)
    return render(request, user, "attribution", doc=doc, whole=whole, presets=presets(whole["from"], whole["to"]),
                  charts=charts, chart_ids=[c["id"] for c in charts], lift_z80=Z80,
                  cols=shown_columns(doc.get("channels") or {}), notes=grouped_notes(doc.get("channels") or {}))


@router.get("/api/attribution")
def attribution_json(
    start: Annotated[IsoDate | None, Query(alias="from")] = None,
    end: Annotated[IsoDate | None, Query(alias="to")] = None, user: UiUser = Depends(ui_viewer),
) -> dict[str, Any]:
    """The attribution operation's JSON (as ``GET /v1/attribution?from=&to=``) for the session's workspace."""
    return services.attribution(user.workspace, schemas.AttributionRequest(start=start, end=end))
