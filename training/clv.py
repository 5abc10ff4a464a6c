"""Fit the CLV model pair (BG/NBD + Gamma-Gamma) from orders, backtest it on a holdout, build its manifest.

Takes an orders DataFrame following the data contract (``customer_id, order_date, revenue``); never reads
files. With a holdout, the model is fitted on orders up to ``calibration_end`` and scored on the repeat
purchases of the same customers in (``calibration_end``, ``holdout_end``]: per-customer MAE against a
baseline that assumes each customer keeps buying at their calibration rate (x / T). With ``refit=True`` the
returned model is then refitted on all orders up to ``holdout_end`` (the scores stay the calibration fit's).
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import scipy

from models.clv import CLVModel, CLVModelSet, CLVSpec, SegmentSpec, holdout_summary, rfm_summary, transactions

MODEL_FILE = "clv/model.json"
AnyCLVModel = CLVModel | CLVModelSet


def load_model(doc: dict[str, Any]) -> AnyCLVModel:
    """Rebuild a model from the JSON document stored as ``MODEL_FILE`` (pooled model or model set)."""
    return CLVModelSet.from_dict(doc) if doc.get("model") == "clv_model_set" else CLVModel.from_dict(doc)


def _unit_days(model: AnyCLVModel) -> float:
    return model.spec.model.time_unit_days if isinstance(model, CLVModelSet) else model.spec.time_unit_days


def orders_fingerprint(orders: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of the customer-day transactions; independent of row order."""
    tx = transactions(orders)
    h = hashlib.sha256(b"customer_id,order_date,revenue")
    h.update(pd.util.hash_pandas_object(tx.astype({"customer_id": str}), index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class HoldoutScore:
    """Holdout accuracy, purchases per customer over ``duration`` time units (weeks by default)."""

    n_customers: int
    duration: float
    actual_total: int
    predicted_total: float
    baseline_total: float
    mae: float
    baseline_mae: float
    rmse: float
    baseline_rmse: float
    baseline: str = "calibration rate x/T times the holdout length"

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def score_holdout(
    model: AnyCLVModel, rfm: pd.DataFrame, orders: pd.DataFrame, calibration_end: Any, holdout_end: Any
) -> tuple[HoldoutScore, pd.DataFrame]:
    """Compare predicted and actual holdout purchases for the customers in ``rfm``.

    Returns the score and a per-customer frame ``[customer_id, actual, predicted, baseline]``.
    """
    hold, duration = holdout_summary(
        orders,
        calibration_end,
        holdout_end,
        customers=pd.Index(rfm["customer_id"]),
        time_unit_days=_unit_days(model),
    )
    actual = hold["holdout_purchases"].to_numpy(dtype=float)
    predicted = model.conditional_expected_purchases(duration, rfm)
    rate = rfm["frequency"].to_numpy(dtype=float) / rfm["T"].to_numpy(dtype=float).clip(min=1e-9)
    baseline = rate * duration
    score = HoldoutScore(
        n_customers=len(rfm),
        duration=duration,
        actual_total=int(actual.sum()),
        predicted_total=float(predicted.sum()),
        baseline_total=float(baseline.sum()),
        mae=float(np.mean(np.abs(predicted - actual))),
        baseline_mae=float(np.mean(np.abs(baseline - actual))),
        rmse=float(np.sqrt(np.mean((predicted - actual) ** 2))),
        baseline_rmse=float(np.sqrt(np.mean((baseline - actual) ** 2))),
    )
    frame = pd.DataFrame(
        {"customer_id": rfm["customer_id"].to_numpy(), "actual": actual, "predicted": predicted, "baseline": baseline}
    )
    return score, frame


@dataclass(frozen=True)
class CLVTrainingResult:
    """A fitted model, the RFM summary it was fitted on, holdout scores (if any) and the manifest pieces."""

    model: AnyCLVModel
    rfm: pd.DataFrame
    holdout: HoldoutScore | None
    manifest: dict[str, Any] = field(default_factory=dict)

    def artifacts(self) -> dict[str, str]:
        """Files to store (name → text): the model's JSON parameters. No pickles."""
        return {MODEL_FILE: json.dumps(self.model.to_dict(), indent=2, sort_keys=True)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: parameters, holdout scores, manifest."""
        pooled = self.model.pooled_ if isinstance(self.model, CLVModelSet) else self.model
        return {
            **pooled.params(),
            "segments": self.model.params()["segments"] if isinstance(self.model, CLVModelSet) else None,
            "holdout": self.holdout.to_dict() if self.holdout else None,
            "manifest": self.manifest,
        }


def _as_date(value: Any) -> date:
    return pd.Timestamp(value).date()


def train_clv(
    orders: pd.DataFrame,
    *,
    calibration_end: Any = None,
    holdout_end: Any = None,
    backtest_weeks: int | None = None,
    refit: bool = False,
    spec: CLVSpec | None = None,
    segment_by: str | None = None,
    min_segment_customers: int = 300,
) -> CLVTrainingResult:
    """Fit BG/NBD + Gamma-Gamma on ``orders`` (data contract columns).

    - ``calibration_end`` (date; default: the last order date, or last − ``backtest_weeks`` when that is
      given) ends the fitting period; ``holdout_end`` (default: the last order date when ``backtest_weeks``
      is given) ends the holdout used for scoring.
    - ``refit``: after scoring, refit on every order up to ``holdout_end`` and return that model.
    - ``segment_by`` (an orders column, e.g. acquisition ``channel``): fit a ``CLVModelSet`` — one model per
      segment with >= ``min_segment_customers`` customers, the pooled model for the rest.
    """
    t0 = time.perf_counter()
    spec = spec or CLVSpec()
    tx = transactions(orders)
    last = tx["order_date"].max()
    if backtest_weeks is not None and calibration_end is None:
        calibration_end = last - pd.Timedelta(weeks=backtest_weeks)
        holdout_end = holdout_end if holdout_end is not None else last
    cal_end = pd.Timestamp(calibration_end if calibration_end is not None else last).normalize()
    keep = (segment_by,) if segment_by else ()

    def fit(end: Any) -> tuple[AnyCLVModel, pd.DataFrame]:
        rfm = rfm_summary(orders, end, time_unit_days=spec.time_unit_days, keep=keep)
        if segment_by:
            seg = SegmentSpec(by=segment_by, min_customers=min_segment_customers, model=spec)
            return CLVModelSet(seg).fit(rfm), rfm
        return CLVModel(spec).fit(rfm), rfm

    model, rfm = fit(cal_end)
    score = None
    if holdout_end is not None:
        score, _ = score_holdout(model, rfm, orders, cal_end, holdout_end)
        if refit:
            model, rfm = fit(holdout_end)
    pooled = model.pooled_ if isinstance(model, CLVModelSet) else model
    manifest = {
        "kind": "clv",
        "model": "bgnbd+gamma_gamma",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_fingerprint": orders_fingerprint(orders),
        "time_unit": "week" if spec.time_unit_days == 7 else f"{spec.time_unit_days} days",
        "calibration_end": _as_date(cal_end).isoformat(),
        "holdout_end": _as_date(holdout_end).isoformat() if holdout_end is not None else None,
        "fitted_through": _as_date(holdout_end if refit and holdout_end is not None else cal_end).isoformat(),
        "n_customers": len(rfm),
        "n_repeat_customers": int((rfm["frequency"] > 0).sum()),
        "params": model.params(),
        "segment_by": segment_by,
        "log_likelihood": {
            "bgnbd": pooled.bgnbd_.log_likelihood_,
            "gamma_gamma": pooled.gamma_gamma_.log_likelihood_,
        },
        "converged": pooled.bgnbd_.converged_ and pooled.gamma_gamma_.converged_,
        "frequency_spend_corr": pooled.gamma_gamma_.frequency_spend_corr_,
        "metrics": {"holdout": score.to_dict() if score else None},
        "files": [MODEL_FILE],
        "versions": {
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "fit_seconds": round(time.perf_counter() - t0, 3),
    }
    return CLVTrainingResult(model=model, rfm=rfm, holdout=score, manifest=manifest)


def train_clv_tables(
    tables: Mapping[str, pd.DataFrame], *, backtest_weeks: int | None = None, spec: CLVSpec | None = None
) -> CLVTrainingResult:
    """The pipeline's entry point: fit CLV models from contract tables (needs ``orders``).

    The acquisition ``channel`` comes from the orders, else from ``campaign_daily`` via the orders'
    ``campaign_id``; with two or more channels a per-channel ``CLVModelSet`` is fitted. The holdout is the last
    ``backtest_weeks`` (default: a quarter of the order history, 4 to 26 weeks; none under 16 weeks of
    history) and the returned model is refitted on all orders.
    """
    if "orders" not in tables:
        raise ValueError("orders: table not found; CLV needs customer_id, order_date, revenue")
    orders = tables["orders"]
    cd = tables.get("campaign_daily")
    if "channel" not in orders.columns and "campaign_id" in orders.columns and cd is not None:
        mapping = cd.drop_duplicates("campaign_id").set_index("campaign_id")["channel"]
        orders = orders.assign(channel=orders["campaign_id"].map(mapping))
    segment = "channel" if "channel" in orders.columns and orders["channel"].nunique() >= 2 else None
    if backtest_weeks is None:
        dates = transactions(orders)["order_date"]
        span_weeks = (dates.max() - dates.min()).days / 7.0
        backtest_weeks = int(min(26, max(4, round(span_weeks / 4)))) if span_weeks >= 16 else None
    if backtest_weeks is None:
        return train_clv(orders, spec=spec, segment_by=segment)
    return train_clv(orders, backtest_weeks=backtest_weeks, refit=True, spec=spec, segment_by=segment)
