"""Corrective actions (SPEC §1, §5 ``diagnose`` recommendations).

Public API::

    recommend(findings, context=RecommendContext()) -> list[Recommendation]   # .to_dict(): §5 JSON item
    recommend_for_diagnosis(diagnosis, campaign_daily, *, bundle=None, lang="en") -> list[Recommendation]
    load_actions(*user_yaml) -> ActionCatalog;  default_actions() -> ActionCatalog
    local_returns(campaign_daily, end=None) / bundle_returns(bundle) -> channel marginal-return findings

The catalog is ``actions.yaml`` next to this file (plus user files merged over it); preconditions are
declarative and parsed with the safe filter language of :mod:`advisor.kpis.expr`.
"""

from advisor.recommend.catalog import ActionCatalog, ActionCatalogError, ActionSpec, default_actions, load_actions
from advisor.recommend.diagnosis import recommend_for_diagnosis, scope_channel
from advisor.recommend.engine import Recommendation, RecommendContext, matches, recommend
from advisor.recommend.findings import FindingView, view, views
from advisor.recommend.returns import bundle_returns, local_returns

__all__ = [
    "ActionCatalog",
    "ActionCatalogError",
    "ActionSpec",
    "FindingView",
    "RecommendContext",
    "Recommendation",
    "bundle_returns",
    "default_actions",
    "load_actions",
    "local_returns",
    "matches",
    "recommend",
    "recommend_for_diagnosis",
    "scope_channel",
    "view",
    "views",
]
