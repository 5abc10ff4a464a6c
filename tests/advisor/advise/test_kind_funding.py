"""funding: yes/no verdicts from marginal ROI and saturation, ranking, recommendations consistent with them."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

from advisor.advise.kinds.base import Answer, Env
from advisor.advise.kinds.funding import CLEAR_ROI, handle, verdict_of
from advisor.advise.question import Question
from advisor.data import Dataset
from models.response import ResponseBundle

pytestmark = pytest.mark.slow

ROW = re.compile(r'^- "([^"]+)": marginal ROI ([+-]\d+%|0%)')


answers = sys.modules["kpi_advise_answers"]
_english_words = answers.english_words


def _planted(world400: Any, kind: str) -> str:
    return str(next(p["channel"] for p in world400.truth["problems"] if p["kind"] == kind))


def _text(a: Answer) -> str:
    return "\n".join((*a.lines, *(r.action for r in a.recommendations), *a.notes))


def _verified(a: Answer) -> None:
    v = answers.verification(a, _text(a), action_ids=[r.id for r in a.recommendations])
    assert v.ok, v.message()


def _moves_into(a: Answer, channel: str) -> bool:
    return any(r.id == "move_budget" and r.evidence.get("to_channel") == channel for r in a.recommendations)


def _moves_out_of(a: Answer, channel: str) -> bool:
    return any(r.id in ("move_budget", "cut_saturated_spend") and r.scope.get("channel") == channel
               for r in a.recommendations)


def test_verdict_rule() -> None:
    assert verdict_of(0.1, best=0.1) == "under"  # positive and the best
    assert verdict_of(CLEAR_ROI, best=2.0) == "under"  # clearly above break-even
    assert verdict_of(0.2, best=2.0) == "ok"
    assert verdict_of(-0.01, best=2.0) == "over"
    assert verdict_of(-0.5, best=-0.5) == "over"  # the best may still lose money


def test_planted_under_funded_channel_gets_yes_and_money_moves_into_it(
    world400: Any, plain_dataset: Dataset, bundle400: ResponseBundle
) -> None:
    ch = _planted(world400, "under_funded")
    a = handle(Question(f"Is our {ch} channel underfunded?", "funding", channels=(ch,), direction="more"),
               Env(plain_dataset, bundle400))
    assert a.lines[0].startswith(f'Yes — channel "{ch}" is under-funded')
    assert a.recommendations and _moves_into(a, ch) and not _moves_out_of(a, ch)
    assert not any("no action" in line.lower() for line in a.lines)
    assert a.analyses[0].result["verdict"] == {"channel": ch, "verdict": "under", "answer": "yes"}
    _verified(a)


def test_planted_over_funded_channel(world400: Any, plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    ch = _planted(world400, "over_funded")
    a = handle(Question(f"Is {ch} over-funded?", "funding", channels=(ch,), direction="less"), Env(plain_dataset, bundle400))
    assert a.lines[0].startswith(f'Yes — channel "{ch}" is over-funded')
    assert _moves_out_of(a, ch) and not _moves_into(a, ch)
    more = handle(Question(f"Does {ch} deserve more?", "funding", channels=(ch,)), Env(plain_dataset, bundle400))
    assert more.lines[0].startswith("No — ")
    assert not _moves_into(more, ch)
    _verified(a)
    _verified(more)


def test_ranking_without_a_named_channel(world400: Any, plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    a = handle(Question("Which channel deserves more budget?", "funding", direction="more"), Env(plain_dataset, bundle400))
    rows = [m for line in a.lines if (m := ROW.match(line))]
    rois = [float(m.group(2).rstrip("%")) for m in rows]
    assert len(rows) == len(a.analyses[0].result["channels"]) >= 2 and rois == sorted(rois, reverse=True)
    best = rows[0].group(1)
    assert a.lines[0].startswith(f'Channel "{best}" deserves more budget')
    assert best == _planted(world400, "under_funded")
    assert _moves_into(a, best)
    over = handle(Question("Which is over-funded?", "funding", direction="less"), Env(plain_dataset, bundle400))
    assert over.lines[0].startswith("Over-funded (marginal ROI below zero): ")
    assert f'"{_planted(world400, "over_funded")}"' in over.lines[0]
    _verified(a)
    _verified(over)


def test_russian_verdict_and_saturation(world400: Any, plain_dataset: Dataset, bundle400: ResponseBundle) -> None:
    ch = _planted(world400, "under_funded")
    a = handle(Question("Недофинансирован ли канал?", "funding", lang="ru", channels=(ch,), direction="more"),
               Env(plain_dataset, bundle400))
    assert a.lines[0].startswith(f"Да — канал «{ch}» недофинансирован")
    sat = a.analyses[0].result["channels"]
    assert all(0.0 <= r["saturation"] < 1.0 for r in sat)
    assert "потолка отклика" in a.lines[1]
    assert _english_words(_text(a)) == []
    _verified(a)


def test_without_models_local_returns_and_one_note(plain_dataset: Dataset) -> None:
    a = handle(Question("Which channel deserves more budget?", "funding"), Env(plain_dataset))
    assert a.analyses[0].result["source"] == "local_elasticity"
    assert len(a.notes) == 1
    assert any(ROW.match(line) for line in a.lines)
    _verified(a)
