"""Fake chat models (no network) as fixtures: structured output through tool calls, a slow one, tool choice."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import Field


class ToolFake(GenericFakeChatModel):
    """GenericFakeChatModel whose ``bind_tools`` returns itself, so ``with_structured_output`` works; records
    the prompts it saw."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolFake:  # type: ignore[override]
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kw)


def answers(*items: dict[str, Any]) -> Iterator[AIMessage]:
    """Structured answers as tool calls named like the schema (``NarrativeOut``)."""
    return iter(
        [AIMessage(content="", tool_calls=[{"name": "NarrativeOut", "args": a, "id": f"c{i}"}]) for i, a in enumerate(items)]
    )


def fake(*items: dict[str, Any]) -> ToolFake:
    m = ToolFake(messages=answers(*items))
    m.seen = []
    return m


class SlowFake(ToolFake):
    """Sleeps ``delay`` seconds before answering."""

    delay: float = 5.0

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        time.sleep(self.delay)
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kw)


def tool_calls(calls: Sequence[tuple[str, dict[str, Any]]]) -> ToolFake:
    """A model that answers with the given tool calls (for analysis choice)."""
    msg = AIMessage(content="", tool_calls=[{"name": n, "args": a, "id": f"t{i}"} for i, (n, a) in enumerate(calls)])
    m = ToolFake(messages=iter([msg]))
    m.seen = []
    return m


class Fakes:
    """Factories handed to the tests."""

    ToolFake = ToolFake
    SlowFake = SlowFake
    answers = staticmethod(answers)
    fake = staticmethod(fake)
    tool_calls = staticmethod(tool_calls)


@pytest.fixture()
def fakes() -> type[Fakes]:
    return Fakes
