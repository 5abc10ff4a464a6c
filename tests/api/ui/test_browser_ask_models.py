"""The Ask and Models & data pages in a real browser (Debian's Chromium, headless, Playwright) against the real
server (issue 15 items 6 and 7): a Russian question gets a Russian answer with its actions, an English one an
English answer, the conversation stays; a broken upload shows every error by table, column and rows; a viewer has
no controls and forged POSTs are refused; a training job's progress reaches done and the new version appears;
an older version activated is marked active.

The training test runs its own server with the training worker on, on a private copy of the shared world (training
adds versions; ``ui_live`` runs without a worker and is shared read-only)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py
BROKEN = Path(__file__).parents[2] / "fixtures" / "broken"
CYRILLIC = re.compile(r"[а-яё]", re.I)
WORD = re.compile(r"[^\W\d_]+(?:[-_][^\W_]+)*", re.U)
TRAIN_TIMEOUT_MS = 600_000


def planted_campaign(truth: dict[str, Any]) -> str:
    return next(p["campaign_id"] for p in truth["problems"] if p.get("campaign_id"))


def data_names(truth: dict[str, Any]) -> set[str]:
    """Names of the data a Russian answer may quote in Latin letters: channels and campaign ids."""
    names = set(truth["channels"])
    for ch in truth["channels"].values():
        names.update(ch["campaigns"])
    return {n.lower() for n in names}


def english_words(text: str, allowed: set[str]) -> list[str]:
    """Latin words of ``text`` that are not data names, KPI acronyms (ROI, CPA, ...) or units."""
    out = []
    for w in WORD.findall(text):
        if CYRILLIC.search(w) or any(ch.isdigit() for ch in w) or w.lower() in allowed:
            continue
        if w.isupper() and len(w) <= 6:  # ROI, CTR, KPI, CLV, WAPE
            continue
        out.append(w)
    return out


def ask(page: Any, question: str) -> Any:
    """Type ``question`` into the chat box, send it with Enter and return the new answer once it is there."""
    before = page.locator("#conversation li.answer:not(.pending)").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#conversation li.answer:not(.pending)').length > {before}")
    answer = page.locator("#conversation li.answer").nth(before)
    assert answer.locator(".error").count() == 0, answer.inner_text()
    return answer


def test_a_russian_question_gets_a_russian_answer_with_its_actions(ui_live, ui_page, sign_in):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    page.goto(f"{ui_live.url}/ui/ask?lang=en")  # the English page: the question's language wins
    campaign = planted_campaign(ui_live.truth)
    answer = ask(page, f"Почему кампания {campaign} не выполнила цели в прошлом месяце?")
    assert answer.get_attribute("data-lang") == "ru"
    narrative = answer.locator(".narrative").inner_text()
    assert CYRILLIC.search(narrative) and campaign in narrative
    allowed = data_names(ui_live.truth)
    assert not english_words(narrative, allowed), english_words(narrative, allowed)
    actions = answer.locator("li.action .action-text").all_inner_texts()
    assert actions and all(CYRILLIC.search(a) for a in actions), actions
    assert not english_words(" ".join(actions), allowed), actions
    assert "Рекомендуемые" not in answer.locator(".actions h3").inner_text()  # page strings stay English
    analyses = answer.locator("details.analysis")
    assert analyses.count() >= 1
    first = analyses.first
    assert not first.locator("pre.result").is_visible()  # collapsed until opened
    first.locator("summary").click()
    assert first.locator("pre.result").is_visible() and "{" in first.locator("pre.result").inner_text()


def test_an_english_question_gets_an_english_answer_and_the_conversation_stays(ui_live, ui_page, sign_in):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    page.goto(f"{ui_live.url}/ui/ask?lang=en")
    campaign = planted_campaign(ui_live.truth)
    first = ask(page, f"Why did {campaign} miss its targets last month?")
    assert first.get_attribute("data-lang") == "en"
    text = first.locator(".narrative").inner_text()
    assert campaign in text and not CYRILLIC.search(text)
    assert first.locator("li.action").count() >= 1
    ask(page, "What needs attention?")
    assert page.locator("#conversation li.question").count() == 2
    # the conversation stays on the page across a language switch; the Russian page answers in Russian
    page.click("a[data-lang='ru']")
    page.wait_for_selector("html[lang='ru']")
    assert page.locator("#conversation li.answer").count() == 2
    assert page.locator("#conversation li.question").first.inner_text().endswith("last month?")
    third = ask(page, "What needs attention?")
    assert third.get_attribute("data-lang") == "ru" and CYRILLIC.search(third.locator(".narrative").inner_text())
    page.click("#ask-clear")
    assert page.locator("#conversation li").count() == 0


def test_a_broken_upload_shows_every_error_by_table_column_and_rows(ui_live, ui_page, sign_in):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["analyst"])
    page.goto(f"{ui_live.url}/ui/models")
    body = (BROKEN / "several_errors.csv").read_bytes()
    page.set_input_files("#upload-files", files=[{"name": "campaign_daily.csv", "mimeType": "text/csv",
                                                  "buffer": body}])
    page.click("#upload-send")
    page.wait_for_selector("#upload-result[data-outcome='refused']")
    assert page.locator("#upload-result").get_attribute("data-status") == "422"
    shown = page.locator("#upload-result table.upload-errors tbody tr").evaluate_all(
        "rs => rs.map(r => [r.dataset.table, r.dataset.column, r.dataset.rows])")
    api = page.request.post(f"{ui_live.url}/v1/datasets", headers={"X-API-Key": ui_live.keys["analyst"]},
                            multipart={"files": {"name": "campaign_daily.csv", "mimeType": "text/csv",
                                                 "buffer": body}})
    expected = [[e["table"], e["column"] or "", ",".join(map(str, e["rows"]))] for e in api.json()["errors"]]
    assert shown == expected and len(shown) >= 3  # every error, in the API's order
    assert {t for t, *_ in shown} == {"campaign_daily"} and {"spend", "clicks", "impressions"} <= {c for _, c, _ in shown}
    assert all(rows for _, column, rows in shown if column)
    cells = page.locator("#upload-result tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "campaign_daily" and re.fullmatch(r"\d+(, \d+)*", cells[2]), cells
    assert page.locator("#datasets-table tr[data-dataset]").count() == 1  # nothing stored


def test_a_viewer_has_no_controls_and_forged_posts_are_refused(ui_live, ui_page, sign_in):
    page = ui_page
    sign_in(page, ui_live.url, ui_live.keys["viewer"])
    for path in ("/ui/models", "/ui/ask"):
        page.goto(ui_live.url + path)
        assert page.locator("input[type=file]").count() == 0, path
        assert page.locator("[data-needs]").count() == 0, path
        assert page.locator("#train-form, #upload-form, button.activate").count() == 0, path
        posts = page.locator("form[method=post]").evaluate_all("fs => fs.map(f => f.getAttribute('action'))")
        assert posts == ["/ui/signout"], (path, posts)
    page.goto(f"{ui_live.url}/ui/models")
    assert page.locator("#models-table tr[data-version]").count() >= 1  # the viewer still sees the versions
    statuses = page.evaluate("""async () => {
        const headers = {'X-CSRF-Token': kpiUi.csrf, 'Content-Type': 'application/json'};
        const train = await fetch('/ui/api/train', {method: 'POST', headers, body: '{}'});
        const activate = await fetch('/ui/api/models/v0001/activate', {method: 'POST', headers, body: '{}'});
        const data = new FormData();
        data.append('files', new Blob(['date,campaign_id\\n'], {type: 'text/csv'}), 'campaign_daily.csv');
        const upload = await fetch('/ui/api/datasets', {method: 'POST', headers: {'X-CSRF-Token': kpiUi.csrf},
                                                        body: data});
        return [train.status, activate.status, upload.status];
    }""")
    assert statuses == [403, 403, 403]


def test_phone_width_has_no_sideways_scrolling(ui_live, ui_browser, sign_in, charts_drawn):
    context = ui_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        sign_in(page, ui_live.url, ui_live.keys["analyst"])
        page.goto(f"{ui_live.url}/ui/ask")
        answer = ask(page, f"Why did {planted_campaign(ui_live.truth)} miss its targets last month?")
        answer.locator("details.analysis summary").first.click()  # the widest part: an analysis' JSON
        for path in ("/ui/ask", "/ui/models"):
            if path != "/ui/ask":
                page.goto(ui_live.url + path)
            charts_drawn(page)
            width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (path, width)
    finally:
        context.close()


@pytest.fixture(scope="module")
def ui_train(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server with its training worker, on a private copy of the world: ``(url, analyst key)``."""
    own = serving.copy_world(world, tmp_path_factory.mktemp("ui-train-world"))
    with serving.live_server(own, tmp_path_factory.mktemp("ui-train-service"), worker=True) as live:
        store = live.store()
        key = store.create_key("default", "analyst", "ui training")[1]
        store.dispose()
        yield live.url, key


