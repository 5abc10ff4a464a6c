"""Fit the response models (conversions, revenue) from contract tables.

Takes DataFrames (SPEC §2), never reads files. KPI series are the business totals from
``outcomes_daily`` when present, else the sums over campaigns; spend is summed by channel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from models.response import KPIS, PlanningContext, ResponseBundle, ResponseModel, ResponseSpec
from models.response.design import infer_freq

Progress = Callable[[str, float], None]


def reported_column(kpi: str, channel: str) -> str:
    """Name of the history column holding the platform-reported ``kpi`` of ``channel``."""
    return f"reported_{kpi}__{channel}"


def campaign_spend_column(campaign: str) -> str:
    """Name of the history column holding the spend of ``campaign``."""
    return f"campaign_spend__{campaign}"


def campaign_reported_column(kpi: str, campaign: str) -> str:
    """Name of the history column holding the platform-reported ``kpi`` of ``campaign``."""
    return f"campaign_reported_{kpi}__{campaign}"


def prepare_history(
    tables: Mapping[str, pd.DataFrame],
) -> tuple[pd.DataFrame, list[str], dict[str, str], str]:
    """Per-period history: one spend column per channel, ``conversions`` and ``revenue`` and the
    platform-reported KPIs per channel (:func:`reported_column`) and per campaign
    (:func:`campaign_spend_column`, :func:`campaign_reported_column`), on a complete daily (or weekly)
    index; also the channel list, campaign → channel map and the frequency (``"D"``/``"W"``)."""
    if "campaign_daily" not in tables:
        raise ValueError("campaign_daily table is required to train the response models")
    cd = tables["campaign_daily"].rename(columns=str.lower).copy()
    missing = {"date", "campaign_id", "channel", "spend", "conversions", "revenue"} - set(cd.columns)
    if missing:
        raise ValueError(f"campaign_daily lacks columns {sorted(missing)}")
    cd["date"] = pd.to_datetime(cd["date"])
    cd["channel"] = cd["channel"].astype(str)
    channels = sorted(cd["channel"].unique())
    dates = pd.DatetimeIndex(sorted(cd["date"].unique()))
    freq = infer_freq(dates)
    full = pd.date_range(dates[0], dates[-1], freq="D" if freq == "D" else "7D")
    spend = cd.pivot_table(index="date", columns="channel", values="spend", aggfunc="sum").reindex(full).fillna(0.0)
    hist = spend[channels].astype(float)
    out = tables.get("outcomes_daily")
    if out is not None and len(out):
        o = out.rename(columns=str.lower).copy()
        o["date"] = pd.to_datetime(o["date"])
        for k in KPIS:
            bad = o[k].isna() | ~np.isfinite(pd.to_numeric(o[k], errors="coerce").astype(float))
            if bad.any():
                raise ValueError(f"outcomes_daily.{k} has {int(bad.sum())} missing or non-finite values")
        o = o.groupby("date")[["conversions", "revenue"]].sum()
        common = full.intersection(o.index)
        if len(common) < 0.9 * len(full):
            raise ValueError(f"outcomes_daily covers {len(common)} of {len(full)} periods of campaign_daily")
        hist = hist.loc[common]
        for k in KPIS:
            hist[k] = o.loc[common, k].astype(float)
    else:
        sums = cd.groupby("date")[["conversions", "revenue"]].sum().reindex(full).fillna(0.0)
        for k in KPIS:
            hist[k] = sums[k].astype(float)
    for k in KPIS:
        rep = cd.pivot_table(index="date", columns="channel", values=k, aggfunc="sum").reindex(hist.index)
        for ch in channels:
            hist[reported_column(k, ch)] = rep[ch].fillna(0.0).astype(float).to_numpy()
    cd["campaign_id"] = cd["campaign_id"].astype(str)
    cols: dict[str, np.ndarray] = {}
    namers: list[tuple[str, Callable[[str], str]]] = [("spend", campaign_spend_column)]
    namers += [(k, partial(campaign_reported_column, k)) for k in KPIS]
    for value, namer in namers:
        wide = cd.pivot_table(index="date", columns="campaign_id", values=value, aggfunc="sum").reindex(hist.index)
        for cid in wide.columns:
            cols[namer(str(cid))] = wide[cid].fillna(0.0).astype(float).to_numpy()
    hist = pd.concat([hist, pd.DataFrame(cols, index=hist.index)], axis=1)
    campaigns = cd.drop_duplicates("campaign_id").set_index("campaign_id")["channel"]
    return hist, channels, {str(k): str(v) for k, v in campaigns.items()}, freq


def reported_map(history: pd.DataFrame, kpi: str, channels: list[str]) -> dict[str, str] | None:
    """Channel → reported-KPI column when ``history`` holds one for every channel, else None."""
    cols = {ch: reported_column(kpi, ch) for ch in channels}
    return cols if all(c in history for c in cols.values()) else None


def campaign_map(
    history: pd.DataFrame, kpi: str, channels: list[str], campaigns: Mapping[str, str]
) -> dict[str, list[tuple[str, str]]]:
    """Channel → ``(spend column, reported-KPI column)`` of each of its campaigns held by ``history``
    (sorted by campaign id); ``campaigns``: campaign id → channel."""
    out: dict[str, list[tuple[str, str]]] = {ch: [] for ch in channels}
    for cid, ch in sorted(campaigns.items()):
        sc, rc = campaign_spend_column(cid), campaign_reported_column(kpi, cid)
        if ch in out and sc in history and rc in history:
            out[ch].append((sc, rc))
    return out


def fit_bundle(
    history: pd.DataFrame,
    channels: list[str],
    campaigns: Mapping[str, str],
    freq: str,
    spec: ResponseSpec | None = None,
    progress: Progress | None = None,
    controls: tuple[str, ...] = (),
    lift_tests: Mapping[str, Sequence[Any]] | None = None,
) -> ResponseBundle:
    """Fit one :class:`ResponseModel` per KPI present in ``history``. ``lift_tests``: KPI → its
    ``models.response.lift.LiftTest`` objects (see :func:`training.mmm.lift_tests_for`); without them the
    fit is exactly the one without calibration."""
    spec = spec or ResponseSpec()
    models = {}
    kpis = [k for k in KPIS if k in history]
    for i, kpi in enumerate(kpis):
        if progress:
            progress(f"fitting {kpi} response model", i / max(len(kpis), 1))
        tests = list((lift_tests or {}).get(kpi, ()))
        extra: dict[str, Any] = {"lift_tests": tests} if tests else {}
        models[kpi] = ResponseModel(replace(spec), kpi=kpi).fit(
            history,
            y=kpi,
            channels=channels,
            controls=controls,
            reported=reported_map(history, kpi, channels),
            campaigns=campaign_map(history, kpi, channels, campaigns),
            **extra,
        )
    ctx = PlanningContext.from_history(history[channels], freq, campaigns)
    return ResponseBundle(models, ctx)
