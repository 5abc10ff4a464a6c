"""forecast: run-rate (or budget) plan forecast with 80% intervals; every line verifies."""

from __future__ import annotations

import re
import sys

import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.forecast import handle
from advisor.advise.question import Question
from advisor.data import Dataset
from models.response import ResponseBundle

pytestmark = pytest.mark.slow

EN = re.compile(r"^(Conversions|Revenue): ([\d,]+) \(80% interval ([\d,]+)\.\.([\d,]+)\)\.$")
RU = re.compile(r"^(Конверсии|Выручка): ([\d ]+) \(80% интервал ([\d ]+)\.\.([\d ]+)\)\.$")


answers = sys.modules["kpi_advise_answers"]
_text, _english_words, _num = answers.text_of, answers.english_words, answers.num


def _verified(a: Answer) -> None:
    answers.assert_lines_verified(a, recommendations=False)  # against the analyses alone


def test_run_rate_forecast_lines_match_the_result_and_verify(plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    a = handle(Question("What do we expect next month?", "forecast"), Env(plain_dataset, bundle400))
    total = a.analyses[0].result["total"]
    assert a.lines[0].startswith("Next month (")
    rows = {m.group(1).lower(): m for line in a.lines if (m := EN.match(line))}
    assert set(rows) == {"conversions", "revenue"}
    for kpi, m in rows.items():
        mean, lo, hi = (_num(m.group(i)) for i in (2, 3, 4))
        assert mean == round(total[kpi]["mean"]) and lo == round(total[kpi]["lower_80"]) and lo < mean < hi
    assert sum(line.startswith("ROI: ") for line in a.lines) == 1
    _verified(a)


def test_budget_and_quarter_in_russian(plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    a = handle(Question("Чего ждать в следующем квартале при бюджете 1,5 млн?", "forecast", lang="ru",
                        amount=1_500_000, horizon="quarter"), Env(plain_dataset, bundle400))
    res = a.analyses[0].result
    assert res["total"]["spend"] == pytest.approx(1_500_000)
    assert a.lines[0].startswith("В следующем квартале (") and "бюджете 1 500 000" in a.lines[0]
    assert {m.group(1) for line in a.lines if (m := RU.match(line))} == {"Конверсии", "Выручка"}
    assert _english_words(_text(a)) == []
    _verified(a)
    en = handle(Question("q", "forecast", amount=1_500_000, horizon="quarter"), Env(plain_dataset, bundle400))
    _verified(en)  # totals above a million in English notation


def test_without_models_one_note(plain_dataset: Dataset) -> None:
    a = handle(Question("q", "forecast"), Env(plain_dataset))
    assert len(a.notes) == 1 and len(a.lines) == 1 and "cannot be forecast" in a.lines[0]
    _verified(a)
