"""The dashboard in a real browser (Debian's Chromium, headless, driven by Playwright) against the real server on
the trained demo world (issue 15, "Must show")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

pytestmark = pytest.mark.slow

OTHER_PREFIX = "other-"


def planted_campaigns(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The demo world's campaign problems (truth.json ``problems`` with a campaign id)."""
    return {p["campaign_id"]: p for p in truth["problems"] if p.get("campaign_id")}


def test_sign_in_overview_shows_the_scorecard_and_the_planted_campaigns(ui_live, ui_page, sign_in, charts_drawn):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["admin"])
    charts_drawn(page)
    rows = page.locator("#scorecard tr[data-kpi]")
    assert rows.count() >= 4
    statuses = set(rows.evaluate_all("rs => rs.map(r => r.dataset.status)"))
    assert statuses & {"on_track", "at_risk", "off_track"}, statuses
    colour = page.locator("#scorecard .status-off_track").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(220, 38, 38)"  # off track is red
    assert page.locator("#composite-score").inner_text().strip().isdigit()
    assert page.locator("#trends .chart[data-drawn='1']").count() >= 4
    assert page.locator("#trends .chart svg").count() >= 4
    listed = page.locator("#attention tr[data-type='campaign']").evaluate_all("rs => rs.map(r => r.dataset.id)")
    planted = planted_campaigns(ui_live.truth)
    assert set(planted) <= set(listed), (planted, listed)
    ranked = page.locator("#attention tbody tr td.num").all_inner_texts()
    money = [float(x.replace("\u202f", "").replace("—", "-1")) for x in ranked]
    assert money == sorted(money, reverse=True)  # ranked by money at stake


def test_open_a_planted_campaign_shows_its_finding_onset_and_charts(ui_live, ui_page, sign_in, charts_drawn):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    campaign, problem = next(iter(planted_campaigns(ui_live.truth).items()))
    page.click(f"#attention tr[data-id='{campaign}'] a")
    page.wait_for_url(f"**/ui/campaign/{campaign}?**")
    charts_drawn(page)
    assert page.locator("#verdict").get_attribute("data-verdict") == "failing"
    onsets = page.locator("#findings li[data-status='failing'][data-onset]").evaluate_all(
        "ls => ls.map(l => l.dataset.onset)")
    truth_start = date.fromisoformat(problem["start"])
    near = [o for o in onsets if abs((date.fromisoformat(o) - truth_start).days) <= 10]
    assert near, (onsets, problem)
    marked = page.locator(f"figure[data-onsets*='{near[0]}'] .chart[data-drawn='1'] svg")
    assert marked.count() == 1  # the onset is marked on the KPI's daily chart
    assert page.locator("#funnel .chart[data-drawn='1']").count() == 1
    assert page.locator("figure[data-kpi] .chart[data-drawn='1']").count() >= 2  # daily + SHAP waterfall
    assert page.locator("#actions tbody tr").count() >= 1


def test_phone_width_has_no_sideways_scrolling(ui_live, ui_browser, sign_in, charts_drawn):
    context = ui_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, ui_live.url, ui_live.keys["viewer"])
        campaign = next(iter(planted_campaigns(ui_live.truth)))
        for path in ["/ui/", f"/ui/campaign/{campaign}"]:
            page.goto(ui_live.url + path)
            charts_drawn(page)
            width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (path, width)
            assert page.locator(".chart[data-drawn='1'] svg").first.bounding_box()["width"] <= 390
    finally:
        context.close()


def test_language_switch_is_remembered(ui_live, ui_page, sign_in):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    page.click("a[data-lang='ru']")
    page.wait_for_selector("html[lang='ru']")
    assert page.locator("h1").first.inner_text() == "Обзор"
    page.goto(f"{ui_live.url}/ui/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Требует внимания" in page.locator("#attention h2").inner_text()


def test_a_viewer_sees_no_upload_or_training_controls(ui_live, ui_page, sign_in):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    assert page.locator(".who").get_attribute("data-role") == "viewer"
    hrefs = page.locator("nav.nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    for href in hrefs:
        page.goto(ui_live.url + href)
        assert page.locator("input[type=file]").count() == 0, href
        assert page.locator("[data-needs='analyst'], [data-needs='admin']").count() == 0, href
        posts = page.locator("form[method=post]").evaluate_all("fs => fs.map(f => f.getAttribute('action'))")
        assert posts == ["/ui/signout"], (href, posts)


def test_another_workspace_never_appears(ui_live, ui_page, sign_in, charts_drawn):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["other"])
    charts_drawn(page)
    html = page.content()
    assert page.locator(".who").get_attribute("data-workspace") == "ws-other"
    default_campaigns = [c for ch in ui_live.truth["channels"].values() for c in ch["campaigns"]]
    assert not [c for c in default_campaigns if f">{c}<" in html or f"/campaign/{c}?" in html]
    assert OTHER_PREFIX in html  # its own campaigns are listed
    page.goto(f"{ui_live.url}/ui/campaign/social-02")
    assert page.locator("h1").first.inner_text().startswith("422")  # not a campaign of this workspace
    # and the default workspace never sees the other's
    page.context.clear_cookies()
    sign_in(page, ui_live.url, ui_live.keys["admin"])
    assert OTHER_PREFIX not in page.content()


def test_sign_out_clears_the_cookie_and_csrf_guards_posts(ui_live, ui_page, sign_in):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    assert any(c["name"] == "kpia_ui_key" and c["httpOnly"] and c["sameSite"] == "Strict"
               for c in page.context.cookies())
    # a POST without the CSRF token is refused; with the page's token (kpiUi.postJSON) it is served
    refused = page.request.post(f"{ui_live.url}/ui/signout")
    assert refused.status == 403
    without = page.evaluate("""() => fetch('/ui/api/diagnose', {method: 'POST', headers: {'Content-Type':
        'application/json'}, body: JSON.stringify({campaign: 'social-02'})}).then(r => r.status)""")
    assert without == 403
    doc = page.evaluate("() => kpiUi.postJSON('/ui/api/diagnose', {campaign: 'social-02'})")
    assert doc["scope"]["value"] == "social-02" and doc["verdict"]
    page.click("#signout")
    page.wait_for_url("**/ui/signin")
    assert not [c for c in page.context.cookies() if c["name"] == "kpia_ui_key"]
    response = page.goto(f"{ui_live.url}/ui/")
    assert response.status == 401 and page.locator("#api_key").count() == 1
