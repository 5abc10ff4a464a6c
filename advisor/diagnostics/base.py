"""Check results and configuration shared by every diagnostic check (after Google Meridian's
``analysis/review``: each check takes a frozen config and returns a frozen result with status, message and
evidence)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, StrEnum
from typing import Any


class Status(StrEnum):
    """Outcome of a check, worst last: ``failing`` means a material, significant problem."""

    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    FAILING = "failing"
    INSUFFICIENT = "insufficient_data"

    @property
    def severity(self) -> int:
        return {"ok": 0, "info": 1, "insufficient_data": 1, "warning": 2, "failing": 3}[self.value]


class Verdict(StrEnum):
    """Overall verdict for a scope and period."""

    SUCCEEDING = "succeeding"
    ON_TRACK = "on_track"
    UNDER_PERFORMING = "under_performing"
    FAILING = "failing"
    INSUFFICIENT = "insufficient_data"


@dataclass(frozen=True)
class Finding:
    """One check's result.

    ``kpi``/``stage``: the KPI and funnel stage concerned (``spend``, ``cpm``, ``ctr``, ``conversion_rate``,
    ``aov`` or None); ``started``: onset date when the check dates a change; ``impact_revenue`` /
    ``impact_conversions``: gained (+) or lost (−) over the period, currency / conversions, used for ranking;
    ``evidence``: JSON-safe numbers behind the message.
    """

    check: str
    status: Status
    message: str
    kpi: str | None = None
    stage: str | None = None
    started: date | None = None
    impact_revenue: float | None = None
    impact_conversions: float | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def materiality(self) -> float:
        """Size used to rank findings of equal status: lost or gained revenue, else conversions."""
        if self.impact_revenue is not None:
            return abs(self.impact_revenue)
        return abs(self.impact_conversions or 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status.value,
            "kpi": self.kpi,
            "stage": self.stage,
            "message": self.message,
            "started": self.started.isoformat() if self.started else None,
            "impact_revenue": _num(self.impact_revenue),
            "impact_conversions": _num(self.impact_conversions),
            "evidence": {k: _jsonable(v) for k, v in self.evidence.items()},
        }


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
    target_tolerance: float = 0.10
    max_anomalies: int = 20


def _num(v: float | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    return round(f, 6) if f == f and abs(f) != float("inf") else None


def _jsonable(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, float | int) and not isinstance(v, bool):
        return _num(float(v)) if isinstance(v, float) else int(v)
    if hasattr(v, "item"):
        return _jsonable(v.item())
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v
