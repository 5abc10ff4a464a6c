"""Charts of the planner and attribution pages (``api.ui.pages.planner`` / ``attribution``): Vega-Lite specs built
with altair from the forecast, optimize and attribution operations' JSON (same conventions as :mod:`api.ui.charts`:
``width="container"``, data inlined, memoised by their arguments).

Intervals: every ``{"mean", "lower_80", "upper_80", "lower_95", "upper_95"}`` block of the operations is drawn as a
thin rule for 95 %, a thick one for 80 % and a point at the mean (bands over time: a light and a darker area)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from api.ui.charts import ACCENT, BAD, MUTED, _axis_format, _base, memo, spec

LIGHT = "#bfdbfe"
MID = "#60a5fa"
REPORTED = "#f59e0b"
TOTAL = "total"


def _tip(field: str, title: str, unit: str | None) -> alt.Tooltip:
    return alt.Tooltip(f"{field}:Q", title=title, format=",.0f" if unit in ("currency", "count") else ".3~g")


@memo
def forecast_bands(daily: Sequence[Mapping[str, Any]], kpi: str, *, unit: str | None = None,
                   title: str = "") -> dict[str, Any]:
    """The plan's total ``kpi`` per period (``daily``: the forecast's ``daily`` rows, ``row[kpi]`` an interval
    block) with its 95 % (light) and 80 % (darker) bands and the mean as a line."""
    rows = [{"date": r["date"], **{k: (r.get(kpi) or {}).get(k) for k in
                                    ("mean", "lower_80", "upper_80", "lower_95", "upper_95")}}
            for r in daily if r.get(kpi)]
    frame = pd.DataFrame(rows, columns=["date", "mean", "lower_80", "upper_80", "lower_95", "upper_95"])
    fmt = _axis_format(unit)
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0))
    base = alt.Chart(frame)
    layers = [
        base.mark_area(color=LIGHT, opacity=0.7).encode(
            x=x, y=alt.Y("lower_95:Q", title=title or kpi, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False)),
            y2="upper_95:Q"),
        base.mark_area(color=MID, opacity=0.6).encode(x=x, y="lower_80:Q", y2="upper_80:Q"),
        base.mark_line(color=ACCENT, strokeWidth=1.5).encode(
            x=x, y="mean:Q",
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), _tip("mean", "mean", unit),
                     _tip("lower_80", "80% low", unit), _tip("upper_80", "80% high", unit),
                     _tip("lower_95", "95% low", unit), _tip("upper_95", "95% high", unit)]),
    ]
    return spec(_base(alt.layer(*layers), height=200))


def _interval_rows(blocks: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, **{k: b.get(k) for k in ("mean", "lower_80", "upper_80", "lower_95", "upper_95")}}
            for name, b in blocks.items() if b and b.get("mean") is not None]


@memo
def interval_bars(blocks: Mapping[str, Any], *, unit: str | None = None, title: str = "",
                  reported: Mapping[str, float | None] | None = None, zero_rule: bool = False) -> dict[str, Any]:
    """One row per name (channel, or ``total``) of ``blocks`` (name → interval block): a thin rule over the 95 %
    interval (when given), a thick one over 80 %, a point at the mean; ``reported`` (name → value) adds an orange
    diamond per name (the platform-reported figure); ``zero_rule`` a dashed rule at 0 (ROI)."""
    rows = _interval_rows(blocks)
    if reported:
        for r in rows:
            r["reported"] = reported.get(r["name"])
    frame = pd.DataFrame(rows, columns=["name", "mean", "lower_80", "upper_80", "lower_95", "upper_95", "reported"])
    order = list(frame["name"])
    fmt = _axis_format(unit)
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=140))
    tips = [alt.Tooltip("name:N", title=""), _tip("mean", "mean", unit), _tip("lower_80", "80% low", unit),
            _tip("upper_80", "80% high", unit)]
    if frame["lower_95"].notna().any():
        tips += [_tip("lower_95", "95% low", unit), _tip("upper_95", "95% high", unit)]
    base = alt.Chart(frame)
    layers: list[Any] = []
    if frame["lower_95"].notna().any():
        layers.append(base.mark_rule(color=MID, strokeWidth=2).encode(
            y=y, x=alt.X("lower_95:Q", title=title or None, axis=alt.Axis(format=fmt)), x2="upper_95:Q"))
    layers.append(base.mark_rule(color=ACCENT, strokeWidth=7, opacity=0.55).encode(
        y=y, x=alt.X("lower_80:Q", title=title or None, axis=alt.Axis(format=fmt)), x2="upper_80:Q"))
    layers.append(base.mark_point(color="#111827", filled=True, size=45).encode(y=y, x="mean:Q", tooltip=tips))
    if reported and frame["reported"].notna().any():
        layers.append(base.mark_point(color=REPORTED, shape="diamond", filled=True, size=70).encode(
            y=y, x="reported:Q", tooltip=[alt.Tooltip("name:N", title=""), _tip("reported", "reported", unit)]))
    if zero_rule:
        layers.append(alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color=BAD, strokeDash=[4, 3]).encode(
            x="zero:Q"))
    return spec(_base(alt.layer(*layers), height=max(30 * len(order), 60)))


@memo
def response_curve(curve: Mapping[str, Any], kpi: str, *, current: float, unit: str | None = None,
                   labels: tuple[str, str | None] = ("current", "proposed")) -> dict[str, Any]:
    """A channel's steady-state response per period (``curve``: the forecast's ``response_curves[channel]``:
    ``spend_per_period``, ``<kpi>_per_period``, ``planned_spend_per_period``) with the ``current`` spend per period
    (grey) and the plan's (blue) marked on the curve; ``labels[1]`` None marks the current spend alone."""
    xs = np.asarray(curve.get("spend_per_period") or [], dtype=float)
    ys = np.asarray(curve.get(f"{kpi}_per_period") or [], dtype=float)
    frame = pd.DataFrame({"spend": xs, "response": ys})
    proposed = float(curve.get("planned_spend_per_period") or 0.0)
    points_at = [(labels[0], current)] + ([(labels[1], proposed)] if labels[1] is not None else [])
    marks = pd.DataFrame([
        {"which": which, "spend": x, "response": float(np.interp(x, xs, ys)) if xs.size else 0.0}
        for which, x in points_at
    ])
    names = [which for which, _ in points_at]
    fmt = _axis_format(unit)
    line = alt.Chart(frame).mark_line(color=ACCENT).encode(
        x=alt.X("spend:Q", title=None, axis=alt.Axis(format="~s")),
        y=alt.Y("response:Q", title=None, axis=alt.Axis(format=fmt)),
    )
    colours = alt.Scale(domain=names, range=[MUTED, ACCENT][: len(names)])
    points = alt.Chart(marks).mark_point(filled=True, size=90, opacity=1).encode(
        x="spend:Q", y="response:Q",
        color=alt.Color("which:N", scale=colours, legend=alt.Legend(orient="bottom", title=None)),
        shape=alt.Shape("which:N", scale=alt.Scale(domain=names, range=["circle", "diamond"][: len(names)]),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=[alt.Tooltip("which:N", title=""), alt.Tooltip("spend:Q", format=",.0f", title="spend / period"),
                 _tip("response", kpi, unit)],
    )
    return spec(_base(alt.layer(line, points), height=140))


@memo
def split_bars(plan: Mapping[str, float], recommended: Mapping[str, float],
               labels: tuple[str, str] = ("plan", "recommended")) -> dict[str, Any]:
    """Spend per channel of the plan beside the optimiser's recommended split (grouped horizontal bars)."""
    rows = [{"channel": ch, "which": labels[0], "spend": float(plan.get(ch, 0.0))} for ch in recommended] + [
        {"channel": ch, "which": labels[1], "spend": float(v)} for ch, v in recommended.items()]
    frame = pd.DataFrame(rows, columns=["channel", "which", "spend"])
    chart = alt.Chart(frame).mark_bar(height=9).encode(
        y=alt.Y("channel:N", title=None), yOffset=alt.YOffset("which:N", sort=list(labels)),
        x=alt.X("spend:Q", title=None, axis=alt.Axis(format="~s")),
        color=alt.Color("which:N", scale=alt.Scale(domain=list(labels), range=[MUTED, ACCENT]),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["channel:N", "which:N", alt.Tooltip("spend:Q", format=",.0f")],
    )
    return spec(_base(chart, height=26 * max(len(recommended), 1)))
