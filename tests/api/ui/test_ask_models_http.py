"""The Ask and Models & data pages and their JSON endpoints over plain HTTP (the app in process, no worker):
answers in the right language and in the audit log, the same JSON as /v1, roles and CSRF on every POST, upload
errors as problem+json with table, column and rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.ui.pages.ask import answer_lang
from api.ui.session import KEY_COOKIE, LANG_COOKIE, csrf_token_of

BROKEN = Path(__file__).parents[2] / "fixtures" / "broken"
CYRILLIC = re.compile(r"[а-яё]", re.I)


@contextmanager
def session(live: Any, key: str, lang: str | None = None) -> Iterator[httpx.Client]:
    """A dashboard session: the key cookie, the CSRF header (and the language cookie)."""
    with live.anonymous(follow_redirects=False, headers={"X-CSRF-Token": csrf_token_of(key)}) as c:
        c.cookies.set(KEY_COOKIE, key, path="/ui")
        if lang:
            c.cookies.set(LANG_COOKIE, lang, path="/ui")
        yield c


def test_answer_language_is_russian_for_a_russian_question_else_the_page_language() -> None:
    assert answer_lang("Почему упала выручка?", "en") == "ru"
    assert answer_lang("ROI по каналу search?", "en") == "ru"
    assert answer_lang("Why did revenue fall?", "en") == "en"
    assert answer_lang("Why did revenue fall?", "ru") == "ru"  # the page's language is the default


def test_ask_answers_in_russian_and_records_the_advice(ui_app: Any) -> None:
    live, keys = ui_app
    with session(live, keys["viewer"]) as c:
        page = c.get("/ui/ask")
        assert page.status_code == 200 and 'id="ask-form"' in page.text and "/ui/static/ask.js" in page.text
        r = c.post("/ui/api/ask", json={"question": "Почему social-02 не выполнила цели в прошлом месяце?"})
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["lang"] == "ru" and CYRILLIC.search(doc["answer"])
        assert doc["analyses"] and doc["recommendations"]
        assert all(CYRILLIC.search(rec["action"]) for rec in doc["recommendations"])
        # the impact is worded in the answer's language, not the KPI's key (the page is English)
        priced = [rec for rec in doc["recommendations"] if rec.get("expected_impact") is not None]
        assert priced and all(CYRILLIC.search(rec["impact_text"]) for rec in priced), priced
    with live.client(keys["admin"]) as api:
        entries = api.get("/v1/audit", params={"limit": 5}).json()["entries"]
    mine = [e for e in entries if e["route"] == "/ui/api/ask"]
    assert mine and "social-02" in mine[0]["request"]["question"]


def test_ask_follows_the_page_language_and_answers_like_the_api(ui_app: Any) -> None:
    live, keys = ui_app
    question = "What needs attention?"
    with session(live, keys["viewer"], lang="ru") as ru, session(live, keys["viewer"]) as en:
        in_ru = ru.post("/ui/api/ask", json={"question": question}).json()
        in_en = en.post("/ui/api/ask", json={"question": question}).json()
        assert "Что требует внимания" in ru.get("/ui/ask").text  # example questions in the page language
    assert in_ru["lang"] == "ru" and CYRILLIC.search(in_ru["answer"])
    assert in_en["lang"] == "en" and not CYRILLIC.search(in_en["answer"])
    with live.client(keys["viewer"]) as api:
        same = api.post("/v1/advise", json={"question": question, "lang": "en"}).json()
    # the page's answer is the API's, with each action's impact worded (impact_text) for the chat box
    assert all("impact_text" in r for r in in_en["recommendations"])
    in_en["recommendations"] = [{k: v for k, v in r.items() if k != "impact_text"} for r in in_en["recommendations"]]
    assert same == in_en


def test_ask_needs_the_csrf_token_and_a_valid_question(ui_app: Any) -> None:
    live, keys = ui_app
    with session(live, keys["viewer"]) as c:
        assert c.post("/ui/api/ask", json={"question": "What needs attention?"},
                      headers={"X-CSRF-Token": "0" * 32}).status_code == 403
        bad = c.post("/ui/api/ask", json={"question": "?"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    with live.anonymous() as anon:
        assert anon.post("/ui/api/ask", json={"question": "What needs attention?"}).status_code == 401


def test_models_page_lists_versions_and_datasets_and_hides_controls_from_a_viewer(ui_app: Any) -> None:
    live, keys = ui_app
    with session(live, keys["viewer"]) as viewer, session(live, keys["analyst"]) as analyst:
        seen = viewer.get("/ui/models")
        assert seen.status_code == 200
        assert 'data-version="v0001" data-active="true"' in seen.text and 'data-dataset="default"' in seen.text
        assert "data-needs=" not in seen.text and 'type="file"' not in seen.text and "models.js" not in seen.text
        full = analyst.get("/ui/models").text
        assert 'id="upload-form"' in full and 'id="train-form"' in full and 'type="file"' in full
        with live.client(keys["viewer"]) as api:
            assert viewer.get("/ui/api/models").json() == api.get("/v1/models").json()
            assert viewer.get("/ui/api/datasets").json() == api.get("/v1/datasets").json()


def test_a_viewer_cannot_train_activate_or_upload(ui_app: Any) -> None:
    live, keys = ui_app
    with session(live, keys["viewer"]) as c:  # with the session's own CSRF token: refused for the role
        assert c.post("/ui/api/train", json={}).status_code == 403
        assert c.post("/ui/api/models/v0001/activate", json={}).status_code == 403
        files = [("files", ("campaign_daily.csv", b"date,campaign_id\n", "text/csv"))]
        assert c.post("/ui/api/datasets", files=files).status_code == 403
    with session(live, keys["analyst"]) as c:  # and an analyst without the token
        assert c.post("/ui/api/train", json={}, headers={"X-CSRF-Token": ""}).status_code == 403


def test_upload_of_a_broken_file_answers_every_error_by_table_column_and_rows(ui_app: Any) -> None:
    live, keys = ui_app
    body = (BROKEN / "several_errors.csv").read_bytes()
    with session(live, keys["analyst"]) as c:
        before = c.get("/ui/api/datasets").json()
        r = c.post("/ui/api/datasets", files=[("files", ("campaign_daily.csv", body, "text/csv"))],
                   data={"dataset_id": "broken-ui"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        errors = r.json()["errors"]
        assert len(errors) >= 3
        assert {e["table"] for e in errors} == {"campaign_daily"}
        assert {"spend", "clicks", "impressions"} <= {e["column"] for e in errors}
        assert all(e["rows"] for e in errors if e["column"])
        assert c.get("/ui/api/datasets").json() == before  # nothing stored
        with live.client(keys["analyst"]) as api:  # the API's answer, error for error
            same = api.post("/v1/datasets", files=[("files", ("campaign_daily.csv", body, "text/csv"))],
                            data={"dataset_id": "broken-ui"})
            assert same.json()["errors"] == errors


def test_activate_and_train_as_an_analyst(ui_app: Any) -> None:
    live, keys = ui_app
    with session(live, keys["analyst"]) as c:
        done = c.post("/ui/api/models/v0001/activate", json={})
        assert done.status_code == 200 and done.json()["version"] == "v0001" and done.json()["active"]
        assert c.post("/ui/api/models/v9999/activate", json={}).status_code == 404
        job = c.post("/ui/api/train", json={"backtest": False})
        assert job.status_code == 202 and job.json()["status"] == "queued"  # no worker here: it waits
        polled = c.get(f"/ui/api/jobs/{job.json()['id']}")
        assert polled.status_code == 200 and polled.json()["id"] == job.json()["id"]
        assert 'data-job="' + job.json()["id"] + '"' in c.get("/ui/models").text
        cancelled = c.post(f"/v1/jobs/{job.json()['id']}/cancel")  # not a dashboard route: no session there
        assert cancelled.status_code == 401
        assert c.get("/ui/api/jobs/nope").status_code == 404
        assert c.post("/ui/api/train", json={"dataset": "nope"}).status_code == 404


@pytest.mark.parametrize("path", ["/ui/ask", "/ui/models"])
def test_pages_need_a_session(ui_app: Any, path: str) -> None:
    live, _ = ui_app
    with live.anonymous() as anon:
        r = anon.get(path)
        assert r.status_code == 401 and 'id="api_key"' in r.text


def test_backtest_rows_and_chart_of_versions_with_backtests() -> None:
    from api.ui.pages.models import backtest_rows, error_chart

    bt = {"n_origins": 3, "model": {"wape": 0.12, "smape": 0.11, "mase": 0.8, "coverage_80": 0.79},
          "seasonal_naive": {"wape": 0.2}}
    models = [
        {"version": "v0002", "active": True, "metrics": {"response": {"revenue": {"backtest": bt},
                                                                       "conversions": {"channels": []}}}},
        {"version": "v0001", "active": False, "metrics": {"backtest": {}, "history": {}}},
    ]
    rows = backtest_rows(models)
    assert rows == [{"version": "v0002", "kpi": "revenue", "wape": 0.12, "smape": 0.11, "mase": 0.8,
                     "coverage_80": 0.79, "naive_wape": 0.2, "origins": 3, "active": True}]
    chart = error_chart(rows)
    assert chart is not None
    data = [v for values in chart["datasets"].values() for v in values]
    assert {"version": "v0002", "kpi": "revenue", "wape": 0.12, "naive": 0.2} in data
    assert error_chart([]) is None
