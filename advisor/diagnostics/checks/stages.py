"""Funnel-stage changes with their onset date: CPM, CTR, conversion rate and AOV.

For every stage the daily log rate over the period (plus ``lookback_days`` before it) is searched for one
change (:mod:`advisor.diagnostics.onset`). A harmful change of at least ``fail_change`` (``warn_change``)
with chi-square ≥ ``min_chi2`` is failing (warning). The finding is named by its shape and context:

* CTR decaying gradually → ``creative_fatigue`` (evidence: CTR slope against campaign age);
* a conversion-rate drop when an attribute such as ``audience`` switched within 7 days → ``audience_change``;
* a conversion-rate (or CTR) drop with spend up by ≥ ``spend_jump`` at the same time → ``diminishing_returns``
  (a warning: scale, not a broken funnel);
* otherwise ``<stage>_drop`` (``cpm_increase`` for CPM).
Impact in conversions and revenue: the stage's rate change since onset times its volume in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from advisor.diagnostics.base import DiagnoseConfig, Finding, Status
from advisor.diagnostics.onset import SHAPES, OnsetFit, detect_onset, detect_onset_counts
from advisor.diagnostics.scope import ScopeFrame, per_scope
from advisor.diagnostics.series import STAGES, LogRate, daily_funnel, log_rate
from advisor.kpis.measures import MeasureCache
from models.drivers import geometric_adstock
from models.drivers.features import is_text
from models.explain import to_outcomes

NAMES = {"cpm": "CPM", "ctr": "CTR", "conversion_rate": "conversion rate", "aov": "AOV"}
ATTRIBUTE_SKIP = {"date", "campaign_id", "channel"}
COUNT_STAGES = ("ctr", "conversion_rate")
#: conversion-rate changes are dated as steps (a 7-day ramp allows for conversion lag): on the demo worlds
#: gradual shapes let a spend-driven drift pass for the onset of a later step.
STEP_SHAPES = (0.0, 7.0)
#: Floors for a CTR decaying exponentially to a fraction of its old level. (0.25, 0.5) were tried on
#: simulated fatigue and did not date onsets better than the log-scale shapes, so none are used by default.
FATIGUE_FLOORS: tuple[float, ...] = ()


def _attribute_changes(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive rows of a campaign (by date) whose text attributes differ: the dates (datetime64[ns]) of
    the earlier and of the later row of each such pair, two arrays (k,)."""
    none = np.array([], dtype="datetime64[ns]")
    if "campaign_id" not in rows or rows.empty:
        return none, none
    cols = [c for c in rows.columns if c not in ATTRIBUTE_SKIP and is_text(rows[c])]
    campaign = rows["campaign_id"].astype(str).to_numpy()
    day = rows["date"].to_numpy()
    order = np.lexsort((day, campaign))  # by campaign, then date: consecutive rows of one campaign
    campaign, day = campaign[order], day[order]
    changed = np.zeros(len(order) - 1, dtype=bool)
    for col in cols:
        v = rows[col].astype(str).to_numpy()[order]
        changed |= v[1:] != v[:-1]
    changed &= campaign[1:] == campaign[:-1]
    return day[:-1][changed], day[1:][changed]


def _switch_days(
    rows: pd.DataFrame, dates: pd.DatetimeIndex, changes: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Day numbers (since ``dates[0]``) on which a text attribute of a campaign took a new value, i.e. differs
    from the campaign's previous row in ``rows`` (the scope's rows of a date window); sorted, unique, float.
    ``changes``: :func:`_attribute_changes` of a longer history of the same scope (e.g. kept per scope): the
    pairs with both rows inside the window of ``rows`` are the same."""
    if len(dates) == 0 or "campaign_id" not in rows:
        return np.array([], dtype=float)
    if changes is None:
        _, after = _attribute_changes(rows)
    else:
        day = rows["date"].to_numpy()
        after = changes[1][(changes[0] >= day.min()) & (changes[1] <= day.max())]
    return np.unique((after - dates[0].to_datetime64()) // np.timedelta64(1, "D")).astype(float)


@dataclass(frozen=True)
class StageFit:
    """A stage's daily series (``daily`` rows = ``dates``) with its best change fit (None: too short)."""

    stage: str
    dates: pd.DatetimeIndex
    rate: LogRate
    fit: OnsetFit | None


