"""Targets status/attainment and the department scorecard, checked by hand on the October 2026 fixture."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from advisor.data import TargetsFile
from advisor.kpis import UnknownKpiError, assess, build_scorecard

# October 2026 values of the fixture (see conftest): roi 1.4, conversion_rate 28/750, engagement_rate
# 1120/75000, clv 62.5, csat 4.0, nps 40, research_studies 2 + 4 = 6, research_quality (4 + 3)/2 = 3.5,
# cpa of channel search 400/20 = 20.
TARGETS = {
    "targets": [
        {"kpi": "roi", "target": 2.0},  # off track (1.4 < 1.8), score 70
        {"kpi": "conversion_rate", "target": 0.04},  # at risk (0.0373 >= 0.036), score 93.33
        {"kpi": "engagement_rate", "target": 0.01},  # on track, 100
        {"kpi": "clv", "target": 50},  # on track, 100
        {"kpi": "csat", "target": 4.5},  # off track (4.0 < 4.05), score 88.89
        {"kpi": "nps", "target": 40},  # on track (equal), 100
        {"kpi": "research_studies", "target": 5},  # on track, 100
        {"kpi": "research_quality", "target": 4.0},  # off track (3.5 < 3.6), score 87.5
        {"kpi": "cpa", "target": 25, "scope": {"channel": "search"}},  # replaced by the October target below
        {"kpi": "cpa", "target": 15, "scope": {"channel": "search"}, "period": "2026-10-01..2026-10-31"},  # 75
        {"kpi": "cpa", "target": 1, "period": "2026-09"},  # another period: not shown
    ],
    "weights": {"outcome": 2, "customer": 1, "process": 1, "roi": 2},
}


def test_assess_status_and_score() -> None:
    a = assess(95, 100, "higher")
    assert (a.status, a.score, a.gap) == ("at_risk", 95.0, -5.0)
    assert assess(89.9, 100, "higher").status == "off_track"
    assert assess(120, 100, "higher").score == 100.0
    b = assess(25, 20, "lower")
    assert (b.status, b.score) == ("off_track", pytest.approx(80.0))
    assert assess(21.9, 20, "lower").status == "at_risk"
    assert assess(15, 20, "lower").status == "on_track"
    assert assess(21.9, 20, "lower", tolerance=0.05).status == "off_track"
    # non-positive targets: linear fall-off with the shortfall
    c = assess(-15, -10, "higher")
    assert (c.status, c.score) == ("off_track", pytest.approx(50.0))
    assert assess(-10.5, -10, "higher").status == "at_risk"
    assert assess(None, 3, "higher").status == "no_data"
    assert assess(3, None, "higher").status == "no_target"
    with pytest.raises(ValueError):
        assess(1, 1, "up")


def test_scorecard_by_hand(tables: dict[str, pd.DataFrame]) -> None:
    card = build_scorecard(tables, TARGETS, period="2026-10")
    doc = card.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["period"] == "2026-10" and doc["start"] == "2026-10-01" and doc["end"] == "2026-10-31"
    assert [g["name"] for g in doc["groups"]] == ["outcome", "customer", "process", "efficiency"]

    status = {(ln.kpi, ln.scope): (ln.status, ln.score) for g in card.groups for ln in g.lines}
    assert status[("roi", ())] == ("off_track", pytest.approx(70.0))
    assert status[("conversion_rate", ())] == ("at_risk", pytest.approx(100 * (28 / 750) / 0.04))
    assert status[("engagement_rate", ())] == ("on_track", 100.0)
    assert status[("clv", ())] == ("on_track", 100.0)
    assert status[("csat", ())] == ("off_track", pytest.approx(100 * 4 / 4.5))
    assert status[("nps", ())] == ("on_track", 100.0)
    assert status[("research_studies", ())] == ("on_track", 100.0)
    assert status[("research_quality", ())] == ("off_track", pytest.approx(87.5))
    assert status[("creativity_score", ())] == ("no_target", None)
    assert status[("cpa", (("channel", "search"),))] == ("off_track", pytest.approx(75.0))
    assert ("cpa", ()) not in status  # its only unscoped target is for September

    outcome = (2 * 70 + 100 * (28 / 750) / 0.04 + 100 + 100) / 5
    customer = (100 * 4 / 4.5 + 100) / 2
    process = (100 + 87.5) / 2  # creativity and cross-team rating have no target: no weight
    groups = {g["name"]: g for g in doc["groups"]}
    assert groups["outcome"]["score"] == pytest.approx(outcome)
    assert groups["customer"]["score"] == pytest.approx(customer)
    assert groups["process"]["score"] == pytest.approx(process)
    assert groups["efficiency"]["score"] == pytest.approx(75.0)
    assert [groups[n]["weight"] for n in ("outcome", "customer", "process", "efficiency")] == [0.5, 0.25, 0.25, 0.0]
    assert doc["score"] == pytest.approx((2 * outcome + customer + process) / 4)
    roi_line = groups["outcome"]["kpis"][0]
    assert roi_line["kpi"] == "roi" and roi_line["weight"] == pytest.approx(0.4)
    assert roi_line["value"] == pytest.approx(1.4) and roi_line["target"] == 2.0 and roi_line["unit"] == "ratio"
    assert set(roi_line) >= {"kpi", "name", "value", "target", "status", "unit", "score", "change"}


def test_scorecard_change_against_previous_period(tables: dict[str, pd.DataFrame]) -> None:
    card = build_scorecard(tables, TARGETS, period="2026-10")
    studies = card.line("research_studies")
    assert (studies.value, studies.change, studies.change_relative) == (6.0, 3.0, 1.0)  # September: 3
    roi = card.line("roi")
    assert roi.change is None  # no campaign data in September


def test_scorecard_accepts_targets_file_and_equal_weights(tables: dict[str, pd.DataFrame]) -> None:
    tf = TargetsFile.model_validate({"targets": [{"kpi": "roi", "target": 2.0}, {"kpi": "nps", "target": 50}]})
    card = build_scorecard(tables, tf, period="2026-10")
    groups = {g.name: g for g in card.groups}
    assert groups["outcome"].score == pytest.approx(70.0)  # only roi has a target there
    assert groups["customer"].score == pytest.approx(80.0)  # nps 40 of 50
    assert groups["process"].score is None and groups["process"].weight == 0.0
    assert card.score == pytest.approx(75.0)  # equal weights over the two scored groups
    assert groups["outcome"].weight == pytest.approx(0.5)


def test_scorecard_tolerance_is_configurable(tables: dict[str, pd.DataFrame]) -> None:
    card = build_scorecard(tables, TARGETS, period="2026-10", tolerance=0.2)
    assert card.line("csat").status == "at_risk"
    assert card.line("roi").status == "off_track"


def test_scorecard_default_period_is_last_full_month(tables: dict[str, pd.DataFrame]) -> None:
    assert build_scorecard(tables, TARGETS).period == "2026-09"  # data ends 2026-10-03
    extended = dict(tables)
    cd = tables["campaign_daily"]
    extended["campaign_daily"] = pd.concat([cd, cd.assign(date=pd.Timestamp("2026-10-31"))], ignore_index=True)
    assert build_scorecard(extended, TARGETS).period == "2026-10"


def test_unknown_kpi_in_targets_lists_valid_ids(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(UnknownKpiError, match=r"unknown KPI id 'roe' \(in targets\); valid ids: .*roi"):
        build_scorecard(tables, {"targets": [{"kpi": "roe", "target": 1}]}, period="2026-10")
    with pytest.raises(ValueError, match="target must be a number"):
        build_scorecard(tables, [{"kpi": "roi", "target": "high"}], period="2026-10")


def test_scorecard_is_frozen(tables: dict[str, pd.DataFrame]) -> None:
    card = build_scorecard(tables, TARGETS, period="2026-10")
    with pytest.raises(AttributeError):
        card.score = 100.0  # type: ignore[misc]


def test_target_status_on_a_kpi_table(tables: dict[str, pd.DataFrame]) -> None:
    from advisor.kpis import compute_kpis, target_status

    t = compute_kpis(tables, by=["channel"], kpis=["cpa", "roi"])
    targets = [
        {"kpi": "cpa", "target": 15},  # every channel
        {"kpi": "cpa", "target": 25, "scope": {"channel": "search"}},  # wins for search
        {"kpi": "roi", "target": 1.2, "scope": {"audience": "young"}},  # not a group column: never applies
    ]
    st = target_status(t, targets)
    got = {(r.row, r.kpi): (r.target, r.status) for r in st.itertuples()}
    search, social = t.find(channel="search"), t.find(channel="social")
    assert got == {(search, "cpa"): (25.0, "on_track"), (social, "cpa"): (15.0, "on_track")}
    st2 = target_status(t, [{"kpi": "cpa", "target": 11.5}])
    assert st2.set_index("row").loc[social, "status"] == "at_risk"  # 12.5 within 10 % of 11.5
    assert st2.set_index("row").loc[search, "status"] == "off_track"
