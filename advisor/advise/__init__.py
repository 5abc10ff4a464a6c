"""``advise``: natural-language questions (English, Russian) answered with analyses, recommendations and a
verified narrative (SPEC §5 ``advise``).

Public API::

    advise(question, *, dataset, bundle=None, driver_models=None, scope=None, lang="en", llm=None)
        -> AdviceResult          # .to_dict(): {"answer","analyses","recommendations","narrative_source","verified",...}
    route(question, names=None, scope=None) -> list[Intent]       # the deterministic intent router
"""

from advisor.advise.analyses import Analysis
from advisor.advise.router import ANALYSES, Intent, route
from advisor.advise.run import AdviceResult, advise, known_names

__all__ = ["ANALYSES", "AdviceResult", "Analysis", "Intent", "advise", "known_names", "route"]
