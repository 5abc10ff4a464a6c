"""Charts of the dashboard: Vega-Lite specs built in Python with altair (6: Vega-Lite 6) from the operations'
JSON; the browser draws them with the vendored vega-embed (``static/ui.js``).

Why altair: it is the maintained Python grammar for Vega-Lite, so a chart is a few declarative lines here, the
spec is plain JSON the page inlines (no build step, no chart code in JavaScript), and the tests can read the spec
(e.g. that an onset rule sits at the finding's date). Every helper returns the spec as a ``dict``
(``chart.to_dict()``), sized to its container's width (``width="container"``), with data inlined. Schema
validation is off on the serving path (it costs ~10–50 ms a chart); ``tests/api/ui/test_charts.py`` validates.

Colours: :data:`STATUS_COLOURS` (the scorecard's statuses), one accent for series, grey for references.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import altair as alt
import pandas as pd

ACCENT = "#2563eb"
MUTED = "#9ca3af"
BAD = "#dc2626"
GOOD = "#16a34a"
STATUS_COLOURS = {
    "on_track": "#16a34a", "ok": "#16a34a", "at_risk": "#d97706", "warning": "#d97706",
    "off_track": "#dc2626", "failing": "#dc2626", "no_target": "#6b7280", "info": "#6b7280",
}
HEIGHT = 160
VALIDATE = False
MEMO_SIZE = 512

F = TypeVar("F", bound=Callable[..., dict[str, Any]])


def memo(fn: F) -> F:
    """Remember the last :data:`MEMO_SIZE` specs of a chart helper by the JSON of its arguments (building a spec
    with altair costs ~40 ms; a spec is a pure function of its inputs, so equal inputs share it across users).
    Returns the same dict each time: callers must not mutate it."""
    cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        key = json.dumps([args, kwargs], sort_keys=True, default=str)
        with lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        out = fn(*args, **kwargs)
        with lock:
            cache[key] = out
            while len(cache) > MEMO_SIZE:
                cache.popitem(last=False)
        return out

    return wrapper  # type: ignore[return-value]


def spec(chart: alt.TopLevelMixin, *, validate: bool | None = None) -> dict[str, Any]:
    """The Vega-Lite JSON of ``chart`` (``validate``: check it against the schema; default :data:`VALIDATE`)."""
    out: dict[str, Any] = chart.to_dict(validate=VALIDATE if validate is None else validate)
    return out


def _base(chart: Any, height: int = HEIGHT) -> Any:
    return chart.properties(width="container", height=height).configure_view(stroke=None).configure_axis(
        labelFontSize=11, titleFontSize=11, grid=True, gridColor="#eef0f3"
    )


def _axis_format(unit: str | None) -> str:
    """d3 format of a value axis: ``%`` for rates, ``~s`` (12k) for money and counts, else ``.3~g``."""
    return {"percent": ".3~%", "currency": "~s", "count": "~s"}.get(unit or "", ".3~g")


@memo
def monthly_trend(
    rows: Sequence[dict[str, Any]], kpi: str, *, title: str = "", unit: str | None = None,
    target: float | None = None,
) -> dict[str, Any]:
    """A KPI by month: ``rows`` are the kpis operation's rows (``period`` YYYY-MM-DD month start, ``kpi``);
    a dashed rule at ``target`` when there is one. Unit: the KPI's (fractions stay fractions, axis in %)."""
    frame = pd.DataFrame([{"month": r["period"], "value": r.get(kpi)} for r in rows if r.get(kpi) is not None])
    if frame.empty:
        frame = pd.DataFrame({"month": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
    fmt = _axis_format(unit)
    line = alt.Chart(frame).mark_line(point=True, color=ACCENT).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount="month")),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("value:Q", format=".4~g", title=title or kpi)],
    )
    layers: list[Any] = [line]
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(color=MUTED, strokeDash=[4, 3]).encode(
                y="target:Q", tooltip=[alt.Tooltip("target:Q", format=".4~g")]
            )
        )
    return spec(_base(alt.layer(*layers)))


