"""The cases behind ``golden/media_no_lift.json``: response fits (reported shapes on daily data with campaigns;
spend-driven shapes on weekly data with an event control) written by the code as it stood before lift tests,
geo models and shape sources were added (schema 2), so a fit without those must reproduce them.

Regenerate only when a change of the numbers is intended: ``.venv/bin/python -m tests.models.response.golden_media``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from models.response import ResponseModel, ResponseSpec
from models.response.synthetic import synthetic_world
from training.response import campaign_map, prepare_history, reported_map

GOLDEN = Path(__file__).parent / "golden" / "media_no_lift.json"


#: the weekly spend-driven rules (priors, return shrinkage, trend hinges) switched off: the golden
#: ``spend_weekly`` numbers are those of the fit before them
WEEKLY_RULES_OFF: dict[str, Any] = {
    "weekly_priors": False, "roi_shrinkage": False, "weekly_changepoint_every": None, "weekly_detail": "none",
}


def fits() -> dict[str, ResponseModel]:
    """``reported_daily`` (240 days, US holidays, campaigns) and ``spend_weekly`` (no country, an event control)."""
    w = synthetic_world(seed=5, days=240)
    hist, ch, camp, _ = prepare_history(w.tables)
    spec = ResponseSpec(country="US", n_starts=2, seed=1)
    daily = ResponseModel(spec).fit(
        hist,
        y="conversions",
        channels=ch,
        reported=reported_map(hist, "conversions", ch),
        campaigns=campaign_map(hist, "conversions", ch, camp),
    )
    weekly = hist.resample("W-MON", label="left", closed="left").sum().iloc[:-1]
    weekly["event"] = (np.arange(len(weekly)) % 9 == 0).astype(float)
    spec_w = ResponseSpec(country=None, n_starts=2, shape_source="spend", seed=2, **WEEKLY_RULES_OFF)
    wk = ResponseModel(spec_w).fit(weekly, y="conversions", channels=ch, controls=("event",))
    return {"reported_daily": daily, "spend_weekly": wk}


def summary(m: ResponseModel) -> dict[str, Any]:
    """Transforms, coefficient covariance, summed contributions and the first 10 baseline forecasts of ``m``."""
    assert m.contributions_ is not None
    return {
        "transforms": {c: t.to_dict() for c, t in m.transforms_.items()},
        "beta_cov": np.asarray(m.fitted.beta_cov).tolist(),
        "contributions": m.contributions_.sum().to_dict(),
        "baseline_future": m.fitted.baseline_future[:10],
    }


def write() -> None:
    GOLDEN.write_text(json.dumps({k: summary(m) for k, m in fits().items()}, indent=1) + "\n")


if __name__ == "__main__":
    write()
