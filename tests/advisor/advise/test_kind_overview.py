"""``overview`` kind: the scorecard against targets plus channel returns; without targets one note and the last
28 days against the 28 before."""

from __future__ import annotations

import dataclasses
import sys

import pandas as pd
import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.overview import handle
from advisor.advise.question import Lang, Question
from advisor.core.words import kpi_name
from advisor.narrative.template import num

answers = sys.modules["kpi_advise_answers"]
latin_words, rendered, assert_verified = answers.latin_words, answers.rendered, answers.assert_verified


@pytest.fixture(scope="module")
def env_no_targets(targets_env: Env) -> Env:
    return dataclasses.replace(targets_env, dataset=dataclasses.replace(targets_env.dataset, targets=None))


def ask(env: Env, lang: Lang = "en") -> Answer:
    return handle(Question(text="How are we doing?", kind="overview", lang=lang), env)


def test_scorecard_lead_with_off_track_kpis_against_targets(targets_env: Env) -> None:
    ans = ask(targets_env)
    assert [a.name for a in ans.analyses] == ["scorecard", "returns"] and ans.notes == ()
    sc = ans.analyses[0].result
    off = [k for g in sc["groups"] for k in g["kpis"] if k["status"] == "off_track" and k["value"] is not None]
    kpis = [k for g in sc["groups"] for k in g["kpis"] if k["value"] is not None]
    lead = ans.lines[0]
    assert lead.startswith(f"Composite score {num(sc['score'], 'en', 1)} of 100 for {sc['period']}")
    assert f"{len(off)} of {len(kpis)} KPIs off track" in lead
    for k in off:
        assert kpi_name(k["kpi"], "en") in lead
    assert any(line.startswith("Channel returns:") for line in ans.lines)


def test_recommendations_follow_the_returns_line(targets_env: Env) -> None:
    ans = ask(targets_env)
    roi = {c["channel"]: c["marginal_roi"] for c in ans.analyses[1].result["channels"] if c["marginal_roi"] is not None}
    best = max(roi, key=roi.__getitem__)
    assert f'highest for channel "{best}"' in "\n".join(ans.lines)
    moves = [r for r in ans.recommendations if r.id == "move_budget"]
    for m in moves:  # money moves from a lower to a higher marginal return, never out of the best channel
        src, dst = m.scope["channel"], m.evidence["to_channel"]
        assert roi[src] < roi[dst] and src != best
    assert not any("No corrective action" in line for line in ans.lines)


def test_without_targets_one_note_and_a_useful_answer(env_no_targets: Env) -> None:
    ans = ask(env_no_targets)
    assert [a.name for a in ans.analyses] == ["kpis_recent", "returns"]
    assert len(ans.notes) == 1 and "targets.yaml" in ans.notes[0]
    assert not any("target" in line for line in ans.lines)
    res = ans.analyses[0].result
    end = pd.Timestamp(env_no_targets.dataset.campaign_daily["date"].max())
    assert (res["from"], res["to"]) == (str((end - pd.Timedelta(days=27)).date()), str(end.date()))
    assert ans.lines[0].startswith(f"Last 28 days ({res['from']}..{res['to']}) against the 28 before")
    # every KPI that moved by 2% or more is in the lead, on the side its catalog direction says
    for k in res["kpis"]:
        if k["kpi"] != "spend" and k["change_rel"] is not None and abs(k["change_rel"]) >= res["flat"]:
            assert kpi_name(k["kpi"], "en") in ans.lines[0]


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("targets", [True, False])
def test_answer_verifies_in_both_languages(targets_env: Env, env_no_targets: Env, lang: Lang, targets: bool) -> None:
    e = targets_env if targets else env_no_targets
    ans = ask(e, lang)
    assert_verified(ans, e)
    if lang == "ru":
        assert latin_words(rendered(ans)) == [], rendered(ans)
        assert not targets or ans.lines[0].startswith("Общий балл")
