"""A channel of media-mix data (``/ui/channel/{name}`` when the dataset has no campaign rows: ``campaign_source ==
"mmm"``). A diagnosis needs campaign rows with platform-reported figures, so instead of one this page shows what
the response models know about the channel:

- its incremental conversions and revenue with 80 % intervals, spend, ROI with its interval and cost per
  incremental conversion over the window (``?from=&to=``, default the last 13 weeks of the history) and over the
  whole history (the attribution operation, ``services.attribution`` with ``channels=[name]``);
- its response curve at the run-rate plan of the next 28 days with the run-rate spend marked, and the marginal
  ROI / ROAS / cost per extra conversion there (the forecast operation's ``response_curves[name]``);
- the lift tests of the channel, measured vs fitted.

The route lives in :mod:`api.ui.pages.campaign` (one path for both kinds of data); :func:`page` renders it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.http import schemas, services
from api.ui import charts_planning as pc
from api.ui.i18n import strings
from api.ui.render import render
from api.ui.session import UiUser

#: the default window: the last 13 weeks of the history
DEFAULT_WEEKS = 13
#: the run-rate plan whose response curve the page shows (days after the history)
PLAN_DAYS = 28


def default_window(first: str, last: str) -> tuple[date, date]:
    """The last :data:`DEFAULT_WEEKS` weeks of the history ``first..last`` (ISO dates), clipped to it."""
    lo, hi = date.fromisoformat(first), date.fromisoformat(last)
    return max(lo, hi - timedelta(days=7 * DEFAULT_WEEKS - 1)), hi


def curve_of(user: UiUser, channel: str) -> tuple[dict[str, Any] | None, str, float]:
    """The channel's response curve at the run-rate plan of the next :data:`PLAN_DAYS` days (``None`` when the
    models have none), the KPI it is drawn in (revenue when forecast, else conversions) and the run-rate spend per
    period."""
    base = services.run_rate_plan(user.workspace, PLAN_DAYS)
    spend = {ch: float(round(v)) for ch, v in base["spend"].items()}
    req = schemas.ForecastRequest(start=date.fromisoformat(base["start"]), end=date.fromisoformat(base["end"]),
                                  spend=spend)
    fc = services.forecast(user.workspace, req)
    curve = (fc.get("response_curves") or {}).get(channel)
    kpi = "revenue" if (fc.get("total") or {}).get("revenue") else "conversions"
    periods = max(len(fc.get("daily") or []), 1)
    return curve, kpi, float(spend.get(channel, 0.0)) / periods


def page(request: Request, user: UiUser, channel: str, start: date | None, end: date | None) -> HTMLResponse:
    """The media-mix channel page; an unknown channel is the attribution operation's error (404 with the names)."""
    whole = services.attribution(user.workspace, schemas.AttributionRequest(channels=[channel]))
    if start is None and end is None:
        start, end = default_window(whole["from"], whole["to"])
    doc = services.attribution(user.workspace, schemas.AttributionRequest(start=start, end=end, channels=[channel]))
    t = strings("mix_channel", user.lang)
    curve, kpi, current = curve_of(user, channel)
    charts = []
    if curve is not None:
        unit = "currency" if kpi == "revenue" else "count"
        charts.append({"id": "mix-curve", "spec": pc.response_curve(
            curve, kpi, current=current, unit=unit, labels=(t["runrate"], None))})
    tests = [x for x in doc.get("lift_tests") or whole.get("lift_tests") or [] if x.get("channel") == channel]
    return render(
        request, user, "mix_channel", name=channel, doc=doc, whole=whole, effect=doc["channels"].get(channel, {}),
        effect_all=whole["channels"].get(channel, {}), curve=curve, kpi=kpi, current=current, tests=tests,
        charts=charts, plan_days=PLAN_DAYS,
    )
