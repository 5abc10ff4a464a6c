"""KPI targets: status (on track / at risk / off track) and attainment score against a target.

Targets come from ``advisor.data.TargetsFile`` (``targets``: list of ``{kpi, target, scope, period}``,
``weights``: {group or KPI id: weight}); any object with those attributes, or plain dicts, is accepted too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from advisor.core.periods import same_period
from advisor.core.status import Status, status_of_shortfall
from advisor.core.thresholds import TARGET_TOLERANCE
from advisor.kpis.catalog import KpiCatalog, UnknownKpiError
from advisor.kpis.table import KpiTable


class TargetLike(Protocol):
    kpi: str
    target: float
    scope: Any  # Mapping[str, Any] | None
    period: str | None


@dataclass(frozen=True)
class Target:
    """One KPI target in KPI units. ``scope``: {group column: value} (empty = whole department);
    ``period``: label the target applies to (None = any period)."""

    kpi: str
    target: float
    scope: tuple[tuple[str, str], ...] = ()
    period: str | None = None

    @property
    def scope_dict(self) -> dict[str, str]:
        return dict(self.scope)

    def scope_label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.scope)


@dataclass(frozen=True)
class Targets:
    """Normalised targets and weights."""

    targets: tuple[Target, ...] = ()
    weights: Mapping[str, float] = field(default_factory=dict)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def normalize_targets(targets: Any, catalog: KpiCatalog | None = None) -> Targets:
    """Accept a ``TargetsFile``, a :class:`Targets`, a dict ``{"targets": [...], "weights": {...}}``, a list
    of targets, or None. KPI ids are checked against ``catalog``: unknown ids raise :class:`UnknownKpiError`
    listing the valid ids."""
    if targets is None:
        return Targets()
    if isinstance(targets, Targets):
        items: Iterable[Any] = targets.targets
        weights: Mapping[str, Any] = targets.weights
    elif isinstance(targets, list | tuple):
        items, weights = targets, {}
    else:
        items, weights = _get(targets, "targets", ()) or (), _get(targets, "weights", {}) or {}
    out: list[Target] = []
    for i, t in enumerate(items):
        if isinstance(t, Target):
            out.append(t)
            continue
        kpi, value = _get(t, "kpi"), _get(t, "target")
        if kpi is None or value is None:
            raise ValueError(f"target #{i + 1}: needs 'kpi' and 'target', got {t!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"target #{i + 1} ({kpi}): target must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"target #{i + 1} ({kpi}): target must be finite, got {value!r}")
        scope = _get(t, "scope") or {}
        period = _get(t, "period")
        out.append(
            Target(
                kpi=str(kpi).strip(),
                target=number,
                scope=tuple(sorted((str(k), str(v)) for k, v in dict(scope).items())),
                period=None if period is None else str(period).strip(),
            )
        )
    if catalog is not None:
        for t in out:
            if t.kpi not in catalog:
                raise UnknownKpiError(t.kpi, catalog.ids, "in targets")
    clean_weights: dict[str, float] = {}
    for k, w in dict(weights).items():
        w = float(w)
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"weight for {k!r} must be a finite number ≥ 0, got {w!r}")
        clean_weights[str(k)] = w
    return Targets(tuple(out), clean_weights)


@dataclass(frozen=True)
class Assessment:
    """A KPI value against its target: ``status``, attainment ``score`` in [0, 100] (None without value or
    target) and ``gap`` = value − target in KPI units (positive = above target)."""

    status: Status
    score: float | None
    gap: float | None


def assess(
    value: float | None, target: float | None, direction: str, tolerance: float = TARGET_TOLERANCE
) -> Assessment:
    """Status and attainment of ``value`` against ``target`` for a KPI where ``direction`` ("higher"/"lower")
    is better.

    * on_track: meets the target; at_risk: misses it by at most ``tolerance`` × |target|; off_track: worse.
    * score: higher-is-better 100 × min(value / target, 1); lower-is-better 100 × min(target / value, 1)
      (100 when value ≤ 0); both clipped to [0, 100]. For a target ≤ 0 (e.g. an NPS or ROI target) the
      ratio is meaningless, so the score falls linearly with the shortfall:
      100 × (1 − shortfall / max(|target|, 1)).
    """
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', got {direction!r}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be ≥ 0, got {tolerance}")
    if target is None:
        return Assessment(Status.NO_TARGET, None, None)
    if value is None or not math.isfinite(value):
        return Assessment(Status.NO_DATA, None, None)
    band = tolerance * abs(target)
    shortfall = (target - value) if direction == "higher" else (value - target)
    status = status_of_shortfall(shortfall, band)
    if shortfall <= 0:
        score = 100.0
    elif target > 0 and direction == "higher":
        score = 100.0 * value / target
    elif target > 0:
        score = 100.0 * target / value if value > 0 else 100.0
    else:
        score = 100.0 * (1.0 - shortfall / max(abs(target), 1.0))
    return Assessment(status, float(min(100.0, max(0.0, score))), float(value - target))


def pick_target(
    targets: Iterable[Target], kpi: str, scope: tuple[tuple[str, str], ...], period: str | None
) -> Target | None:
    """The target for ``kpi`` and ``scope`` in ``period``: one naming that period wins over a period-less one;
    targets for other periods do not apply."""
    generic: Target | None = None
    for t in targets:
        if t.kpi != kpi or t.scope != scope:
            continue
        if t.period is not None and period is not None and same_period(t.period, period):
            return t
        if t.period is None and generic is None:
            generic = t
    return generic


def target_status(table: KpiTable, targets: Any, tolerance: float = TARGET_TOLERANCE) -> pd.DataFrame:
    """Status of every KPI cell of ``table`` that has a target: a tidy frame with columns ``row`` (position in
    ``table.frame``), ``kpi``, ``scope`` ("channel=search", "" for none), ``value``, ``target``, ``status``,
    ``score`` (attainment 0–100) and ``gap`` (value − target, KPI units).

    A target applies to the rows whose group columns equal its scope (a scope column that is not a group
    column of the table never matches) and, when it names a period, whose ``period`` label equals it; a
    period-specific target wins over a period-less one, a scoped one over an unscoped one.
    """
    cat = table.catalog
    tg = normalize_targets(targets, cat)
    frame = table.frame
    best: dict[tuple[int, str], tuple[tuple[int, int], Target]] = {}
    for t in tg.targets:
        if t.kpi not in table.kpis:
            continue
        mask = np.ones(len(frame), dtype=bool)
        if any(col not in table.by for col, _ in t.scope):
            continue
        for col, val in t.scope:
            mask &= (frame[col].astype(str) == val).to_numpy()
        if t.period is not None:
            period = t.period
            mask &= np.array([p is not None and same_period(str(p), period) for p in frame["period"]], dtype=bool)
        rank = (len(t.scope), int(t.period is not None))
        for row in np.flatnonzero(mask).tolist():
            key = (row, t.kpi)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, t)
    rows = []
    for (row, kpi), (_, t) in sorted(best.items()):
        value = frame[kpi].iat[row]
        value = None if pd.isna(value) else float(value)
        direction = cat[kpi].direction if cat is not None else "higher"
        a = assess(value, t.target, direction, tolerance)
        rows.append((row, kpi, t.scope_label(), value, t.target, a.status, a.score, a.gap))
    return pd.DataFrame(rows, columns=["row", "kpi", "scope", "value", "target", "status", "score", "gap"])

