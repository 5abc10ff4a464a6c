"""attention kind: every campaign and channel scanned, the planted problems named and ranked by money at stake."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from advisor.advise.kinds import attention
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.scan_screen import HORIZON_DAYS
from advisor.advise.question import Lang, Period, Question
from advisor.core.words import ACRONYMS
from advisor.data import Dataset
from advisor.narrative.facts import collect_facts
from advisor.narrative.verify import verify
from demo_world import generate_world
from models.response import ResponseBundle, ResponseSpec
from training.response import fit_bundle, prepare_history


@pytest.fixture(scope="module")
def world() -> Any:
    return generate_world(1, days=400)


@pytest.fixture(scope="module")
def dataset(world: Any) -> Dataset:
    return Dataset.from_frames(**world.tables, targets=world.targets)


@pytest.fixture(scope="module")
def bundle(dataset: Dataset) -> ResponseBundle:
    hist, ch, camp, freq = prepare_history(dataset.tables)
    return fit_bundle(hist, ch, camp, freq, ResponseSpec(country=None, n_starts=1))


def _env(dataset: Dataset, bundle: ResponseBundle | None = None) -> Env:
    cd = dataset.campaign_daily
    return Env(dataset, bundle, names={c: sorted(cd[c].astype(str).unique()) for c in ("campaign_id", "channel")})


def _ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return attention.handle(Question(text="Which campaigns need attention?", kind="attention", lang=lang, **kw), env)


def latin_words(text: str) -> list[str]:
    """Latin-script words outside quoted data values («…», "…") that are not acronyms."""
    bare = re.sub(r"«[^»]*»|\"[^\"]*\"", " ", text)
    words = re.findall(r"[A-Za-z]+(?::[A-Za-z]+)*", bare)
    return [w for w in words if w not in ACRONYMS]


def verified(answer: Answer, env: Env) -> tuple[bool, tuple[str, ...]]:
    result = {"analyses": [a.to_dict() for a in answer.analyses],
              "recommendations": [r.to_dict() for r in answer.recommendations]}
    v = verify("\n".join(answer.lines + answer.notes), collect_facts(result, [n for x in env.names.values() for n in x]))
    return v.ok, v.complaints


def test_names_the_three_planted_campaigns_with_stage_and_onset(world: Any, dataset: Dataset) -> None:
    answer = _ask(_env(dataset))
    text = "\n".join(answer.lines)
    items = {i["campaign_id"]: i for i in answer.analyses[0].result["items"] if i["type"] == "campaign"}
    planted = [p for p in world.truth["problems"] if p.get("campaign_id")]
    assert len(planted) == 3
    for p in planted:
        cid = p["campaign_id"]
        assert f'campaign "{cid}"' in text
        assert items[cid]["stage"] == p["stage"]
        assert abs((pd.Timestamp(items[cid]["started"]) - pd.Timestamp(p["start"])).days) <= 7
    assert set(items) == {p["campaign_id"] for p in planted}  # no false alarm among the campaigns


def test_channel_problems_from_the_response_models(world: Any, dataset: Dataset, bundle: ResponseBundle) -> None:
    answer = _ask(_env(dataset, bundle))
    chans = {i["channel"]: i for i in answer.analyses[0].result["items"] if i["type"] == "channel"}
    for p in world.truth["problems"]:
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


def test_ranked_by_money_at_stake(dataset: Dataset, bundle: ResponseBundle) -> None:
    res = _ask(_env(dataset, bundle)).analyses[0].result
    money = [i["money_at_stake"] for i in res["items"]]
    assert money == sorted(money, reverse=True) and len(money) >= 3
    for i in res["items"]:
        if i["type"] == "campaign":  # revenue lost since onset per day, over the horizon
            assert i["money_at_stake"] == pytest.approx(-i["impact_revenue"] / i["days_since_onset"] * HORIZON_DAYS, rel=1e-6)
    assert res["money_at_stake_total"] == pytest.approx(sum(money))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_number_verifies_and_russian_is_russian(dataset: Dataset, bundle: ResponseBundle, lang: Lang) -> None:
    env = _env(dataset, bundle)
    answer = _ask(env, lang)
    ok, complaints = verified(answer, env)
    assert ok, complaints
    if lang == "ru":
        text = "\n".join(answer.lines + answer.notes)
        assert latin_words(text) == [], latin_words(text)
        assert "«video-02»" in text


def test_without_response_models_one_note_and_still_answers(world: Any, dataset: Dataset) -> None:
    answer = _ask(_env(dataset), "ru")
    assert len(answer.notes) == 1 and "моделей отклика нет" in answer.notes[0]
    assert answer.lines[0].startswith("Требуют внимания")
    assert latin_words("\n".join(answer.lines + answer.notes)) == []


def test_question_naming_a_channel_keeps_only_it(dataset: Dataset) -> None:
    answer = _ask(_env(dataset), channels=("video",))
    text = "\n".join(answer.lines)
    assert 'campaign "video-02"' in text
    assert "affiliate-02" not in text and "display-01" not in text


def test_period_before_the_problems(dataset: Dataset, bundle: ResponseBundle) -> None:
    """A period that ends before any planted onset: no campaign fails; channel returns are estimated at the
    period's end from the data (the response models describe today)."""
    answer = _ask(_env(dataset, bundle), period=Period("2026-03-01", "2026-05-31", "spring"))
    res = answer.analyses[0].result
    assert res["period"] == {"from": "2026-03-01", "to": "2026-05-31"}
    assert not any(i["type"] == "campaign" for i in res["items"])
    assert {c["source"] for c in res["channels"]} == {"local_elasticity"}
    assert "2026-03-01..2026-05-31" in answer.lines[0]


def test_question_naming_a_kpi_keeps_what_moves_it(world: Any, dataset: Dataset) -> None:
    """"Which campaigns hurt our CTR?": only the click-through problem; a budget problem does not move CTR."""
    answer = _ask(_env(dataset), kpi="ctr")
    text = "\n".join(answer.lines)
    for p in world.truth["problems"]:
        name = p.get("campaign_id") or p["channel"]
        label = f'campaign "{name}"' if p.get("campaign_id") else f'channel "{name}" —'
        assert (label in text) == (p["stage"] == "ctr"), p
    assert {r.id for r in answer.recommendations} == {"refresh_creative"}
