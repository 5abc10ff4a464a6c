"""The web dashboard at ``/ui`` (SPEC §5 "Web dashboard"): server-rendered Jinja2 pages on the same app as ``/v1``,
the same API keys, workspaces and roles, charts as Vega-Lite specs built in Python (altair) and drawn by the
vendored vega-embed. Everything is served by the server (no CDN, no build step).

How the pieces fit
------------------
- ``api.ui.router.install(app)``: the one line in ``api.server.create_app``; mounts the ``/ui`` router and
  the dashboard's error pages. ``api.ui.router`` has sign-in / sign-out / static files and includes every page.
- ``api.ui.session``: the session is the API key in the httpOnly, SameSite=Strict cookie ``kpia_ui_key``,
  resolved per request with ``api.http.auth.principal_from_token`` (as ``/v1``). Dependencies ``ui_viewer`` /
  ``ui_analyst`` / ``ui_admin`` give a :class:`~api.ui.session.UiUser` (``.workspace`` the caller's
  ``Workspace`` to pass to ``api.http.services``, ``.role``, ``.may(role)``, ``.lang``, ``.csrf``). No session →
  401 (pages show the sign-in form), a role too low → 403.
- ``api.ui.render.render(request, user, page, template=None, **context)``: renders ``templates/<page>.html``
  (extends ``base.html``: nav, language switch, sign-out) with ``t`` = strings of ``i18n/common.yaml`` +
  ``i18n/<page>.yaml`` in the user's language (``?lang=en|ru`` switches and is remembered in a cookie).
  Filters: ``money``, ``number(digits)``, ``percent(digits)``, ``kpi_value(kpi)``; ``static('file')`` URLs.
- ``api.ui.charts``: altair → Vega-Lite dicts (``monthly_trend``, ``daily_with_onsets``, ``funnel``,
  ``waterfall``; ``spec(chart)`` for your own). ``templates/_charts.html``: ``ch.chart(id)`` places a chart and
  ``ch.data(charts)`` (in ``{% block charts %}``) loads vega and inlines the specs; ``static/ui.js`` draws every
  ``.chart`` and sets ``data-drawn="1"`` on it, then ``data-charts-drawn=N`` on ``<body>``.

How to add a page (e.g. "planner")
----------------------------------
1. ``api/ui/pages/planner.py``::

       from fastapi import APIRouter, Depends, Request
       from api.http import schemas, services
       from api.ui import charts
       from api.ui.render import NavItem, render
       from api.ui.session import UiUser, csrf_checked, ui_viewer

       NAV = NavItem(href="/ui/planner", page="planner", order=20)   # role="analyst" hides it from viewers
       router = APIRouter(prefix="/ui", include_in_schema=False)     # the prefix here, not at include time

       @router.get("/planner")
       def page(request: Request, user: UiUser = Depends(ui_viewer)):
           return render(request, user, "planner", charts=[{"id": "fc", "spec": charts.spec(...)}])

       @router.post("/api/planner/forecast", dependencies=[Depends(csrf_checked)])   # JSON for the page's JS
       def forecast(req: schemas.ForecastRequest, user: UiUser = Depends(ui_viewer)) -> dict:
           return services.forecast(user.workspace, req)              # the same service as POST /v1/forecast

2. ``api/ui/templates/planner.html``: ``{% extends "base.html" %}``, ``{% import "_charts.html" as ch %}``,
   content in ``{% block content %}`` (``{{ ch.chart("fc") }}``), ``{% block charts %}{{ ch.data(charts) }}
   {% endblock %}``; page JS as a file under ``static/`` loaded with ``<script src="{{ static('planner.js') }}"
   defer>`` (no inline scripts: the Content-Security-Policy forbids them). In JS: ``kpiUi.postJSON(url, body)``
   sends the CSRF header; ``kpiUi.draw(el, spec)`` draws a spec fetched later.
3. ``api/ui/i18n/planner.yaml``: ``en:`` and ``ru:`` with the same keys, ``nav`` the nav label.
4. Register it: one line ``"planner",`` in ``api/ui/pages/__init__.py`` ``PAGES``.

JSON endpoints live under ``/ui/api/...`` (cookie auth; POST needs ``Depends(csrf_checked)``); errors there are
problem+json. Tests: ``tests/api/ui/`` (``conftest.py`` fixtures).
"""
