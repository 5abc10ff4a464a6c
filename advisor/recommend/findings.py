"""Findings from every part of the advisor seen through one lens: :class:`FindingView`.

Accepted inputs: :class:`advisor.diagnostics.Finding`, :class:`advisor.customers.CustomerFinding`,
:class:`advisor.kpis.ScorecardLine` (off-track lines become ``kpi_vs_target`` findings) and plain mappings in
the JSON shape of any of them (``{"check", "status", "kpi", "stage", "scope", "evidence", ...}``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from advisor.customers import CustomerFinding
from advisor.diagnostics import Finding
from advisor.kpis import ScorecardLine


@dataclass(frozen=True)
class FindingView:
    """A finding normalised for matching. ``kind``: diagnostic | customer | scorecard | response | other;
    ``scope``: e.g. ``{"campaign_id": "video-02"}``; ``evidence``: flat scalars (nested keys joined with
    ``_``); ``impact_revenue`` / ``impact_conversions``: gained (+) or lost (−) over ``period_days``."""

    check: str
    status: str
    kind: str
    message: str = ""
    kpi: str | None = None
    stage: str | None = None
    scope: Mapping[str, str] = field(default_factory=dict)
    started: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    impact_revenue: float | None = None
    impact_conversions: float | None = None
    period_days: float | None = None

    def fields(self) -> dict[str, Any]:
        """Evidence plus the finding's own fields, for ``where`` filters and templates."""
        out: dict[str, Any] = dict(self.evidence)
        out.update(
            {
                "check": self.check,
                "status": self.status,
                "kind": self.kind,
                "kpi": self.kpi or "",
                "stage": self.stage or "",
                "started": self.started or "",
            }
        )
        if self.impact_revenue is not None:
            out["impact_revenue"] = self.impact_revenue
        if self.impact_conversions is not None:
            out["impact_conversions"] = self.impact_conversions
        return out


def flatten(evidence: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings joined with ``_``; lists kept only when short lists of numbers (as ``name_0``...);
    numpy scalars become Python numbers; non-finite numbers are dropped."""
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


def _status(v: Any) -> str:
    return str(v.value if isinstance(v, Enum) else v)


def _from_mapping(d: Mapping[str, Any], default_scope: Mapping[str, str]) -> FindingView:
    scope = d.get("scope")
    return FindingView(
        check=str(d["check"]),
        status=_status(d.get("status", "info")),
        kind=str(d.get("kind", "other")),
        message=str(d.get("message", "")),
        kpi=d.get("kpi"),
        stage=d.get("stage"),
        scope={str(k): str(v) for k, v in scope.items()} if isinstance(scope, Mapping) else dict(default_scope),
        started=str(d["started"]) if d.get("started") else None,
        evidence=flatten(d.get("evidence") or {}),
        impact_revenue=d.get("impact_revenue"),
        impact_conversions=d.get("impact_conversions"),
        period_days=d.get("period_days"),
    )


def view(
    item: Any, scope: Mapping[str, str] | None = None, period_days: float | None = None, channel: str | None = None
) -> FindingView | None:
    """One input as a :class:`FindingView` (None for a scorecard line that is on track or has no target).
    ``scope``: the diagnosed scope, for diagnostic findings, which do not carry one; ``channel``: the scope's
    channel, the scope of its channel-level ``saturation`` finding."""
    default = dict(scope or {})
    if isinstance(item, FindingView):
        return item
    if isinstance(item, Finding):
        ev = flatten(item.evidence)
        if item.check == "saturation" and (channel or "channel" in default):
            default = {"channel": channel or default["channel"]}
        return FindingView(
            item.check,
            item.status.value,
            "diagnostic",
            item.message,
            item.kpi,
            item.stage,
            default,
            item.started.isoformat() if item.started else None,
            ev,
            item.impact_revenue,
            item.impact_conversions,
            period_days,
        )
    if isinstance(item, CustomerFinding):
        ev = flatten(item.evidence)
        if "change" in ev and isinstance(ev["change"], int | float):
            ev["change_abs"] = abs(float(ev["change"]))
        ev["kpi_upper"] = item.kpi.upper()
        return FindingView(
            item.check, item.status, "customer", item.message, item.kpi, item.stage, dict(item.scope), item.started, ev
        )
    if isinstance(item, ScorecardLine):
        if item.target is None or item.value is None or item.status not in ("off_track", "at_risk"):
            return None
        ev = {"value": item.value, "target": item.target, "kpi_name": item.name, "score": item.score or 0.0}
        ev["gap"] = item.value - item.target
        msg = f"{item.name} {item.value:.4g} against a target of {item.target:.4g}: {item.status.replace('_', ' ')}."
        return FindingView(
            "kpi_vs_target", item.status, "scorecard", msg, item.kpi, None, dict(item.scope), None, flatten(ev)
        )
    if isinstance(item, Mapping) and "check" in item:
        return _from_mapping(item, default)
    return None


def views(
    items: Iterable[Any],
    scope: Mapping[str, str] | None = None,
    period_days: float | None = None,
    channel: str | None = None,
) -> list[FindingView]:
    """:func:`view` over ``items``, skipping what does not apply."""
    return [v for it in items if (v := view(it, scope, period_days, channel)) is not None]
