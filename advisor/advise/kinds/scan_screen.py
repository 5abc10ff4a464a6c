"""The attention scan: every campaign's funnel stages and every channel's marginal return, failing ones ranked by
money at stake (SPEC §5 "Advise", kind ``attention``; also used by ``why`` and ``off_target``).

**Campaigns** are screened with the stage checks of :func:`advisor.diagnostics.diagnose` (the same
``fit_stages``/``stage_changes`` a campaign diagnosis runs; no driver models: a SHAP decomposition of ~20 campaigns
costs seconds, see :mod:`advisor.advise.kinds.attention`), over the period (default: the last 90 days of data).
Only campaigns with rows in the period are scanned; one with too little data is skipped, as ``diagnose`` would.

**Channels**: the marginal ROI of each channel at its current spend — from the response models
(:func:`advisor.diagnostics.bundle_returns`) when trained, else the local elasticity estimate
(:func:`advisor.diagnostics.local_returns`). A channel is *over-funded* (spend being wasted) when the model's
marginal ROI is below :data:`OVER_ROI` (without models: its 95 % interval is below zero), *under-funded* (money left
on the table) when its marginal ROI is above :data:`UNDER_ROI` and at least :data:`UNDER_GAP` above the median of the
other channels (without models: the lower end of its 95 % interval is). The date its budget moved is the onset of
the largest step in its daily spend (log scale) over the period and the 90 days before, when that step is at least
:data:`MIN_SPEND_STEP` in the problem's direction (raised for over-funded, cut for under-funded).

**Money at stake** (currency over the next :data:`HORIZON_DAYS` days, the ranking key):

* a failing campaign stage: the revenue it lost since the onset (``Finding.impact_revenue``, within the period)
  per day, times :data:`HORIZON_DAYS` — what it keeps losing if nothing changes;
* an over-/under-funded channel: the net gain (revenue change minus spend change) of cutting / raising its spend by
  :data:`SHARE` over the next :data:`HORIZON_DAYS` days — from the response models' expected totals of the
  run-rate plan and the changed plan; without models, the first-order estimate
  ``|marginal ROI| × SHARE × spend per day × HORIZON_DAYS``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from advisor.advise.analyses import Analysis, clean
from advisor.advise.kinds.base import Env
from advisor.advise.question import Question
from advisor.core.findings import Finding
from advisor.core.status import Status
from advisor.diagnostics import DiagnoseConfig, Scope, bundle_returns, local_returns
from advisor.diagnostics.checks import check_sufficiency, fit_stages, stage_changes
from advisor.diagnostics.onset import detect_onset
from advisor.diagnostics.scope import PeriodError, ScopeError, scope_frame
from advisor.kpis.measures import MeasureCache
from advisor.recommend import Recommendation, RecommendContext, recommend
from models.forecast import expected_totals
from models.plan import Plan, PlanError, reference_plan

log = logging.getLogger(__name__)

HORIZON_DAYS = 28
#: share of a channel's spend cut (over-funded) or added (under-funded) for its money at stake
SHARE = 0.2
#: response-model marginal ROI below which a channel is over-funded
OVER_ROI = -0.5
#: marginal ROI above which (and :data:`UNDER_GAP` above the other channels' median) a channel is under-funded
UNDER_ROI = 1.0
UNDER_GAP = 1.0
#: smallest relative step of a channel's daily spend dated as the onset of its budget problem
MIN_SPEND_STEP = 0.2
#: a channel with a material campaign stage problem is judged over-funded only below this marginal ROI
CONFOUNDED_OVER_ROI = -0.9
#: a diminishing-returns finding whose rate fell at least this much net of spend is a funnel problem (as the action
#: catalog's ``check_landing_page`` reads it), not scale alone
NET_DROP = -0.3
#: default period of a scan, days to the last day of data
DEFAULT_DAYS = 90
#: funnel stages the scan reports (stage findings of ``stage_changes``)
STAGES = ("impressions", "cpm", "ctr", "conversion_rate", "aov")
#: KPI → the funnel stages (``Finding.stage``) whose failure moves it
FUNNEL = STAGES
KPI_STAGES: dict[str, tuple[str, ...]] = {
    "ctr": ("ctr",), "conversion_rate": ("conversion_rate",), "aov": ("aov",), "cpm": ("cpm",),
    "cpc": ("ctr", "cpm"), "cpa": ("ctr", "conversion_rate", "cpm"), "cac": ("ctr", "conversion_rate", "cpm"),
    "clv_cac": ("ctr", "conversion_rate", "cpm"), "conversions": ("impressions", "ctr", "conversion_rate"),
    "new_customers": ("impressions", "ctr", "conversion_rate"), "roi": FUNNEL, "roas": FUNNEL, "revenue": FUNNEL,
    "mer": FUNNEL, "blended_roas": FUNNEL, "business_revenue": FUNNEL, "blended_cac": ("ctr", "conversion_rate", "cpm"),
}
#: KPIs an over-funded channel drags (spend earning nothing at the margin)
SPEND_KPIS = frozenset({"roi", "roas", "cpa", "cac", "clv_cac", "mer", "blended_roas", "blended_cac", "cpc"})

#: Precomputations of the scans (scope rows, daily funnels, stage fits, SHAP values), tied to the DataFrame
#: objects they were computed from (weak references): a service answering many questions on one loaded dataset
#: computes them once. ``Env`` carries no cache yet; an ``env.measures`` attribute, when added, is used instead.
CACHE = MeasureCache(size=4096)


def material(f: Finding) -> bool:
    """A failing stage finding, or a diminishing-returns warning whose rate fell by at least ``-NET_DROP`` net of the
    spend rise (``diagnose`` caps those at warning: a spend jump coincided; the size says scale alone cannot
    explain it) and is significant (chi-square at least the failing threshold)."""
    if f.status is Status.FAILING:
        return True
    ev = f.evidence
    return (
        f.check == "diminishing_returns" and f.status is Status.WARNING
        and float(ev.get("spend_adjusted_change", 0.0)) <= NET_DROP
        and float(ev.get("chi2", 0.0)) >= DiagnoseConfig().min_chi2
    )


def check_key(f: Finding) -> str:
    """The words key of a finding's check (``scan_words.CHECKS``): a material diminishing-returns finding reads as
    a drop beyond what the spend rise explains."""
    return "net_drop" if f.check == "diminishing_returns" and material(f) else f.check


def cache_of(env: Env) -> MeasureCache:
    found = getattr(env, "measures", None)
    return found if isinstance(found, MeasureCache) else CACHE


def last_day(env: Env) -> pd.Timestamp:
    return pd.Timestamp(env.dataset.campaign_daily["date"].max()).normalize()


def period_of(question: Question, env: Env, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The question's period clipped to the data, else the last ``days`` days of data (inclusive)."""
    end = last_day(env)
    first = pd.Timestamp(env.dataset.campaign_daily["date"].min()).normalize()
    if question.period is not None:
        p0 = max(pd.Timestamp(question.period.start), first)
        p1 = min(pd.Timestamp(question.period.end), end)
        if p0 <= p1:
            return p0.date(), p1.date()
    return (end - pd.Timedelta(days=days - 1)).date(), end.date()


