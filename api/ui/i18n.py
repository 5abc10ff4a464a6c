"""Strings of the dashboard in English and Russian: ``api/ui/i18n/<name>.yaml`` holds ``en:`` and ``ru:`` maps of the
same keys (flat, dotted keys allowed: ``status.failing``). :func:`strings` merges ``common.yaml`` (nav, sign-in,
statuses, KPI names) with a page's file; templates read them as ``t["key"]`` (a missing key shows as ``[key]``, and
``tests/api/ui/test_i18n.py`` checks every file has the same keys in both languages)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).parent / "i18n"


class Strings(dict[str, str]):
    """A page's strings in one language; ``t["missing"]`` is ``"[missing]"`` rather than an error."""

    def __missing__(self, key: str) -> str:
        return f"[{key}]"


@cache
def load(name: str) -> dict[str, dict[str, str]]:
    """``{"en": {...}, "ru": {...}}`` of ``i18n/<name>.yaml`` (read once per process)."""
    doc: Any = yaml.safe_load((FOLDER / f"{name}.yaml").read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict) or set(doc) != {"en", "ru"}:
        raise ValueError(f"i18n/{name}.yaml: needs exactly the top-level keys en and ru")
    return {lang: {str(k): str(v) for k, v in (doc[lang] or {}).items()} for lang in ("en", "ru")}


def strings(page: str | None, lang: str) -> Strings:
    """``common.yaml`` merged with ``<page>.yaml`` (the page's keys win) in ``lang``."""
    out = Strings(load("common")[lang])
    if page:
        out.update(load(page)[lang])
    return out


def names() -> list[str]:
    """Every strings file (without ``.yaml``)."""
    return sorted(p.stem for p in FOLDER.glob("*.yaml"))
