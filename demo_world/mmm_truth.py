"""The TRUE response of the media-mix (``mmm``) demo world and ``true_outcome`` for any future weekly plan.

One formula shared by the generator (``demo_world.mmm``) and the scoring function, so they cannot drift.
Per channel ``c`` and geo ``g`` (a national world has the single geo ``"national"``), week ``t``:

- ``adstock_t = decay_c · adstock_(t-1) + (1 − decay_c) · spend_t`` (normalised geometric, weekly);
- ``incremental conversions = coefficient_(c,g) · hill(adstock_t, half_saturation_(c,g), shape_c)``
  (``coefficient``: conversions per week at full saturation; ``half_saturation``: currency per week);
- ``incremental revenue = incremental conversions · aov_c``;
- ``baseline conversions = weight_g · (organic_t + price_effect · (price_index_(t,g) − 1))`` where ``organic_t``
  is the weekly sum of ``BaselineParams.conversions`` (trend, seasonality, US holidays, promotion windows and
  trend breaks) over the week's seven days; baseline revenue = baseline conversions · ``baseline.aov``;
- expected outcome = baseline + Σ over channels of the incremental (exactly; the observed ``mmm.csv`` adds noise).

Future plans: a national weekly spend per channel is split to geos by each geo's share of the channel's spend
over the last ``SHARE_WEEKS`` history weeks; adstock continues from the end of history; the price index stays
at its last value per geo; no promotion unless ``baseline.promotions`` dates one in the future.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.params import BaselineParams
from demo_world.transforms import geometric_adstock, hill

SHARE_WEEKS = 13
WEEK = pd.Timedelta(days=7)


def weekly_organic(baseline: BaselineParams, weeks: pd.DatetimeIndex) -> NDArray[np.float64]:
    """National organic conversions per week (sum of the seven days starting at each week start), ``(W,)``."""
    days = pd.date_range(weeks[0], weeks[-1] + pd.Timedelta(days=6), freq="D")
    daily = baseline.conversions(days)
    index = np.searchsorted(weeks.to_numpy(), days.to_numpy(), side="right") - 1
    return np.bincount(index, weights=daily, minlength=len(weeks))[: len(weeks)].astype(float)


def media_response(
    spend: NDArray[np.float64],
    decay: NDArray[np.float64],
    half_saturation: NDArray[np.float64],
    shape: NDArray[np.float64],
    coefficient: NDArray[np.float64],
    initial: NDArray[np.float64] | float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """True incremental conversions per week, channel and geo.

    ``spend``: ``(W, C, G)`` currency per week; ``decay``, ``shape``: ``(C,)``; ``half_saturation``,
    ``coefficient``: ``(C, G)``; ``initial``: adstock state before the first week, ``(C, G)`` or scalar.
    Returns ``(conversions (W, C, G), final adstock state (C, G))``.
    """
    w, c, g = spend.shape
    init = np.broadcast_to(np.asarray(initial, dtype=float), (c, g)).reshape(c * g)
    ad, final = geometric_adstock(spend.reshape(w, c * g), np.repeat(decay, g), init)
    ad = ad.reshape(w, c, g)
    return coefficient[None] * hill(ad, half_saturation[None], shape[:, None][None]), final.reshape(c, g)


def channel_arrays(truth: dict[str, Any]) -> dict[str, NDArray[np.float64]]:
    """The per-channel response parameters of ``truth`` as arrays (channels and geos in truth order)."""
    chans, geos = list(truth["channels"]), truth["geo_names"]
    spec = truth["channels"]
    return {
        "decay": np.array([spec[c]["adstock_decay"] for c in chans]),
        "shape": np.array([spec[c]["hill_shape"] for c in chans]),
        "aov": np.array([spec[c]["aov"] for c in chans]),
        "half_saturation": np.array([[spec[c]["by_geo"][g]["half_saturation"] for g in geos] for c in chans]),
        "coefficient": np.array([[spec[c]["by_geo"][g]["coefficient"] for g in geos] for c in chans]),
        "share_end": np.array([[spec[c]["by_geo"][g]["spend_share_end"] for g in geos] for c in chans]),
        "state_end": np.array([[spec[c]["by_geo"][g]["adstock_state_end"] for g in geos] for c in chans]),
    }


def reference_plan(truth: dict[str, Any], weeks: int, start: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Business as usual: every channel's mean national weekly spend over the last ``SHARE_WEEKS`` history
    weeks, for ``weeks`` weeks from ``start`` (default: the week after the history). Index ``week``."""
    first = pd.Timestamp(start) if start is not None else pd.Timestamp(truth["end"]) + WEEK
    idx = pd.date_range(first, periods=weeks, freq="7D", name="week")
    recent = truth["recent_spend"]
    means = {c: float(np.mean(v)) for c, v in recent["channels"].items()}
    return pd.DataFrame({c: np.full(weeks, means[c]) for c in truth["channels"]}, index=idx)