def _window(frame: ScopeFrame, cfg: DiagnoseConfig) -> pd.DataFrame:
    """The scope's rows from ``lookback_days`` before the period start to its end (a slice: rows are sorted
    by date)."""
    lo = pd.Timestamp(frame.start) - pd.Timedelta(days=cfg.lookback_days)
    day = frame.rows["date"].to_numpy()
    a = np.searchsorted(day, lo.to_datetime64(), side="left")
    b = np.searchsorted(day, pd.Timestamp(frame.end).to_datetime64(), side="right")
    return frame.rows.iloc[a:b]


def fit_stages(frame: ScopeFrame, cfg: DiagnoseConfig, cache: MeasureCache | None = None) -> dict[str, StageFit]:
    """Change fits of every stage over the period plus its lookback window. ``cache``: the daily funnel and the
    attribute changes of the scope's whole history are kept per scope (``per_scope``) and cut to the window;
    same values."""
    window = _window(frame, cfg)
    if cache is None:
        daily = daily_funnel(window)
    else:
        lo = pd.Timestamp(frame.start) - pd.Timedelta(days=cfg.lookback_days)
        every = per_scope(cache, frame.rows, "diagnose.daily_funnel", daily_funnel, lambda: daily_funnel(frame.rows))
        daily = every.loc[lo : pd.Timestamp(frame.end)]
    dates = pd.DatetimeIndex(daily.index)
    t = np.asarray((dates - dates[0]).days) if len(dates) else np.array([], dtype=int)
    changes = None
    if cache is not None and "campaign_id" in frame.rows:
        changes = per_scope(
            cache, frame.rows, "diagnose.attribute_changes", _attribute_changes, lambda: _attribute_changes(frame.rows)
        )
    switches = _switch_days(window, dates, changes)
    spend = daily["spend"].to_numpy(float) if len(daily) else np.zeros(0)
    ad = geometric_adstock(spend, 0.5)
    cov = np.column_stack([np.log(np.maximum(spend, 1e-6)), np.log(np.maximum(ad, 1e-6))])
    out = {}
    for stage, (num, den, _) in STAGES.items():
        lr = log_rate(daily, stage)
        seg = cfg.min_segment_days
        fit: OnsetFit | None
        if stage in COUNT_STAGES:
            x, e = daily[num].to_numpy(float), daily[den].to_numpy(float)
            shapes = SHAPES if stage == "ctr" else STEP_SHAPES
            floors = FATIGUE_FLOORS if stage == "ctr" else ()
            fit = detect_onset_counts(
                t, x, e, cov, min_before=seg, min_after=seg, shapes=shapes, floors=floors
            )
            if fit is not None and len(switches):
                alt = detect_onset_counts(
                    t, x, e, cov, min_before=seg, min_after=seg, shapes=shapes, candidates=switches
                )
                if alt is not None and alt.chi2 >= 0.8 * fit.chi2:
                    fit = alt  # a configuration change explains the move about as well: date it there
        else:
            fit = detect_onset(t, lr.y, lr.var, min_before=seg, min_after=seg)
        out[stage] = StageFit(stage, dates, lr, fit)
    return out


def _ratio(rows: pd.DataFrame, stage: str, mask: np.ndarray | None = None) -> float:
    """Stage rate as a ratio of sums over ``rows`` (only the rows of ``mask`` (len(rows),) when given);
    NaN without denominator."""
    num, den, _ = STAGES[stage]
    n, d = rows[num].to_numpy(), rows[den].to_numpy()
    if mask is not None:
        n, d = n[mask], d[mask]
    total = float(np.nansum(d))
    return float(np.nansum(n)) / total if total > 0 else float("nan")


