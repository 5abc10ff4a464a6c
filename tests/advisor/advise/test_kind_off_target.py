"""off_target kind: the scorecard's off-target KPIs and what drives each; without targets one note and a useful
answer all the same."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from advisor.advise.kinds import off_target
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Lang, Question
from advisor.core.words import ACRONYMS
from advisor.data import Dataset
from advisor.narrative.facts import collect_facts
from advisor.narrative.verify import verify
from demo_world import generate_world


@pytest.fixture(scope="module")
def world() -> Any:
    return generate_world(1, days=400)


@pytest.fixture(scope="module")
def dataset(world: Any) -> Dataset:
    return Dataset.from_frames(**world.tables, targets=world.targets)


def _env(dataset: Dataset) -> Env:
    cd = dataset.campaign_daily
    return Env(dataset, names={c: sorted(cd[c].astype(str).unique()) for c in ("campaign_id", "channel")})


def _ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return off_target.handle(Question(text="Which KPIs are off target?", kind="off_target", lang=lang, **kw), env)


def latin_words(text: str) -> list[str]:
    """Latin-script words outside quoted data values («…», "…") that are not acronyms."""
    bare = re.sub(r"«[^»]*»|\"[^\"]*\"", " ", text)
    return [w for w in re.findall(r"[A-Za-z]+(?::[A-Za-z]+)*", bare) if w not in ACRONYMS]


def _verified(answer: Answer, env: Env) -> tuple[bool, tuple[str, ...]]:
    result = {"analyses": [a.to_dict() for a in answer.analyses],
              "recommendations": [r.to_dict() for r in answer.recommendations]}
    v = verify("\n".join(answer.lines + answer.notes), collect_facts(result, [n for x in env.names.values() for n in x]))
    return v.ok, v.complaints


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_off_target_kpis_and_their_drivers(dataset: Dataset, lang: Lang) -> None:
    env = _env(dataset)
    answer = _ask(env, lang)
    sc = answer.analyses[0]
    assert sc.name == "scorecard"
    off = [k for g in sc.result["groups"] for k in g["kpis"] if k["status"] == "off_track"]
    assert off and sc.result["off_target"] == len(off)
    assert re.search(rf"\b{len(off)}\b", answer.lines[0])
    assert len(answer.lines) == 1 + min(len(off), off_target.MAX_KPIS)
    ok, complaints = _verified(answer, env)
    assert ok, complaints
    if lang == "ru":
        text = "\n".join(answer.lines)
        assert latin_words(text) == [], latin_words(text)


def test_conversion_rate_question_names_the_campaigns_failing_at_that_stage(world: Any, dataset: Dataset) -> None:
    """The planted conversion-rate problems drive an off-target conversion rate; the CTR one does not."""
    answer = _ask(_env(dataset), kpi="conversion_rate")
    sc = answer.analyses[0].result
    line = next(k for g in sc["groups"] for k in g["kpis"] if k["kpi"] == "conversion_rate" and not k["scope"])
    assert line["status"] == "off_track"  # the demo world's target is out of reach
    text = "\n".join(answer.lines)
    for p in world.truth["problems"]:
        if p.get("campaign_id"):
            named = f'campaign "{p["campaign_id"]}"' in text
            assert named == (p["stage"] == "conversion_rate"), p
    assert {r.scope.get("campaign_id") for r in answer.recommendations} >= {
        p["campaign_id"] for p in world.truth["problems"] if p.get("stage") == "conversion_rate"
    }


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_without_targets_one_note_and_a_useful_answer(world: Any, dataset: Dataset, lang: Lang) -> None:
    env = _env(dataclasses.replace(dataset, targets=None))
    answer = _ask(env, lang)
    assert [n for n in answer.notes if "targets.yaml" in n] == [answer.notes[0]]  # one note, first
    assert "targets.yaml" not in "\n".join(answer.lines)  # said once, as a note, not in place of the answer
    assert answer.analyses[0].name == "kpi_moves" and answer.analyses[1].name == "attention"
    text = "\n".join(answer.lines)
    for p in world.truth["problems"]:
        if p.get("campaign_id"):
            assert p["campaign_id"] in text
    ok, complaints = _verified(answer, env)
    assert ok, complaints
    if lang == "ru":
        assert latin_words("\n".join([text, *answer.notes])) == []
