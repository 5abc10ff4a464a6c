"""``advise``: natural-language questions (English, Russian) answered with analyses, recommendations and a
verified narrative (SPEC §5 ``advise``).

Public API::

    advise(question, *, dataset, bundle=None, driver_models=None, scope=None, lang=None, llm=None)
        -> AdviceResult          # .to_dict(): {"answer","understood","analyses","recommendations","verified",...}
    understand(question, names, *, attributes=None, last_date=None, lang=None) -> Question   # the parser
    handler(kind) -> (question, Env) -> Answer                    # one per kind (advisor.advise.kinds)
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
    from advisor.advise.kinds import Answer, Env, handler
    from advisor.advise.question import KINDS, Question
    from advisor.advise.recommendations import recommend_for_diagnosis, scope_channel
    from advisor.advise.run import AdviceResult, advise, known_names
    from advisor.advise.understand import detect_lang, understand

#: name → module; imported on first use, so ``diagnose`` does not load the LLM stack ``advise`` needs.
_EXPORTS = {
    "KINDS": "advisor.advise.question",
    "AdviceResult": "advisor.advise.run",
    "Analysis": "advisor.advise.analyses",
    "Answer": "advisor.advise.kinds",
    "Env": "advisor.advise.kinds",
    "Question": "advisor.advise.question",
    "advise": "advisor.advise.run",
    "detect_lang": "advisor.advise.understand",
    "handler": "advisor.advise.kinds",
    "understand": "advisor.advise.understand",
    "diagnosis_customer_value": "advisor.advise.customer_value",
    "known_names": "advisor.advise.run",
    "recommend_for_diagnosis": "advisor.advise.recommendations",
    "scope_channel": "advisor.advise.recommendations",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'advisor.advise' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "KINDS",
    "AdviceResult",
    "Analysis",
    "Answer",
    "Env",
    "Question",
    "advise",
    "detect_lang",
    "diagnosis_customer_value",
    "handler",
    "known_names",
    "recommend_for_diagnosis",
    "scope_channel",
    "understand",
]