def _attribute_switch(rows: pd.DataFrame, onset: pd.Timestamp, days: int = 7) -> tuple[str, str, str] | None:
    """(column, before, after) of a text attribute whose dominant value differs across ``onset`` ± days."""
    before = rows[(rows["date"] < onset) & (rows["date"] >= onset - pd.Timedelta(days=3 * days))]
    after = rows[(rows["date"] >= onset + pd.Timedelta(days=days)) & (rows["date"] < onset + pd.Timedelta(days=4 * days))]
    if before.empty or after.empty:
        return None
    for col in rows.columns:
        if col in ATTRIBUTE_SKIP or not is_text(rows[col]):
            continue
        b, a = before[col].mode(), after[col].mode()
        if len(b) and len(a) and b.iloc[0] != a.iloc[0]:
            return col, str(b.iloc[0]), str(a.iloc[0])
    # a switch right at the onset (within ±days) also counts
    near = rows[(rows["date"] >= onset - pd.Timedelta(days=days)) & (rows["date"] <= onset + pd.Timedelta(days=days))]
    for col in rows.columns:
        if col in ATTRIBUTE_SKIP or not is_text(rows[col]):
            continue
        if near[col].nunique() > 1 and before[col].mode().iloc[0] != after[col].mode().iloc[0]:
            return col, str(before[col].mode().iloc[0]), str(after[col].mode().iloc[0])
    return None


