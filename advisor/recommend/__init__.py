"""Corrective actions (SPEC §1, §5 ``diagnose`` recommendations).

Public API::

    recommend(findings, context=RecommendContext()) -> list[Recommendation]   # .to_dict(): §5 JSON item
    load_actions(*user_yaml) -> ActionCatalog;  default_actions() -> ActionCatalog

Findings are :class:`advisor.core.findings.Finding` (or their JSON mappings); this package imports only
``advisor.core``, ``advisor.kpis`` (the safe filter language) and ``models``. Compositions with the diagnostics
and the customer KPIs live in ``advisor.advise`` (``recommend_for_diagnosis``, ``diagnosis_customer_value``);
channel-return findings in ``advisor.diagnostics.returns``.

The catalog is ``actions.yaml`` next to this file (plus user files merged over it); preconditions are
declarative and parsed with the safe filter language of :mod:`advisor.kpis.expr`.
"""

from advisor.recommend.catalog import ActionCatalog, ActionCatalogError, ActionSpec, default_actions, load_actions
from advisor.recommend.engine import Recommendation, RecommendContext, matches, recommend
from advisor.recommend.findings import prepare, prepare_all

__all__ = [
    "ActionCatalog",
    "ActionCatalogError",
    "ActionSpec",
    "RecommendContext",
    "Recommendation",
    "default_actions",
    "load_actions",
    "matches",
    "prepare",
    "prepare_all",
    "recommend",
]
