"""``TrueWorld``: the exact expected outcomes of the demo world for any future daily spend plan.

Ground truth for forecasting benchmarks (SPEC §7): totals error, plan-effect error, regret. It reproduces the
generator's expectation (same response code, ``demo_world.response``) with the state of the world at the end
of the history persisting: planted problems that are still active (a broken landing page, a fatigued creative,
a poor audience) keep their last multipliers, adstock carries over from the last history day.

Channel → campaign split: a channel's planned spend is divided among its campaigns in proportion to each
campaign's share of the channel's spend over the last 28 history days (campaigns that had stopped get none;
the generator stops campaigns at least 30 days before the end, so every campaign with a share is running).
A plan may instead give spend per campaign id (no split). If the plan starts later than the day after the
history, the gap is filled with the reference plan (``reference_daily_spend``: business as usual).

A world generated with a ``WorldStructure`` keeps it in the future: promotions and trend breaks (also those
dated after the history end) shape the baseline of every plan; extra channels are channels like any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.params import BaselineParams, CampaignParams
from demo_world.response import aov_vector, incremental_conversions
from demo_world.structure import WorldStructure

SHARE_DAYS = 28


@dataclass(frozen=True)
class TrueWorld:
    """The truth of one demo world (from ``truth.json``). Build with ``from_json`` / ``from_dict``."""

    history_end: date
    campaigns: tuple[CampaignParams, ...]
    adstock_state: tuple[float, ...]
    quality: tuple[float, ...]
    baseline: BaselineParams
    recent_spend: pd.DataFrame  # index: last history dates; columns: campaign ids; currency per day
    truth: dict[str, Any]

    @classmethod
    def from_json(cls, path: Path | str) -> TrueWorld:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrueWorld:
        if str(d.get("schema_version", "")).split(".")[0] != "1":
            raise ValueError(f"unsupported truth schema_version {d.get('schema_version')!r} (expected 1.x)")
        camps = tuple(CampaignParams.from_dict(v) for v in d["campaigns"].values())
        rs = d["recent_spend"]
        recent = pd.DataFrame(rs["campaigns"], index=pd.DatetimeIndex(pd.to_datetime(rs["dates"]), name="date"))
        return cls(
            history_end=date.fromisoformat(d["end"]),
            campaigns=camps,
            adstock_state=tuple(float(d["campaigns"][c.campaign_id]["adstock_state_end"]) for c in camps),
            quality=tuple(
                float(
                    d["campaigns"][c.campaign_id]["quality_end"]["ctr"]
                    * d["campaigns"][c.campaign_id]["quality_end"]["cvr"]
                )
                for c in camps
            ),
            baseline=BaselineParams.from_dict(d["baseline"]),
            recent_spend=recent[[c.campaign_id for c in camps]],
            truth=d,
        )

    @property
    def structure(self) -> WorldStructure:
        """The structure the world was generated with (``truth.json`` ``structure``; default when absent)."""
        return WorldStructure.from_dict(self.truth.get("structure", {}))

    @property
    def channels(self) -> list[str]:
        """Channel names in first-seen campaign order."""
        return list(dict.fromkeys(c.channel for c in self.campaigns))

    def campaign_shares(self) -> pd.Series:
        """Share of each campaign in its channel's spend over the last 28 history days (index: campaign)."""
        tail = self.recent_spend.iloc[-SHARE_DAYS:].sum()
        ch = pd.Series({c.campaign_id: c.channel for c in self.campaigns})
        totals = tail.groupby(ch).transform("sum")
        return (tail / totals.where(totals > 0)).fillna(0.0)

    def reference_daily_spend(self, start: date | str, end: date | str) -> pd.DataFrame:
        """Reference plan R (recent run-rate): for each date in ``[start, end]`` and channel, the mean spend
        of that channel on the same weekday over the last 28 history days (currency per day)."""
        idx = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D", name="date")
        tail = self.recent_spend.iloc[-SHARE_DAYS:]
        ch = pd.Series({c.campaign_id: c.channel for c in self.campaigns})
        by_ch = tail.T.groupby(ch).sum().T
        by_dow = by_ch.groupby(by_ch.index.dayofweek).mean()
        out = by_dow.reindex(idx.dayofweek).set_axis(idx)
        return out[self.channels]

    @cached_property
    def _split(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """For each campaign: the index of its channel in ``channels`` and its share of the channel's spend."""
        shares = self.campaign_shares()
        chans = self.channels
        idx = np.array([chans.index(c.channel) for c in self.campaigns])
        return idx, np.array([float(shares[c.campaign_id]) for c in self.campaigns])

    def _campaign_matrix(self, daily_spend: pd.DataFrame) -> tuple[pd.DatetimeIndex, NDArray[np.float64]]:
        """Validate a plan and return its dates and campaign spend ``(T, C)`` (channel plans are split)."""
        idx = pd.DatetimeIndex(pd.to_datetime(daily_spend.index))
        if len(idx) == 0:
            raise ValueError("daily_spend is empty")
        if (idx[1:] - idx[:-1] != pd.Timedelta(days=1)).any():
            raise ValueError("daily_spend index must be consecutive dates")
        if idx[0] <= pd.Timestamp(self.history_end):
            raise ValueError(f"daily_spend must start after the history end {self.history_end}, got {idx[0].date()}")
        cols = set(map(str, daily_spend.columns))
        ids = [c.campaign_id for c in self.campaigns]
        by_campaign = bool(cols) and cols <= set(ids)
        known = ids if by_campaign else self.channels
        unknown = sorted(cols - set(known))
        if unknown:
            raise ValueError(
                f"unknown channels in daily_spend: {unknown}; known: {self.channels} (or campaign ids: {ids})"
            )
        plan = daily_spend.set_axis(idx).set_axis(list(map(str, daily_spend.columns)), axis=1)
        values = plan.reindex(columns=known, fill_value=0.0).to_numpy(dtype=float)
        if (values < 0).any() or not np.isfinite(values).all():
            raise ValueError("daily_spend must be finite and ≥ 0")
        if by_campaign:
            return idx, values
        ch_idx, share = self._split
        return idx, values[:, ch_idx] * share

    def expected_outcomes(self, daily_spend: pd.DataFrame) -> pd.DataFrame:
        """True expected outcomes of a daily spend plan.

        ``daily_spend``: index = consecutive dates after the history end; columns = channel names (missing
        channels spend 0) — or, for a per-campaign plan, campaign ids (missing campaigns spend 0); values =
        spend per day (currency). Returns one row per date (index ``date``) with ``baseline_conversions``,
        ``baseline_revenue``, ``<channel>_conversions``, ``<channel>_revenue`` (true incremental expectation,
        no noise) for every channel, ``total_conversions`` and ``total_revenue``.
        """
        dates, spend = self._campaign_matrix(daily_spend)
        first = pd.Timestamp(self.history_end) + pd.Timedelta(days=1)
        n_gap = (dates[0] - first).days
        if n_gap > 0:
            gap = self.reference_daily_spend(first.date(), (dates[0] - pd.Timedelta(days=1)).date())
            spend = np.vstack([self._campaign_matrix(gap)[1], spend])
            dates = pd.date_range(first, dates[-1], freq="D")
        ch_idx, _ = self._split
        inc, _ = incremental_conversions(spend, self.campaigns, np.array(self.quality), np.array(self.adstock_state))
        rev = inc * aov_vector(self.campaigns)
        base = self.baseline.conversions(dates)
        cols: dict[str, NDArray[np.float64]] = {
            "baseline_conversions": base,
            "baseline_revenue": base * self.baseline.aov,
        }
        for k, ch in enumerate(self.channels):
            cols[f"{ch}_conversions"] = inc[:, ch_idx == k].sum(axis=1)
            cols[f"{ch}_revenue"] = rev[:, ch_idx == k].sum(axis=1)
        cols["total_conversions"] = base + inc.sum(axis=1)
        cols["total_revenue"] = cols["baseline_revenue"] + rev.sum(axis=1)
        out = pd.DataFrame(cols, index=pd.DatetimeIndex(dates, name="date"))
        return out.iloc[n_gap:] if n_gap > 0 else out

    def expected_totals(self, daily_spend: pd.DataFrame) -> dict[str, float]:
        """``{"conversions", "revenue"}``: true expected totals over the plan's dates (baseline included)."""
        out = self.expected_outcomes(daily_spend)
        return {
            "conversions": float(out["total_conversions"].sum()),
            "revenue": float(out["total_revenue"].sum()),
        }