@dataclass(frozen=True)
class CampaignIssue:
    """A failing or warning funnel-stage finding of one campaign; ``days``: days from the onset (or the period
    start, if later) to the period end, inclusive; ``money_at_stake``: see the module docstring (None without a
    revenue loss)."""

    campaign_id: str
    channel: str | None
    finding: Finding
    days: int | None
    money_at_stake: float | None

    def to_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "type": "campaign", "scope": {"campaign_id": self.campaign_id}, "campaign_id": self.campaign_id,
            "channel": self.channel, "check": f.check, "status": "failing" if material(f) else f.status.value, "stage": f.stage, "kpi": f.kpi,
            "finding_status": f.status.value,
            "started": f.started_label, "relative_change": f.evidence.get("relative_change"),
            "rate_before": f.evidence.get("rate_before"), "rate_now": f.evidence.get("rate_now"),
            "impact_revenue": f.impact_revenue, "impact_conversions": f.impact_conversions,
            "days_since_onset": self.days, "money_at_stake": self.money_at_stake,
            "attribute": f.evidence.get("attribute"), "from_value": f.evidence.get("from"),
            "to_value": f.evidence.get("to"),
        }


@dataclass(frozen=True)
class ChannelView:
    """One channel's marginal return and budget judgement. ``problem``: ``over_funded``, ``under_funded`` or
    None; ``spend_change``/``spend_onset``: the step of its daily spend dated as the problem's onset (None when
    no such step); ``money_at_stake`` / ``money_source``: see the module docstring."""

    channel: str
    marginal_roi: float
    spend_per_day: float
    source: str
    finding: Finding
    problem: str | None = None
    spend_change: float | None = None
    spend_onset: date | None = None
    money_at_stake: float | None = None
    money_source: str | None = None

    @property
    def stage(self) -> str | None:
        return {"over_funded": "saturation", "under_funded": "budget"}.get(self.problem or "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "channel", "scope": {"channel": self.channel}, "channel": self.channel, "check": self.problem,
            "status": "failing" if self.problem else "ok", "stage": self.stage, "marginal_roi": self.marginal_roi,
            "spend_per_day": self.spend_per_day, "source": self.source, "spend_change": self.spend_change,
            "started": self.spend_onset.isoformat() if self.spend_onset else None,
            "money_at_stake": self.money_at_stake, "money_source": self.money_source, "share": SHARE,
        }


