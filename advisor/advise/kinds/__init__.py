"""One handler per kind of question (SPEC §5 "Advise" table): ``handle(question, env) -> Answer``.

Each kind lives in its own module ``advisor.advise.kinds.<module>`` with a function ``handle``; :func:`handler`
imports it on first use.
"""

from __future__ import annotations

import importlib

from advisor.advise.kinds.base import Answer, Env, Handler

#: kind → module under ``advisor.advise.kinds`` holding its ``handle``
MODULES: dict[str, str] = {
    "why": "why",
    "attention": "attention",
    "off_target": "off_target",
    "trust": "trust",
    "contribution": "contribution",
    "segment": "segment",
    "other": "other",
    "overview": "overview",
    "customers": "customers",
    "what_if": "what_if",
    "split": "split",
    "funding": "funding",
    "trend": "trend",
    "forecast": "forecast",
}


def handler(kind: str) -> Handler:
    """The handler of ``kind`` (KeyError for an unknown kind)."""
    module = importlib.import_module(f"advisor.advise.kinds.{MODULES[kind]}")
    fn: Handler = module.handle
    return fn


__all__ = ["MODULES", "Answer", "Env", "Handler", "handler"]
