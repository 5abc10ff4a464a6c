"""what_if: the changed plan against the run-rate, paired intervals of the difference, parseable lines."""

from __future__ import annotations

import re
import sys
from typing import Any

import pandas as pd
import pytest

from advisor.advise.kinds import plan_common as pc
from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.what_if import apply_changes, handle
from advisor.advise.question import Question, SpendChange
from advisor.data import Dataset
from demo_world import TrueWorld
from models.plan import Plan, spend_path
from models.response import ResponseBundle

pytestmark = pytest.mark.slow

EN_LINE = re.compile(
    r"^(Conversions|Revenue): ([+-][\d,]+|0) \(80% interval ([+-][\d,]+|0)\.\.([+-][\d,]+|0)\) vs run-rate [\d,]+\.$"
)
RU_LINE = re.compile(
    r"^(Конверсии|Выручка): ([+−][\d ]+|0) \(80% интервал ([+−][\d ]+|0)\.\.([+−][\d ]+|0)\) к текущему темпу [\d ]+\.$"
)
EN_ROI = re.compile(r"^ROI: ([+-][\d.]+|0\.0) pp \(80% interval \S+\.\.\S+\) vs run-rate -?\d+%\.$")


answers = sys.modules["kpi_advise_answers"]
_text, _english_words, _num, _verified = answers.text_of, answers.english_words, answers.num, answers.assert_lines_verified


def _outcome(a: Answer, kpi: str) -> dict[str, float]:
    out: dict[str, float] = a.analyses[0].result["outcomes"][kpi]
    return out


