"""On the demo world (seed 7): every planted campaign problem is its campaign's first finding, at the right
stage, dated within 7 days; no healthy campaign gets a failing verdict. (benchmarks/diagnose_accuracy.py
runs the same on three seeds.)"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from advisor.diagnostics import PeriodError, Scope, Status, Verdict, diagnose


@pytest.mark.slow
def test_planted_problems_are_found_on_the_demo_world() -> None:
    from demo_world import generate_world

    world = generate_world(seed=7)
    cd = world.tables["campaign_daily"]
    end = pd.Timestamp(cd["date"].max())
    start = (end - pd.Timedelta(days=179)).date()
    planted = {p["campaign_id"]: p for p in world.truth["problems"] if p.get("campaign_id")}
    assert len(planted) == 3
    failing_healthy = []
    for cid in sorted(cd["campaign_id"].unique()):
        try:
            d = diagnose(cd, Scope("campaign_id", cid), start, end.date())
        except PeriodError:
            continue
        top = d.findings[0]
        if cid in planted:
            p = planted[cid]
            assert top.status is Status.FAILING, (cid, top)
            assert top.stage == p["stage"], (cid, top)
            assert top.started is not None and abs((top.started - date.fromisoformat(p["start"])).days) <= 7
        elif d.verdict is Verdict.FAILING:
            failing_healthy.append(cid)
    assert not failing_healthy
