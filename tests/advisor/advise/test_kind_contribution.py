"""``contribution`` kind: what a channel (each channel, media) added over a window — incremental figures with 80 %
intervals, ROI, share, reported beside, lift tests; on the trained demo world (campaign rows) and on a small
media-mix world (``tests/training/mmm_frames.py``), in English and Russian, every number verified."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.contribution import DEFAULT_WEEKS, OVERCLAIM, handle, recommendations
from advisor.advise.question import Lang, Period, Question
from advisor.advise.run import advise, known_names
from advisor.advise.understand import understand, vocabulary
from advisor.data import Dataset
from models.response import ResponseBundle

pytestmark = pytest.mark.slow

answers = sys.modules["kpi_advise_answers"]
latin_words = answers.latin_words


def _text(a: Answer) -> str:
    return "\n".join(
        (*a.lines, *(r.action for r in a.recommendations), *(r.rationale for r in a.recommendations), *a.notes)
    )


def _verified(a: Answer, env: Env) -> None:
    v = answers.verification(a, _text(a), answers.names_of(env))
    assert v.ok, v.message()


def _ask(env: Env, text: str, lang: Lang | None = None) -> Answer:
    names, attributes, last = vocabulary(env.dataset)
    q = understand(text, names, attributes=attributes, last_date=last, lang=lang)
    assert q.kind == "contribution", (text, q.kind)
    return handle(q, env)


def _rows(a: Answer) -> dict[str, dict[str, Any]]:
    return {r["channel"]: r for r in a.analyses[0].result["channels"]}


@pytest.fixture(scope="module")
def env(plain_dataset: Dataset, bundle400: ResponseBundle) -> Env:
    return Env(plain_dataset, bundle400, names=known_names(plain_dataset))


# ------------------------------------------------------------------------------------------------ demo world
def test_named_channel_over_the_default_window(env: Env) -> None:
    ch = "search"
    a = _ask(env, f"How much did {ch} add?")
    res = a.analyses[0].result
    assert a.analyses[0].name == "attribution" and res["window"] == "default"
    assert res["periods"] == 7 * DEFAULT_WEEKS  # daily models: the last 91 days
    assert res["to"] == str(pd.Timestamp(env.dataset.campaign_daily["date"].max()).date())
    r = _rows(a)[ch]
    assert a.lines[0].startswith(f'Over {res["from"]}..{res["to"]} (the last 13 weeks), channel "{ch}" added ')
    assert "incremental conversions (80% interval" in a.lines[0] and "of incremental revenue" in a.lines[0]
    assert r["lower_80"] <= r["incremental_conversions"] <= r["upper_80"]
    assert any(line.startswith("ROI ") for line in a.lines)  # revenue models: ROI with its interval
    assert any("ranks" in line and f"{r['rank']} of {res['n_channels']}" in line for line in a.lines)
    assert any("The platform reported" in line for line in a.lines)  # campaign rows carry reported figures
    media = res["media"]["revenue"]
    assert media["lower_80"] <= media["incremental"] <= media["upper_80"]
    assert 0 < media["share"] < 1 and any(line.startswith("Media as a whole drove") for line in a.lines)
    _verified(a, env)


def test_spend_and_incremental_match_the_window_sums(env: Env) -> None:
    """Spend is the data's over the window; the channels' shares add up to the media total."""
    a = _ask(env, "What did each channel contribute last quarter?")
    res = a.analyses[0].result
    cd = env.dataset.campaign_daily
    dates = pd.to_datetime(cd["date"])
    inside = cd[(dates >= res["from"]) & (dates <= res["to"])]
    for ch, r in _rows(a).items():
        assert r["spend"] == pytest.approx(float(inside.loc[inside["channel"] == ch, "spend"].sum()))
    total = sum(r["incremental_revenue"] for r in res["channels"])
    assert total == pytest.approx(res["media"]["revenue"]["incremental"])
    assert sum(r["share_of_media"] for r in res["channels"]) == pytest.approx(1.0)
    values = [r["incremental_revenue"] for r in res["channels"]]
    assert values == sorted(values, reverse=True)  # ranked
    rows = [line for line in a.lines if line.startswith('- "')]
    assert [line.split('"')[1] for line in rows] == [r["channel"] for r in res["channels"]]
    _verified(a, env)


def test_which_channel_drove_most_leads_with_the_top_channel(env: Env) -> None:
    a = _ask(env, "Which channel drove the most revenue this year?")
    res = a.analyses[0].result
    top = res["channels"][0]["channel"]
    assert a.lines[0].startswith(f'Over {res["from"]}..{res["to"]} (this year), channel "{top}" drove the most')
    _verified(a, env)


def test_conversions_question_ranks_by_conversions(env: Env) -> None:
    a = _ask(env, "How many conversions did each channel contribute over the whole history?")
    res = a.analyses[0].result
    assert res["basis"] == "conversions" and res["window"] == "all"
    values = [r["incremental_conversions"] for r in res["channels"]]
    assert values == sorted(values, reverse=True)
    _verified(a, env)


def test_russian_answer_is_russian_and_verified(env: Env) -> None:
    for text in (
        "Сколько конверсий принёс поиск за последние 13 недель?",
        "Какой вклад каждого канала в выручку?",
        "Какой канал принёс больше всего выручки?",
        "Сколько выручки дала реклама в этом году?",
    ):
        a = _ask(env, text)
        body = _text(a)
        assert not latin_words(body), (text, latin_words(body))
        _verified(a, env)
    a = _ask(env, "Сколько конверсий принёс поиск за последние 13 недель?")
    assert a.lines[0].startswith("За ") and "приростных конверсий (80% интервал" in a.lines[0]


def test_recommendations_follow_the_facts(env: Env) -> None:
    """``judge_by_incremental`` exactly for the channels claimed above the threshold, ``run_lift_test`` exactly
    for the channels whose 80 % interval reaches 0."""
    a = _ask(env, "What did each channel contribute over the whole history?")
    res = a.analyses[0].result
    recs = recommendations(res, (), "en")
    judged = {r.scope["channel"] for r in recs if r.id == "judge_by_incremental"}
    over = {
        r["channel"]
        for r in res["channels"]
        if (r["reported_to_incremental"] or 0) > OVERCLAIM or (r["reported_to_incremental_revenue"] or 0) > OVERCLAIM
    }
    assert judged == over and over  # the demo platforms over-claim
    lifted = {r.scope["channel"] for r in recs if r.id == "run_lift_test"}
    assert lifted == {r["channel"] for r in res["channels"] if r["revenue_lower_80"] <= 0 and r["spend"] > 0}
    fake = dict(res, channels=[dict(res["channels"][0], revenue_lower_80=0.0)])
    assert [r.id for r in recommendations(fake, (), "ru")][-1] == "run_lift_test"
    _verified(a, env)


def test_lift_tests_of_the_named_channel_are_listed(env: Env) -> None:
    row = env.dataset.campaign_daily.iloc[0]
    ch = str(row["channel"])
    start = pd.Timestamp(env.dataset.campaign_daily["date"].max()) - pd.Timedelta(days=27)
    lift = pd.DataFrame(
        {
            "channel": [ch],
            "kpi": ["conversions"],
            "start": [start.date().isoformat()],
            "end": [(start + pd.Timedelta(days=13)).date().isoformat()],
            "incremental": [123.0],
            "std_error": [40.0],
        }
    )
    ds = dataclasses.replace(env.dataset, lift_tests=lift) if dataclasses.is_dataclass(env.dataset) else None
    if ds is None:
        pytest.skip("Dataset is not a dataclass")
    env2 = dataclasses.replace(env, dataset=ds)
    a = _ask(env2, f"How much did {ch} add over the last 8 weeks?")
    (test,) = a.analyses[0].result["lift_tests"]
    assert test["measured"] == 123.0 and test["fitted"] is not None
    assert any(line.startswith(f'Lift tests of channel "{ch}"') for line in a.lines)
    assert any("measured 123 conversions, the model fits" in line for line in a.lines)
    _verified(a, env2)


def test_without_models_says_so(env: Env) -> None:
    bare = dataclasses.replace(env, bundle=None)
    cases: tuple[tuple[Lang, str], ...] = (("en", "response models"), ("ru", "модели отклика"))
    for lang, word in cases:
        a = handle(Question("How much did search add?", "contribution", lang=lang, channels=("search",)), bare)
        assert word in a.lines[0] and a.notes and not a.recommendations
        assert a.analyses[0].result == {
            "error": "no trained response models: run `kpi-advisor train` and pass --models"
        }


def test_period_outside_the_history(env: Env) -> None:
    q = Question(
        "What did search add in 2020?",
        "contribution",
        channels=("search",),
        period=Period("2020-01-01", "2020-12-31", "in 2020"),
    )
    a = handle(q, env)
    assert "error" in a.analyses[0].result and "outside the model history" in a.lines[0]


def test_advise_end_to_end_is_verified(env: Env) -> None:
    res = advise("How much did search add over the last 13 weeks?", dataset=env.dataset, bundle=env.bundle)
    assert res.kind == "contribution" and res.verified and res.narrative_source == "template"
    assert [a.name for a in res.analyses] == ["attribution"]
    assert 'channel "search" added' in res.answer


# ------------------------------------------------------------------------------------------------ media-mix world
@pytest.fixture(scope="module")
def mmm_env() -> Env:
    """A weekly national media-mix world with conversions only (80 weeks, three channels), fitted with one start."""
    from models.response import ResponseSpec
    from tests.training.mmm_frames import TRUE, mmm_frame
    from training.mmm import fit_mmm_bundle

    frame, layout, _ = mmm_frame(weeks=80, seed=3, outcomes=("conversions",))
    config = {
        "date": "date",
        "outcomes": {"conversions": "conversions"},
        "channels": {ch: {"spend": f"spend__{ch}"} for ch in TRUE},
    }
    ds = Dataset.from_mmm(frame[["date", "conversions", *(f"spend__{ch}" for ch in TRUE)]], config)
    bundle, _ = fit_mmm_bundle(
        frame,
        channels=layout.channels,
        outcomes=layout.outcomes,
        regressors=layout.regressors,
        geo=layout.geo,
        freq=layout.freq,
        country=layout.country,
        spec=ResponseSpec(n_starts=1, seed=3),
    )
    return Env(ds, bundle, names=known_names(ds))


def test_media_mix_conversions_only(mmm_env: Env) -> None:
    a = _ask(mmm_env, "How much did tv add over the last 13 weeks?")
    res = a.analyses[0].result
    assert res["freq"] == "W" and res["periods"] == DEFAULT_WEEKS and res["basis"] == "conversions"
    r = _rows(a)["tv"]
    assert r["incremental_revenue"] is None and r["reported_conversions"] is None
    assert any(line.startswith("Cost per incremental conversion") for line in a.lines)
    assert any("no platform-reported figures" in line for line in a.lines)
    m = res["media"]["conversions"]
    assert mmm_env.dataset.mmm is not None
    assert m["observed"] == pytest.approx(
        float(mmm_env.dataset.mmm.national()["conversions"].iloc[-DEFAULT_WEEKS:].sum())
    )
    assert np.isclose(m["share"], m["incremental"] / m["observed"])
    _verified(a, mmm_env)
    ru = _ask(mmm_env, "Сколько конверсий принёс tv за последние 13 недель?")
    assert not latin_words(_text(ru)) and ru.lines[0].startswith("За ")
    _verified(ru, mmm_env)


def test_media_total_interval_counts_the_curves_uncertainty(mmm_env: Env) -> None:
    """Over every channel of a weekly spend-driven fit the media total's interval is at least the fit's
    ``media_total_rse`` of the total wide (the channels' intervals have the curves' part; the sum must too)."""
    from advisor.advise.kinds.contribution import Z80, media_total
    from advisor.diagnostics.history import spend_history

    model = mmm_env.bundle.models["conversions"]
    f = model.fitted
    assert f.media_total_rse is not None
    history = spend_history(mmm_env.dataset, f.freq)
    mask = np.ones(len(history), dtype=bool)
    tot = media_total(model, history, mask, list(f.channels))
    assert tot is not None
    half = (tot["upper_80"] - tot["lower_80"]) / 2
    assert half >= Z80 * f.media_total_rse * tot["mean"] * (1 - 1e-9)
    # a model without it (saved before it existed) keeps the conditional interval, which is narrower here
    old = dataclasses.replace(f, media_total_rse=None)
    narrow = media_total(_with(model, old), history, mask, list(f.channels))
    assert narrow is not None and narrow["upper_80"] - narrow["lower_80"] < 2 * half


def _with(model: Any, fitted: Any) -> Any:
    """``model`` with another ``fitted`` (a shallow copy)."""
    import copy

    clone = copy.copy(model)
    clone._f = fitted
    return clone


def test_a_model_whose_channels_explain_most_of_the_kpi_says_so(mmm_env: Env) -> None:
    """Above ``MEDIA_SHARE_WARN`` of the KPI over the history (the fit's ``media_share``), the answer carries a
    caution in the answer's language; below it, none."""
    from advisor.advise.kinds.contribution import T

    model = mmm_env.bundle.models["conversions"]
    share = model.fitted.media_share
    assert share is not None and 0 < share < 0.6
    plain = _ask(mmm_env, "What did each channel contribute over the whole history?")
    assert not any(line.startswith("Caution") for line in plain.lines)
    spec = model.spec
    try:
        model.fitted.media_share = 0.83
        read = _ask(mmm_env, "What did each channel contribute over the whole history?")  # seasonality: auto
        model.spec = dataclasses.replace(spec, weekly_seasonality="smooth")
        en = _ask(mmm_env, "What did each channel contribute over the whole history?")
        ru = _ask(mmm_env, "Какой вклад каждого канала за всю историю?")
    finally:
        model.fitted.media_share = share
        model.spec = spec
    assert not any("seasonality: auto" in line for line in read.lines)  # already read from the outcome
    assert [line for line in read.lines if line.startswith("Caution")]
    (caution,) = [line for line in en.lines if line.startswith("Caution")]
    hint = en.lines[en.lines.index(caution) + 1]
    assert "83% of conversions" in caution and "seasonality: auto" in hint
    assert en.analyses[0].result["media"]["conversions"]["history_share"] == 0.83
    (ru_caution,) = [line for line in ru.lines if line.startswith("Осторожно")]
    assert "83%" in ru_caution and not latin_words(_text(ru))
    assert set(T["en"]) == set(T["ru"])
