"""``advise``: a question in natural language answered with the analyses it needs, ranked corrective actions and
a verified narrative (``advisor.advise.advise``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.core.jsonable import to_jsonable
from advisor.ops.context import OpsContext
from advisor.ops.requests import AdviseRequest

if TYPE_CHECKING:
    from advisor.advise import AdviceResult


@dataclass(frozen=True)
class AdviseResult:
    """The answer (narrative, analyses, recommendations, whether every number was verified)."""

    dataset: str | None
    advice: AdviceResult

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_jsonable(self.advice.to_dict())
        return {"dataset": self.dataset, **doc}


def advise(req: AdviseRequest, ctx: OpsContext) -> AdviseResult:
    """Answer ``req.question`` about ``ctx.dataset`` with the context's models, action catalog and LLM (None:
    the deterministic router and narrator)."""
    from advisor.advise import advise as run_advise

    models = ctx.models
    result = run_advise(
        req.question, dataset=ctx.require_dataset(), bundle=models.bundle, driver_models=models.drivers,
        scope=req.scope(), lang=req.lang, llm=ctx.llm, timeout_s=ctx.llm_timeout_s, catalog=ctx.actions, clv_model=models.clv_model,
    )
    return AdviseResult(ctx.dataset_id, result)
