"""Assembles ``truth.json`` (schema below) from the generator's internals.

Top-level keys: ``schema_version``, ``generator``, ``seed``, ``start``, ``end``, ``days``, ``currency``,
``conventions`` (formulas in words), ``channels`` (claim factor, spend, true incremental and expected reported
totals, marginal true ROAS at the last 28 days' mean spend), ``campaigns`` (every true parameter, adstock state and quality multipliers at the end of history),
``baseline`` (parameters and totals), ``totals``, ``clv`` (per channel and overall CLV, CAC, CLV:CAC),
``problems``, ``recent_spend`` (last 90 days per campaign), ``daily`` (true daily baseline and incremental
per channel), ``surveys``, ``team_kpis``; ``structure`` (``WorldStructure.to_dict``) only when the world was
generated with a non-default structure (promotions, trend breaks, extra channels; see ``structure.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.channels import AUDIENCE_NEW, profile
from demo_world.customers import CLV_HORIZON_DAYS, clv_truth
from demo_world.params import BaselineParams, CampaignParams, ClvParams, Problem
from demo_world.structure import WorldStructure

SCHEMA_VERSION = "1.0"
RECENT_DAYS = 90
SHARE_DAYS = 28

CONVENTIONS = {
    "adstock": "normalised geometric: a_t = decay * a_(t-1) + (1 - decay) * spend_t (constant spend s -> a = s)",
    "hill": "h(a) = a^shape / (a^shape + half_saturation^shape); half_saturation in currency per day",
    "incremental_conversions": "max_effect * ctr_multiplier_t * cvr_multiplier_t * h(adstock_t) per campaign-day",
    "incremental_revenue": "incremental_conversions * aov (campaign)",
    "baseline": "see baseline.formula; baseline revenue = baseline conversions * baseline.aov; holiday events: "
    "US federal holidays of the holidays package on their actual dates, Black Friday = Thanksgiving + 1 day, "
    "Cyber Monday = Thanksgiving + 4 days (the last two are NOT in holidays.US)",
    "outcomes_daily": "conversions ~ Poisson(mu * Gamma(300, 1/300)), mu = baseline + sum of incremental; "
    "revenue = expected revenue * conversions / mu * Gamma(150, 1/150)",
    "reported_conversions": "Poisson(claim_factor(channel) * incremental * Gamma(30, 1/30)) "
    "within the campaign lifetime",
    "future": "state at the end of history persists: quality multipliers frozen at their last value, adstock "
    "continues from adstock_state_end; channel spend of a plan is split to campaigns by their share of "
    f"the channel's spend over the last {SHARE_DAYS} history days",
    "clv": f"expected undiscounted revenue per new customer over {CLV_HORIZON_DAYS} days after acquisition, "
    "first "
    "order included (BG/NBD + Gamma-Gamma, time unit days)",
    "cac": "spend / expected platform-reported new customers (the KPI cac in expectation); incremental_cac = "
    "spend / true incremental new customers",
}


@dataclass(frozen=True)
class TruthInputs:
    """Everything the truth document is built from (arrays ``(T, C)`` in ``campaigns`` order)."""

    seed: int
    dates: pd.DatetimeIndex
    campaigns: list[CampaignParams]
    spend: NDArray[np.float64]
    incremental: NDArray[np.float64]
    ctr_mult: NDArray[np.float64]
    cvr_mult: NDArray[np.float64]
    audiences: NDArray[Any]
    final_state: NDArray[np.float64]
    baseline: BaselineParams
    problems: tuple[Problem, ...]
    clv_params: dict[str, ClvParams]
    team_truth: dict[str, Any]
    survey_truth: dict[str, Any]
    marginal_roas_end: dict[str, float]
    structure: WorldStructure = field(default_factory=WorldStructure)


def _lifetime_mask(t: TruthInputs) -> NDArray[np.bool_]:
    d = t.dates.to_numpy()
    starts = np.array([np.datetime64(c.start) for c in t.campaigns])
    ends = np.array([np.datetime64(c.end) for c in t.campaigns])
    return (d[:, None] >= starts[None, :]) & (d[:, None] <= ends[None, :])


def build_truth(t: TruthInputs) -> dict[str, Any]:
    """The ``truth.json`` document (JSON-serialisable dict)."""
    channels = list(dict.fromkeys(c.channel for c in t.campaigns))
    ch_of = np.array([c.channel for c in t.campaigns])
    aov = np.array([c.aov for c in t.campaigns])
    inc_rev = t.incremental * aov
    new_rate = np.vectorize(AUDIENCE_NEW.__getitem__, otypes=[float])(t.audiences)
    claim = np.array([profile(c).claim_factor for c in ch_of])
    alive = _lifetime_mask(t)
    reported = t.incremental * claim * alive
    base_conv = t.baseline.conversions(t.dates)

    ch_doc: dict[str, Any] = {}
    spend_ch, exp_new, inc_new = {}, {}, {}
    for ch in channels:
        m = ch_of == ch
        spend_ch[ch] = float(t.spend[:, m].sum())
        exp_new[ch] = float((reported[:, m] * new_rate[:, m]).sum())
        inc_new[ch] = float((t.incremental[:, m] * new_rate[:, m]).sum())
        ch_doc[ch] = {
            "claim_factor": profile(ch).claim_factor,
            "campaigns": [c.campaign_id for c in t.campaigns if c.channel == ch],
            "spend": spend_ch[ch],
            "true_incremental": {
                "conversions": float(t.incremental[:, m].sum()),
                "revenue": float(inc_rev[:, m].sum()),
            },
            "expected_reported": {
                "conversions": float(reported[:, m].sum()),
                "revenue": float((reported[:, m] * aov[m]).sum()),
                "new_customers": exp_new[ch],
            },
            "true_incremental_new_customers": inc_new[ch],
            "marginal_roas_end": t.marginal_roas_end[ch],
        }

    tail = slice(len(t.dates) - SHARE_DAYS, None)
    camp_doc: dict[str, Any] = {}
    for j, c in enumerate(t.campaigns):
        ch_recent = t.spend[tail, ch_of == c.channel].sum()
        camp_doc[c.campaign_id] = {
            **c.to_dict(),
            "adstock_state_end": float(t.final_state[j]),
            "quality_end": {"ctr": float(t.ctr_mult[-1, j]), "cvr": float(t.cvr_mult[-1, j])},
            "audience_end": str(t.audiences[-1, j]),
            "spend_share_last_28": float(t.spend[tail, j].sum() / ch_recent) if ch_recent > 0 else 0.0,
            "spend": float(t.spend[:, j].sum()),
            "true_incremental": {
                "conversions": float(t.incremental[:, j].sum()),
                "revenue": float(inc_rev[:, j].sum()),
            },
        }

    clv_ch = clv_truth(t.clv_params, spend_ch, exp_new, inc_new)
    n_new = sum(exp_new.values())
    clv_all = sum(clv_ch[ch]["clv"] * exp_new[ch] for ch in channels) / n_new
    cac_all = sum(spend_ch.values()) / n_new
    recent = slice(len(t.dates) - RECENT_DAYS, None)
    inc_total = float(t.incremental.sum())
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": "demo_world",
        "seed": t.seed,
        "start": t.dates[0].date().isoformat(),
        "end": t.dates[-1].date().isoformat(),
        "days": len(t.dates),
        "currency": "USD",
        "conventions": CONVENTIONS,
        "channels": ch_doc,
        "campaigns": camp_doc,
        "baseline": {
            **t.baseline.to_dict(),
            "formula": BaselineParams.__doc__.split("\n\n")[1].strip() if BaselineParams.__doc__ else "",
            "total_conversions": float(base_conv.sum()),
            "total_revenue": float(base_conv.sum() * t.baseline.aov),
        },
        "totals": {
            "spend": float(t.spend.sum()),
            "baseline_conversions": float(base_conv.sum()),
            "baseline_revenue": float(base_conv.sum() * t.baseline.aov),
            "incremental_conversions": inc_total,
            "incremental_revenue": float(inc_rev.sum()),
            "expected_conversions": float(base_conv.sum()) + inc_total,
            "expected_revenue": float(base_conv.sum() * t.baseline.aov + inc_rev.sum()),
        },
        "clv": {
            "horizon_days": CLV_HORIZON_DAYS,
            "params": {ch: t.clv_params[ch].to_dict() for ch in channels},
            "by_channel": clv_ch,
            "overall": {"clv": clv_all, "cac": cac_all, "clv_cac": clv_all / cac_all},
        },
        "problems": [p.to_dict() for p in t.problems],
        "recent_spend": {
            "dates": [d.date().isoformat() for d in t.dates[recent]],
            "campaigns": {c.campaign_id: t.spend[recent, j].tolist() for j, c in enumerate(t.campaigns)},
        },
        "daily": {
            "dates": [d.date().isoformat() for d in t.dates],
            "baseline_conversions": base_conv.tolist(),
            "baseline_revenue": (base_conv * t.baseline.aov).tolist(),
            "incremental_conversions": {ch: t.incremental[:, ch_of == ch].sum(axis=1).tolist() for ch in channels},
            "incremental_revenue": {ch: inc_rev[:, ch_of == ch].sum(axis=1).tolist() for ch in channels},
        },
        "surveys": t.survey_truth,
        "team_kpis": t.team_truth,
        **({} if t.structure.is_default else {"structure": t.structure.to_dict()}),
    }
