"""why kind: the diagnosis of the question's campaign or channel, in words; no scope → the attention scan."""

from __future__ import annotations

import re
import sys
from typing import Any

import pandas as pd
import pytest

from advisor.advise.kinds import why
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.question import Lang, Period, Question
from advisor.data import Dataset
from models.drivers import DriverModelSet
from training.drivers import train_driver_models

answers = sys.modules["kpi_advise_answers"]


@pytest.fixture(scope="module")
def drivers(targets_dataset: Dataset) -> DriverModelSet:
    return train_driver_models(targets_dataset.campaign_daily)


@pytest.fixture(scope="module")
def env(targets_dataset: Dataset, drivers: DriverModelSet) -> Env:
    return Env(targets_dataset, None, drivers, names=answers.campaign_channel_names(targets_dataset))


def _ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return why.handle(Question(text="Why did it under-perform?", kind="why", lang=lang, **kw), env)


def _planted(world400: Any, kind: str) -> dict[str, Any]:
    return dict(next(p for p in world400.truth["problems"] if p["kind"] == kind))


def test_campaign_cause_stage_onset_and_recommendation(world400: Any, env: Env) -> None:
    p = _planted(world400, "creative_fatigue")
    answer = _ask(env, campaigns=(p["campaign_id"],))
    first = answer.lines[0]
    assert f'campaign "{p["campaign_id"]}"' in first and "click-through" in first and "creative fatigue" in first
    onset = re.search(r"since (\d{4}-\d{2}-\d{2})", first)
    assert onset is not None and abs((pd.Timestamp(onset.group(1)) - pd.Timestamp(p["start"])).days) <= 7
    assert answer.analyses[0].name == "diagnose" and answer.analyses[0].result["drivers"]
    assert any(line.startswith("Largest driver") for line in answer.lines)
    assert answer.recommendations and answer.recommendations[0].id == "refresh_creative"
    ok, complaints = answers.verified(answer, env)
    assert ok, complaints


def test_russian_answer_is_russian_and_names_the_switch(world400: Any, env: Env) -> None:
    p = _planted(world400, "poor_audience")
    answer = _ask(env, "ru", campaigns=(p["campaign_id"],))
    text = "\n".join(answer.lines)
    assert answer.lines[0].startswith(f"Вердикт для кампании «{p['campaign_id']}»")
    assert "«prospecting» → «broad»" in text and "конверсия" in answer.lines[0]
    assert answers.english_words(text) == [], answers.english_words(text)
    ok, complaints = answers.verified(answer, env)
    assert ok, complaints


def test_channel_scope_names_its_campaign(world400: Any, env: Env) -> None:
    p = _planted(world400, "broken_landing_page")
    answer = _ask(env, channels=(p["channel"],))
    text = "\n".join(answer.lines)
    assert answer.lines[0].startswith(f'Verdict for channel "{p["channel"]}"')
    assert f'campaign "{p["campaign_id"]}"' in text and "conversion" in answer.lines[0]


def test_over_funded_channel_is_the_cause(world400: Any, env: Env) -> None:
    p = _planted(world400, "over_funded")
    answer = _ask(env, channels=(p["channel"],))
    assert "over-funded" in answer.lines[0]
    assert answer.analyses[0].result["channel_returns"]["check"] == "over_funded"
    assert {r.id for r in answer.recommendations} & {"cut_saturated_spend", "move_budget"}


def test_no_scope_delegates_to_the_attention_scan(world400: Any, env: Env) -> None:
    answer = _ask(env)
    assert answer.analyses[0].name == "attention"
    text = "\n".join(answer.lines)
    for p in world400.truth["problems"]:
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
    assert answers.english_words(answer.lines[0]) == []
