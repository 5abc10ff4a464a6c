"""``narrate``: the LLM narrative when configured and verified, else the deterministic one."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.narrative.facts import collect_facts
from advisor.narrative.llm import DEFAULT_TIMEOUT_S, ask, messages
from advisor.narrative.template import template_narrative
from advisor.narrative.verify import verify

if TYPE_CHECKING:  # LangChain is imported only when a model is configured
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Narrative:
    """``text`` and where it came from: ``source`` ``llm`` or ``template``; ``verified``: the verifier passed
    the text; ``complaints``: why LLM attempts were rejected (or failed), in order."""

    text: str
    source: str
    verified: bool
    complaints: tuple[str, ...] = ()


def narrate(
    result: Mapping[str, Any],
    *,
    question: str = "",
    lang: str = "en",
    llm: BaseChatModel | None = None,
    names: Iterable[str] = (),
    timeout_s: float | None = None,
    attempts: int = 2,
    fallback: str | None = None,
) -> Narrative:
    """Narrative of ``result`` (the ``advise`` JSON without its narrative fields).

    With ``llm``: ask for a structured answer, verify it (numbers, dates, names, actions); on failure retry
    once with the verifier's complaint; if that fails too, or time runs out (``timeout_s`` for all attempts
    together, default :data:`DEFAULT_TIMEOUT_S`), use the deterministic narrator. ``names``: campaign and
    channel names known to exist besides those in ``result``. ``fallback``: the deterministic text to use (the
    kind handler's answer); None renders ``result`` with :func:`template_narrative`.
    """
    facts = collect_facts(result, names)
    complaints: list[str] = []
    if llm is not None:
        budget = timeout_s if timeout_s is not None else DEFAULT_TIMEOUT_S
        deadline = time.monotonic() + budget
        complaint: str | None = None
        for _ in range(attempts):
            try:
                out = ask(llm, messages(result, question, lang, complaint), deadline - time.monotonic())
            except Exception as exc:  # any provider failure falls back to the template
                complaints.append(f"{type(exc).__name__}: {exc}")
                log.warning("LLM narrative failed: %s", exc)
                break
            check = verify(out.answer, facts, out.action_ids)
            if check.ok and out.answer.strip():
                return Narrative(out.answer.strip(), "llm", True, tuple(complaints))
            complaint = check.message() or "empty answer"
            complaints.append(complaint)
    text = fallback if fallback is not None else template_narrative(result, lang)
    return Narrative(text, "template", verify(text, facts).ok, tuple(complaints))
