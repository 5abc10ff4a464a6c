"""why kind: the diagnosis of the question's campaign or channel, in words; no scope → the attention scan."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from advisor.advise.kinds import why
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Lang, Period, Question
from advisor.core.words import ACRONYMS
from advisor.data import Dataset
from advisor.narrative.facts import collect_facts
from advisor.narrative.verify import verify
from demo_world import generate_world
from models.drivers import DriverModelSet
from training.drivers import train_driver_models


@pytest.fixture(scope="module")
def world() -> Any:
    return generate_world(1, days=400)


@pytest.fixture(scope="module")
def dataset(world: Any) -> Dataset:
    return Dataset.from_frames(**world.tables, targets=world.targets)


@pytest.fixture(scope="module")
def drivers(dataset: Dataset) -> DriverModelSet:
    return train_driver_models(dataset.campaign_daily)


@pytest.fixture(scope="module")
def env(dataset: Dataset, drivers: DriverModelSet) -> Env:
    cd = dataset.campaign_daily
    return Env(dataset, None, drivers, names={c: sorted(cd[c].astype(str).unique()) for c in ("campaign_id", "channel")})


def _ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return why.handle(Question(text="Why did it under-perform?", kind="why", lang=lang, **kw), env)


def latin_words(text: str) -> list[str]:
    """Latin-script words outside quoted data values («…», "…") that are not acronyms."""
    bare = re.sub(r"«[^»]*»|\"[^\"]*\"", " ", text)
    return [w for w in re.findall(r"[A-Za-z]+(?::[A-Za-z]+)*", bare) if w not in ACRONYMS]


def _verified(answer: Answer, env: Env) -> tuple[bool, tuple[str, ...]]:
    result = {"analyses": [a.to_dict() for a in answer.analyses],
              "recommendations": [r.to_dict() for r in answer.recommendations]}
    v = verify("\n".join(answer.lines + answer.notes), collect_facts(result, [n for x in env.names.values() for n in x]))
    return v.ok, v.complaints


def _planted(world: Any, kind: str) -> dict[str, Any]:
    return dict(next(p for p in world.truth["problems"] if p["kind"] == kind))


def test_campaign_cause_stage_onset_and_recommendation(world: Any, env: Env) -> None:
    p = _planted(world, "creative_fatigue")
    answer = _ask(env, campaigns=(p["campaign_id"],))
    first = answer.lines[0]
    assert f'campaign "{p["campaign_id"]}"' in first and "click-through" in first and "creative fatigue" in first
    onset = re.search(r"since (\d{4}-\d{2}-\d{2})", first)
    assert onset is not None and abs((pd.Timestamp(onset.group(1)) - pd.Timestamp(p["start"])).days) <= 7
    assert answer.analyses[0].name == "diagnose" and answer.analyses[0].result["drivers"]
    assert any(line.startswith("Largest driver") for line in answer.lines)
    assert answer.recommendations and answer.recommendations[0].id == "refresh_creative"
    ok, complaints = _verified(answer, env)
    assert ok, complaints


def test_russian_answer_is_russian_and_names_the_switch(world: Any, env: Env) -> None:
    p = _planted(world, "poor_audience")
    answer = _ask(env, "ru", campaigns=(p["campaign_id"],))
    text = "\n".join(answer.lines)
    assert answer.lines[0].startswith(f"Вердикт для кампании «{p['campaign_id']}»")
    assert "«prospecting» → «broad»" in text and "конверсия" in answer.lines[0]
    assert latin_words(text) == [], latin_words(text)
    ok, complaints = _verified(answer, env)
    assert ok, complaints


def test_channel_scope_names_its_campaign(world: Any, env: Env) -> None:
    p = _planted(world, "broken_landing_page")
    answer = _ask(env, channels=(p["channel"],))
    text = "\n".join(answer.lines)
    assert answer.lines[0].startswith(f'Verdict for channel "{p["channel"]}"')
    assert f'campaign "{p["campaign_id"]}"' in text and "conversion" in answer.lines[0]


def test_over_funded_channel_is_the_cause(world: Any, env: Env) -> None:
    p = _planted(world, "over_funded")
    answer = _ask(env, channels=(p["channel"],))
    assert "over-funded" in answer.lines[0]
    assert answer.analyses[0].result["channel_returns"]["check"] == "over_funded"
    assert {r.id for r in answer.recommendations} & {"cut_saturated_spend", "move_budget"}


def test_no_scope_delegates_to_the_attention_scan(world: Any, env: Env) -> None:
    answer = _ask(env)
    assert answer.analyses[0].name == "attention"
    text = "\n".join(answer.lines)
    for p in world.truth["problems"]:
        if p.get("campaign_id"):
            assert f'campaign "{p["campaign_id"]}"' in text


def test_explicit_period_and_a_period_without_data(env: Env) -> None:
    answer = _ask(env, campaigns=("video-02",), period=Period("2026-09-01", "2026-10-31", "Sep-Oct"))
    assert answer.analyses[0].params["from"] == "2026-09-01" and answer.analyses[0].params["to"] == "2026-10-31"
    cd = env.dataset.campaign_daily
    gone = cd.groupby("campaign_id")["date"].max().sort_values().index[0]  # the campaign that ended first
    answer = _ask(env, "ru", campaigns=(str(gone),), period=Period("2026-10-01", "2026-10-31", "октябрь"))
    assert "error" in answer.analyses[0].result
    assert answer.lines[0].startswith(f"Для кампании «{gone}» нет данных")
    assert latin_words(answer.lines[0]) == []
