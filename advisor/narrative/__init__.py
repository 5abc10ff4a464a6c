"""Narratives of structured results (SPEC §5 LLM paragraph): a deterministic narrator (en/ru) by default,
an LLM through LangChain when configured, and a verifier that lets through only texts whose numbers, dates,
names and actions are all in the result.

Public API::

    narrate(result, *, question="", lang="en", llm=None, names=(), timeout_s=None) -> Narrative
    template_narrative(result, lang="en") -> str
    verify(text, collect_facts(result, names), action_ids=()) -> Verification
    LLMSettings (env prefix KPI_ADVISOR_), chat_model_from_settings(settings=None) -> BaseChatModel | None
"""

from advisor.narrative.facts import Facts, collect_facts
from advisor.narrative.llm import LLMSettings, NarrativeOut, chat_model_from_settings, data_block
from advisor.narrative.narrate import Narrative, narrate
from advisor.narrative.template import template_narrative
from advisor.narrative.verify import Verification, verify

__all__ = [
    "Facts",
    "LLMSettings",
    "Narrative",
    "NarrativeOut",
    "Verification",
    "chat_model_from_settings",
    "collect_facts",
    "data_block",
    "narrate",
    "template_narrative",
    "verify",
]
