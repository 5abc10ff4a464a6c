"""Fit the LightGBM driver models with a time-aware holdout and build their manifest.

The pipeline takes a DataFrame (never reads files): it infers the feature spec, scores every target on the
last ``holdout_frac`` of dates after fitting on the earlier dates (rows without dates: a seeded random
holdout), then refits on all rows. The manifest holds the scores, a data fingerprint and library versions.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.drivers import (
    DEFAULT_TARGETS,
    DriverModel,
    DriverModelSet,
    DriverParams,
    DriverTarget,
    build_features,
    infer_feature_spec,
)


def data_fingerprint(df: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of the frame's values and column names; stable across runs."""
    h = hashlib.sha256(",".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def _scores(y: np.ndarray, pred: np.ndarray, w: np.ndarray, train_mean: float) -> dict[str, float]:
    """Weighted MAE, weighted R² against the training mean, and the relative error of the weighted total."""
    keep = w > 0
    y, pred, w = y[keep], pred[keep], w[keep]
    if len(y) == 0:
        return {"wmae": float("nan"), "wr2": float("nan"), "total_rel_error": float("nan"), "n": 0}
    sse = float(np.sum(w * (y - pred) ** 2))
    sst = float(np.sum(w * (y - train_mean) ** 2))
    tot_true = float(np.sum(w * y))
    tot_pred = float(np.sum(w * pred))
    return {
        "wmae": float(np.sum(w * np.abs(y - pred)) / np.sum(w)),
        "wr2": 1.0 - sse / sst if sst > 0 else float("nan"),
        "total_rel_error": abs(tot_pred - tot_true) / abs(tot_true) if tot_true else float("nan"),
        "n": len(y),
    }


def _split(df: pd.DataFrame, holdout_frac: float, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Boolean mask of training rows (shape (len(df),)) and a description of the split."""
    if "date" in df.columns:
        dates = pd.to_datetime(df["date"])
        uniq = np.sort(dates.unique())
        cut = uniq[int(np.floor(len(uniq) * (1 - holdout_frac)))] if len(uniq) > 1 else uniq[-1]
        mask = (dates < cut).to_numpy()
        return mask, {"kind": "time", "cutoff": str(pd.Timestamp(cut).date()), "holdout_frac": holdout_frac}
    rng = np.random.default_rng(seed)
    mask = rng.random(len(df)) >= holdout_frac
    return mask, {"kind": "random (no dates)", "holdout_frac": holdout_frac, "seed": seed}


def train_driver_models(
    df: pd.DataFrame,
    *,
    targets: Sequence[DriverTarget] = DEFAULT_TARGETS,
    params: DriverParams | None = None,
    holdout_frac: float = 0.2,
    exclude: Iterable[str] = (),
    adstock_decay: float = 0.5,
    spend_feature: bool = True,
) -> DriverModelSet:
    """Fit one :class:`DriverModel` per target on a campaign-day (or ad-level) frame.

    ``exclude`` names extra outcome/key columns that must not be features. Targets whose columns are missing
    are skipped (recorded in the manifest). ``spend_feature=False`` fits on attributes and calendar only.
    Returns the models refitted on all rows, with validation scores.
    """
    t0 = time.perf_counter()
    params = params or DriverParams()
    excluded = set(exclude)
    for t in targets:
        excluded.update(c for c in (t.numerator, t.denominator) if c and c != "spend")
    spec = infer_feature_spec(
        df, exclude=sorted(excluded), adstock_decay=adstock_decay, spend_feature=spend_feature
    )
    X = build_features(df, spec)
    train_mask, split = _split(df, holdout_frac, params.seed)
    fitted: dict[str, DriverModel] = {}
    validation: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for target in targets:
        missing = [c for c in (target.numerator, target.denominator) if c and c not in df.columns]
        if missing:
            skipped[target.kpi] = f"missing columns {missing}"
            continue
        y, w = target.values(df)
        if np.count_nonzero(w) < 2 * params.min_data_in_leaf:
            skipped[target.kpi] = "too few rows with a positive denominator"
            continue
        wtr = np.where(train_mask, w, 0.0)
        wte = np.where(~train_mask, w, 0.0)
        if np.count_nonzero(wtr) >= params.min_data_in_leaf and np.count_nonzero(wte) > 0:
            probe = DriverModel(target, params).fit(X, y, wtr)
            train_mean = float(np.average(y, weights=wtr))
            validation[target.kpi] = _scores(y, probe.predict(X), wte, train_mean)
        fitted[target.kpi] = DriverModel(target, params).fit(X, y, w)
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_fingerprint": data_fingerprint(df),
        "n_rows": len(df),
        "validation": {"split": split, "scores": validation},
        "skipped": skipped,
        "features": spec.names,
        "versions": {
            "lightgbm": lgb.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
        "fit_seconds": round(time.perf_counter() - t0, 3),
    }
    return DriverModelSet(features=spec, models=fitted, manifest=manifest)
