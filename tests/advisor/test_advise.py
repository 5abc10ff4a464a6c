"""advise(): question → kind → handler → one verified answer in the question's language (no models here: the
kinds that need them say so once; the LLM path is in tests/advisor/advise/test_advise_llm_path.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from advisor.advise import KINDS, advise
from advisor.core.words import ACRONYMS
from advisor.data import Dataset
from demo_world import generate_world

QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”")
LATIN = re.compile(r"\b[A-Za-z][A-Za-z:]*\b")


@pytest.fixture(scope="module")
def world() -> Any:
    return generate_world(1, days=400)


@pytest.fixture(scope="module")
def dataset(world: Any) -> Dataset:
    return Dataset.from_frames(**world.tables, targets=world.targets)


def _problem(world: Any, kind: str) -> dict[str, Any]:
    return next(p for p in world.truth["problems"] if p["kind"] == kind)


def _questions(world: Any) -> dict[str, tuple[str, str]]:
    """One English and one Russian question per kind."""
    c = _problem(world, "creative_fatigue")["campaign_id"]
    return {
        "why": (f"Why did {c} miss its targets last month?", f"Почему кампания {c} просела?"),
        "attention": ("Which campaigns need attention?", "Что требует внимания?"),
        "what_if": ("What happens to conversions if we cut video by 30%?", "Что будет, если отключить email?"),
        "split": ("How should we split 150k next month?", "Как распределить 1,5 млн на следующий квартал?"),
        "funding": ("Is our email channel underfunded?", "Какому каналу добавить бюджет?"),
        "trend": ("How did ROI change over time?", "Динамика CPA по месяцам"),
        "off_target": ("Which KPIs are off target and why?", "Какие KPI не выполняются?"),
        "segment": ("Which audience performs worst?", "Какой регион хуже всего по конверсии?"),
        "trust": ("Can we trust the platforms' numbers?", "Можно ли верить цифрам площадок?"),
        "contribution": ("How much did search add over the last 13 weeks?", "Какой вклад каждого канала в выручку?"),
        "overview": ("How are we doing?", "Как у нас дела?"),
        "customers": ("What is our CLV to CAC by channel?", "Какой NPS у клиентов?"),
        "forecast": ("What revenue do we expect next month?", "Прогноз выручки на квартал"),
        "other": ("What is the capital of France?", "Напиши стихотворение про осень"),
    }


def test_every_kind_is_asked_here(world: Any) -> None:
    assert set(_questions(world)) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_answers_in_the_question_language_and_verifies(world: Any, dataset: Dataset, kind: str) -> None:
    en, ru = _questions(world)[kind]
    for question, lang in ((en, "en"), (ru, "ru")):
        r = advise(question, dataset=dataset)
        assert r.kind == kind, (question, r.kind)
        assert r.lang == lang and r.verified, (question, r.answer)
        assert r.answer.strip()
        if lang == "ru":
            latin = [w for w in LATIN.findall(QUOTED.sub(" ", r.answer)) if w.upper() not in ACRONYMS and w not in ACRONYMS]
            assert not latin, (question, latin, r.answer)
        else:
            assert not re.search(r"[А-Яа-яЁё]", r.answer), (question, r.answer)
        json.dumps(r.to_dict(), allow_nan=False)  # JSON-safe


def test_missing_models_are_one_note_not_the_answer(dataset: Dataset) -> None:
    r = advise("What happens to conversions if we cut video by 30%?", dataset=dataset)
    first = r.answer.splitlines()[0]
    assert "video" in first and "train" not in first.lower()
    assert r.answer.lower().count("kpi-advisor train") <= 1


def test_missing_targets_are_said_once(world: Any) -> None:
    ds = Dataset.from_frames(**world.tables)
    for question in ("How are we doing?", "Which KPIs are off target?", "Как у нас дела?"):
        r = advise(question, dataset=ds)
        assert r.verified, r.answer
        lines = r.answer.splitlines()
        said = [i for i, ln in enumerate(lines) if "targets.yaml" in ln]
        assert len(said) == 1, (question, r.answer)  # once, as a note ...
        assert said[0] > 0  # ... not in place of the answer


def test_why_names_the_stage_and_onset(world: Any, dataset: Dataset) -> None:
    p = _problem(world, "creative_fatigue")
    r = advise(f"Why did {p['campaign_id']} miss its targets?", dataset=dataset)
    assert r.kind == "why" and p["campaign_id"] in r.answer
    assert "click-through" in r.answer or "CTR" in r.answer
    assert any(x.id == "refresh_creative" for x in r.recommendations)


def test_other_runs_nothing(dataset: Dataset) -> None:
    r = advise("What is the capital of France?", dataset=dataset)
    assert r.kind == "other" and r.analyses == () and r.recommendations == ()


def test_lang_argument_overrides_the_detected_language(dataset: Dataset) -> None:
    r = advise("How are we doing?", dataset=dataset, lang="ru")
    assert r.lang == "ru" and re.search(r"[А-Яа-яЁё]", r.answer)


def test_scope_argument_overrides_the_question(world: Any, dataset: Dataset) -> None:
    p = _problem(world, "poor_audience")
    r = advise("Why did it drop?", dataset=dataset, scope={"campaign_id": p["campaign_id"]})
    assert r.kind == "why" and r.understood is not None and r.understood.campaigns == (p["campaign_id"],)
    assert any(x.id == "revert_audience" for x in r.recommendations)


def test_unknown_language_is_rejected(dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="lang"):
        advise("How are we doing?", dataset=dataset, lang="de")


def test_cli_advise_json_detects_russian(world: Any, tmp_path: Path) -> None:
    from api.cli import app

    world.write(tmp_path / "demo")
    p = _problem(world, "creative_fatigue")
    res = CliRunner().invoke(
        app, ["advise", "-q", f"Почему кампания {p['campaign_id']} просела?", "--data", str(tmp_path / "demo"), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["lang"] == "ru" and d["understood"]["kind"] == "why" and d["verified"] is True
    assert any(r["id"] == "refresh_creative" for r in d["recommendations"])