def true_outcome(truth: dict[str, Any], plan: pd.DataFrame, *, by_geo: bool = False) -> pd.DataFrame:
    """TRUE expected outcome of a future weekly spend plan (no noise).

    ``truth``: the ``truth.json`` document of an mmm world; ``plan``: index = consecutive week starts (7 days
    apart) after the history's last week, columns = channel names (missing channels spend 0), values = national
    spend per week (currency). Weeks between the history and the plan's first week follow ``reference_plan``.
    Returns one row per plan week (index ``week``): ``baseline_conversions``, ``baseline_revenue``,
    ``<channel>_conversions``, ``<channel>_revenue`` for every channel, ``total_conversions``, ``total_revenue``.
    With ``by_geo`` the same columns per (week, geo), long, with a ``geo`` column and a default index.
    """
    chans, geos = list(truth["channels"]), truth["geo_names"]
    idx = pd.DatetimeIndex(pd.to_datetime(plan.index))
    end = pd.Timestamp(truth["end"])
    if len(idx) == 0:
        raise ValueError("plan is empty")
    if (idx[1:] - idx[:-1] != WEEK).any():
        raise ValueError("plan index must be consecutive week starts, 7 days apart")
    if idx[0] <= end or (idx[0] - end) % WEEK != pd.Timedelta(0):
        raise ValueError(f"plan must start on a week start after the history's last week {end.date()}, got {idx[0]}")
    unknown = sorted(set(map(str, plan.columns)) - set(chans))
    if unknown:
        raise ValueError(f"unknown channels in plan: {unknown}; known: {chans}")
    values = plan.set_axis(list(map(str, plan.columns)), axis=1).reindex(columns=chans, fill_value=0.0)
    national = values.to_numpy(dtype=float)
    if (national < 0).any() or not np.isfinite(national).all():
        raise ValueError("plan spend must be finite and >= 0")
    n_gap = int((idx[0] - end) / WEEK) - 1
    if n_gap > 0:
        national = np.vstack([reference_plan(truth, n_gap).to_numpy(dtype=float), national])
        idx = pd.date_range(end + WEEK, idx[-1], freq="7D")
    arr = channel_arrays(truth)
    spend = national[:, :, None] * arr["share_end"][None]
    inc, _ = media_response(
        spend, arr["decay"], arr["half_saturation"], arr["shape"], arr["coefficient"], arr["state_end"]
    )
    base = baseline_parameters(truth)
    organic = weekly_organic(base, idx)
    controls = truth["controls"]["price_index"]
    weights = np.array([truth["geo_weights"][g] for g in geos])
    price = np.array([controls["last"][g] for g in geos])
    base_conv = weights[None] * (organic[:, None] + controls["effect"] * (price[None] - 1.0))
    frame = outcome_frame(idx, chans, geos, base_conv, base_conv * base.aov, inc, inc * arr["aov"][None, :, None])
    frame = frame.iloc[n_gap * len(geos) :].reset_index(drop=True)
    if by_geo:
        return frame
    out = frame.drop(columns="geo").groupby("week").sum()
    return out


def baseline_parameters(truth: dict[str, Any]) -> BaselineParams:
    """The organic baseline of ``truth`` (``BaselineParams``)."""
    return BaselineParams.from_dict(truth["baseline"])


def outcome_frame(
    weeks: pd.DatetimeIndex,
    channels: list[str],
    geos: list[str],
    base_conv: NDArray[np.float64],
    base_rev: NDArray[np.float64],
    inc_conv: NDArray[np.float64],
    inc_rev: NDArray[np.float64],
) -> pd.DataFrame:
    """Long (week, geo) frame of the expected outcome's parts: baselines ``(W, G)``, incrementals ``(W, C, G)``."""
    w, g = base_conv.shape
    cols: dict[str, Any] = {
        "week": np.repeat(weeks.to_numpy(), g),
        "geo": np.tile(np.array(geos, dtype=object), w),
        "baseline_conversions": base_conv.ravel(),
        "baseline_revenue": base_rev.ravel(),
    }
    for k, ch in enumerate(channels):
        cols[f"{ch}_conversions"] = inc_conv[:, k, :].ravel()
        cols[f"{ch}_revenue"] = inc_rev[:, k, :].ravel()
    cols["total_conversions"] = base_conv.ravel() + inc_conv.sum(axis=1).ravel()
    cols["total_revenue"] = base_rev.ravel() + inc_rev.sum(axis=1).ravel()
    return pd.DataFrame(cols)
