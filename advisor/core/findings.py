"""Findings: the one shape every part of the advisor reports a problem (or its absence) in.

Diagnostic checks, customer checks (CLV:CAC, CSAT/NPS drops), scorecard lines off target and channel returns all
produce a :class:`Finding`; recommendations, narratives and every interface consume only this type. Its JSON
(:meth:`Finding.to_dict`) carries the SPEC §5 keys ``check``, ``status``, ``kpi``, ``stage``, ``message``,
``started`` plus ``scope``, ``impact_revenue``, ``impact_conversions`` and ``evidence``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from advisor.core.status import Status, as_status

#: Where a finding comes from; recommendation conditions may select on it.
KINDS = ("diagnostic", "customer", "scorecard", "response", "other")


@dataclass(frozen=True)
class Finding:
    """One check's result.

    ``check``: the check's id (``conversion_rate_drop``, ``clv_cac``, ``kpi_vs_target``, ...); ``status``: a
    :class:`~advisor.core.status.Status` (a plain word is converted, unknown words raise); ``message``: one
    sentence whose numbers are all in ``evidence``; ``kpi``/``stage``: the KPI and funnel stage concerned;
    ``started``: onset date, or the label of the period it started in; ``impact_revenue`` /
    ``impact_conversions``: gained (+) or lost (−) over the period, currency / conversions; ``evidence``: the
    numbers behind the message; ``scope``: e.g. ``{"channel": "video"}`` (empty: the scope the caller diagnosed);
    ``kind``: one of :data:`KINDS`.
    """

    check: str
    status: Status
    message: str = ""
    kpi: str | None = None
    stage: str | None = None
    started: date | str | None = None
    impact_revenue: float | None = None
    impact_conversions: float | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    scope: Mapping[str, str] = field(default_factory=dict)
    kind: str = "diagnostic"

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):
            object.__setattr__(self, "status", as_status(self.status))
        if self.kind not in KINDS:
            raise ValueError(f"finding {self.check!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    @property
    def materiality(self) -> float:
        """Size used to rank findings of equal status: lost or gained revenue, else conversions."""
        if self.impact_revenue is not None:
            return abs(self.impact_revenue)
        return abs(self.impact_conversions or 0.0)

    @property
    def started_label(self) -> str | None:
        """``started`` as text (ISO date or period label), None when unknown."""
        if self.started is None or self.started == "":
            return None
        return self.started.isoformat() if isinstance(self.started, date) else str(self.started)

    def fields(self) -> dict[str, Any]:
        """Flat evidence plus the finding's own fields: the row that recommendation conditions filter on."""
        out: dict[str, Any] = flatten(self.evidence)
        out.update(
            {
                "check": self.check,
                "status": self.status.value,
                "kind": self.kind,
                "kpi": self.kpi or "",
                "stage": self.stage or "",
                "started": self.started_label or "",
            }
        )
        if self.impact_revenue is not None:
            out["impact_revenue"] = self.impact_revenue
        if self.impact_conversions is not None:
            out["impact_conversions"] = self.impact_conversions
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (SPEC §5 finding keys; non-finite numbers become null, floats rounded to 6 places)."""
        return {
            "check": self.check,
            "status": self.status.value,
            "kpi": self.kpi,
            "stage": self.stage,
            "scope": {str(k): str(v) for k, v in self.scope.items()},
            "message": self.message,
            "started": self.started_label,
            "impact_revenue": _num(self.impact_revenue),
            "impact_conversions": _num(self.impact_conversions),
            "evidence": {str(k): _jsonable(v) for k, v in self.evidence.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, kind: str | None = None) -> Finding:
        """A finding from its JSON (:meth:`to_dict`, or a caller's mapping with at least ``check``); a missing
        ``status`` is ``info``, a missing ``kind`` is ``kind`` or ``other``."""
        if "check" not in d:
            raise ValueError(f"a finding needs a 'check'; got keys {sorted(map(str, d))}")
        scope = d.get("scope")
        status = d.get("status", Status.INFO)
        return cls(
            check=str(d["check"]),
            status=as_status(status.value if isinstance(status, Enum) else str(status)),
            message=str(d.get("message") or ""),
            kpi=d.get("kpi"),
            stage=d.get("stage"),
            started=str(d["started"]) if d.get("started") else None,
            impact_revenue=d.get("impact_revenue"),
            impact_conversions=d.get("impact_conversions"),
            evidence=dict(d.get("evidence") or {}),
            scope={str(k): str(v) for k, v in scope.items()} if isinstance(scope, Mapping) else {},
            kind=str(d.get("kind") or kind or "other"),
        )


def flatten(evidence: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings joined with ``_``; lists kept only when short lists of numbers (as ``name_0``...);
    numpy scalars become Python numbers; non-finite numbers and other values are dropped; dates become ISO
    strings."""
    out: dict[str, Any] = {}
    for k, v in evidence.items():
        key = f"{prefix}{k}"
        if hasattr(v, "item") and not isinstance(v, str | bytes):
            v = v.item()
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "_"))
        elif isinstance(v, list | tuple):
            if len(v) <= 4 and all(isinstance(x, int | float) for x in v):
                out.update({f"{key}_{i}": float(x) for i, x in enumerate(v)})
        elif isinstance(v, bool | str):
            out[key] = v
        elif isinstance(v, int | float):
            if math.isfinite(float(v)):
                out[key] = v
        elif isinstance(v, date):
            out[key] = v.isoformat()
    return out


def _num(v: float | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    return round(f, 6) if math.isfinite(f) else None


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


__all__ = ["KINDS", "Finding", "flatten"]