@memo
def daily_with_onsets(
    daily: Sequence[dict[str, Any]], kpi: str, onsets: Sequence[dict[str, str]],
    anomalies: Sequence[dict[str, Any]] = (), *, unit: str | None = None,
) -> dict[str, Any]:
    """A KPI by day (``daily``: rows with ``period`` and ``kpi``) with a red rule and label at each finding's
    onset (``onsets``: ``{"date": YYYY-MM-DD, "label": text}``) and the anomalies of that KPI as points."""
    frame = pd.DataFrame([{"date": r["period"], "value": r.get(kpi)} for r in daily if r.get(kpi) is not None])
    if frame.empty:
        frame = pd.DataFrame({"date": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
    fmt = _axis_format(unit)
    layers: list[Any] = [
        alt.Chart(frame).mark_line(color=ACCENT, strokeWidth=1.5).encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0)),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("value:Q", format=".4~g", title=kpi)],
        )
    ]
    if onsets:
        marks = pd.DataFrame(list(onsets))
        rule = alt.Chart(marks).mark_rule(color=BAD, strokeWidth=2).encode(
            x="date:T", tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d", title="onset"), "label:N"]
        )
        text = alt.Chart(marks).mark_text(color=BAD, align="left", dx=4, dy=-4, baseline="top", fontSize=11).encode(
            x="date:T", y=alt.value(0), text="label:N"
        )
        layers += [rule, text]
    points = [a for a in anomalies if a.get("kpi") == kpi and a.get("date")]
    if points:
        layers.append(
            alt.Chart(pd.DataFrame(points)).mark_point(color=BAD, filled=True, size=40).encode(
                x="date:T", y="actual:Q",
                tooltip=["date:T", alt.Tooltip("actual:Q", format=".4~g"), alt.Tooltip("expected:Q", format=".4~g")],
            )
        )
    return spec(_base(alt.layer(*layers), height=200))


@memo
def funnel(stages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The funnel by stage: ``stages`` are ``{"stage": label, "value": now, "previous": before, "status"}`` in
    order (impressions → clicks → conversions); bars now, ticks the previous period, colour the status."""
    frame = pd.DataFrame(list(stages)).assign(base=1.0)  # bars start at 1 on the log axis
    order = [s["stage"] for s in stages]
    colours = alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))
    bars = alt.Chart(frame).mark_bar(height=22).encode(
        y=alt.Y("stage:N", sort=order, title=None),
        x=alt.X("value:Q", title=None, scale=alt.Scale(type="log"), axis=alt.Axis(format="~s")),
        x2="base:Q",
        color=alt.Color("status:N", scale=colours, legend=None),
        tooltip=["stage:N", alt.Tooltip("value:Q", format=",.0f"), alt.Tooltip("previous:Q", format=",.0f")],
    )
    ticks = alt.Chart(frame).mark_tick(color="#111827", thickness=2, size=26).encode(
        y=alt.Y("stage:N", sort=order), x="previous:Q"
    )
    return spec(_base(alt.layer(bars, ticks), height=34 * max(len(order), 1)))


@memo
def waterfall(drivers: Sequence[dict[str, Any]], *, kpi: str, unit: str | None = None) -> dict[str, Any]:
    """SHAP drivers of one KPI as a waterfall in KPI units: each ``{"feature", "impact"}`` moves the running total
    from where the previous one left it (largest first), the last bar is the total effect."""
    items = sorted(drivers, key=lambda d: -abs(float(d["impact"])))
    rows, total = [], 0.0
    for d in items:
        start, total = total, total + float(d["impact"])
        rows.append({"feature": d["feature"], "start": start, "end": total, "impact": float(d["impact"]),
                     "sign": "up" if d["impact"] >= 0 else "down"})
    rows.append({"feature": "total", "start": 0.0, "end": total, "impact": total, "sign": "total"})
    frame = pd.DataFrame(rows)
    order = list(frame["feature"])
    fmt = _axis_format(unit)
    bars = alt.Chart(frame).mark_bar(height=16).encode(
        y=alt.Y("feature:N", sort=order, title=None, axis=alt.Axis(labelLimit=180)),
        x=alt.X("start:Q", title=kpi, axis=alt.Axis(format=fmt)),
        x2="end:Q",
        color=alt.Color("sign:N", scale=alt.Scale(domain=["up", "down", "total"], range=[GOOD, BAD, "#374151"]),
                        legend=None),
        tooltip=["feature:N", alt.Tooltip("impact:Q", format=".4~g", title=f"impact ({kpi})")],
    )
    return spec(_base(bars, height=24 * len(rows)))