@dataclass(frozen=True)
class Screen:
    """The scan of one period: campaigns scanned, their failing/warning stage findings, every channel's view."""

    start: date
    end: date
    campaigns: tuple[str, ...]
    issues: tuple[CampaignIssue, ...]
    channels: tuple[ChannelView, ...]
    #: False when the question is about a KPI budgets do not move: the channels are judged but not ranked
    rank_channels: bool = True

    def failing(self) -> list[CampaignIssue]:
        """The material issues (:func:`material`): failing stages and drops beyond what a spend rise explains."""
        return [i for i in self.issues if material(i.finding)]

    def warnings(self) -> list[CampaignIssue]:
        return [i for i in self.issues if not material(i.finding)]

    def flagged(self) -> list[ChannelView]:
        return [c for c in self.channels if c.problem is not None] if self.rank_channels else []

    def ranked(self) -> list[CampaignIssue | ChannelView]:
        """Failing campaign stages and flagged channels, largest money at stake first (unknown last)."""
        items: list[CampaignIssue | ChannelView] = [*self.failing(), *self.flagged()]
        return sorted(items, key=lambda i: -(i.money_at_stake if i.money_at_stake is not None else -1.0))

    def to_result(self) -> dict[str, Any]:
        ranked = self.ranked()
        items = [{"rank": n, **i.to_dict()} for n, i in enumerate(ranked, 1)]
        total = sum(i.money_at_stake or 0.0 for i in ranked)
        per_channel = []
        for c in self.channels:
            n_fail = sum(1 for i in self.failing() if i.channel == c.channel)
            per_channel.append({**c.to_dict(), "failing_campaigns": n_fail})
        return clean({
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "horizon_days": HORIZON_DAYS,
            "campaigns_scanned": len(self.campaigns),
            "channels_scanned": len(self.channels),
            "items": items,
            "count": len(items),
            "money_at_stake_total": total,
            "watch": [i.to_dict() for i in self.warnings()],
            "channels": per_channel,
            "money_at_stake_definition": (
                f"currency over the next {HORIZON_DAYS} days: a failing campaign stage's revenue lost since onset per "
                f"day x {HORIZON_DAYS}; an over-/under-funded channel's net gain (revenue change minus spend change) "
                f"of cutting/raising its spend by {SHARE:.0%}"
            ),
        })


def _active_campaigns(cd: pd.DataFrame, start: date, end: date) -> list[str]:
    d = pd.to_datetime(cd["date"])
    rows = cd[(d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))]
    return sorted(rows["campaign_id"].astype(str).unique())


def stage_issues(env: Env, cid: str, start: date, end: date, cache: MeasureCache) -> list[CampaignIssue]:
    """Failing and warning stage findings of campaign ``cid`` over ``start``..``end`` (what ``diagnose`` of the
    campaign reports as its stage findings), kept in ``cache`` per campaign and period."""
    cd = env.dataset.campaign_daily
    try:
        found: list[CampaignIssue] = cache.get(
            cd, ("scan.issues", cid, start, end), lambda: _stage_issues(cd, cid, start, end, cache)
        )
    except (ValueError, KeyError, np.linalg.LinAlgError) as exc:  # one odd campaign must not sink the whole scan
        log.warning("attention scan: campaign %s skipped: %s", cid, exc)
        return []
    return found


