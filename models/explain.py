"""SHAP explanations of the driver models (exact path-dependent TreeSHAP, LightGBM's ``pred_contrib``).

Every number here is an *association* learned by the model, not a proven cause. All SHAP values are in the
KPI's own units (the models use the L2 objective). Scope-level values aggregate rows the way the KPI does:
rate KPIs as a denominator-weighted mean (so they match the ratio of sums), count KPIs as a sum. Because
TreeSHAP is exactly additive per row, ``base + sum(parts) = prediction`` per row and per aggregate, and a
change between periods splits exactly into driver parts plus an "unexplained" part (actual − predicted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.drivers import DriverModelSet, DriverTarget

CAUSALITY_NOTE = (
    "Drivers are associations learned by a gradient-boosted model (SHAP values), not proven causes; "
    "confirm with an experiment before acting on a large change."
)
UNEXPLAINED = "unexplained (actual − model)"
BASELINE = "baseline vs reference"
PERIOD_LENGTH = "period length (baseline × rows)"


@dataclass(frozen=True)
class ShapResult:
    """Row SHAP values ``values`` (n, p) in KPI units, ``base`` the expected value, ``prediction`` (n,)."""

    kpi: str
    features: tuple[str, ...]
    values: np.ndarray
    base: float
    prediction: np.ndarray


@dataclass(frozen=True)
class Driver:
    """One driver: its share of a KPI change (``impact``, KPI units) and, where the funnel allows, the
    conversions and revenue gained (+) or lost (−) because of it (``None`` when not translatable)."""

    feature: str
    impact: float
    kpi: str
    conversions: float | None = None
    revenue: float | None = None


@dataclass(frozen=True)
class ChangeDecomposition:
    """``value_to − value_from = sum(p.impact for p in parts)`` exactly (parts include "unexplained")."""

    kpi: str
    value_from: float
    value_to: float
    parts: tuple[Driver, ...]
    note: str = CAUSALITY_NOTE

    @property
    def change(self) -> float:
        return self.value_to - self.value_from


def explain_rows(models: DriverModelSet, kpi: str, X: pd.DataFrame) -> ShapResult:
    """TreeSHAP for feature matrix ``X`` (n, p) under the model of ``kpi``.

    LightGBM's own TreeSHAP (``Booster.predict(pred_contrib=True)``: n × (p + 1), the last column the expected
    value), which is exactly what ``shap.TreeExplainer(booster).shap_values(X)`` returns for a LightGBM booster
    (it calls the same ``predict(X, num_iteration=-1, pred_contrib=True)`` and takes ``expected_value`` from
    the last column), without importing ``shap`` (seconds) or parsing the trees into an explainer."""
    contrib = np.asarray(models.models[kpi].booster_.predict(X, num_iteration=-1, pred_contrib=True), dtype=float)
    values = contrib[:, :-1]
    base = float(contrib[0, -1])
    return ShapResult(kpi, tuple(X.columns), values, base, base + values.sum(axis=1))


def _weights(
    target: DriverTarget,
    df: pd.DataFrame,
    mask: np.ndarray | None = None,
    values: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, float, bool]:
    """Aggregation weights (n,), the actual scope KPI value, and whether the KPI is a mean (rate), over the
    rows of ``df`` (only those of ``mask`` (len(df),) when given: n = mask.sum()). ``values``:
    ``target.values(df)`` when already computed."""
    y, w = target.values(df) if values is None else values
    if mask is not None:
        y, w = y[mask], w[mask]
    if target.is_rate:
        den = w.sum()
        num = _total(df, target.numerator, mask)
        return w, (num / den if den > 0 else float("nan")), True
    return np.ones(len(y)), float(y.sum()), False


def _total(df: pd.DataFrame, col: str, mask: np.ndarray | None = None) -> float:
    """Sum of the numeric column ``col`` of ``df`` (of the rows of ``mask`` when given); non-numbers count 0."""
    s = df[col]
    values = (s if pd.api.types.is_numeric_dtype(s) else pd.to_numeric(s, errors="coerce")).to_numpy()
    return float(np.nansum(values if mask is None else values[mask]))


def _aggregate(values: np.ndarray, w: np.ndarray, is_rate: bool) -> np.ndarray:
    """Aggregate per-row vectors ``values`` (n, k) to (k,): weighted mean for rates, sum for counts."""
    if is_rate:
        if w.sum() <= 0:
            return np.full(values.shape[1], np.nan)
        return (w[:, None] * values).sum(axis=0) / w.sum()
    return values.sum(axis=0)


def _label(feature: str, X: pd.DataFrame, mask: np.ndarray | None = None) -> str:
    """``feature=value`` for a categorical feature constant over ``X`` rows (those of ``mask`` when given),
    else the feature name."""
    col = X[feature]
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        codes = np.unique(codes if mask is None else codes[mask])
        codes = codes[codes >= 0]  # -1: missing
        if len(codes) == 1:
            return f"{feature}={col.cat.categories[codes[0]]}"
    return feature


def funnel_totals(df: pd.DataFrame | dict[str, float], mask: np.ndarray | None = None) -> dict[str, float]:
    """Sums of impressions, clicks, conversions and revenue over ``df`` (the rows of ``mask`` (len(df),) when
    given; NaN for a missing column); a dict of such totals passes through."""
    if isinstance(df, dict):
        return df
    cols = ("impressions", "clicks", "conversions", "revenue")
    return {c: _total(df, c, mask) if c in df else float("nan") for c in cols}


def to_outcomes(kpi: str, delta: float, df: pd.DataFrame | dict[str, float]) -> tuple[float | None, float | None]:
    """Conversions and revenue gained by moving ``kpi`` by ``delta`` over the rows of ``df`` (the funnel
    below the KPI held at its observed values). ``None`` where the KPI does not map to that outcome."""

    impr, clicks, conv, rev = (funnel_totals(df)[c] for c in ("impressions", "clicks", "conversions", "revenue"))
    cvr = conv / clicks if clicks > 0 else float("nan")
    aov = rev / conv if conv > 0 else float("nan")
    d_conv: float | None
    d_rev: float | None
    if kpi == "ctr":
        d_conv = delta * impr * cvr
        d_rev = d_conv * aov
    elif kpi == "conversion_rate":
        d_conv = delta * clicks
        d_rev = d_conv * aov
    elif kpi == "aov":
        d_conv, d_rev = 0.0, delta * conv
    elif kpi == "conversions":
        d_conv, d_rev = delta, delta * aov
    elif kpi == "revenue":
        d_conv, d_rev = None, delta
    else:
        return None, None

    def clean(v: float | None) -> float | None:
        return None if v is None or not np.isfinite(v) else float(v)

    return clean(d_conv), clean(d_rev)


def _drivers(kpi: str, names: list[str], deltas: np.ndarray, df_out: pd.DataFrame | dict[str, float]) -> list[Driver]:
    out = []
    totals = funnel_totals(df_out)
    for name, d in zip(names, deltas, strict=True):
        conv, rev = to_outcomes(kpi, float(d), totals)
        out.append(Driver(name, float(d), kpi, conv, rev))
    return out


def decompose_change(
    models: DriverModelSet,
    kpi: str,
    df: pd.DataFrame,
    mask_from: np.ndarray,
    mask_to: np.ndarray,
    X: pd.DataFrame | None = None,
    shap: ShapResult | None = None,
) -> ChangeDecomposition:
    """Split the change of ``kpi`` from the rows ``mask_from`` to the rows ``mask_to`` of ``df`` (one scope's
    full history, so adstock and age are right) into SHAP drivers plus the unexplained part.

    Parts are sorted by absolute impact; their impacts sum exactly to ``value_to − value_from``. For count
    KPIs periods of different lengths add a "period length" part (baseline × difference in rows). ``X``: the
    feature matrix of ``df`` when already built; ``shap``: :func:`explain_rows` of all of ``X`` when already
    computed (TreeSHAP values of a row do not depend on the other rows: same result).
    """
    target = models.models[kpi].target
    X = models.matrix(df) if X is None else X
    a_from, a_to = np.asarray(mask_from, bool), np.asarray(mask_to, bool)
    used = a_from | a_to
    if shap is not None and shap.kpi == kpi and len(shap.prediction) == len(X):
        res = shap
        values, prediction = shap.values, shap.prediction
    else:
        res = explain_rows(models, kpi, X[used])  # SHAP only for the rows compared
        values, prediction = np.zeros((len(X), X.shape[1])), np.zeros(len(X))
        values[used], prediction[used] = res.values, res.prediction
    out: dict[str, np.ndarray] = {}
    actual: dict[str, float] = {}
    row_values = target.values(df)  # per-row KPI values and weights (len(df),), masked per period below
    for key, m in (("from", a_from), ("to", a_to)):
        w, act, is_rate = _weights(target, df, m, row_values)
        base = np.full(int(m.sum()), res.base)
        stacked = np.column_stack([values[m], base, prediction[m]])
        out[key] = _aggregate(stacked, w, is_rate)
        actual[key] = act
    names = [_label(f, X, used) for f in res.features]
    delta = out["to"][:-1] - out["from"][:-1]  # SHAP parts, then the baseline (non-zero for counts only)
    resid = (actual["to"] - out["to"][-1]) - (actual["from"] - out["from"][-1])
    labels = [*names, PERIOD_LENGTH, UNEXPLAINED]
    parts = _drivers(kpi, labels, np.r_[delta, resid], funnel_totals(df, a_to))
    parts = [p for p in parts if p.feature != PERIOD_LENGTH or p.impact != 0.0]
    parts.sort(key=lambda p: -abs(p.impact))
    return ChangeDecomposition(kpi, actual["from"], actual["to"], tuple(parts))


def decompose_gap(
    models: DriverModelSet, kpi: str, df: pd.DataFrame, mask: np.ndarray, reference: float
) -> ChangeDecomposition:
    """Split ``actual − reference`` (a target, or any expectation) for the rows ``mask`` into the gap of the
    model's baseline to the reference, SHAP drivers and the unexplained part; sums exactly."""
    target = models.models[kpi].target
    X = models.matrix(df)
    res = explain_rows(models, kpi, X)
    m = np.asarray(mask, bool)
    w, act, is_rate = _weights(target, df[m])
    agg = _aggregate(np.column_stack([res.values[m], res.prediction[m]]), w, is_rate)
    base_agg = res.base if is_rate else res.base * int(m.sum())
    rows = X[m]
    names = [_label(f, rows) for f in res.features]
    deltas = np.r_[base_agg - reference, agg[:-1], act - agg[-1]]
    parts = _drivers(kpi, [BASELINE, *names, UNEXPLAINED], deltas, df[m])
    parts.sort(key=lambda p: -abs(p.impact))
    return ChangeDecomposition(kpi, float(reference), act, tuple(parts))


