"""CSAT and NPS with trends from the ``surveys`` table (``date, metric (csat | nps), score``; SPEC §2).

CSAT = mean score on the 1–5 scale (``csat``) and the share of 4–5 answers (``csat_satisfied``, in [0, 1]).
NPS = % promoters (9–10) − % detractors (0–6), in points from −100 to 100. Changes are against the previous
period of the same group (absolute: scale points for CSAT, NPS points for NPS).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from advisor.core.periods import labels, period_start

#: Columns of a ``satisfaction_trends`` table after its grouping keys.
TREND_COLUMNS = (
    "period",
    "csat",
    "csat_satisfied",
    "csat_n",
    "csat_change",
    "nps",
    "promoters",
    "detractors",
    "nps_n",
    "nps_change",
    "n",
)

RANGES = {"csat": (1, 5), "nps": (0, 10)}


def _check(surveys: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    missing = [c for c in ("date", "metric", "score", *keys) if c not in surveys.columns]
    if missing:
        raise ValueError(f"surveys: missing column(s) {missing}; have {list(surveys.columns)}")
    df = surveys.assign(
        metric=surveys["metric"].astype(str).str.strip().str.lower(),
        score=pd.to_numeric(surveys["score"], errors="coerce"),
        date=pd.to_datetime(surveys["date"], errors="coerce"),
    )
    bad_metric = ~df["metric"].isin(list(RANGES))
    lo = df["metric"].map({k: v[0] for k, v in RANGES.items()})
    hi = df["metric"].map({k: v[1] for k, v in RANGES.items()})
    checks = [
        (df["date"].isna(), "date", "must be a date YYYY-MM-DD"),
        (bad_metric, "metric", "must be csat or nps"),
        (~bad_metric & ~df["score"].between(lo, hi), "score", "must be 1-5 for csat, 0-10 for nps"),
    ]
    for mask, col, rule in checks:
        if mask.any():
            rows = [int(i) for i in np.flatnonzero(mask.to_numpy())[:5]]
            raise ValueError(f"surveys: column {col!r} {rule}; rows {rows} (0-based, first 5)")
    return df


def satisfaction_trends(
    surveys: pd.DataFrame, grain: str = "month", by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Per period (and group): ``[*by, period, csat, csat_satisfied, csat_n, csat_change, nps, promoters,
    detractors, nps_n, nps_change, n]``; ``period`` labels as in :mod:`advisor.core.periods` (weeks ``2026-W43``); a metric
    without answers in a period is NaN there (and its change NaN)."""
    keys = [by] if isinstance(by, str) else list(by or [])
    df = _check(surveys, keys)
    df["_p"] = period_start(pd.to_datetime(df["date"]), grain)
    group = [*keys, "_p"]
    cs = df[df["metric"] == "csat"].groupby(group)["score"]
    ns = df[df["metric"] == "nps"].groupby(group)["score"]
    csat = pd.DataFrame(
        {"csat": cs.mean(), "csat_satisfied": cs.apply(lambda s: float((s >= 4).mean())), "csat_n": cs.size()}
    )
    promoters = ns.apply(lambda s: float((s >= 9).mean() * 100))
    detractors = ns.apply(lambda s: float((s <= 6).mean() * 100))
    nps = pd.DataFrame(
        {"nps": promoters - detractors, "promoters": promoters, "detractors": detractors, "nps_n": ns.size()}
    )
    out = csat.join(nps, how="outer").sort_index()
    for c in ("csat_n", "nps_n"):
        out[c] = out[c].fillna(0).astype(int)
    out["n"] = out["csat_n"] + out["nps_n"]
    grouped = out.groupby(level=keys, sort=False) if keys else out
    out["csat_change"] = grouped["csat"].diff()
    out["nps_change"] = grouped["nps"].diff()
    out = out.reset_index()
    out.insert(len(keys), "period", labels(out.pop("_p").to_numpy(), grain))
    return out[[*keys, *TREND_COLUMNS]]
