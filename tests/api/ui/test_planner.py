"""The planner and attribution pages and their JSON endpoints over plain HTTP (the app in process): the same
answers as ``/v1/forecast``, ``/v1/optimize`` and ``/v1/attribution``, the operations' messages for bad plans, the
plan file the CLI reads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import altair as alt
import httpx
import pytest

from api.ui.pages import attribution as attribution_page
from api.ui.pages.planner import plan_yaml
from api.ui.session import KEY_COOKIE, csrf_token_of
from models.plan import read_plan_file


@pytest.fixture()
def viewer(ui_app: Any) -> Iterator[httpx.Client]:
    """A viewer's dashboard session (cookie + CSRF header), as the page's script sends it."""
    live, keys = ui_app
    with live.anonymous(cookies={KEY_COOKIE: keys["viewer"]},
                        headers={"X-CSRF-Token": csrf_token_of(keys["viewer"])}) as c:
        yield c


@pytest.fixture()
def api(ui_app: Any) -> Iterator[httpx.Client]:
    live, keys = ui_app
    with live.client(keys["viewer"]) as c:
        yield c


def page_plan(html: str) -> dict[str, Any]:
    """The plan the planner page shows (``#forecast[data-plan]``)."""
    found = re.search(r"id=\"forecast\" data-state=\"ready\" data-plan='([^']+)'", html)
    assert found, html[:500]
    return json.loads(found.group(1).replace("&#34;", '"'))


def inline_specs(html: str) -> dict[str, dict[str, Any]]:
    return {m.group(1): json.loads(m.group(2)) for m in
            re.finditer(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)}


def test_planner_starts_at_the_run_rate_and_shows_its_forecast(viewer: httpx.Client, api: httpx.Client) -> None:
    r = viewer.get("/ui/planner")
    assert r.status_code == 200
    plan = page_plan(r.text)
    base = inline_specs(r.text)["plan-base"]
    assert plan["start"] == base["start"] and (date.fromisoformat(plan["end"]) - date.fromisoformat(plan["start"])
                                               ).days == 27
    assert plan["spend"] == {ch: float(round(v)) for ch, v in base["spend"].items()} and len(plan["spend"]) >= 3
    assert date.fromisoformat(base["start"]) == date.fromisoformat(base["last_date"]) + timedelta(days=1)
    direct = api.post("/v1/forecast", json=plan).json()
    shown = re.search(r'id="total-revenue".*?<span class="mean">([^<]+)</span>', r.text, re.S)
    assert shown and float(shown.group(1).replace("\u202f", "")) == round(direct["total"]["revenue"]["mean"])
    specs = inline_specs(r.text)
    for cid in ["fc-daily", "fc-channels", *[f"curve-{i}" for i in range(len(plan["spend"]))]]:
        alt.Chart.from_dict(specs[cid], validate=True)  # valid Vega-Lite
    assert {o for o in re.findall(r'<option value="(\d+)"', r.text)} == {"28", "91", "182"}
    longer = page_plan(viewer.get("/ui/planner?days=91").text)
    assert (date.fromisoformat(longer["end"]) - date.fromisoformat(longer["start"])).days == 90


def test_forecast_endpoint_answers_the_forecast_operation(viewer: httpx.Client, api: httpx.Client) -> None:
    plan = page_plan(viewer.get("/ui/planner").text)
    channel = next(iter(plan["spend"]))
    plan["spend"][channel] += 5000
    ours = viewer.post("/ui/api/forecast", json=plan)
    assert ours.status_code == 200, ours.text
    doc = ours.json()
    direct = api.post("/v1/forecast", json=plan).json()
    assert doc["forecast"]["total"] == direct["total"] and doc["forecast"]["by_channel"] == direct["by_channel"]
    assert f"{round(direct['total']['revenue']['mean']):,}".replace(",", "\u202f") in doc["html"]
    assert set(doc["charts"]) >= {"fc-daily", "fc-channels", "curve-0"}
    curve = doc["charts"]["curve-0"]
    marks = next(v for v in curve["datasets"].values() if len(v) == 2)
    per_period = plan["spend"][sorted(plan["spend"])[0]] / 28
    assert marks[1]["spend"] == pytest.approx(per_period)  # the plan's spend per day marked on the curve


@pytest.mark.parametrize(("change", "needle"), [
    ({"spend": {"search": -5}}, "must be a non-negative number"),
    ({"spend": {"television": 1000}}, "unknown channel 'television'"),
    ({"end": "2099-01-01"}, "maximum horizon"),
])
def test_a_bad_plan_is_problem_json_with_the_operations_message(
    viewer: httpx.Client, api: httpx.Client, change: dict[str, Any], needle: str
) -> None:
    plan = {**page_plan(viewer.get("/ui/planner").text), **change}
    ours = viewer.post("/ui/api/forecast", json=plan)
    assert ours.status_code == 422 and ours.headers["content-type"].startswith("application/problem+json")
    assert needle in ours.json()["detail"]
    assert ours.json()["detail"] == api.post("/v1/forecast", json=plan).json()["detail"]
    download = viewer.get("/ui/api/plan.yaml", params={"plan": json.dumps(plan)})
    assert download.status_code == 422 and needle in download.json()["detail"]
    assert viewer.post("/ui/api/optimize", json=plan).status_code == 422


def test_forecast_needs_the_csrf_token(ui_app: Any) -> None:
    live, keys = ui_app
    with live.anonymous(cookies={KEY_COOKIE: keys["viewer"]}) as c:
        assert c.post("/ui/api/forecast", json={"start": "2030-01-01", "end": "2030-01-02"}).status_code == 403


def test_optimise_answers_the_optimize_operation_for_the_plans_budget(viewer: httpx.Client, api: httpx.Client) -> None:
    html = viewer.get("/ui/planner").text
    plan, base = page_plan(html), inline_specs(html)["plan-base"]
    ours = viewer.post("/ui/api/optimize", json=plan)
    assert ours.status_code == 200, ours.text
    doc = ours.json()
    budget = sum(plan["spend"].values())
    assert doc["request"] == {"start": plan["start"], "end": plan["end"], "budget": budget, "width": 0.5}
    direct = api.post("/v1/optimize", json={"start": plan["start"], "end": plan["end"], "budget": budget}).json()
    assert doc["optimize"]["allocation"] == direct["allocation"] and doc["optimize"]["uplift"] == direct["uplift"]
    assert sum(direct["allocation"].values()) == pytest.approx(budget, rel=1e-6)
    assert base["spend"] == pytest.approx(direct["reference_plan"])  # the page starts at the operation's run-rate
    shown = re.search(r'<tr data-kpi="revenue">.*?class="num uplift">([^<]+)<', doc["html"], re.S)
    assert shown and float(shown.group(1).replace("\u202f", "")) == round(direct["uplift"]["revenue"])
    alt.Chart.from_dict(doc["charts"]["opt-split"], validate=True)


def test_the_downloaded_plan_is_the_clis_plan_file(viewer: httpx.Client, api: httpx.Client, tmp_path: Path) -> None:
    plan = page_plan(viewer.get("/ui/planner").text)
    plan["spend"][next(iter(plan["spend"]))] = 1234.5
    r = viewer.get("/ui/api/plan.yaml", params={"plan": json.dumps(plan)})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / "plan.yaml"
    path.write_bytes(r.content)
    read = read_plan_file(path)  # the reader of `kpi-advisor forecast --plan`
    assert read == plan
    assert api.post("/v1/forecast", json=read).json()["total"] == api.post("/v1/forecast", json=plan).json()["total"]


def test_plan_file_keeps_yaml_keywords_as_channel_names(tmp_path: Path) -> None:
    plan = {"start": "2027-01-01", "end": "2027-01-28", "spend": {"on": 1.0, "no": 2.5, "yes": 3.0, "null": 0.0,
                                                                  "a: b": 4.0, "Поиск": 5.0}}
    path = tmp_path / "plan.yaml"
    path.write_text(plan_yaml(plan), encoding="utf-8")
    assert read_plan_file(path) == plan


def test_attribution_page_shows_every_channel_with_its_interval(viewer: httpx.Client, api: httpx.Client) -> None:
    r = viewer.get("/ui/attribution")
    assert r.status_code == 200
    direct = api.get("/v1/attribution").json()
    assert viewer.get("/ui/api/attribution").json() == direct
    for ch, e in direct["channels"].items():
        row = re.search(rf'<tr data-channel="{re.escape(ch)}">(.*?)</tr>', r.text, re.S)
        assert row, ch
        cells = row.group(1)
        low, high = (f"{round(e[k]):,}".replace(",", "\u202f") for k in ("lower_80", "upper_80"))
        assert f"{low} – {high}" in cells
        assert f"{round(e['reported_conversions']):,}".replace(",", "\u202f") in cells
    specs = inline_specs(r.text)
    for cid in ("attr-conversions", "attr-revenue", "attr-roi"):
        alt.Chart.from_dict(specs[cid], validate=True)
    weeks = re.search(r'href="/ui/attribution\?from=([\d-]+)&amp;to=([\d-]+)" data-weeks="13"', r.text)
    assert weeks
    window = viewer.get(f"/ui/attribution?from={weeks.group(1)}&to={weeks.group(2)}")
    assert f'data-from="{weeks.group(1)}" data-to="{weeks.group(2)}"' in window.text
    assert (date.fromisoformat(weeks.group(2)) - date.fromisoformat(weeks.group(1))).days == 90
    bad = viewer.get("/ui/api/attribution?from=2031-01-01&to=2031-02-01")
    assert bad.status_code == 422 and "does not overlap the history" in bad.json()["detail"]
    assert viewer.get("/ui/attribution?from=2026-09-01&to=2026-08-01").status_code == 422


def test_lift_tests_are_charted_measured_vs_fitted() -> None:
    doc = {"channels": {"search": {"incremental_conversions": 100.0, "lower_80": 80.0, "upper_80": 120.0,
                                   "lower_95": 70.0, "upper_95": 130.0, "reported_conversions": 150.0}},
           "lift_tests": [{"channel": "search", "kpi": "conversions", "start": "2026-05-01", "end": "2026-05-28",
                           "measured": 400.0, "std_error": 50.0, "fitted": 380.0}]}
    charts = {c["id"]: c["spec"] for c in attribution_page.attribution_charts(doc, {
        "incremental.conversions": "inc", "incremental.revenue": "rev", "lift.axis": "lift"})}
    assert set(charts) == {"attr-conversions", "attr-lift"}  # no revenue model, no revenue / ROI charts
    spec = alt.Chart.from_dict(charts["attr-lift"], validate=True).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert rows[0]["mean"] == 400.0 and rows[0]["reported"] == 380.0
    assert rows[0]["lower_80"] == pytest.approx(400 - 1.2816 * 50, abs=0.01)


def test_planner_and_attribution_speak_russian(viewer: httpx.Client) -> None:
    planner = viewer.get("/ui/planner?lang=ru")
    assert planner.status_code == 200 and "Планирование расходов" in planner.text and "28 дней (4 нед.)" in planner.text
    attribution = viewer.get("/ui/attribution?lang=ru")
    assert attribution.status_code == 200 and "Дополнительные конверсии" in attribution.text
    assert "последние 13 нед." in attribution.text
