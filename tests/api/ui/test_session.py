"""Sign-in, sign-out, CSRF and roles of the dashboard over plain HTTP (the app in process)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from api.ui import render as rendering
from api.ui.session import KEY_COOKIE, PRE_COOKIE, csrf_token_of


@pytest.fixture()
def anon(ui_app: Any) -> Iterator[httpx.Client]:
    live, _ = ui_app
    with live.anonymous(follow_redirects=False) as c:
        yield c


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, html[:500]
    return found.group(1)


@contextmanager
def signed_in(live: Any, key: str) -> Iterator[httpx.Client]:
    """A client through the sign-in form (its cookies kept)."""
    with live.anonymous(follow_redirects=False) as c:
        form = c.get("/ui/signin")
        r = c.post("/ui/signin", data={"api_key": key, "csrf_token": form_token(form.text), "next": "/ui/"})
        assert r.status_code == 303, r.text[:300]
        yield c


def test_pages_need_a_session_and_show_the_sign_in_form(anon: httpx.Client) -> None:
    r = anon.get("/ui/")
    assert r.status_code == 401 and 'id="api_key"' in r.text
    assert 'name="next" value="/ui/"' in r.text
    r = anon.post("/ui/api/diagnose", json={"campaign": "social-02"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    # an API key in a header is not a dashboard session
    with_header = anon.get("/ui/", headers={"X-API-Key": "kpia_000000000000_" + "x" * 43})
    assert with_header.status_code == 401


def test_sign_in_sets_an_httponly_strict_cookie_and_redirects_only_inside_ui(ui_app: Any, anon: httpx.Client) -> None:
    _live, keys = ui_app
    form = anon.get("/ui/signin")
    pre = form.headers["set-cookie"]
    assert PRE_COOKIE in pre and "HttpOnly" in pre and "SameSite=strict" in pre
    r = anon.post("/ui/signin", data={"api_key": keys["viewer"], "csrf_token": form_token(form.text),
                                      "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/ui/"
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(KEY_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    assert anon.get("/ui/").status_code == 200


@pytest.mark.parametrize("key", ["kpia_000000000000_" + "x" * 43, "not a key", ""])
def test_a_wrong_key_is_refused_with_the_reason(anon: httpx.Client, key: str) -> None:
    form = anon.get("/ui/signin")
    r = anon.post("/ui/signin", data={"api_key": key, "csrf_token": form_token(form.text)})
    assert r.status_code == 401 and 'id="signin-error"' in r.text
    assert KEY_COOKIE not in r.headers.get("set-cookie", "")


def test_sign_in_without_the_form_token_is_refused(ui_app: Any, anon: httpx.Client) -> None:
    _, keys = ui_app
    anon.get("/ui/signin")
    r = anon.post("/ui/signin", data={"api_key": keys["admin"], "csrf_token": "0" * 32})
    assert r.status_code == 403 and KEY_COOKIE not in r.headers.get("set-cookie", "")


def test_posts_need_the_session_csrf_token(ui_app: Any) -> None:
    live, keys = ui_app
    with signed_in(live, keys["viewer"]) as c:
        token = csrf_token_of(keys["viewer"])
        assert f'content="{token}"' in c.get("/ui/").text  # the page carries it
        assert c.post("/ui/api/diagnose", json={"campaign": "social-02"}).status_code == 403
        assert c.post("/ui/api/diagnose", json={"campaign": "social-02"},
                      headers={"X-CSRF-Token": csrf_token_of(keys["admin"])}).status_code == 403
        ok = c.post("/ui/api/diagnose", json={"campaign": "social-02"}, headers={"X-CSRF-Token": token})
        assert ok.status_code == 200
        with live.client(keys["viewer"]) as api:  # the same JSON as the API's
            assert ok.json() == api.post("/v1/diagnose", json={"campaign": "social-02"}).json()
        assert c.post("/ui/signout", data={}).status_code == 403
        out = c.post("/ui/signout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/ui/signin"
        assert f'{KEY_COOKIE}=""' in out.headers["set-cookie"]
        assert c.get("/ui/").status_code == 401


def test_a_revoked_key_ends_the_session(ui_app: Any) -> None:
    live, _ = ui_app
    store = live.store()
    info, token = store.create_key("default", "viewer", "revoked in a ui test")
    with signed_in(live, token) as c:
        assert c.get("/ui/").status_code == 200
        with live.client() as admin:
            assert admin.delete(f"/v1/keys/{info.id}").status_code == 200
        assert c.get("/ui/").status_code == 401
    store.dispose()


def test_nav_entries_follow_the_role(ui_app: Any) -> None:
    live, keys = ui_app
    extra = rendering.NavItem(href="/ui/admin-only-test", page="overview", order=99, role="admin")
    rendering.NAV.append(extra)
    try:
        with signed_in(live, keys["viewer"]) as viewer, signed_in(live, keys["admin"]) as admin:
            assert "/ui/admin-only-test" not in viewer.get("/ui/").text
            assert "/ui/admin-only-test" in admin.get("/ui/").text
    finally:
        rendering.NAV.remove(extra)


def test_each_workspace_sees_its_own_data(ui_app: Any) -> None:
    live, keys = ui_app
    with signed_in(live, keys["other"]) as other, signed_in(live, keys["admin"]) as default:
        mine = other.get("/ui/").text
        assert 'data-workspace="ws-other"' in mine and "other-" in mine and "/ui/campaign/social-02" not in mine
        assert "other-" not in default.get("/ui/").text
        assert other.get("/ui/campaign/social-02").status_code == 422
        assert other.get("/ui/campaign/other-social-02").status_code == 200
        assert default.get("/ui/campaign/other-social-02").status_code == 422
