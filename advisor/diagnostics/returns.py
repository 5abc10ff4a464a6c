"""Marginal returns by channel as findings (kind ``response``) for the budget actions (``saturation`` /
``marginal_return``).

Two sources: the fitted response models (:func:`bundle_returns`, marginal ROAS of each channel's response
curve at its run-rate spend) or, without models, the local constant-elasticity estimate
(:func:`local_returns`, :func:`advisor.diagnostics.checks.check_saturation` for every channel).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from advisor.core.findings import Finding, flatten
from advisor.core.status import Status
from advisor.diagnostics.base import DiagnoseConfig
from advisor.diagnostics.checks.saturation import channel_daily, check_saturation
from models.forecast import response_curves
from models.response import ResponseBundle


def local_returns(campaign_daily: pd.DataFrame, end: date | str | None = None, days: int = 28) -> list[Finding]:
    """One ``saturation`` finding per channel (kind ``response``) with ``marginal_roi``, ``elasticity``,
    ``average_return_per_spend`` and ``spend_per_day`` (mean over the last ``days`` days to ``end``,
    currency per day). Channels without enough spend variation are skipped."""
    rows = campaign_daily.assign(date=pd.to_datetime(campaign_daily["date"]))
    last = pd.Timestamp(end) if end is not None else rows["date"].max()
    cfg = DiagnoseConfig()
    out = []
    for ch in sorted(rows["channel"].astype(str).unique()):
        ch_rows = rows[rows["channel"].astype(str) == ch]
        f = check_saturation(channel_daily(ch_rows), ch, last, cfg)
        ev = flatten(f.evidence)
        if "marginal_roi" not in ev:
            continue
        recent = ch_rows[(ch_rows["date"] > last - pd.Timedelta(days=days)) & (ch_rows["date"] <= last)]
        ev["spend_per_day"] = float(recent["spend"].sum()) / days
        ev["marginal_roas"] = ev["marginal_roi"] + 1.0
        ev["source"] = "local_elasticity"
        out.append(
            Finding("saturation", f.status, f.message, "roi", "spend", evidence=ev, scope={"channel": ch}, kind="response")
        )
    return out


def bundle_returns(bundle: ResponseBundle) -> list[Finding]:
    """One ``marginal_return`` finding per channel from the response curves at the run-rate spend per period
    (``marginal_roas`` = extra revenue per extra currency unit; ``marginal_roi`` = that − 1)."""
    run = {ch: float(v) for ch, v in bundle.context.run_rate.items()}
    curves = response_curves(bundle, run, points=3)
    out = []
    for ch, c in curves.items():
        if "revenue" not in bundle.models or run.get(ch, 0.0) <= 0:
            continue
        ev = {
            "marginal_roi": float(c["marginal_roi"]),
            "marginal_roas": float(c["marginal_roas"]),
            "spend_per_day": run[ch],
            "source": "response_model",
        }
        if c.get("marginal_cpa") is not None:
            ev["marginal_cpa"] = float(c["marginal_cpa"])
        msg = f"Channel {ch}: marginal ROI {ev['marginal_roi']:+.0%} at its run-rate spend (response model)."
        out.append(
            Finding("marginal_return", Status.OK, msg, "roi", "spend", evidence=ev, scope={"channel": ch}, kind="response")
        )
    return out
