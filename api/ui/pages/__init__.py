"""The dashboard's pages, one module each (``api/ui/pages/<name>.py``). Register a page with one line below;
``api.ui.router`` includes its ``router`` under ``/ui`` and puts its ``NAV`` entry in the nav bar."""

from __future__ import annotations

#: one line per page, nav order is each page's NAV.order (not this list's)
PAGES: tuple[str, ...] = (
    "overview",
    "campaign",
    "planner",
    "attribution",
    "ask",
    "models",
)