def _stage_issues(cd: pd.DataFrame, cid: str, start: date, end: date, cache: MeasureCache) -> list[CampaignIssue]:
    cfg = DiagnoseConfig()
    try:
        frame = scope_frame(cd, Scope("campaign_id", cid), start, end, cache=cache)
    except (ScopeError, PeriodError):
        return []
    if check_sufficiency(frame, cfg).status is Status.INSUFFICIENT:
        return []
    found = stage_changes(frame, cfg, fit_stages(frame, cfg, cache))
    chans = frame.rows["channel"].astype(str).unique() if "channel" in frame.rows else []
    channel = str(chans[0]) if len(chans) == 1 else None
    out = []
    for f in found:
        if f.status not in (Status.FAILING, Status.WARNING):
            continue
        days = money = None
        if f.started_label:
            onset = max(pd.Timestamp(f.started_label), pd.Timestamp(start))
            days = int((pd.Timestamp(end) - onset).days + 1)
            if f.impact_revenue is not None and f.impact_revenue < 0 and days > 0:
                money = -float(f.impact_revenue) / days * HORIZON_DAYS
        out.append(CampaignIssue(cid, channel, f, days, money))
    return out


def _spend_step(cd: pd.DataFrame, channel: str, start: date, end: date, cache: MeasureCache) -> tuple[float, date] | None:
    """(relative change, onset) of the largest step of the channel's daily spend over the period and the 90 days
    before (onsets at least 28 days into that window and 14 days before its end)."""

    def daily() -> pd.Series:
        rows = cd[cd["channel"].astype(str) == channel]
        s: pd.Series = rows.groupby(pd.to_datetime(rows["date"]))["spend"].sum()
        return s

    every: pd.Series = cache.get(cd, ("scan.channel_spend", channel), daily)
    lo = pd.Timestamp(start) - pd.Timedelta(days=90)
    s = every.reindex(pd.date_range(lo, pd.Timestamp(end)), fill_value=0.0)
    if len(s) < 60:
        return None
    y = np.log(np.maximum(s.to_numpy(float), 1.0))
    r = np.diff(y)
    var = max(float((1.4826 * np.median(np.abs(r - np.median(r)))) ** 2 / 2.0), 1e-6)
    fit = detect_onset(np.arange(len(y)), y, np.full(len(y), var), min_before=14, min_after=14, shapes=(0.0,), earliest=28)
    if fit is None:
        return None
    return float(np.exp(fit.shift) - 1.0), (lo + pd.Timedelta(days=fit.onset)).date()


def _model_gain(env: Env, channel: str, factor: float) -> float | None:
    """Net gain (revenue change − spend change) over the next HORIZON_DAYS days of scaling ``channel``'s run-rate
    spend by ``factor`` (response models)."""
    b = env.bundle
    if b is None or channel not in b.context.channels or "revenue" not in b.models:
        return None
    start = pd.Timestamp(b.context.last_date) + pd.Timedelta(days=1)
    try:
        ref = reference_plan(b, start, start + pd.Timedelta(days=HORIZON_DAYS - 1))
        spend = dict(ref.spend)
        spend[channel] = float(spend[channel]) * factor
        base, moved = expected_totals(b, ref), expected_totals(b, Plan(ref.start, ref.end, spend))
    except (PlanError, KeyError, ValueError):
        return None
    return float(moved["revenue"] - base["revenue"]) - (spend[channel] - float(ref.spend[channel]))


