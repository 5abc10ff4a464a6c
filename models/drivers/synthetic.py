"""A small synthetic ``campaign_daily`` frame with optional planted problems, for tests, docs and benchmarks
that must not depend on the demo world. Six campaigns over three channels; funnel per day:
impressions = spend / CPM · 1000, clicks ~ Binomial(impressions, CTR), conversions ~ Binomial(clicks, CVR),
revenue = sum of Gamma order values (mean 60).

Planted problems ``{campaign_id: (kind, day_index)}``: ``fatigue`` (CTR decays 2 %/day from the day),
``landing_page`` (CVR × 0.35 from the day), ``audience`` (CVR × 0.5 and the ``audience`` attribute switched
to ``broad`` from the day).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

CAMPAIGNS: tuple[tuple[str, str, str, str], ...] = (
    ("c1", "search", "broad", "text"),
    ("c2", "search", "lookalike", "text"),
    ("c3", "social", "broad", "video"),
    ("c4", "social", "retarget", "image"),
    ("c5", "display", "broad", "image"),
    ("c6", "display", "lookalike", "video"),
)
_CTR = {"search": 0.04, "social": 0.012, "display": 0.004}
_CPM = {"search": 20.0, "social": 8.0, "display": 3.0}
_CVR = {"broad": 0.03, "lookalike": 0.04, "retarget": 0.06}


def synthetic_campaign_daily(
    seed: int = 0,
    days: int = 180,
    start: str = "2025-01-01",
    problems: Mapping[str, tuple[str, int]] | None = None,
) -> pd.DataFrame:
    """Frame with SPEC §2 columns plus ``audience`` and ``creative_type``; shape (6·days, 10)."""
    rng = np.random.default_rng(seed)
    planted = dict(problems or {})
    dates = pd.date_range(start, periods=days, freq="D")
    rows = []
    for cid, ch, aud, cre in CAMPAIGNS:
        budget = rng.uniform(300, 800)
        kind, day = planted.get(cid, ("", days))
        for t, d in enumerate(dates):
            spend = budget * (1 + 0.2 * np.sin(2 * np.pi * t / 7)) * rng.lognormal(0, 0.1)
            impr = int(spend / (_CPM[ch] * rng.lognormal(0, 0.05)) * 1000)
            ctr, cvr = _CTR[ch], _CVR[aud]
            if t >= day:
                ctr *= np.exp(-0.02 * (t - day)) if kind == "fatigue" else 1.0
                cvr *= {"landing_page": 0.35, "audience": 0.5}.get(kind, 1.0)
            clicks = int(rng.binomial(impr, min(ctr * rng.lognormal(0, 0.05), 1.0)))
            conv = int(rng.binomial(clicks, min(cvr * rng.lognormal(0, 0.05), 1.0)))
            rev = float(rng.gamma(4.0, 15.0, size=conv).sum()) if conv else 0.0
            rows.append(
                {
                    "date": d.date().isoformat(),
                    "campaign_id": cid,
                    "channel": ch,
                    "spend": round(spend, 2),
                    "impressions": impr,
                    "clicks": clicks,
                    "conversions": conv,
                    "revenue": round(rev, 2),
                    "audience": "broad" if kind == "audience" and t >= day else aud,
                    "creative_type": cre,
                }
            )
    return pd.DataFrame(rows)