def test_training_progress_reaches_done_and_an_older_version_can_be_activated(ui_train, ui_page, sign_in):
    url, key = ui_train
    page = ui_page
    sign_in(page, url, key)
    page.goto(f"{url}/ui/models")
    assert page.locator("tr[data-version='v0001'][data-active='true']").count() == 1
    page.click("#train-start")
    page.wait_for_selector("#job:not([hidden])")
    seen = page.evaluate("""() => new Promise(resolve => {
        const box = document.getElementById('job'), bar = document.getElementById('job-progress'), seen = [];
        const note = () => { seen.push([box.dataset.status, bar.value]);
            if (['succeeded', 'failed', 'cancelled'].includes(box.dataset.status)) { obs.disconnect(); resolve(seen); } };
        const obs = new MutationObserver(note);
        obs.observe(box, {attributes: true, subtree: true, childList: true, characterData: true});
        note();
    })""")
    statuses = [s for s, _ in seen]
    assert statuses[-1] == "succeeded", seen
    assert seen[-1][1] == 1 and page.locator("#job-status").inner_text().startswith("done")
    assert {"queued", "running"} & set(statuses), seen
    # the page reloads with the new version, served
    page.wait_for_selector("tr[data-version='v0002'][data-active='true']", timeout=TRAIN_TIMEOUT_MS)
    assert page.locator("tr[data-version='v0001'][data-active='false']").count() == 1
    assert page.locator("#jobs tr[data-status='succeeded']").count() == 1
    # roll back: activate the older version
    page.click("button.activate[data-version='v0001']")
    page.wait_for_selector("tr[data-version='v0001'][data-active='true']")
    assert page.locator("tr[data-version='v0001'] #active-version").count() == 1
    assert page.locator("tr[data-version='v0002'][data-active='false'] button.activate").count() == 1