def global_drivers(models: DriverModelSet, kpi: str, df: pd.DataFrame, top: int = 10) -> list[Driver]:
    """Global importance: weighted mean |SHAP| per feature over ``df`` rows (KPI units), largest first."""
    target = models.models[kpi].target
    X = models.matrix(df)
    res = explain_rows(models, kpi, X)
    w, _, is_rate = _weights(target, df)
    w = w if is_rate else np.ones(len(df))
    imp = (w[:, None] * np.abs(res.values)).sum(axis=0) / max(w.sum(), 1e-12)
    order = np.argsort(-imp)[:top]
    return [Driver(res.features[i], float(imp[i]), kpi) for i in order]


def category_effects(models: DriverModelSet, kpi: str, df: pd.DataFrame, feature: str) -> pd.Series:
    """Mean SHAP value (KPI units) of ``feature`` for each of its values over ``df`` rows, weighted like the
    KPI; tells which audience/age/interest level pushes the KPI up or down. Index: level, sorted by effect."""
    target = models.models[kpi].target
    X = models.matrix(df)
    res = explain_rows(models, kpi, X)
    j = res.features.index(feature)
    w, _, is_rate = _weights(target, df)
    w = w if is_rate else np.ones(len(df))
    frame = pd.DataFrame({"level": X[feature].astype(str).to_numpy(), "v": res.values[:, j] * w, "w": w})
    g = frame.groupby("level")[["v", "w"]].sum()
    g = g[g["w"] > 0]
    return (g["v"] / g["w"]).sort_values()