def _age_slope(rows: pd.DataFrame) -> tuple[float, float] | None:
    """Weighted slope of log CTR against campaign age (per day) and its t-statistic, over ``rows``."""
    if "campaign_id" not in rows:
        return None
    codes, ids = pd.factorize(rows["campaign_id"])
    day = rows["date"].to_numpy()
    first = np.full(len(ids), np.datetime64("NaT"), dtype=day.dtype)
    for i in range(len(ids)):  # first date of each campaign (campaigns per scope: a handful)
        first[i] = day[codes == i].min()
    age = ((day - first[codes]) // np.timedelta64(1, "D")).astype(float)
    age[codes < 0] = np.nan  # no campaign id
    ok = (rows["clicks"].to_numpy() > 0) & (rows["impressions"].to_numpy() > 0)
    if ok.sum() < 10 or np.ptp(age[ok]) == 0:
        return None
    y = np.log(rows["clicks"].to_numpy(float)[ok] / rows["impressions"].to_numpy(float)[ok])
    x = age[ok]
    X = np.column_stack([np.ones_like(x), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = float(resid @ resid) / max(len(y) - 2, 1)
    se = float(np.sqrt(s2 / np.sum((x - x.mean()) ** 2)))
    return float(beta[1]), float(beta[1] / se) if se > 0 else 0.0


def _spend_jump(daily_rows: pd.DataFrame, onset: pd.Timestamp, days: int = 14) -> float:
    """Relative change of mean daily spend in the ``days`` after vs before ``onset``."""
    s = daily_rows.groupby("date")["spend"].sum()
    before = s[(s.index < onset) & (s.index >= onset - pd.Timedelta(days=days))]
    after = s[(s.index >= onset) & (s.index < onset + pd.Timedelta(days=days))]
    if before.empty or after.empty or before.mean() <= 0:
        return 0.0
    return float(after.mean() / before.mean() - 1.0)


def _impact(stage: str, before: float, rows_after: pd.DataFrame) -> tuple[float | None, float | None]:
    """Conversions and revenue gained (+) / lost (−) by the stage moving from ``before`` to its level in
    ``rows_after``."""
    if rows_after.empty or not np.isfinite(before):
        return None, None
    if stage == "cpm":
        spend = float(rows_after["spend"].sum())
        impr = float(rows_after["impressions"].sum())
        if impr <= 0 or before <= 0:
            return None, None
        d_impr = impr - spend / before  # impressions the same spend bought at the old price
        return to_outcomes("ctr", d_impr / impr * _ratio(rows_after, "ctr"), rows_after)
    return to_outcomes(stage, _ratio(rows_after, stage) - before, rows_after)


def _finding(
    stage: str, sf: StageFit, frame: ScopeFrame, cfg: DiagnoseConfig, rows: pd.DataFrame
) -> Finding | None:
    fit = sf.fit
    if fit is None:
        return None
    _, _, harm = STAGES[stage]
    onset = sf.dates[0] + pd.Timedelta(days=fit.onset)
    day = rows["date"].to_numpy()
    pre = (day < onset.to_datetime64()) & (day >= (onset - pd.Timedelta(days=60)).to_datetime64())
    end = pd.Timestamp(frame.end)
    tail = day >= max(onset, end - pd.Timedelta(days=27)).to_datetime64()
    before, now = _ratio(rows, stage, pre), _ratio(rows, stage, tail)
    if not (np.isfinite(before) and np.isfinite(now)) or before <= 0:
        return None
    rel = now / before - 1.0
    # size of the change net of spend effects: the fitted shift at the end of the series
    t_end = float((sf.dates[-1] - sf.dates[0]).days)
    adj = float(np.exp(fit.shift * fit.reached(t_end - fit.onset))) - 1.0
    harmful = adj * harm > 0 and rel * harm > 0
    size = abs(adj) if harm > 0 else -adj
    if not harmful or fit.chi2 < cfg.min_chi2 / 2 or size < cfg.warn_change:
        return None
    status = Status.FAILING if size >= cfg.fail_change and fit.chi2 >= cfg.min_chi2 else Status.WARNING
    if stage == "cpm":  # media prices follow the market: a warning at most, and only when large
        if size < cfg.fail_change or fit.chi2 < cfg.min_chi2:
            return None
        status = Status.WARNING
    post = frame.rows[frame.in_period & (frame.rows["date"] >= onset).to_numpy()]
    d_conv, d_rev = _impact(stage, before, post)
    name = NAMES[stage]
    check = "cpm_increase" if stage == "cpm" else f"{stage}_drop"
    started: date = onset.date()
    evidence: dict[str, object] = {
        "rate_before": before,
        "rate_now": now,
        "relative_change": rel,
        "chi2": fit.chi2,
        "shape_days": fit.shape_days,
        "overdispersion": sf.rate.overdispersion,
    }
    cause = ""
    evidence["spend_adjusted_change"] = adj
    jump = _spend_jump(rows, onset)
    evidence["spend_change_at_onset"] = jump
    if stage == "ctr" and fit.gradual:
        check = "creative_fatigue"
        slope = _age_slope(post)
        if slope is not None:
            evidence["ctr_slope_per_day_of_age"], evidence["slope_t"] = slope
        cause = f" The decline is gradual (e-folding about {fit.shape_days:.0f} days): creative fatigue."
    elif stage == "conversion_rate":
        switch = _attribute_switch(frame.rows, onset)
        if switch is not None:
            col, old, new = switch
            check = f"{col}_change"
            evidence.update({"attribute": col, "from": old, "to": new})
            cause = f" {col} switched from {old} to {new} at that time."
        elif jump >= cfg.spend_jump:
            check, status = "diminishing_returns", Status.WARNING
            cause = (
                f" Spend rose {jump:+.0%} at the same time: the extra budget reached less responsive users "
                "(diminishing returns), or a funnel problem coincided with it."
            )
        else:
            cause = " A step like this usually means a broken landing page, checkout or conversion tracking."
    scale = 1000.0 if stage == "cpm" else 1.0  # CPM is shown per thousand impressions
    msg = f"{name} {rel:+.0%} since {started} ({before * scale:.4g} → {now * scale:.4g}).{cause}"
    if d_rev is not None:
        msg += f" Revenue effect in the period: {d_rev:+,.0f}."
    elif d_conv is not None:
        msg += f" Conversions effect in the period: {d_conv:+,.1f}."
    return Finding(check, status, msg, stage, stage, started, d_rev, d_conv, evidence)


def stage_changes(
    frame: ScopeFrame, cfg: DiagnoseConfig, fits: dict[str, StageFit] | None = None
) -> list[Finding]:
    """Findings for harmful stage changes (at most one per stage); a CTR decline with campaign age without a
    clear onset gives a ``creative_fatigue`` warning."""
    fits = fits if fits is not None else fit_stages(frame, cfg)
    rows = _window(frame, cfg)
    out = [f for stage in STAGES if (f := _finding(stage, fits[stage], frame, cfg, rows)) is not None]
    if not any(f.stage == "ctr" for f in out):
        slope = _age_slope(frame.period)
        if slope is not None and slope[0] < -0.005 and slope[1] < -6:
            msg = (
                f"CTR falls {slope[0]:.1%} per day of campaign age in the period (t = {slope[1]:.1f}): "
                "early creative fatigue."
            )
            out.append(
                Finding(
                    "creative_fatigue",
                    Status.WARNING,
                    msg,
                    "ctr",
                    "ctr",
                    evidence={"ctr_slope_per_day_of_age": slope[0], "slope_t": slope[1]},
                )
            )
    return out
