"""``trust`` kind: platform-reported vs incremental conversions per channel, checked against the demo world's truth."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import numpy as np
import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.trust import TOLERANCE, handle, verdict
from advisor.advise.question import Lang, Period, Question
from advisor.advise.run import known_names
from advisor.data import Dataset
from demo_world import generate_world
from models.response import ResponseBundle, ResponseSpec
from training.response import fit_bundle, prepare_history

pytestmark = pytest.mark.slow

answers = sys.modules["kpi_advise_answers"]
latin_words, rendered, assert_verified = answers.latin_words, answers.rendered, answers.assert_verified


@pytest.fixture(scope="module")
def world() -> Any:
    return generate_world(1)  # the CLI's demo world, seed 1 (730 days)


@pytest.fixture(scope="module")
def dataset(world: Any) -> Dataset:
    return Dataset.from_frames(**world.tables, targets=world.targets)


@pytest.fixture(scope="module")
def bundle(world: Any) -> ResponseBundle:
    hist, channels, campaigns, freq = prepare_history(world.tables)
    return fit_bundle(hist, channels, campaigns, freq, ResponseSpec(n_starts=1))


@pytest.fixture(scope="module")
def env(dataset: Dataset, bundle: ResponseBundle) -> Env:
    return Env(dataset, bundle, names=known_names(dataset))


def ask(env: Env, lang: Lang = "en", **kw: Any) -> Answer:
    return handle(Question(text="Can we trust the platforms' numbers?", kind="trust", lang=lang, **kw), env)


def rows(ans: Answer) -> dict[str, dict[str, Any]]:
    return {r["channel"]: r for r in ans.analyses[0].result["channels"]}


def test_highest_claim_factor_channel_is_named_as_overstating(world: Any, env: Env) -> None:
    claims = {ch: c["claim_factor"] for ch, c in world.truth["channels"].items()}
    top = max(claims, key=claims.__getitem__)
    ans = ask(env)
    assert rows(ans)[top]["verdict"] == "over"
    assert f'channel "{top}"' in ans.lines[0] and "over-claim" in ans.lines[0]


def test_verdicts_agree_with_the_true_claim_factors(world: Any, env: Env) -> None:
    """An over-claim verdict only where the platform really reports more than the channel brings, an under-claim
    only where it reports less; every channel of the world is judged."""
    got = rows(ask(env))
    assert set(got) == set(world.truth["channels"])
    for ch, r in got.items():
        claim = world.truth["channels"][ch]["claim_factor"]
        assert r["verdict"] in ("over", "about_right", "under")
        if r["verdict"] == "over":
            assert claim > 1.0, ch
        if r["verdict"] == "under":
            assert claim < 1.0, ch
    assert sum(r["verdict"] == "over" for r in got.values()) >= len(got) // 2  # most platforms over-claim here


def test_ratio_is_reported_over_incremental_over_the_window(dataset: Dataset, env: Env) -> None:
    ans = ask(env, period=Period("2026-01-01", "2026-03-31", "Q1"))
    res = ans.analyses[0].result
    assert (res["from"], res["to"]) == ("2026-01-01", "2026-03-31")
    cd = dataset.campaign_daily
    inside = cd[(cd["date"] >= "2026-01-01") & (cd["date"] <= "2026-03-31")]
    for ch, r in rows(ans).items():
        reported = float(inside.loc[inside["channel"] == ch, "conversions"].sum())
        assert r["reported_conversions"] == pytest.approx(reported)
        assert r["ratio"] == pytest.approx(reported / r["incremental_conversions"])
        assert r["lower_80"] <= r["incremental_conversions"] <= r["upper_80"]
        assert r["ratio_low"] <= r["ratio"] <= r["ratio_high"]
        assert r["verdict"] == verdict(reported, r["lower_80"], r["upper_80"])


def test_verdict_rule() -> None:
    assert verdict(100.0, 80.0, 90.0) == "over"  # 100 > 90 · 1.1
    assert verdict(99.0, 80.0, 90.0) == "about_right"
    assert verdict(70.0, 80.0, 90.0) == "under"  # 70 < 80 · 0.9
    assert verdict(73.0, 80.0, 90.0) == "about_right"
    assert TOLERANCE == pytest.approx(0.1)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_answer_verifies_and_leads_with_the_verdict(env: Env, lang: Lang) -> None:
    ans = ask(env, lang)
    assert_verified(ans, env)
    verdicts = {r["verdict"] for r in rows(ans).values()}
    # lead, the about-right and under-claim summaries (when any), one line per channel, the rule
    assert len(ans.lines) == 2 + ("about_right" in verdicts) + ("under" in verdicts) + len(rows(ans))
    assert ans.lines[0].startswith("The platforms over-claim" if lang == "en" else "Площадки завышают")
    if lang == "ru":
        assert latin_words(rendered(ans)) == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_without_models_one_note_and_what_is_needed(dataset: Dataset, lang: Lang) -> None:
    env = Env(dataset, None, names=known_names(dataset))
    ans = ask(env, lang)
    assert len(ans.notes) == 1 and "kpi-advisor train" in ans.notes[0]
    assert ("response models" if lang == "en" else "модели отклика") in ans.lines[0]
    assert "error" in ans.analyses[0].result
    assert_verified(ans, env)
    if lang == "ru":
        assert latin_words(rendered(ans)) == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_mmm_only_data_says_reported_figures_are_absent(dataset: Dataset, bundle: ResponseBundle, lang: Lang) -> None:
    cd = dataset.campaign_daily.assign(conversions=np.nan, revenue=np.nan)
    ds = dataclasses.replace(dataset, campaign_daily=cd, campaign_source="mmm")
    env = Env(ds, bundle, names=known_names(ds))
    ans = ask(env, lang)
    assert ans.analyses[0].result["reported_available"] is False
    assert ("no platform-reported" if lang == "en" else "нет заявленных площадками") in ans.lines[0]
    assert_verified(ans, env)
    if lang == "ru":
        assert latin_words(rendered(ans)) == []


def test_latin_check_catches_english() -> None:
    assert latin_words("Канал «search»: ROI 12%, CLV:CAC 3,1") == []
    assert latin_words("Канал «search» over-claims") == ["over", "claims"]
