"""off_target kind: the scorecard's off-target KPIs and what drives each; without targets one note and a useful
answer all the same."""

from __future__ import annotations

import dataclasses
import re
import sys
from typing import Any

import pytest

from advisor.advise.kinds import off_target
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Lang, Question
from advisor.data import Dataset

answers = sys.modules["kpi_advise_answers"]


def _env(targets_dataset: Dataset) -> Env:
    return Env(targets_dataset, names=answers.campaign_channel_names(targets_dataset))


def _ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return off_target.handle(Question(text="Which KPIs are off target?", kind="off_target", lang=lang, **kw), env)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_off_target_kpis_and_their_drivers(targets_dataset: Dataset, lang: Lang) -> None:
    env = _env(targets_dataset)
    answer = _ask(env, lang)
    sc = answer.analyses[0]
    assert sc.name == "scorecard"
    off = [k for g in sc.result["groups"] for k in g["kpis"] if k["status"] == "off_track"]
    assert off and sc.result["off_target"] == len(off)
    assert re.search(rf"\b{len(off)}\b", answer.lines[0])
    assert len(answer.lines) == 1 + min(len(off), off_target.MAX_KPIS)
    ok, complaints = answers.verified(answer, env)
    assert ok, complaints
    if lang == "ru":
        text = "\n".join(answer.lines)
        assert answers.english_words(text) == [], answers.english_words(text)


def test_conversion_rate_question_names_the_campaigns_failing_at_that_stage(world400: Any, targets_dataset: Dataset) -> None:
    """The planted conversion-rate problems drive an off-target conversion rate; the CTR one does not."""
    answer = _ask(_env(targets_dataset), kpi="conversion_rate")
    sc = answer.analyses[0].result
    line = next(k for g in sc["groups"] for k in g["kpis"] if k["kpi"] == "conversion_rate" and not k["scope"])
    assert line["status"] == "off_track"  # the demo world's target is out of reach
    text = "\n".join(answer.lines)
    for p in world400.truth["problems"]:
        if p.get("campaign_id"):
            named = f'campaign "{p["campaign_id"]}"' in text
            assert named == (p["stage"] == "conversion_rate"), p
    assert {r.scope.get("campaign_id") for r in answer.recommendations} >= {
        p["campaign_id"] for p in world400.truth["problems"] if p.get("stage") == "conversion_rate"
    }


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_without_targets_one_note_and_a_useful_answer(world400: Any, targets_dataset: Dataset, lang: Lang) -> None:
    env = _env(dataclasses.replace(targets_dataset, targets=None))
    answer = _ask(env, lang)
    assert [n for n in answer.notes if "targets.yaml" in n] == [answer.notes[0]]  # one note, first
    assert "targets.yaml" not in "\n".join(answer.lines)  # said once, as a note, not in place of the answer
    assert answer.analyses[0].name == "kpi_moves" and answer.analyses[1].name == "attention"
    text = "\n".join(answer.lines)
    for p in world400.truth["problems"]:
        if p.get("campaign_id"):
            assert p["campaign_id"] in text
    ok, complaints = answers.verified(answer, env)
    assert ok, complaints
    if lang == "ru":
        assert answers.english_words("\n".join([text, *answer.notes])) == []
