"""Assembles the ``truth.json`` of an mmm world (``demo_world.mmm``): parameters per channel and geo, totals,
the weekly national series (``series``) and per geo (``geo_series``), and everything ``mmm_truth.true_outcome``
needs (adstock state and spend shares at the end of history, the last price index, recent spend).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from demo_world.channels import ChannelProfile
from demo_world.mmm_truth import SHARE_WEEKS

SCHEMA_VERSION = "mmm-1.0"
NOISE_SD = 0.02  # relative s.d. of weekly national outcomes; a geo's is NOISE_SD / sqrt(weight), at most 0.3


CONVENTIONS = {
    "adstock": "normalised geometric per channel and geo, weekly: a_t = decay * a_(t-1) + (1 - decay) * spend_t; "
    "the state before the first week is the first week's spend (the channels ran before the history)",
    "hill": "h(a) = a^shape / (a^shape + half_saturation^shape); half_saturation in currency per week",
    "incremental_conversions": "coefficient (channel, geo) * h(adstock_t) per week",
    "incremental_revenue": "incremental_conversions * aov (channel)",
    "baseline": "geo weight * (weekly sum of the daily baseline formula (BaselineParams: trend, seasonality, US "
    "holidays, promotions, trend breaks) + controls.price_index.effect * (price_index - 1)); baseline revenue = "
    "baseline conversions * baseline.aov",
    "expected": "baseline + sum over channels of the incremental, per week and geo (series: national sums)",
    "observed": f"conversions = round(expected * (1 + sd * z)), sd = {NOISE_SD} / sqrt(geo weight) (at most 0.3); "
    "revenue = expected * (1 + sd * (0.8 z + 0.6 z')), z, z' standard normal",
    "future": f"demo_world.mmm_truth.true_outcome: national plan split to geos by the last {SHARE_WEEKS} weeks' "
    "spend shares, adstock continues from adstock_state_end, price index held at its last value",
    "channel_roas": "true incremental revenue over the history / spend over the history",
}


def build_mmm_truth(
    *,
    seed: int,
    weeks: pd.DatetimeIndex,
    geo_names: list[str],
    weights: NDArray[np.float64],
    names: list[str],
    profiles: tuple[ChannelProfile, ...],
    params: dict[str, NDArray[np.float64]],
    spend: NDArray[np.float64],
    state_end: NDArray[np.float64],
    expected: pd.DataFrame,
    baseline: Any,
    price: NDArray[np.float64],
    price_effect: float,
    sharing: list[str],
) -> dict[str, Any]:
    """The ``truth.json`` document (see ``CONVENTIONS`` and ``mmm_truth``)."""
    n_weeks = len(weeks)
    share_end = spend[-SHARE_WEEKS:].sum(axis=0) / np.maximum(spend[-SHARE_WEEKS:].sum(axis=(0, 2))[:, None], 1e-12)
    by_geo_hist = expected.groupby("geo", sort=False).sum(numeric_only=True)
    national = expected.drop(columns="geo").groupby("week").sum()
    channels: dict[str, Any] = {}
    for k, ch in enumerate(names):
        total_spend = float(spend[:, k, :].sum())
        inc_c = float(national[f"{ch}_conversions"].sum())
        inc_r = float(national[f"{ch}_revenue"].sum())
        channels[ch] = {
            "adstock_decay": float(params["decay"][k]),
            "hill_shape": float(params["shape"][k]),
            "aov": float(params["aov"][k]),
            "spend": total_spend,
            "true_incremental": {"conversions": inc_c, "revenue": inc_r},
            "true_roas": inc_r / total_spend if total_spend > 0 else None,
            "shares_burst_pattern": ch in sharing,
            "claim_factor_profile": profiles[k].claim_factor,
            "by_geo": {
                g: {
                    "coefficient": float(params["coefficient"][k, j]),
                    "half_saturation": float(params["half"][k, j]),
                    "spend": float(spend[:, k, j].sum()),
                    "spend_share_end": float(share_end[k, j]),
                    "adstock_state_end": float(state_end[k, j]),
                    "true_incremental": {
                        "conversions": float(by_geo_hist.loc[g, f"{ch}_conversions"]),
                        "revenue": float(by_geo_hist.loc[g, f"{ch}_revenue"]),
                    },
                }
                for j, g in enumerate(geo_names)
            },
        }
    series = {"week": [d.date().isoformat() for d in national.index]}
    series.update({c: national[c].tolist() for c in national.columns})
    geo_series = (
        {}
        if len(geo_names) == 1
        else {
            g: {c: part[c].tolist() for c in part.columns if c not in ("week", "geo")}
            for g, part in expected.groupby("geo", sort=False)
        }
    )
    recent = spend[-SHARE_WEEKS:].sum(axis=2)
    return {
        "schema_version": SCHEMA_VERSION,
        "layout": "mmm",
        "generator": "demo_world.mmm.generate_mmm_world",
        "seed": seed,
        "freq": "W",
        "start": weeks[0].date().isoformat(),
        "end": weeks[-1].date().isoformat(),
        "weeks": n_weeks,
        "currency": "USD",
        "conventions": CONVENTIONS,
        "geo_names": geo_names,
        "geos": geo_names if len(geo_names) > 1 else [],
        "geo_weights": {g: float(w) for g, w in zip(geo_names, weights, strict=True)},
        "channels": channels,
        "baseline": {
            **baseline.to_dict(),
            "formula": "daily: level * exp(growth * years) * weekly[weekday] * yearly(doy) * holiday * promotions * "
            "trend breaks (BaselineParams); weekly: sum over the week's 7 days",
            "true_total": {
                "conversions": float(national["baseline_conversions"].sum()),
                "revenue": float(national["baseline_revenue"].sum()),
            },
        },
        "controls": {
            "price_index": {
                "effect": price_effect,
                "unit": "national conversions per week per unit of price index (times the geo weight per geo)",
                "last": {g: float(price[-1, j]) for j, g in enumerate(geo_names)},
            }
        },
        "events": {"promo_days": "promotion days in the week; their lift is in baseline.promotions"},
        "totals": {
            "conversions": float(national["total_conversions"].sum()),
            "revenue": float(national["total_revenue"].sum()),
            "spend": float(spend.sum()),
        },
        "recent_spend": {
            "weeks": [d.date().isoformat() for d in weeks[-SHARE_WEEKS:]],
            "channels": {ch: recent[:, k].tolist() for k, ch in enumerate(names)},
        },
        "series": series,
        "geo_series": geo_series,
    }
