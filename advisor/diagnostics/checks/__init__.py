"""Diagnostic checks. Each takes a :class:`~advisor.diagnostics.scope.ScopeFrame` and the frozen
:class:`~advisor.diagnostics.base.DiagnoseConfig` and returns frozen :class:`~advisor.diagnostics.base.Finding`
objects."""

from advisor.diagnostics.checks.anomalies import Anomaly, find_anomalies
from advisor.diagnostics.checks.funnel import funnel_decomposition
from advisor.diagnostics.checks.saturation import channel_daily, check_saturation
from advisor.diagnostics.checks.stages import StageFit, fit_stages, stage_changes
from advisor.diagnostics.checks.sufficiency import check_sufficiency

__all__ = [
    "Anomaly",
    "StageFit",
    "channel_daily",
    "check_saturation",
    "check_sufficiency",
    "find_anomalies",
    "fit_stages",
    "funnel_decomposition",
    "stage_changes",
]
