"""Fixtures of the dashboard tests (``api/ui``).

- ``ui_live`` (session): the real service (``api.server.create_app``: /v1, /mcp and /ui) served by uvicorn on a free
  127.0.0.1 port, on the session's trained demo world (``world`` of tests/api/conftest.py, shared with the HTTP
  tests), with a second workspace ``ws-other`` holding an upload whose campaign ids all start with ``other-``.
  An :class:`UiEnv`: ``url``, ``keys`` (``admin`` / ``analyst`` / ``viewer`` of ``default``, ``other`` a viewer of
  ``ws-other``), ``truth`` (the world's ``truth.json``), ``live`` (``serving.Live``: ``client(key)``, ``store()``).
- ``ui_browser`` (session): headless Debian Chromium (``/usr/bin/chromium``) driven by Playwright.
- ``ui_page`` (function): a new browser context (desktop 1280x900, its own cookies) and page;
  fixtures ``sign_in`` (``sign_in(page, url, key)``: through the form) and ``charts_drawn`` (``charts_drawn(page)``:
  waits for ``body[data-charts-drawn]``, fails on a chart that did not draw).
- ``ui_app`` (module): ``(live, keys)``: the app in process (``serving.app_in_process``, TestClient) with the same
  keys and other workspace, for plain HTTP tests (``live.anonymous()`` + the ``kpia_ui_key`` cookie, or
  ``signed_in(live, key)`` in test_session.py through the form).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

CHROMIUM = "/usr/bin/chromium"
OTHER = "ws-other"
OTHER_PREFIX = "other-"


@dataclass(frozen=True)
class UiEnv:
    url: str
    keys: dict[str, str]
    truth: dict[str, Any]
    live: Any


def other_upload(world: Any) -> bytes:
    """The world's campaign table with every campaign id renamed ``other-<id>`` (the other workspace's data)."""
    import pandas as pd

    frame = pd.read_csv(Path(world.data) / "campaign_daily.csv")
    frame["campaign_id"] = OTHER_PREFIX + frame["campaign_id"].astype(str)
    return frame.to_csv(index=False).encode()


def add_keys_and_other_workspace(live: Any, world: Any) -> dict[str, str]:
    store = live.store()
    keys = {"admin": live.key}
    for role in ("analyst", "viewer"):
        keys[role] = store.create_key("default", role, f"ui {role}")[1]
    other_analyst = store.create_key(OTHER, "analyst", "ui other analyst")[1]
    keys["other"] = store.create_key(OTHER, "viewer", "ui other viewer")[1]
    store.dispose()
    with live.client(other_analyst) as c:
        up = c.post("/v1/datasets", files=[("files", ("campaign_daily.csv", other_upload(world), "text/csv"))],
                    data={"dataset_id": "other-data"})
        assert up.status_code == 201, up.text
    return keys


@pytest.fixture(scope="session")
def ui_live(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiEnv]:
    with serving.live_server(world, tmp_path_factory.mktemp("ui-service")) as live:
        keys = add_keys_and_other_workspace(live, world)
        truth = json.loads((Path(world.data) / "truth.json").read_text())
        yield UiEnv(live.url, keys, truth, live)


@pytest.fixture(scope="session")
def ui_browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture()
def ui_page(ui_browser: Any) -> Iterator[Any]:
    context = ui_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def _sign_in(page: Any, url: str, key: str) -> None:
    """Sign ``page`` in through the form at ``/ui/signin``; returns once the overview has loaded."""
    page.goto(f"{url}/ui/signin")
    page.fill("#api_key", key)
    page.click("#signin")
    page.wait_for_url(f"{url}/ui/")


def _charts_drawn(page: Any) -> None:
    """Wait until every chart of the page is settled, then check none failed."""
    page.wait_for_selector("body[data-charts-drawn]", state="attached")
    failed = page.locator('.chart[data-drawn="error"]')
    assert failed.count() == 0, failed.first.inner_text()


@pytest.fixture(scope="session")
def sign_in() -> Any:
    """``sign_in(page, url, key)``: sign a page in through the form; returns on the overview."""
    return _sign_in


@pytest.fixture(scope="session")
def charts_drawn() -> Any:
    """``charts_drawn(page)``: wait until ui.js has drawn every chart of the page; fail if one failed."""
    return _charts_drawn


@pytest.fixture(scope="module")
def ui_app(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app in process with extra keys: ``(live, keys)``."""
    with serving.app_in_process(world, tmp_path_factory.mktemp("ui-app")) as live:
        yield live, add_keys_and_other_workspace(live, world)
