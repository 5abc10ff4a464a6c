"""Strings in English and Russian, the language switch and its cookie."""

from __future__ import annotations

from typing import Any

import pytest

from api.ui import i18n
from api.ui.session import KEY_COOKIE, LANG_COOKIE


@pytest.mark.parametrize("name", i18n.names())
def test_every_strings_file_has_the_same_keys_in_both_languages(name: str) -> None:
    doc = i18n.load(name)
    assert set(doc["en"]) == set(doc["ru"]), set(doc["en"]) ^ set(doc["ru"])
    assert all(v.strip() for lang in doc.values() for v in lang.values())


def test_pages_have_nav_labels_and_missing_keys_show_their_name() -> None:
    from api.ui.pages import PAGES

    for page in PAGES:
        assert i18n.strings(page, "ru")["title"]
    assert i18n.strings("overview", "en")["no.such.key"] == "[no.such.key]"


def test_lang_parameter_switches_and_the_cookie_keeps_it(ui_app: Any) -> None:
    live, keys = ui_app
    with live.anonymous(follow_redirects=False) as c:
        c.cookies.set(KEY_COOKIE, keys["viewer"], path="/ui")
        en = c.get("/ui/")
        assert 'lang="en"' in en.text and "Needs attention" in en.text
        ru = c.get("/ui/?lang=ru")
        assert 'lang="ru"' in ru.text and "Требует внимания" in ru.text
        assert ru.text.count("<tr data-type=") == en.text.count("<tr data-type=") > 0  # the same scan in Russian
        assert LANG_COOKIE in ru.headers["set-cookie"] and "SameSite=strict" in ru.headers["set-cookie"]
        kept = c.get("/ui/")
        assert 'lang="ru"' in kept.text and "Обзор" in kept.text
        assert 'lang="en"' in c.get("/ui/?lang=en").text
        assert 'lang="en"' in c.get("/ui/?lang=xx").text  # unknown: the cookie's (en now)


def _request(query: str = "", headers: dict[str, str] | None = None, cookie: str = "") -> Any:
    from starlette.requests import Request

    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if cookie:
        raw.append((b"cookie", cookie.encode()))
    return Request({"type": "http", "method": "GET", "path": "/ui/", "query_string": query.encode(), "headers": raw})


def test_language_order_is_parameter_then_cookie_then_browser() -> None:
    from api.ui.session import lang_of

    assert lang_of(_request(headers={"Accept-Language": "ru-RU,ru;q=0.9"})) == "ru"
    assert lang_of(_request(headers={"Accept-Language": "en-GB,ru;q=0.5"})) == "en"
    assert lang_of(_request()) == "en"
    assert lang_of(_request(cookie=f"{LANG_COOKIE}=ru", headers={"Accept-Language": "en"})) == "ru"
    assert lang_of(_request("lang=en", cookie=f"{LANG_COOKIE}=ru")) == "en"
    assert lang_of(_request("lang=de", cookie=f"{LANG_COOKIE}=ru")) == "ru"
