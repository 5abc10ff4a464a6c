"""Campaign and channel diagnostics (SPEC §1 marketing lead, §5 ``diagnose``).

Public API::

    diagnose(campaign_daily, Scope("campaign_id", "c1"), start, end, models=None, targets=None,
             config=DiagnoseConfig()) -> Diagnosis          # .to_dict() is the §5 JSON
    attribution(dataset_tables..., response=None) -> Attribution
    local_returns(campaign_daily, end=None) / bundle_returns(bundle) -> channel marginal-return findings
    Scope, ScopeError, PeriodError, DiagnoseConfig, Finding, Status, Verdict
"""

from advisor.diagnostics.base import DiagnoseConfig, Finding, Status, Verdict
from advisor.diagnostics.returns import bundle_returns, local_returns
from advisor.diagnostics.run import Diagnosis, diagnose, rank_findings, verdict_of
from advisor.diagnostics.scope import PeriodError, Scope, ScopeError, resolve_scope

__all__ = [
    "DiagnoseConfig",
    "Diagnosis",
    "Finding",
    "PeriodError",
    "Scope",
    "ScopeError",
    "Status",
    "Verdict",
    "bundle_returns",
    "diagnose",
    "local_returns",
    "rank_findings",
    "resolve_scope",
    "verdict_of",
]
