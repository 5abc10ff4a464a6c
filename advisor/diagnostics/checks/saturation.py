"""Saturation: the marginal return of the scope's channel at its current spend.

Without a fitted response model this is a local estimate: over the last 180 days to the period end,
ln revenue_t = a + e · ln adstock(spend)_t + weekday effects (OLS), so the marginal ROAS is e · revenue / spend
and the marginal ROI is that minus 1. e < 1 means diminishing returns; a marginal ROI whose 95 % interval is
below zero means the last currency units spent lose money. Day-to-day spend must vary (CV ≥ 5 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.diagnostics.base import DiagnoseConfig, Finding, Status
from models.drivers import geometric_adstock

OUTCOMES = ["spend", "revenue", "conversions"]


def channel_daily(channel_rows: pd.DataFrame) -> pd.DataFrame:
    """Daily sums of spend, revenue and conversions of a channel's rows (parsed dates; days without rows are
    absent); index: date, sorted."""
    return channel_rows.groupby("date")[OUTCOMES].sum()


def check_saturation(
    daily: pd.DataFrame, channel: str, end: pd.Timestamp, cfg: DiagnoseConfig, decay: float = 0.5
) -> Finding:
    """Marginal ROI of ``channel`` at ``end`` from ``daily``, the :func:`channel_daily` sums of that channel's
    campaign_daily rows over any period (e.g. its whole history, kept per channel): the 180 days to ``end`` are
    used, days without rows inside them count as zero."""
    every = daily
    dates = every.index
    a, b = dates.searchsorted(end - pd.Timedelta(days=180), side="right"), dates.searchsorted(end, side="right")
    daily = every.iloc[a:b]  # the 180 days to ``end``
    daily = daily.asfreq("D", fill_value=0.0) if len(daily) else daily
    outcome = "revenue" if daily["revenue"].sum() > 0 else "conversions"
    raw = daily["spend"].to_numpy(float)
    ad = geometric_adstock(raw, decay)
    y = daily[outcome].to_numpy(float)
    ok = (ad > 0) & (y > 0)
    ok[:7] = False  # adstock burn-in
    spend_cv = float(np.std(raw[ok]) / np.mean(raw[ok])) if ok.sum() else 0.0
    if ok.sum() < 28 or spend_cv < 0.05:
        msg = f"Spend of channel {channel} varies too little (or too few days) to estimate its marginal return."
        return Finding("saturation", Status.INSUFFICIENT, msg, stage="spend", evidence={"spend_cv": spend_cv})
    weekday = daily.index[ok].dayofweek.to_numpy()
    dow = (weekday[:, None] == np.unique(weekday)[None, 1:]).astype(float)  # weekday dummies, first dropped
    X = np.column_stack([np.ones(ok.sum()), np.log(ad[ok]), dow])
    yy = np.log(y[ok])
    beta, *_ = np.linalg.lstsq(X, yy, rcond=None)
    resid = yy - X @ beta
    s2 = float(resid @ resid) / max(len(yy) - X.shape[1], 1)
    cov = s2 * np.linalg.pinv(X.T @ X)
    e, se = float(beta[1]), float(np.sqrt(cov[1, 1]))
    recent = daily.tail(28)
    avg = float(recent[outcome].sum() / max(recent["spend"].sum(), 1e-9))
    m_lo, m, m_hi = ((e - 1.96 * se) * avg, e * avg, (e + 1.96 * se) * avg)
    evidence = {"elasticity": e, "elasticity_se": se, "average_return_per_spend": avg, "outcome": outcome}
    if outcome == "revenue":
        roi, lo, hi = m - 1.0, m_lo - 1.0, m_hi - 1.0
        evidence.update({"marginal_roi": roi, "marginal_roi_95": [lo, hi], "average_roi": avg - 1.0})
        if hi < 0:
            msg = (
                f"Channel {channel} is saturated: the next unit of spend returns {m:.2f} in revenue "
                f"(marginal ROI {roi:+.0%}, 95% interval {lo:+.0%}..{hi:+.0%}) against an average ROAS of {avg:.2f}."
            )
            return Finding("saturation", Status.WARNING, msg, stage="spend", evidence=evidence)
        msg = f"Channel {channel}: marginal ROI {roi:+.0%} (95% interval {lo:+.0%}..{hi:+.0%}), elasticity {e:.2f}."
        if lo > 0.5:
            msg += " Far from saturation: more budget would likely pay (room to grow)."
            return Finding("saturation", Status.INFO, msg, stage="spend", evidence=evidence)
        return Finding("saturation", Status.OK, msg, stage="spend", evidence=evidence)
    evidence.update({"marginal_conversions_per_spend": m})
    msg = f"Channel {channel}: marginal conversions per unit of spend {m:.4f} (elasticity {e:.2f})."
    return Finding("saturation", Status.OK, msg, stage="spend", evidence=evidence)
