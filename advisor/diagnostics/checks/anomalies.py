"""Anomalous days: days in the period whose CTR or conversion rate lies outside the expected band.

The expectation of a rate is its change fit (:mod:`advisor.diagnostics.onset`), so a level shift is not
flagged day after day; the band is ``anomaly_z`` standard deviations of the per-day noise (counting noise
plus over-dispersion). Conversions per day are compared with their trailing 14-day median.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from advisor.diagnostics.base import DiagnoseConfig, Finding, Status
from advisor.diagnostics.checks.stages import StageFit
from advisor.diagnostics.scope import ScopeFrame, per_scope
from advisor.kpis.measures import MeasureCache


@dataclass(frozen=True)
class Anomaly:
    """One anomalous day: ``actual`` and ``expected`` in KPI units, ``z`` in noise standard deviations."""

    date: date
    kpi: str
    actual: float
    expected: float
    z: float

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "kpi": self.kpi,
            "actual": round(self.actual, 6),
            "expected": round(self.expected, 6),
            "z": round(self.z, 2),
        }


def _rate_anomalies(sf: StageFit, frame: ScopeFrame, z_max: float) -> list[Anomaly]:
    if sf.fit is None:
        return []
    y, var = sf.rate.y, sf.rate.var
    ok = sf.rate.ok & np.isfinite(var)
    z = np.full(len(y), 0.0)
    z[ok] = (y[ok] - sf.fit.fitted[ok]) / np.sqrt(var[ok])
    in_period = (sf.dates >= pd.Timestamp(frame.start)) & (sf.dates <= pd.Timestamp(frame.end))
    hits = np.flatnonzero(ok & in_period & (np.abs(z) >= z_max))
    return [
        Anomaly(sf.dates[i].date(), sf.stage, float(np.exp(y[i])), float(np.exp(sf.fit.fitted[i])), float(z[i]))
        for i in hits
    ]


def _count_scores(rows: pd.DataFrame, col: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Daily sums of ``col`` over ``rows`` (a scope's whole history), their trailing 14-day median and the z-score
    of each day against it (robust scale: the trailing 28-day median absolute deviation, at least Poisson
    noise); three Series indexed by date. They do not depend on the diagnosed period."""
    s = rows.groupby("date")[col].sum().astype(float)
    med = s.shift(1).rolling(14, min_periods=7).median()
    mad = (s - med).abs().shift(1).rolling(28, min_periods=7).median() * 1.4826
    scale = np.sqrt(np.maximum(mad**2, med.clip(lower=1.0)))  # at least Poisson noise
    return s, med, (s - med) / scale


def _count_anomalies(frame: ScopeFrame, col: str, z_max: float, cache: MeasureCache | None = None) -> list[Anomaly]:
    """Days of the period whose ``col`` lies ``z_max`` or more robust standard deviations from its trailing
    median; ``cache``: the scores of the scope's whole history are kept per scope (same result)."""
    s, med, z = per_scope(
        cache, frame.rows, ("diagnose.count_scores", col), _count_scores, lambda: _count_scores(frame.rows, col)
    )
    day, zz = s.index.to_numpy(), z.to_numpy()
    start, end = pd.Timestamp(frame.start).to_datetime64(), pd.Timestamp(frame.end).to_datetime64()
    keep = np.flatnonzero((day >= start) & (day <= end) & (np.abs(zz) >= z_max))
    return [Anomaly(s.index[i].date(), col, float(s.iloc[i]), float(med.iloc[i]), float(zz[i])) for i in keep]


def find_anomalies(
    frame: ScopeFrame, fits: dict[str, StageFit], cfg: DiagnoseConfig, cache: MeasureCache | None = None
) -> tuple[Finding, list[Anomaly]]:
    """Anomalous days (largest |z| first, at most ``max_anomalies``) and a summary finding (info/ok).
    ``cache``: per-scope scores kept there (:func:`_count_anomalies`); same result."""
    found: list[Anomaly] = []
    for stage in ("ctr", "conversion_rate"):
        found += _rate_anomalies(fits[stage], frame, cfg.anomaly_z)
    found += _count_anomalies(frame, "conversions", cfg.anomaly_z, cache)
    found.sort(key=lambda a: -abs(a.z))
    days = int(frame.period["date"].nunique())
    if not found:
        return Finding("anomalies", Status.OK, f"No anomalous days in {days} days."), []
    first = min(a.date for a in found)
    kpis = sorted({a.kpi for a in found})
    msg = (
        f"{len(found)} anomalous day-values (beyond {cfg.anomaly_z:.0f} standard deviations) in {days} days, "
        f"in {', '.join(kpis)}; first on {first}."
    )
    evidence = {"count": len(found), "days": days, "kpis": kpis}
    return Finding("anomalies", Status.INFO, msg, started=first, evidence=evidence), found[: cfg.max_anomalies]
