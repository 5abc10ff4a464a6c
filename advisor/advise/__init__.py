"""``advise``: natural-language questions (English, Russian) answered with analyses, recommendations and a
verified narrative (SPEC §5 ``advise``).

Public API::

    advise(question, *, dataset, bundle=None, driver_models=None, scope=None, lang="en", llm=None)
        -> AdviceResult          # .to_dict(): {"answer","analyses","recommendations","narrative_source","verified",...}
    route(question, names=None, scope=None) -> list[Intent]       # the deterministic intent router
    recommend_for_diagnosis(diagnosis, campaign_daily, *, bundle=None, lang="en") -> list[Recommendation]
    diagnosis_customer_value(tables, clv_model, column, value) -> dict | None   # diagnose's customer_value block

This package composes the domain packages (diagnostics, customers, recommend, narrative); they do not import
each other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.advise.analyses import Analysis
    from advisor.advise.customer_value import diagnosis_customer_value
    from advisor.advise.recommendations import recommend_for_diagnosis, scope_channel
    from advisor.advise.router import ANALYSES, Intent, route
    from advisor.advise.run import AdviceResult, advise, known_names

#: name → module; imported on first use, so ``diagnose`` does not load the LLM stack ``advise`` needs.
_EXPORTS = {
    "ANALYSES": "advisor.advise.router",
    "AdviceResult": "advisor.advise.run",
    "Analysis": "advisor.advise.analyses",
    "Intent": "advisor.advise.router",
    "advise": "advisor.advise.run",
    "diagnosis_customer_value": "advisor.advise.customer_value",
    "known_names": "advisor.advise.run",
    "recommend_for_diagnosis": "advisor.advise.recommendations",
    "route": "advisor.advise.router",
    "scope_channel": "advisor.advise.recommendations",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'advisor.advise' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "ANALYSES",
    "AdviceResult",
    "Analysis",
    "Intent",
    "advise",
    "diagnosis_customer_value",
    "known_names",
    "recommend_for_diagnosis",
    "route",
    "scope_channel",
]
