"""Configuration shared by every diagnostic check (after Google Meridian's ``analysis/review``: each check takes
a frozen config and returns a frozen :class:`~advisor.core.findings.Finding` with status, message and evidence).
``Finding``, ``Status`` and ``Verdict`` are the vocabulary of :mod:`advisor.core`, re-exported here."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.core.findings import Finding
from advisor.core.status import Status, Verdict
from advisor.core.thresholds import TARGET_TOLERANCE


@dataclass(frozen=True)
class DiagnoseConfig:
    """Thresholds of the checks. Relative changes are fractions (0.25 = 25 %).

    A funnel-stage change is ``failing`` when it is harmful, at least ``fail_change`` in size and its
    chi-square improvement over "no change" is at least ``min_chi2``; ``warning`` from ``warn_change``.
    A scope needs ``min_days`` days, ``min_clicks`` clicks and ``min_conversions`` conversions in the period.
    A conversion-rate drop that coincides with spend up by ``spend_jump`` or more (and no attribute switch) is
    reported as diminishing returns (warning).
    """

    fail_change: float = 0.30
    warn_change: float = 0.15
    min_chi2: float = 30.0
    min_days: int = 14
    min_clicks: int = 100
    min_conversions: int = 10
    lookback_days: int = 90
    min_segment_days: int = 7
    spend_jump: float = 0.50
    anomaly_z: float = 4.0
    target_tolerance: float = TARGET_TOLERANCE
    max_anomalies: int = 20



__all__ = ["DiagnoseConfig", "Finding", "Status", "Verdict"]
