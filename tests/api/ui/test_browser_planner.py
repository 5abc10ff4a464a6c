"""The planner and attribution pages in a real browser (Debian's Chromium, headless, driven by Playwright) against
the real server on the trained demo world (issue 15 items 4 and 5): what the page shows is what the operations
answer through ``/v1``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.plan import read_plan_file

pytestmark = pytest.mark.slow


def shown(page: Any, selector: str) -> float:
    """A figure as the page shows it (thin-space thousands separators) as a number."""
    return float(page.inner_text(selector).replace("\u202f", "").replace("%", "").strip())


def shown_plan(page: Any) -> dict[str, Any]:
    """The plan the forecast panel's figures are for."""
    return json.loads(page.get_attribute("#forecast", "data-plan"))


def api(ui_live: Any) -> httpx.Client:
    return httpx.Client(base_url=ui_live.url, headers={"X-API-Key": ui_live.keys["viewer"]}, timeout=120)


def test_changing_a_channels_spend_updates_the_forecast_to_the_operations(ui_live, ui_page, sign_in, charts_drawn):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    page.click("nav a[href='/ui/planner']")
    page.wait_for_url("**/ui/planner")
    charts_drawn(page)
    before = shown_plan(page)
    revenue_before = shown(page, "#total-revenue .mean")
    channel = page.get_attribute("#spend-1", "data-channel")
    new = int(before["spend"][channel]) * 2 + 1000
    page.fill("#spend-1", str(new))
    page.wait_for_selector(f"#forecast[data-state='ready'][data-plan*='\"{channel}\":{new}']", state="attached")
    plan = shown_plan(page)
    assert plan["spend"][channel] == new and plan["start"] == before["start"]
    with api(ui_live) as c:
        direct = c.post("/v1/forecast", json=plan).json()["total"]
        old = c.post("/v1/forecast", json=before).json()["total"]
    for kpi in ("revenue", "conversions"):
        assert shown(page, f"#total-{kpi} .mean") == round(direct[kpi]["mean"])
    assert shown(page, "#total-revenue .mean") - revenue_before == round(direct["revenue"]["mean"]) - round(
        old["revenue"]["mean"]) != 0
    assert shown(page, "#total-spend .mean") == round(direct["spend"])
    ci = page.inner_text("#total-revenue .ci[data-level='80']").replace("\u202f", "")
    assert ci == f"{direct['revenue']['lower_80']:.0f} – {direct['revenue']['upper_80']:.0f}"
    assert page.locator(".chart[data-drawn='1'] svg").count() >= 2 + len(plan["spend"])  # redrawn, none failed
    assert page.locator(".chart[data-drawn='error']").count() == 0
    # a negative amount: the operation's message, the figures stay those of the last good plan
    page.fill("#spend-1", "-5")
    page.wait_for_selector("#forecast[data-state='error']", state="attached")
    assert "must be a non-negative number" in page.inner_text("#plan-error")
    assert shown(page, "#total-revenue .mean") == round(direct["revenue"]["mean"])


def test_optimise_shows_the_split_and_uplift_of_the_optimize_operation(ui_live, ui_page, sign_in, charts_drawn):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    page.goto(f"{ui_live.url}/ui/planner")
    charts_drawn(page)
    page.click("#optimise")
    page.wait_for_selector("#optimum[data-state='ready']", state="attached", timeout=180_000)
    plan = shown_plan(page)
    with api(ui_live) as c:
        direct = c.post("/v1/optimize", json={"start": plan["start"], "end": plan["end"],
                                              "budget": sum(plan["spend"].values())}).json()
    rows = page.locator("#opt-table tbody tr")
    assert rows.count() == len(direct["allocation"])
    for ch, amount in direct["allocation"].items():
        assert shown(page, f"#opt-table tr[data-channel='{ch}'] .recommended") == round(amount)
        assert shown(page, f"#opt-table tr[data-channel='{ch}'] .plan") == round(plan["spend"][ch])
    for kpi in ("revenue", "conversions"):
        assert shown(page, f"#opt-uplift tr[data-kpi='{kpi}'] .uplift") == round(direct["uplift"][kpi])
    assert page.locator("#opt-split-chart[data-drawn='1'] svg").count() == 1


def test_the_downloaded_plan_round_trips(ui_live, ui_page, sign_in, charts_drawn, tmp_path: Path):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    page.goto(f"{ui_live.url}/ui/planner?days=91")
    charts_drawn(page)
    page.fill("#spend-2", "12345")
    page.wait_for_selector("#forecast[data-state='ready'][data-plan*=':12345']", state="attached")
    with page.expect_download() as info:
        page.click("#download")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".yaml"
    plan = shown_plan(page)
    assert read_plan_file(target) == plan  # what `kpi-advisor forecast --plan` reads
    assert plan["end"] > plan["start"] and len(plan["spend"]) >= 3


def test_attribution_shows_every_channel_with_its_interval(ui_live, ui_page, sign_in, charts_drawn):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    page.click("nav a[href='/ui/attribution']")
    charts_drawn(page)
    with api(ui_live) as c:
        whole = c.get("/v1/attribution").json()
    assert page.locator("#channels tbody tr").count() == len(whole["channels"])
    for ch, e in whole["channels"].items():
        row = f"#channels tr[data-channel='{ch}']"
        assert shown(page, f"{row} .conversions .mean") == round(e["incremental_conversions"])
        ci = page.inner_text(f"{row} .conversions .ci").replace("\u202f", "")
        assert ci == f"{e['lower_80']:.0f} – {e['upper_80']:.0f}"
        assert shown(page, f"{row} .roi .mean") == round(100 * e["roi"], 1)
    assert page.locator("figure .chart[data-drawn='1'] svg").count() == 3  # conversions, revenue, ROI
    page.click(".presets a[data-weeks='13']")
    page.wait_for_url("**/ui/attribution?from=*")
    charts_drawn(page)
    start, end = page.get_attribute("#period", "data-from"), page.get_attribute("#period", "data-to")
    with api(ui_live) as c:
        window = c.get("/v1/attribution", params={"from": start, "to": end}).json()
    assert end == whole["to"] and start > whole["from"]
    first = next(iter(window["channels"]))
    assert shown(page, f"#channels tr[data-channel='{first}'] .spend") == round(window["channels"][first]["spend"])


def test_planner_and_attribution_fit_a_phone(ui_live, ui_browser, sign_in, charts_drawn):
    context = ui_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, ui_live.url, ui_live.keys["viewer"])
        for path in ["/ui/planner", "/ui/attribution"]:
            page.goto(ui_live.url + path)
            charts_drawn(page)
            width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (path, width)
            for box in page.locator(".chart[data-drawn='1'] svg").evaluate_all(
                    "ss => ss.map(s => s.getBoundingClientRect().right)"):
                assert box <= 390, path
    finally:
        context.close()
