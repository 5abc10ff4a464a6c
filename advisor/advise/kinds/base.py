"""What a kind handler receives and returns.

A handler is ``handle(question: Question, env: Env) -> Answer``: it runs the analyses its kind needs (SPEC §5
table), ranks the actions that follow from them, and writes the deterministic answer in ``question.lang``
(English or Russian, entirely). Every number the answer states is in some analysis' ``result`` or in a
recommendation (the narrative verifier checks it: ``advisor.narrative.verify``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from advisor.advise.analyses import Analysis
from advisor.data import Dataset
from advisor.recommend import ActionCatalog, Recommendation

if TYPE_CHECKING:
    from advisor.advise.question import Question
    from models.clv import CLVModel, CLVModelSet
    from models.drivers import DriverModelSet
    from models.response import ResponseBundle


@dataclass(frozen=True)
class Env:
    """The data and fitted models a handler may use (any model may be None: say so in the answer)."""

    dataset: Dataset
    bundle: ResponseBundle | None = None
    drivers: DriverModelSet | None = None
    clv_model: CLVModel | CLVModelSet | None = None
    catalog: ActionCatalog | None = None
    #: ``campaign_id``/``channel`` → the dataset's values (what a question or an answer may name)
    names: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """A handler's output. ``lines``: the deterministic answer, one sentence or list item per line, leading with
    the direct answer to the question; ``recommendations``: the actions consistent with that answer (ranked;
    never one that contradicts a line); ``notes``: things said once at the end (e.g. no ``targets.yaml``), each
    already in the question's language."""

    analyses: tuple[Analysis, ...]
    lines: tuple[str, ...]
    recommendations: tuple[Recommendation, ...] = ()
    notes: tuple[str, ...] = ()


class Handler(Protocol):
    def __call__(self, question: Question, env: Env) -> Answer: ...