def channel_views(
    env: Env, start: date, end: date, cache: MeasureCache, confounded: frozenset[str] = frozenset()
) -> list[ChannelView]:
    """Every channel's marginal ROI and budget judgement (module docstring). ``confounded``: channels with a
    material campaign stage problem — their falling return per unit of spend is that problem's as much as
    saturation's, so they are over-funded only below :data:`CONFOUNDED_OVER_ROI`."""
    cd = env.dataset.campaign_daily
    model = env.bundle is not None and pd.Timestamp(end) >= last_day(env)  # the models' returns are today's
    views: list[Finding] = bundle_returns(env.bundle) if model and env.bundle is not None else local_returns(cd, end)
    rois = {str(v.scope["channel"]): float(v.evidence["marginal_roi"]) for v in views}
    out = []
    for v in views:
        ch = str(v.scope["channel"])
        roi = rois[ch]
        others = [r for c, r in rois.items() if c != ch]
        med = float(np.median(others)) if others else 0.0
        lower = roi if model else float(v.evidence.get("marginal_roi_95_0", v.evidence.get("marginal_roi_95", [roi])[0]))
        problem = None
        if (model and roi < OVER_ROI) or (not model and v.status is Status.WARNING):
            problem = "over_funded" if ch not in confounded or roi < CONFOUNDED_OVER_ROI else None
        elif lower > UNDER_ROI and lower >= med + UNDER_GAP:
            problem = "under_funded"
        view = ChannelView(ch, roi, float(v.evidence.get("spend_per_day", 0.0)), str(v.evidence.get("source", "")), v)
        if problem is not None:
            step = _spend_step(cd, ch, start, end, cache)
            change = onset = None
            if step is not None and abs(step[0]) >= MIN_SPEND_STEP and (step[0] > 0) == (problem == "over_funded"):
                change, onset = step
            factor = 1.0 - SHARE if problem == "over_funded" else 1.0 + SHARE
            gain = _model_gain(env, ch, factor) if model else None
            source = "response_model"
            if gain is None:
                gain, source = abs(roi) * SHARE * view.spend_per_day * HORIZON_DAYS, "first_order"
            view = replace(view, problem=problem, spend_change=change, spend_onset=onset,
                           money_at_stake=max(gain, 0.0), money_source=source)
        out.append(view)
    return out


def screen(env: Env, start: date, end: date) -> Screen:
    """Scan every campaign with rows in ``start``..``end`` and every channel (module docstring)."""
    cache = cache_of(env)
    cd = env.dataset.campaign_daily
    ids = _active_campaigns(cd, start, end)
    issues = [i for cid in ids for i in stage_issues(env, cid, start, end, cache)]
    confounded = frozenset(i.channel for i in issues if i.channel is not None and material(i.finding))
    return Screen(start, end, tuple(ids), tuple(issues), tuple(channel_views(env, start, end, cache, confounded)))


def screen_analysis(screen_: Screen) -> Analysis:
    params = {"from": screen_.start.isoformat(), "to": screen_.end.isoformat(), "horizon_days": HORIZON_DAYS,
              "share": SHARE}
    findings = [i.finding for i in screen_.failing()] + [c.finding for c in screen_.flagged()]
    return Analysis("attention", params, screen_.to_result(), findings, {"screen": screen_})


def rank_recommendations(recs: Sequence[Recommendation]) -> list[Recommendation]:
    """One per (action, scope); actions with a currency impact first, largest first, then by confidence."""
    best: dict[tuple[str, tuple[tuple[str, str], ...]], Recommendation] = {}
    for r in recs:
        best.setdefault((r.id, tuple(sorted(r.scope.items()))), r)
    kept = list(best.values())
    money = [r for r in kept if r.impact_units == "currency" and r.expected_impact is not None]
    other = [r for r in kept if r not in money]
    return sorted(money, key=lambda r: -(r.expected_impact or 0.0)) + sorted(other, key=lambda r: -r.confidence)


def screen_recommendations(screen_: Screen, env: Env, lang: str) -> list[Recommendation]:
    """Actions for the failing campaign stages (each in its campaign's context) and the flagged channels (budget
    moves only between flagged channels: from an over-funded one to an under-funded one)."""
    period_days = float((pd.Timestamp(screen_.end) - pd.Timestamp(screen_.start)).days + 1)
    out: list[Recommendation] = []
    for i in screen_.failing():
        ctx = RecommendContext({"campaign_id": i.campaign_id}, screen_.end, period_days, HORIZON_DAYS, env.bundle, (),
                               env.catalog, lang, i.channel)
        out += recommend([i.finding], ctx)
    flagged = [replace(c.finding, status=Status.WARNING) for c in screen_.flagged()]
    if flagged:
        ctx = RecommendContext(end=screen_.end, horizon_days=HORIZON_DAYS, bundle=env.bundle, catalog=env.catalog,
                               lang=lang)
        out += recommend(flagged, ctx)
    return rank_recommendations(out)


def warm(env: Env) -> Screen:
    """Run the default scan (the last :data:`DEFAULT_DAYS` days) so its stage fits are in :data:`CACHE`: a service
    may call this when it loads a dataset; the first attention / off-target question is then answered at once."""
    end = last_day(env)
    return screen(env, (end - pd.Timedelta(days=DEFAULT_DAYS - 1)).date(), end.date())
