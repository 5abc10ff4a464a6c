"""End-to-end `diagnose` on the synthetic world: JSON contract, ranking, verdicts, bad input, drivers,
attribution."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from advisor.diagnostics import (
    DiagnoseConfig,
    Finding,
    PeriodError,
    Scope,
    ScopeError,
    Status,
    Verdict,
    diagnose,
    rank_findings,
)
from advisor.diagnostics.attribution import UNAVAILABLE, attribution
from models.explain import CAUSALITY_NOTE, UNEXPLAINED
from models.transforms import ChannelTransform

PERIOD = ("2025-04-01", "2025-07-19")


def test_json_contract_and_planted_problem_first(world, drivers) -> None:
    d = diagnose(world, Scope("campaign_id", "c2"), *PERIOD, models=drivers)
    doc = json.loads(json.dumps(d.to_dict()))  # JSON-safe
    for key in ("verdict", "kpis", "findings", "drivers", "anomalies", "recommendations", "summary"):
        assert key in doc
    assert doc["recommendations"] == []
    assert doc["verdict"] == "failing"
    top = doc["findings"][0]
    assert set(top) >= {"check", "status", "kpi", "stage", "message", "started"}
    assert (top["check"], top["stage"], top["status"]) == ("conversion_rate_drop", "conversion_rate", "failing")
    assert abs((pd.Timestamp(top["started"]) - pd.Timestamp("2025-05-21")).days) <= 7
    kpis = {k["kpi"]: k for k in doc["kpis"]}
    p = world[(world.campaign_id == "c2") & (world.date >= PERIOD[0]) & (world.date <= PERIOD[1])]
    assert kpis["conversion_rate"]["value"] == pytest.approx(p.conversions.sum() / p.clicks.sum())
    assert kpis["conversion_rate"]["expected"] is not None
    assert doc["drivers_note"] == CAUSALITY_NOTE
    assert {"feature", "impact", "kpi"} <= set(doc["drivers"][0])
    assert doc["summary"].startswith("campaign c2, 2025-04-01..2025-07-19: failing.")


def test_drivers_split_the_change_exactly(world, drivers) -> None:
    d = diagnose(world, Scope("campaign_id", "c6"), *PERIOD, models=drivers, top_drivers=100)
    cvr = [x for x in d.drivers if x.kpi == "conversion_rate"]
    rows = world[world.campaign_id == "c6"]
    cur = rows[(rows.date >= PERIOD[0]) & (rows.date <= PERIOD[1])]
    ref = rows[(rows.date < PERIOD[0]) & (rows.date >= "2024-12-12")]
    change = cur.conversions.sum() / cur.clicks.sum() - ref.conversions.sum() / ref.clicks.sum()
    assert sum(x.impact for x in cvr) == pytest.approx(change, abs=1e-9)
    assert any(x.feature == UNEXPLAINED for x in cvr)


@pytest.mark.parametrize("cid", ["c1", "c4", "c5"])
def test_healthy_campaigns_are_not_failing(world, cid) -> None:
    assert diagnose(world, Scope("campaign_id", cid), *PERIOD).verdict is not Verdict.FAILING


def test_channel_and_attribute_scopes(world) -> None:
    d = diagnose(world, Scope("channel", "social"), *PERIOD)
    assert d.findings[0].stage == "ctr"  # c3's fatigue dominates the social channel
    a = diagnose(world, Scope("creative_type", "video"), *PERIOD)
    assert a.scope.label == "creative_type video" and a.verdict is not Verdict.INSUFFICIENT


def test_unknown_scope_suggests_closest(world) -> None:
    with pytest.raises(ScopeError, match="closest known: c1") as err:
        diagnose(world, Scope("campaign_id", "c1x"))
    assert "c1" in err.value.suggestions
    with pytest.raises(ScopeError, match="search"):
        diagnose(world, Scope("channel", "serch"))
    with pytest.raises(ScopeError, match="audience"):
        diagnose(world, Scope("audiense", "broad"))
    assert diagnose(world, Scope("channel", "SOCIAL"), *PERIOD).scope.value == "social"


def test_period_outside_data_or_reversed(world) -> None:
    with pytest.raises(PeriodError, match="outside the data"):
        diagnose(world, Scope("campaign_id", "c1"), "2030-01-01", "2030-02-01")
    with pytest.raises(PeriodError, match="after its end"):
        diagnose(world, Scope("campaign_id", "c1"), "2025-05-01", "2025-04-01")
    with pytest.raises(PeriodError, match="ISO date"):
        diagnose(world, Scope("campaign_id", "c1"), "yesterday", "2025-04-01")


def test_too_little_data_gives_insufficient_not_a_diagnosis(world) -> None:
    d = diagnose(world, Scope("campaign_id", "c2"), "2025-07-10", "2025-07-19")
    assert d.verdict is Verdict.INSUFFICIENT
    assert [f.check for f in d.findings] == ["data_sufficiency"]
    strict = DiagnoseConfig(min_conversions=10**9)
    assert diagnose(world, Scope("campaign_id", "c2"), *PERIOD, config=strict).verdict is Verdict.INSUFFICIENT


def test_ranking_and_targets(world) -> None:
    small = Finding("a", Status.FAILING, "", impact_revenue=-10.0)
    big = Finding("b", Status.FAILING, "", impact_revenue=-1000.0)
    warn = Finding("c", Status.WARNING, "", impact_revenue=-1e9)
    assert [f.check for f in rank_findings([warn, small, big])] == ["b", "a", "c"]
    targets = [{"kpi": "roas", "target": 100.0, "scope": {"campaign_id": "c1"}}]
    d = diagnose(world, Scope("campaign_id", "c1"), *PERIOD, targets=targets)
    roas = next(k for k in d.kpis if k["kpi"] == "roas")
    assert roas["target"] == 100.0 and roas["status"] == "off_track"
    assert any(f.check == "kpi_vs_target" and f.kpi == "roas" for f in d.findings)
    assert d.verdict is Verdict.UNDER_PERFORMING
    easy = [{"kpi": "roas", "target": 0.1, "scope": {"channel": "search"}}]
    ok = diagnose(world, Scope("campaign_id", "c1"), *PERIOD, targets=easy)
    if not any(f.status in (Status.WARNING, Status.FAILING) for f in ok.findings):
        assert ok.verdict is Verdict.SUCCEEDING


class _Fitted:
    def __init__(self) -> None:
        self.channels = ["search"]
        self.transforms = {"search": ChannelTransform(decay=0.0, half_saturation=1e9, shape=1.0, beta=2e9)}
        self.beta_cov = [[(0.5e9) ** 2]]


class _Model:
    fitted = _Fitted()


def test_attribution_unavailable_then_from_a_response_model(world) -> None:
    rows = attribution(world, *PERIOD)
    assert {r.channel for r in rows} == {"search", "social", "display"}
    assert all(r.incremental_conversions is None and r.incremental_source == UNAVAILABLE for r in rows)
    assert all(r.to_dict()["claim_ratio_revenue"] is None for r in rows)
    # Hill with huge half-saturation and shape 1 is linear: contribution = beta * spend / k = 2 * spend
    got = attribution(world, *PERIOD, response={"revenue": _Model()}, channels=["search"])[0]
    assert got.incremental_revenue == pytest.approx(2 * got.spend, rel=1e-6)
    lo, hi = got.incremental_revenue_95 or (0, 0)
    assert lo == pytest.approx(2 * got.spend * (1 - 1.96 * 0.25), rel=1e-6) and hi > got.incremental_revenue
    assert got.incremental_roi == pytest.approx(1.0, rel=1e-4)
    assert got.claim_ratio("revenue") == pytest.approx(got.reported_revenue / got.incremental_revenue)
    assert got.incremental_conversions is None  # no conversions model given
    d = diagnose(world, Scope("campaign_id", "c1"), *PERIOD, response={"revenue": _Model()})
    assert d.to_dict()["attribution"][0]["channel"] == "search"
    assert np.isfinite(d.to_dict()["attribution"][0]["incremental_revenue"])


def test_string_dtypes_work_like_object(world) -> None:
    typed = world.astype({c: "string" for c in ("campaign_id", "channel", "audience", "creative_type")})
    d = diagnose(typed, Scope("campaign_id", "c6"), *PERIOD)
    assert d.findings[0].check == "audience_change"
