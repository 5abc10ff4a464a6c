"""Recommendations for a :class:`advisor.diagnostics.Diagnosis` (the ``diagnose`` JSON's ``recommendations``).

A composition of the diagnostics (findings, channel returns) and the action catalog, so it sits in
``advisor.advise``, above both (moved from ``advisor.recommend.diagnosis``)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from advisor.core.findings import Finding
from advisor.diagnostics import Diagnosis
from advisor.diagnostics.returns import bundle_returns, local_returns
from advisor.recommend import ActionCatalog, Recommendation, RecommendContext, recommend
from models.response import ResponseBundle


def scope_channel(campaign_daily: pd.DataFrame, column: str, value: str) -> str | None:
    """The single channel of a scope's rows (None when it spans several or none)."""
    if column not in campaign_daily or "channel" not in campaign_daily:
        return None
    chans = campaign_daily.loc[campaign_daily[column].astype(str) == value, "channel"].astype(str).unique()
    return str(chans[0]) if len(chans) == 1 else None


def recommend_for_diagnosis(
    diagnosis: Diagnosis,
    campaign_daily: pd.DataFrame,
    *,
    bundle: ResponseBundle | None = None,
    returns: Sequence[Finding] | None = None,
    lang: str = "en",
    horizon_days: int = 28,
    catalog: ActionCatalog | None = None,
) -> list[Recommendation]:
    """Ranked actions for ``diagnosis``: its findings plus every channel's marginal return (from ``bundle``,
    else the local elasticity estimate over ``campaign_daily``, or the given ``returns``) so a saturated
    channel can be paired with one that has headroom. Budget moves are kept only out of the scope's channel.
    Impacts are over the next ``horizon_days`` days, from the SHAP drivers of the diagnosis where they name
    the cause."""
    sc = diagnosis.scope
    channel = sc.value if sc.column == "channel" else scope_channel(campaign_daily, sc.column, sc.value)
    if returns is None:
        returns = bundle_returns(bundle) if bundle is not None else local_returns(campaign_daily, diagnosis.end)
    ctx = RecommendContext(
        {sc.column: sc.value},
        diagnosis.end,
        float((diagnosis.end - diagnosis.start).days + 1),
        horizon_days,
        bundle,
        diagnosis.drivers,
        catalog,
        lang,
        channel,
    )
    findings: list[Finding] = [*diagnosis.findings, *returns]
    recs = recommend(findings, ctx)
    return [r for r in recs if r.id not in ("move_budget", "cut_saturated_spend") or r.scope.get("channel") == channel]