def test_cut_a_channel_lowers_outcomes_with_a_parseable_line_per_outcome(plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    q = Question("What happens to conversions if we cut video by 30%?", "what_if",
                 changes=(SpendChange("scale", "video", factor=0.7),))
    a = handle(q, Env(plain_dataset, bundle400))
    assert a.lines[0].startswith('Cutting channel "video" by 30% next month')
    matched = [m for line in a.lines if (m := EN_LINE.match(line))]
    assert sorted(m.group(1) for m in matched) == ["Conversions", "Revenue"]
    assert sum(bool(EN_ROI.match(line)) for line in a.lines) == 1
    for m in matched:
        change, lo, hi = (_num(m.group(i)) for i in (2, 3, 4))
        assert change < 0 and lo <= change <= hi
    r = a.analyses[0].result
    video = next(c for c in r["channels"] if c["channel"] == "video")
    assert video["plan"] == pytest.approx(0.7 * video["reference"], rel=1e-4)
    assert r["spend"]["change"] == pytest.approx(-0.3 * video["reference"], rel=1e-4)
    _verified(a)


def test_russian_answer_is_russian_and_parseable(plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    q = Question("Что будет, если отключить display?", "what_if", lang="ru", changes=(SpendChange("off", "display"),))
    a = handle(q, Env(plain_dataset, bundle400))
    assert a.lines[0].startswith("Отключение канала «display»")
    assert sorted(m.group(1) for line in a.lines if (m := RU_LINE.match(line))) == ["Выручка", "Конверсии"]
    assert _english_words(_text(a)) == []
    _verified(a)


def test_move_keeps_the_total_and_the_interval_is_of_the_paired_difference(
    plain_dataset: Dataset, bundle400: ResponseBundle
) -> None:
    q = Question("move 10k from social to search", "what_if",
                 changes=(SpendChange("move", "social", "search", amount=10_000),))
    a = handle(q, Env(plain_dataset, bundle400))
    r = a.analyses[0].result
    assert abs(r["spend"]["change"]) < 1e-6
    assert "total spend stays" in a.lines[0]
    rev = _outcome(a, "revenue")
    # paired: the difference's interval is much narrower than the plans' own intervals would make it
    start, end = pd.Timestamp(r["start"]), pd.Timestamp(r["end"])
    ref = pc.simulate(bundle400, Plan(start, end, {c["channel"]: c["reference"] for c in r["channels"]}))
    lo, hi = pd.Series(ref.totals["revenue"]).quantile([0.1, 0.9])
    assert rev["upper_80"] - rev["lower_80"] < 0.5 * (hi - lo)
    _verified(a)


def test_the_true_change_has_the_forecast_sign_and_mostly_lies_in_the_interval(
    world400: Any, plain_dataset: Dataset, bundle400: ResponseBundle
) -> None:
    """Against the demo world's truth (same daily plans): the sign always, the 80% interval most of the time."""
    tw = TrueWorld.from_dict(world400.truth)
    chans = list(bundle400.context.channels)
    edits = (SpendChange("total", factor=0.7), SpendChange("off", "display"), SpendChange("scale", "video", factor=0.7),
             SpendChange("scale", "search", factor=1.5), SpendChange("move", "social", "search", amount=10_000))
    inside = 0
    for change in edits:
        a = handle(Question("q", "what_if", changes=(change,)), Env(plain_dataset, bundle400))
        r = a.analyses[0].result
        start, end = pd.Timestamp(r["start"]), pd.Timestamp(r["end"])

        def truth(spend: dict[str, float], start: pd.Timestamp = start, end: pd.Timestamp = end) -> float:
            path, g = spend_path(bundle400, Plan(start, end, spend))
            return tw.expected_totals(path.iloc[g:][chans])["revenue"]

        true = truth({c["channel"]: c["plan"] for c in r["channels"]}) - truth(
            {c["channel"]: c["reference"] for c in r["channels"]})
        rev = _outcome(a, "revenue")
        assert (true > 0) == (rev["change"] > 0), (change, true, rev)
        inside += rev["lower_80"] <= true <= rev["upper_80"]
    assert inside >= 3


def test_budget_amount_without_edits_scales_every_channel(plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    a = handle(Question("what if we spend 150k next month?", "what_if", amount=150_000), Env(plain_dataset, bundle400))
    r = a.analyses[0].result
    assert r["spend"]["plan"] == pytest.approx(150_000)
    assert a.lines[0].startswith("Spending 150,000 in total")
    _verified(a)


def test_no_change_and_unknown_channel_are_said(plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    a = handle(Question("what if?", "what_if", changes=(SpendChange("off", "tv"),)), Env(plain_dataset, bundle400))
    assert "names no change of the plan" in a.lines[0]
    assert any(line.startswith('Not applied: "tv"') for line in a.lines)
    assert "outcomes" not in a.analyses[0].result
    _verified(a)
    ru = handle(Question("а если?", "what_if", lang="ru"), Env(plain_dataset, bundle400))
    assert ru.lines[0].startswith("В вопросе нет изменения плана")
    assert _english_words(_text(ru)) == []
    _verified(ru)


def test_without_models_one_note_and_the_spend_change(plain_dataset: Dataset) -> None:
    q = Question("q", "what_if", lang="ru", changes=(SpendChange("scale", "video", factor=0.7),))
    a = handle(q, Env(plain_dataset))
    assert len(a.notes) == 1 and "моделей" in a.notes[0]
    assert "расходы плана" in a.lines[0] and not any(RU_LINE.match(line) for line in a.lines)
    assert _english_words(_text(a)) == []
    _verified(a)


def test_apply_changes_ops() -> None:
    spend = {"a": 100.0, "b": 50.0, "c": 0.0}
    new, done, skipped = apply_changes(spend, (
        SpendChange("scale", "a", factor=0.5), SpendChange("move", "b", "c", amount=80.0),
        SpendChange("set", "c", amount=10.0), SpendChange("total", factor=2.0), SpendChange("off", "x"),
    ))
    assert new == {"a": 100.0, "b": 0.0, "c": 20.0}
    assert done[1]["capped"] and done[1]["amount"] == 50.0
    assert [c["channel"] for c in skipped] == ["x"]
    new, done, _ = apply_changes(spend, (SpendChange("move", "a", "b", factor=0.25), SpendChange("off", "b")))
    assert new == {"a": 75.0, "b": 0.0, "c": 0.0}
    assert done[0]["amount"] == 25.0


def test_signed_numbers() -> None:
    assert pc.signed(-412.4, "en") == "-412"
    assert pc.signed(1234.0, "ru") == "+1 234"
    assert pc.signed(-1234.0, "ru") == "−1 234"
    assert pc.signed(0.2, "en") == "0"
    assert pc.span(-530, -300, "en") == "-530..-300"


def test_apply_changes_amounts_without_a_factor() -> None:
    """The parser writes money edits as amounts: "add 10k to a", "cut the budget to 120", "spend 30 more"."""
    spend = {"a": 100.0, "b": 50.0}
    new, done, _ = apply_changes(spend, (SpendChange("scale", "a", amount=10.0), SpendChange("scale", "b", amount=-80.0)))
    assert new == pytest.approx({"a": 110.0, "b": 0.0})
    assert abs(done[0]["percent"] - 0.1) < 1e-12
    new, _, _ = apply_changes(spend, (SpendChange("total", amount=120.0),))
    assert abs(sum(new.values()) - 120.0) < 1e-9 and abs(new["a"] / new["b"] - 2.0) < 1e-9
    new, _, _ = apply_changes(spend, (SpendChange("scale", None, amount=30.0),))
    assert abs(sum(new.values()) - 180.0) < 1e-9
