"""attention kind: every campaign and channel scanned, the planted problems named and ranked by money at stake."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
import pytest

from advisor.advise.kinds import attention
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.scan_screen import HORIZON_DAYS
from advisor.advise.question import Lang, Period, Question
from advisor.data import Dataset
from models.response import ResponseBundle

answers = sys.modules["kpi_advise_answers"]


def _env(targets_dataset: Dataset, bundle400: ResponseBundle | None = None) -> Env:
    return Env(targets_dataset, bundle400, names=answers.campaign_channel_names(targets_dataset))


def _ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return attention.handle(Question(text="Which campaigns need attention?", kind="attention", lang=lang, **kw), env)


def test_names_the_three_planted_campaigns_with_stage_and_onset(world400: Any, targets_dataset: Dataset) -> None:
    answer = _ask(_env(targets_dataset))
    text = "\n".join(answer.lines)
    items = {i["campaign_id"]: i for i in answer.analyses[0].result["items"] if i["type"] == "campaign"}
    planted = [p for p in world400.truth["problems"] if p.get("campaign_id")]
    assert len(planted) == 3
    for p in planted:
        cid = p["campaign_id"]
        assert f'campaign "{cid}"' in text
        assert items[cid]["stage"] == p["stage"]
        assert abs((pd.Timestamp(items[cid]["started"]) - pd.Timestamp(p["start"])).days) <= 7
    assert set(items) == {p["campaign_id"] for p in planted}  # no false alarm among the campaigns


def test_channel_problems_from_the_response_models(world400: Any, targets_dataset: Dataset, bundle400: ResponseBundle) -> None:
    answer = _ask(_env(targets_dataset, bundle400))
    chans = {i["channel"]: i for i in answer.analyses[0].result["items"] if i["type"] == "channel"}
    for p in world400.truth["problems"]:
        if p["kind"] in ("over_funded", "under_funded"):
            assert chans[p["channel"]]["check"] == p["kind"]
            assert chans[p["channel"]]["stage"] == p["stage"]
    over = next(c for c in chans.values() if c["check"] == "over_funded")
    assert over["marginal_roi"] < 0 and over["money_at_stake"] > 0
    text = "\n".join(answer.lines)
    assert all(f'channel "{ch}"' in text for ch in chans)
    # recommendations agree with the lines: spend is cut only in the over-funded channel, never in the under-funded
    cuts = {r.scope.get("channel") for r in answer.recommendations if r.id in ("move_budget", "cut_saturated_spend")}
    under = next(c for c in chans.values() if c["check"] == "under_funded")
    assert over["channel"] in cuts and under["channel"] not in cuts


def test_ranked_by_money_at_stake(targets_dataset: Dataset, bundle400: ResponseBundle) -> None:
    res = _ask(_env(targets_dataset, bundle400)).analyses[0].result
    money = [i["money_at_stake"] for i in res["items"]]
    assert money == sorted(money, reverse=True) and len(money) >= 3
    for i in res["items"]:
        if i["type"] == "campaign":  # revenue lost since onset per day, over the horizon
            assert i["money_at_stake"] == pytest.approx(-i["impact_revenue"] / i["days_since_onset"] * HORIZON_DAYS, rel=1e-6)
    assert res["money_at_stake_total"] == pytest.approx(sum(money))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_number_verifies_and_russian_is_russian(targets_dataset: Dataset, bundle400: ResponseBundle, lang: Lang) -> None:
    env = _env(targets_dataset, bundle400)
    answer = _ask(env, lang)
    ok, complaints = answers.verified(answer, env)
    assert ok, complaints
    if lang == "ru":
        text = "\n".join(answer.lines + answer.notes)
        assert answers.english_words(text) == [], answers.english_words(text)
        assert "«video-02»" in text


def test_without_response_models_one_note_and_still_answers(world400: Any, targets_dataset: Dataset) -> None:
    answer = _ask(_env(targets_dataset), "ru")
    assert len(answer.notes) == 1 and "моделей отклика нет" in answer.notes[0]
    assert answer.lines[0].startswith("Требуют внимания")
    assert answers.english_words("\n".join(answer.lines + answer.notes)) == []


def test_question_naming_a_channel_keeps_only_it(targets_dataset: Dataset) -> None:
    answer = _ask(_env(targets_dataset), channels=("video",))
    text = "\n".join(answer.lines)
    assert 'campaign "video-02"' in text
    assert "affiliate-02" not in text and "display-01" not in text


def test_period_before_the_problems(targets_dataset: Dataset, bundle400: ResponseBundle) -> None:
    """A period that ends before any planted onset: no campaign fails; channel returns are estimated at the
    period's end from the data (the response models describe today)."""
    answer = _ask(_env(targets_dataset, bundle400), period=Period("2026-03-01", "2026-05-31", "spring"))
    res = answer.analyses[0].result
    assert res["period"] == {"from": "2026-03-01", "to": "2026-05-31"}
    assert not any(i["type"] == "campaign" for i in res["items"])
    assert {c["source"] for c in res["channels"]} == {"local_elasticity"}
    assert "2026-03-01..2026-05-31" in answer.lines[0]


def test_question_naming_a_kpi_keeps_what_moves_it(world400: Any, targets_dataset: Dataset) -> None:
    """"Which campaigns hurt our CTR?": only the click-through problem; a budget problem does not move CTR."""
    answer = _ask(_env(targets_dataset), kpi="ctr")
    text = "\n".join(answer.lines)
    for p in world400.truth["problems"]:
        name = p.get("campaign_id") or p["channel"]
        label = f'campaign "{name}"' if p.get("campaign_id") else f'channel "{name}" —'
        assert (label in text) == (p["stage"] == "ctr"), p
    assert {r.id for r in answer.recommendations} == {"refresh_creative"}
