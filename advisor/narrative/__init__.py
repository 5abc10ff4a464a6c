"""Narratives of structured results (SPEC §5 LLM paragraph): a deterministic narrator (en/ru) by default,
an LLM through LangChain when configured, and a verifier that lets through only texts whose numbers, dates,
names and actions are all in the result.

Public API::

    narrate(result, *, question="", lang="en", llm=None, names=(), timeout_s=None) -> Narrative
    template_narrative(result, lang="en") -> str
    verify(text, collect_facts(result, names), action_ids=()) -> Verification
    chat_model(model, *, base_url=None, api_key=None, temperature=0.0, timeout_s=20.0) -> BaseChatModel | None
"""

from advisor.narrative.facts import Facts, collect_facts
from advisor.narrative.llm import DEFAULT_TIMEOUT_S, NarrativeOut, chat_model, data_block
from advisor.narrative.narrate import Narrative, narrate
from advisor.narrative.template import template_narrative
from advisor.narrative.verify import Verification, verify

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "Facts",
    "Narrative",
    "NarrativeOut",
    "Verification",
    "chat_model",
    "collect_facts",
    "data_block",
    "narrate",
    "template_narrative",
    "verify",
]
