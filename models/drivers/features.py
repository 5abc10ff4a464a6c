"""Feature construction for the LightGBM driver models.

A campaign-day frame (SPEC §2 ``campaign_daily`` plus attribute and numeric-driver columns) becomes a
feature matrix with one row per input row:

* ``spend`` (currency units) and ``spend_adstock`` (geometric carry-over of spend per campaign, same units);
* ``campaign_age`` (days since the campaign's first day), ``day_of_week`` (0 = Monday) and ``month`` (1-12);
* every categorical column (``channel`` plus text attributes such as audience or creative_type) as a pandas
  ``category`` with the levels frozen at fit time (unknown levels become missing);
* every numeric driver column as float.

Frames without a ``date`` column (ad-level data) get no calendar, age or adstock features.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Columns of the data contract that are outcomes or keys, never features.
CONTRACT_COLUMNS: frozenset[str] = frozenset(
    {
        "date",
        "campaign_id",
        "impressions",
        "clicks",
        "conversions",
        "revenue",
        "engagements",
        "new_customers",
    }
)


def geometric_adstock(x: np.ndarray, decay: float) -> np.ndarray:
    """Carry-over ``a_t = x_t + decay * a_{t-1}``; ``x`` shape (n,), result shape (n,), same units."""
    out = np.empty(len(x), dtype=float)
    acc = 0.0
    for i, v in enumerate(np.asarray(x, dtype=float)):
        acc = v + decay * acc
        out[i] = acc
    return out


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns become features and how; JSON-serialisable with :meth:`to_dict`.

    ``levels`` freezes the category levels of each categorical column; ``campaign_start`` maps a campaign id
    to its first ISO date so that ``campaign_age`` is right when only part of a campaign's history is scored.
    """

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    time_features: bool = True
    adstock_decay: float = 0.5
    campaign_start: Mapping[str, str] = field(default_factory=dict)
    extra_exclude: tuple[str, ...] = ()
    spend_feature: bool = True

    @property
    def names(self) -> list[str]:
        """Feature names in model order."""
        base = ["spend"] if self.spend_feature else []
        if self.time_features:
            base += ["spend_adstock"] if self.spend_feature else []
            base += ["campaign_age", "day_of_week", "month"]
        return base + list(self.numeric) + list(self.categorical)

    def to_dict(self) -> dict[str, Any]:
        return {
            "categorical": list(self.categorical),
            "numeric": list(self.numeric),
            "levels": {k: list(v) for k, v in self.levels.items()},
            "time_features": self.time_features,
            "adstock_decay": self.adstock_decay,
            "campaign_start": dict(self.campaign_start),
            "extra_exclude": list(self.extra_exclude),
            "spend_feature": self.spend_feature,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FeatureSpec:
        return cls(
            categorical=tuple(d["categorical"]),
            numeric=tuple(d["numeric"]),
            levels={k: tuple(v) for k, v in d.get("levels", {}).items()},
            time_features=bool(d.get("time_features", True)),
            adstock_decay=float(d.get("adstock_decay", 0.5)),
            campaign_start=dict(d.get("campaign_start", {})),
            extra_exclude=tuple(d.get("extra_exclude", ())),
            spend_feature=bool(d.get("spend_feature", True)),
        )


def is_text(s: pd.Series) -> bool:
    """True for object, string, categorical and boolean columns (campaign attributes)."""
    t = pd.api.types
    return bool(
        t.is_object_dtype(s) or t.is_string_dtype(s) or t.is_bool_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype)
    )


def infer_feature_spec(
    df: pd.DataFrame,
    *,
    exclude: Iterable[str] = (),
    adstock_decay: float = 0.5,
    max_levels: int = 200,
    spend_feature: bool = True,
) -> FeatureSpec:
    """Infer the feature spec of a frame: text columns are categorical, other numeric columns numeric drivers.

    ``exclude`` names further outcome or key columns that must not be features (for example a second
    conversion count); ``spend_feature=False`` leaves spend out (e.g. when spend is a KPI's numerator).
    Text columns with more than ``max_levels`` distinct values (ids) are skipped.
    """
    skip = set(CONTRACT_COLUMNS) | set(exclude) | {"spend"}
    categorical: list[str] = []
    numeric: list[str] = []
    for col in df.columns:
        if col in skip:
            continue
        s = df[col]
        if is_text(s):
            if s.nunique(dropna=True) <= max_levels:
                categorical.append(col)
        elif pd.api.types.is_numeric_dtype(s):
            numeric.append(col)
    if "channel" in categorical:  # channel first: it is the most common scope
        categorical.remove("channel")
        categorical.insert(0, "channel")
    levels = {c: tuple(sorted(df[c].dropna().astype(str).unique())) for c in categorical}
    time_features = "date" in df.columns
    starts: dict[str, str] = {}
    if time_features and "campaign_id" in df.columns:
        first = pd.to_datetime(df["date"]).groupby(df["campaign_id"].astype(str)).min()
        starts = {str(k): v.date().isoformat() for k, v in first.items()}
    return FeatureSpec(
        categorical=tuple(categorical),
        numeric=tuple(numeric),
        levels=levels,
        time_features=time_features,
        adstock_decay=adstock_decay,
        campaign_start=starts,
        extra_exclude=tuple(exclude),
        spend_feature=spend_feature,
    )


def build_features(df: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Feature matrix for ``df`` (shape (len(df), len(spec.names))), index aligned with ``df``.

    Adstock runs over each campaign's rows in date order, so pass a campaign's full history and slice the
    result when only a period is of interest.
    """
    out = pd.DataFrame(index=df.index)
    raw_spend = df["spend"] if "spend" in df else pd.Series(0.0, index=df.index)
    spend = pd.to_numeric(raw_spend, errors="coerce").fillna(0.0).astype(float)
    if spec.spend_feature:
        out["spend"] = spend
    if spec.time_features:
        dates = pd.to_datetime(df["date"])
        has_id = "campaign_id" in df.columns
        camp = df["campaign_id"].astype(str) if has_id else pd.Series("all", index=df.index)
        order = np.lexsort((dates.to_numpy(), camp.to_numpy()))
        ad = np.empty(len(df), dtype=float)
        sorted_idx = df.index.to_numpy()[order]
        sorted_camp = camp.to_numpy()[order]
        sorted_spend = spend.to_numpy()[order]
        bounds = np.flatnonzero(np.r_[True, sorted_camp[1:] != sorted_camp[:-1], True])
        for a, b in itertools.pairwise(bounds):
            ad[a:b] = geometric_adstock(sorted_spend[a:b], spec.adstock_decay)
        if spec.spend_feature:
            out["spend_adstock"] = pd.Series(ad, index=sorted_idx).reindex(df.index)
        first_seen = dates.groupby(camp).transform("min")
        known = camp.map(lambda c: spec.campaign_start.get(c))
        start = pd.to_datetime(known).fillna(first_seen)
        out["campaign_age"] = (dates - start).dt.days.astype(float)
        out["day_of_week"] = dates.dt.dayofweek.astype(float)
        out["month"] = dates.dt.month.astype(float)
    for col in spec.numeric:
        out[col] = pd.to_numeric(df[col], errors="coerce").astype(float) if col in df else np.nan
    for col in spec.categorical:
        values = df[col].astype(str).where(df[col].notna()) if col in df else pd.Series(None, index=df.index)
        out[col] = pd.Categorical(values, categories=list(spec.levels.get(col, ())))
    return out[spec.names]
