"""``advise``: a question in English or Russian → what it asks (kind + entities) → the analyses that kind needs →
ranked actions → a verified narrative in the question's language (SPEC §5 "Advise")."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.advise import analyses as an
from advisor.advise.kinds import Answer, Env, handler
from advisor.advise.question import Question
from advisor.data import Dataset
from advisor.narrative import DEFAULT_TIMEOUT_S, narrate
from advisor.narrative.template import recommendation_lines
from advisor.recommend import ActionCatalog, Recommendation
from models.clv import CLVModel, CLVModelSet
from models.drivers import DriverModelSet
from models.response import ResponseBundle

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from advisor.advise.understand import Vocabulary

log = logging.getLogger(__name__)

#: recommendations written into the narrative (all of them are in the result)
NARRATED_ACTIONS = 3


@dataclass(frozen=True)
class AdviceResult:
    """SPEC §5 ``advise``: ``answer`` (the narrative), ``understood`` (the parsed question: kind, entities,
    language), the analyses run (name, params, result), the ranked recommendations, ``narrative_source``
    (``llm``/``template``), ``verified``; ``router``: ``rules`` or ``llm`` (who read the question);
    ``complaints``: why LLM answers were rejected."""

    question: str
    answer: str
    analyses: tuple[an.Analysis, ...]
    recommendations: tuple[Recommendation, ...]
    narrative_source: str
    verified: bool
    lang: str = "en"
    router: str = "rules"
    complaints: tuple[str, ...] = ()
    understood: Question | None = None

    @property
    def kind(self) -> str | None:
        return self.understood.kind if self.understood is not None else None

    def structured(self) -> dict[str, Any]:
        """The result without the narrative: what the narrative may quote (not the parsed question: a number
        in the question is not a fact)."""
        return {
            "question": self.question,
            "analyses": [a.to_dict() for a in self.analyses],
            "recommendations": [r.to_dict() for r in self.recommendations],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            **self.structured(),
            "understood": self.understood.to_dict() if self.understood is not None else None,
            "narrative_source": self.narrative_source,
            "verified": self.verified,
            "lang": self.lang,
            "router": self.router,
            "complaints": list(self.complaints),
        }


def known_names(ds: Dataset) -> dict[str, list[str]]:
    """Campaign ids and channels of the dataset (what a question or a narrative may name)."""
    from advisor.advise.understand import vocabulary

    return vocabulary(ds)[0]


def understand_question(
    question: str,
    dataset: Dataset,
    *,
    lang: str | None = None,
    scope: Mapping[str, str] | None = None,
    llm: BaseChatModel | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    vocab: Vocabulary | None = None,
) -> tuple[Question, str, list[str]]:
    """The parsed question, who parsed it (``llm`` or ``rules``) and the LLM's failures. With ``llm`` the model
    picks the kind and entities by a tool call (validated against the data, same limits); any failure falls back
    to the deterministic parser. ``scope`` (a campaign or channel) overrides the entities of the text; ``vocab``:
    the dataset's :func:`~advisor.advise.understand.vocabulary` when the caller has it already."""
    from advisor.advise.understand import understand, vocabulary

    names, attributes, last_date = vocab if vocab is not None else vocabulary(dataset)
    complaints: list[str] = []
    parsed: Question | None = None
    router = "rules"
    if llm is not None:
        from advisor.advise.tools import choose_for

        try:
            parsed = choose_for(llm, question, dataset, timeout_s, lang)
            router = "llm"
        except Exception as exc:  # any failure of the model: the deterministic parser answers
            complaints.append(f"tool choice: {type(exc).__name__}: {exc}")
            log.info("LLM tool choice failed, using the parser: %s", exc)
    if parsed is None:
        parsed = understand(question, names, attributes=attributes, last_date=last_date, lang=lang)
    if lang is not None and parsed.lang != lang:
        parsed = dataclasses.replace(parsed, lang=lang)  # type: ignore[arg-type]
    if scope:
        col, value = next(iter(scope.items()))
        entity = {"campaigns": (value,), "channels": ()} if col == "campaign_id" else {"channels": (value,), "campaigns": ()}
        kind = "why" if parsed.kind in ("other", "overview", "attention") else parsed.kind
        parsed = dataclasses.replace(parsed, kind=kind, **entity)  # type: ignore[arg-type]
    return parsed, router, complaints


def answer_text(answer: Answer, recs: Sequence[Recommendation], lang: str) -> str:
    """The deterministic narrative: the handler's lines, the top actions, then its notes (each said once)."""
    parts = list(answer.lines)
    if recs:
        parts += recommendation_lines([r.to_dict() for r in recs[:NARRATED_ACTIONS]], lang)
    parts += list(dict.fromkeys(answer.notes))
    return "\n".join(parts)


def advise(
    question: str,
    *,
    dataset: Dataset,
    bundle: ResponseBundle | None = None,
    driver_models: DriverModelSet | None = None,
    scope: Mapping[str, str] | None = None,
    lang: str | None = None,
    llm: BaseChatModel | None = None,
    catalog: ActionCatalog | None = None,
    timeout_s: float | None = None,
    max_recommendations: int = 10,
    clv_model: CLVModel | CLVModelSet | None = None,
) -> AdviceResult:
    """Answer ``question`` (English or Russian) about ``dataset``, in the question's language (``lang``
    overrides: ``en``/``ru``).

    The question is read into a :class:`~advisor.advise.question.Question` (kind + entities: by the LLM's tool
    call when ``llm`` is given and it succeeds, else by the deterministic parser); the kind's handler runs the
    analyses it needs and writes the deterministic answer; the narrative is the LLM's when it verifies (else
    that answer). ``scope``: a campaign or channel the question is about (``{"campaign_id": "c1"}``), overriding
    the text. ``timeout_s``: time budget of all LLM calls together (default
    :data:`advisor.narrative.DEFAULT_TIMEOUT_S`). Forecasts, plans and incremental figures need ``bundle``;
    without it the answer says so once. ``clv_model``: the fitted CLV model (model CLV:CAC by channel).
    """
    if lang is not None and lang not in ("en", "ru"):
        raise ValueError(f"lang must be 'en' or 'ru', got {lang!r}")
    budget = timeout_s if timeout_s is not None else DEFAULT_TIMEOUT_S
    deadline = time.monotonic() + budget
    from advisor.advise.understand import vocabulary

    vocab = vocabulary(dataset)
    parsed, router, complaints = understand_question(
        question, dataset, lang=lang, scope=scope, llm=llm, timeout_s=max(budget / 2, 0.1), vocab=vocab
    )
    names = vocab[0]
    env = Env(dataset, bundle, driver_models, clv_model, catalog, names)
    from advisor.advise.kinds import unknown

    answer = unknown.handle(parsed, env) if scope is None and unknown.applies(parsed) else handler(parsed.kind)(parsed, env)
    recs = tuple(answer.recommendations[:max_recommendations])
    out_lang = parsed.lang
    partial = AdviceResult(question, "", answer.analyses, recs, "template", False, out_lang, router, (), parsed)
    story = narrate(
        partial.structured(), question=question, lang=out_lang, llm=llm,
        names=[n for v in names.values() for n in v], timeout_s=max(deadline - time.monotonic(), 0.0),
        fallback=answer_text(answer, recs, out_lang),
    )
    return AdviceResult(
        question, story.text, answer.analyses, recs, story.source, story.verified, out_lang, router,
        tuple(complaints) + story.complaints, parsed,
    )
