"""forecast: run-rate (or budget) plan forecast with 80% intervals; every line verifies."""

from __future__ import annotations

import re
from typing import Any

import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.forecast import handle
from advisor.advise.question import Question
from advisor.core.words import ACRONYMS
from advisor.data import Dataset
from advisor.narrative import collect_facts, verify
from demo_world import generate_world
from models.response import ResponseBundle, ResponseSpec
from training.response import fit_bundle, prepare_history

pytestmark = pytest.mark.slow

EN = re.compile(r"^(Conversions|Revenue): ([\d,]+) \(80% interval ([\d,]+)\.\.([\d,]+)\)\.$")
RU = re.compile(r"^(Конверсии|Выручка): ([\d ]+) \(80% интервал ([\d ]+)\.\.([\d ]+)\)\.$")


@pytest.fixture(scope="module")
def world() -> Any:
    return generate_world(1, days=400)


@pytest.fixture(scope="module")
def dataset(world: Any) -> Dataset:
    return Dataset.from_frames(**world.tables)


@pytest.fixture(scope="module")
def bundle(world: Any) -> ResponseBundle:
    hist, ch, camp, freq = prepare_history(world.tables)
    return fit_bundle(hist, ch, camp, freq, ResponseSpec(country=None, n_starts=1))


def _text(a: Answer) -> str:
    return "\n".join((*a.lines, *a.notes))


def _verified(a: Answer) -> None:
    v = verify(_text(a), collect_facts({"analyses": [x.to_dict() for x in a.analyses]}))
    assert v.ok, v.message()


def _english_words(text: str) -> list[str]:
    bare = re.sub(r"«[^»]*»|\"[^\"]*\"", " ", text)
    return [w for w in re.findall(r"[A-Za-z]+(?::[A-Za-z]+)*", bare) if w not in ACRONYMS]


def _num(s: str) -> float:
    return float(s.replace(",", "").replace(" ", ""))


def test_run_rate_forecast_lines_match_the_result_and_verify(dataset: Dataset, bundle: ResponseBundle) -> None:
    a = handle(Question("What do we expect next month?", "forecast"), Env(dataset, bundle))
    total = a.analyses[0].result["total"]
    assert a.lines[0].startswith("Next month (")
    rows = {m.group(1).lower(): m for line in a.lines if (m := EN.match(line))}
    assert set(rows) == {"conversions", "revenue"}
    for kpi, m in rows.items():
        mean, lo, hi = (_num(m.group(i)) for i in (2, 3, 4))
        assert mean == round(total[kpi]["mean"]) and lo == round(total[kpi]["lower_80"]) and lo < mean < hi
    assert sum(line.startswith("ROI: ") for line in a.lines) == 1
    _verified(a)


def test_budget_and_quarter_in_russian(dataset: Dataset, bundle: ResponseBundle) -> None:
    a = handle(Question("Чего ждать в следующем квартале при бюджете 1,5 млн?", "forecast", lang="ru",
                        amount=1_500_000, horizon="quarter"), Env(dataset, bundle))
    res = a.analyses[0].result
    assert res["total"]["spend"] == pytest.approx(1_500_000)
    assert a.lines[0].startswith("В следующем квартале (") and "бюджете 1 500 000" in a.lines[0]
    assert {m.group(1) for line in a.lines if (m := RU.match(line))} == {"Конверсии", "Выручка"}
    assert _english_words(_text(a)) == []
    _verified(a)
    en = handle(Question("q", "forecast", amount=1_500_000, horizon="quarter"), Env(dataset, bundle))
    _verified(en)  # totals above a million in English notation


def test_without_models_one_note(dataset: Dataset) -> None:
    a = handle(Question("q", "forecast"), Env(dataset))
    assert len(a.notes) == 1 and len(a.lines) == 1 and "cannot be forecast" in a.lines[0]
    _verified(a)
