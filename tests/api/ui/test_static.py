"""Everything the dashboard needs is served by the server: no CDN, pinned vendored scripts, cache headers."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import altair

import api.ui
from api.ui.render import STATIC, TEMPLATES
from api.ui.session import KEY_COOKIE

UI = Path(api.ui.__file__).parent
URL = re.compile(r"https?://", re.IGNORECASE)


def test_no_template_style_or_script_of_ours_names_a_host() -> None:
    ours = [*TEMPLATES.glob("*.html"), *STATIC.glob("*.css"), *STATIC.glob("*.js")]
    assert len(ours) >= 5
    offenders = [str(p) for p in ours if URL.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_vendored_files_match_their_pinned_versions() -> None:
    lines = [line.split() for line in (STATIC / "vendor" / "VERSIONS").read_text().splitlines()
             if line and not line.startswith("#")]
    assert {name for name, *_ in lines} == {"vega", "vega-lite", "vega-embed"}
    for _, _, file, digest in lines:
        assert hashlib.sha256((STATIC / "vendor" / file).read_bytes()).hexdigest() == digest.removeprefix("sha256:")
    vega_lite = next(v for name, v, *_ in lines if name == "vega-lite")
    emitted = altair.SCHEMA_VERSION.lstrip("v")  # what altair's specs ask for
    assert vega_lite.split(".")[0] == emitted.split(".")[0]


def test_pages_load_scripts_and_styles_only_from_this_server(ui_app: Any) -> None:
    live, keys = ui_app
    with live.anonymous() as c:
        c.cookies.set(KEY_COOKIE, keys["viewer"], path="/ui")
        for url in ["/ui/", "/ui/campaign/social-02", "/ui/signin"]:
            html = c.get(url).text
            refs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
            assert refs and all(r.startswith("/ui/static/") for r in refs), (url, refs)
            for ref in refs:
                r = c.get(ref)
                assert r.status_code == 200 and "immutable" in r.headers["cache-control"], ref
            assert "default-src 'self'" in c.get(url).headers["content-security-policy"]


def test_static_serves_only_its_folder(ui_app: Any) -> None:
    live, _ = ui_app
    with live.anonymous() as c:
        assert c.get("/ui/static/ui.js").headers["content-type"].startswith("text/javascript")
        assert c.get("/ui/static/ui.js").headers["cache-control"] == "no-cache"  # no ?v=: revalidate
        for bad in ["/ui/static/../session.py", "/ui/static/%2e%2e/session.py", "/ui/static/nothing.js"]:
            assert c.get(bad).status_code == 404, bad


def test_package_data_ships_templates_static_and_strings() -> None:
    import tomllib

    doc = tomllib.loads((UI.parents[1] / "pyproject.toml").read_text())
    patterns = doc["tool"]["setuptools"]["package-data"]["api.ui"]
    files = [p for p in UI.rglob("*") if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts]
    missing = [str(p.relative_to(UI)) for p in files if not any(p.relative_to(UI).match(pat) for pat in patterns)]
    assert not missing
