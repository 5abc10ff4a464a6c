"""The findings recommendations are made from: :class:`advisor.core.findings.Finding`, prepared for matching.

Accepted inputs are core findings (from the diagnostics, the customer checks, ``ScorecardLine.finding()``, the
channel returns) and plain mappings in their JSON shape (``{"check", "status", "kpi", "stage", "scope",
"evidence", ...}``, e.g. a client's request). Preparing a finding fills its scope from the diagnosed scope when it
carries none and flattens its evidence (nested keys joined with ``_``) so that conditions and templates read
plain fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from advisor.core.findings import Finding, flatten


def prepare(item: Finding | Mapping[str, Any], scope: Mapping[str, str] | None = None, channel: str | None = None) -> Finding:
    """``item`` ready for matching: a :class:`Finding` (a mapping is read with :meth:`Finding.from_dict`)
    whose empty scope is ``scope`` — or ``{"channel": channel}`` for a ``saturation`` finding, which is about the
    diagnosed campaign's channel — and whose evidence is flat, with ``change_abs`` (|change|) and ``kpi_upper``
    added for the action templates. ``TypeError`` for anything else."""
    if isinstance(item, Mapping):
        item = Finding.from_dict(item)
    if not isinstance(item, Finding):
        raise TypeError(f"recommend takes advisor.core.findings.Finding or its JSON mapping, got {type(item).__name__}")
    found_scope: Mapping[str, str] = item.scope
    if not found_scope:
        found_scope = dict(scope or {})
        if item.check == "saturation" and (channel or "channel" in found_scope):
            found_scope = {"channel": channel or found_scope["channel"]}
    evidence = flatten(item.evidence)
    change = evidence.get("change")
    if isinstance(change, int | float) and not isinstance(change, bool):
        evidence["change_abs"] = abs(float(change))
    if item.kpi:
        evidence["kpi_upper"] = item.kpi.upper()
    return replace(item, scope=dict(found_scope), evidence=evidence)


def prepare_all(
    items: Iterable[Finding | Mapping[str, Any]], scope: Mapping[str, str] | None = None, channel: str | None = None
) -> list[Finding]:
    """:func:`prepare` over ``items``."""
    return [prepare(it, scope, channel) for it in items]


__all__ = ["prepare", "prepare_all"]
