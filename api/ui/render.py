"""Rendering a dashboard page: the Jinja2 environment (autoescaped, templates in ``api/ui/templates``), the nav
of the registered pages, static URLs with a content hash (cached for a year, a new file is a new URL)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape

from api.ui.i18n import load, strings
from api.ui.session import CSRF_FIELD, LANG_COOKIE, LANGS, UiUser, lang_of, secure_cookies

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


@dataclass(frozen=True)
class NavItem:
    """A page in the nav bar: ``href`` (under ``/ui``), ``page`` (its strings file, whose key ``nav`` is the label),
    ``order`` (left to right) and the least ``role`` that sees it (viewer, analyst, admin)."""

    href: str
    page: str
    order: int
    role: str = "viewer"


#: filled by ``api.ui.router`` from the registered pages' ``NAV``
NAV: list[NavItem] = []


@cache
def static_version(path: str) -> str:
    """First 12 hex of the sha256 of ``static/<path>`` (the ``?v=`` of its URL)."""
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """``/ui/static/<path>?v=<hash>``: the URL of a file under ``api/ui/static``."""
    return f"/ui/static/{path}?v={static_version(path)}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
        trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(static=static_url, csrf_field=CSRF_FIELD)
    env.filters.update(money=fmt_money, number=fmt_number, percent=fmt_percent, kpi_value=fmt_kpi)
    return env


def fmt_number(value: Any, digits: int = 0) -> str:
    """``12 345`` / ``1.23`` (thin spaces as thousands separators, the same in both languages); ``—`` for None."""
    if value is None or isinstance(value, Undefined):
        return "—"
    try:
        return f"{float(value):,.{digits}f}".replace(",", "\u202f")
    except (TypeError, ValueError):
        return str(value)


def fmt_money(value: Any) -> str:
    """Money in the data's currency, rounded to units: ``12 345``."""
    return fmt_number(value, 0)


def fmt_percent(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage: 0.253 → ``25.3%``."""
    if value is None or isinstance(value, Undefined):
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


RATIO_KPIS = {"roi", "roas", "ctr", "conversion_rate", "engagement_rate", "repeat_rate", "margin", "clv_cac"}
RATE_AS_PERCENT = {"roi", "ctr", "conversion_rate", "engagement_rate", "repeat_rate", "margin"}


def fmt_kpi(value: Any, kpi: str = "") -> str:
    """A KPI value: percentages for rates (roi, ctr, ...), two decimals for other ratios and small values,
    whole units for money and counts."""
    if value is None or isinstance(value, Undefined):
        return "—"
    if kpi in RATE_AS_PERCENT:
        return fmt_percent(value)
    v = float(value)
    return fmt_number(v, 2 if (kpi in RATIO_KPIS or abs(v) < 100) else 0)


def nav_for(user: UiUser | None, lang: str) -> list[dict[str, str]]:
    """The nav entries the user's role sees: ``[{"href", "label", "page"}]``."""
    if user is None:
        return []
    return [
        {"href": n.href, "label": load(n.page)[lang].get("nav", n.page), "page": n.page}
        for n in sorted(NAV, key=lambda n: n.order)
        if user.may(n.role)
    ]


def lang_url(request: Request, lang: str) -> str:
    """The current page's URL with ``lang=<lang>`` (the switch's link)."""
    params = dict(request.query_params)
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def render(
    request: Request, user: UiUser | None, page: str, template: str | None = None, *, status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``templates/<template or page>.html`` with the base context: ``t`` (strings of ``page`` in the
    language), ``lang``, ``user``, ``nav``, ``csrf`` (the session's token), ``page``, ``lang_urls``; plus
    ``context``. Sets the language cookie when ``?lang=`` chose one."""
    lang = user.lang if user is not None else lang_of(request)
    body = environment().get_template(f"{template or page}.html").render(
        t=strings(page, lang), lang=lang, user=user, nav=nav_for(user, lang), page=page,
        csrf=user.csrf if user is not None else context.pop("csrf", ""),
        lang_urls={code: lang_url(request, code) for code in LANGS}, path=request.url.path, **context,
    )
    response = HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)
    if request.query_params.get("lang") in LANGS and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/ui", samesite="strict", httponly=True,
                            secure=secure_cookies(request))
    return response


#: every page: no framing, no sniffing, scripts only from this server (no inline scripts: inline
#: ``application/json`` blocks hold chart specs, not code). 'unsafe-eval' stays: vega 6 compiles its encoders with
#: ``Function`` even with the AST expression interpreter ``ui.js`` asks for.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
}
