"""``advise``: a natural-language question → analyses → recommendations → a verified narrative."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel

from advisor.advise import analyses as an
from advisor.advise.recommendations import recommend_for_diagnosis
from advisor.advise.router import Intent, route
from advisor.advise.tools import choose
from advisor.data import Dataset
from advisor.diagnostics import Diagnosis
from advisor.narrative import DEFAULT_TIMEOUT_S, narrate
from advisor.recommend import ActionCatalog, Recommendation, RecommendContext, recommend
from models.clv import CLVModel, CLVModelSet
from models.drivers import DriverModelSet
from models.response import ResponseBundle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdviceResult:
    """SPEC §5 ``advise``: ``answer`` (the narrative), the analyses run (name, params, result), the ranked
    recommendations, ``narrative_source`` (``llm``/``template``), ``verified``; ``router``: ``rules`` or
    ``llm`` (who chose the analyses); ``complaints``: why LLM answers were rejected."""

    question: str
    answer: str
    analyses: tuple[an.Analysis, ...]
    recommendations: tuple[Recommendation, ...]
    narrative_source: str
    verified: bool
    lang: str = "en"
    router: str = "rules"
    complaints: tuple[str, ...] = ()

    def structured(self) -> dict[str, Any]:
        """The result without the narrative: what the narrative may quote."""
        return {
            "question": self.question,
            "analyses": [a.to_dict() for a in self.analyses],
            "recommendations": [r.to_dict() for r in self.recommendations],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            **self.structured(),
            "narrative_source": self.narrative_source,
            "verified": self.verified,
            "lang": self.lang,
            "router": self.router,
            "complaints": list(self.complaints),
        }


def known_names(ds: Dataset) -> dict[str, list[str]]:
    """Campaign ids and channels of the dataset (what a question or a narrative may name)."""
    cd = ds.campaign_daily
    return {col: sorted(cd[col].astype(str).unique()) for col in ("campaign_id", "channel") if col in cd}


def _run(
    intent: Intent,
    ds: Dataset,
    bundle: ResponseBundle | None,
    drivers: DriverModelSet | None,
    clv_model: CLVModel | CLVModelSet | None = None,
) -> an.Analysis:
    p = intent.params
    if intent.name == "diagnose":
        return an.run_diagnose(ds, p["scope"], p.get("period", "last_90_days"), drivers, bundle)
    if intent.name == "scorecard":
        return an.run_scorecard(ds)
    if intent.name == "kpis":
        return an.run_kpis(ds, p.get("scope"))
    if intent.name == "clv":
        return an.run_clv(ds, p.get("scope"), clv_model=clv_model)
    if intent.name == "returns":
        return an.run_returns(ds, bundle)
    if intent.name == "forecast":
        return an.run_forecast(bundle, p.get("budget"), p.get("horizon", "month"))
    if intent.name == "optimize":
        return an.run_optimize(bundle, p.get("budget"), p.get("horizon", "month"))
    raise ValueError(f"unknown analysis {intent.name!r}")


def _recommend(done: Sequence[an.Analysis], bundle: ResponseBundle | None, lang: str, catalog: ActionCatalog | None) -> list[Recommendation]:
    """Recommendations of every analysis: a diagnosis with its scope context, the rest together (channel
    returns pair with each other and with the diagnosis' saturation finding)."""
    returns = [f for a in done if a.name == "returns" for f in a.findings]
    out: list[Recommendation] = []
    for a in done:
        if a.name == "diagnose" and isinstance(a.context.get("diagnosis"), Diagnosis):
            out += recommend_for_diagnosis(
                a.context["diagnosis"], a.context["campaign_daily"], bundle=bundle, returns=returns or None,
                lang=lang, catalog=catalog,
            )
    # with a diagnosis, the channel returns only pair with its scope's channel (no department-wide moves)
    skip = {"diagnose", "returns"} if any(a.name == "diagnose" for a in done) else {"diagnose"}
    rest = [f for a in done if a.name not in skip for f in a.findings]
    if rest:
        out += recommend(rest, RecommendContext(bundle=bundle, catalog=catalog, lang=lang))
    best: dict[tuple[str, tuple[tuple[str, str], ...]], Recommendation] = {}
    for r in out:
        best.setdefault((r.id, tuple(sorted(r.scope.items()))), r)
    recs = list(best.values())
    money = [r for r in recs if r.impact_units == "currency" and r.expected_impact is not None]
    other = [r for r in recs if r not in money]
    return sorted(money, key=lambda r: -(r.expected_impact or 0.0)) + sorted(other, key=lambda r: -r.confidence)


def advise(
    question: str,
    *,
    dataset: Dataset,
    bundle: ResponseBundle | None = None,
    driver_models: DriverModelSet | None = None,
    scope: Mapping[str, str] | None = None,
    lang: str = "en",
    llm: BaseChatModel | None = None,
    catalog: ActionCatalog | None = None,
    timeout_s: float | None = None,
    max_recommendations: int = 10,
    clv_model: CLVModel | CLVModelSet | None = None,
) -> AdviceResult:
    """Answer ``question`` (English or Russian) about ``dataset``.

    The deterministic router picks the analyses (with ``llm``, the model may pick them by tool calling; any
    failure falls back to the router); they run, their findings become ranked recommendations, and the
    narrative is written by the LLM and verified (else by the template narrator). ``scope``: a campaign or
    channel the question is about (``{"campaign_id": "c1"}``), overriding what the router reads from the
    question. ``timeout_s``: time budget of all LLM calls together (default :data:`advisor.narrative.DEFAULT_TIMEOUT_S`; the application passes its ``llm_timeout_s`` setting).
    Forecast and optimise need ``bundle``; without it they report an error in their result. ``clv_model``: the
    fitted CLV model (``training.clv.load_model``); with it the CLV analysis uses model CLV:CAC by channel
    (``advisor.customers.clv_by_acquisition``) instead of the historical one.
    """
    if lang not in ("en", "ru"):
        raise ValueError(f"lang must be 'en' or 'ru', got {lang!r}")
    names = known_names(dataset)
    budget = timeout_s if timeout_s is not None else DEFAULT_TIMEOUT_S
    deadline = time.monotonic() + budget
    intents: list[Intent] | None = None
    router = "rules"
    complaints: list[str] = []
    if llm is not None:
        try:
            intents = choose(llm, question, names, max(budget / 2, 0.1))
            router = "llm"
            if scope:
                intents = [Intent(i.name, {**i.params, "scope": dict(scope)}) if i.name == "diagnose" else i for i in intents]
        except Exception as exc:
            complaints.append(f"tool choice: {type(exc).__name__}: {exc}")
            log.info("LLM tool choice failed, using the router: %s", exc)
    if intents is None:
        intents = route(question, names, scope)
    done = [_run(i, dataset, bundle, driver_models, clv_model) for i in intents]
    recs = _recommend(done, bundle, lang, catalog)[:max_recommendations]
    for a in done:
        if a.name == "diagnose" and "recommendations" in a.result:
            d = a.context["diagnosis"]
            diag_scope = {d.scope.column: d.scope.value}
            a.result["recommendations"] = [  # type: ignore[index]
                r.to_dict() for r in recs if all(r.scope.get(k) == v for k, v in diag_scope.items())
            ]
    partial = AdviceResult(question, "", tuple(done), tuple(recs), "template", False, lang, router)
    story = narrate(
        partial.structured(), question=question, lang=lang, llm=llm,
        names=[n for v in names.values() for n in v], timeout_s=max(deadline - time.monotonic(), 0.0),
    )
    return AdviceResult(
        question, story.text, tuple(done), tuple(recs), story.source, story.verified, lang, router,
        tuple(complaints) + story.complaints,
    )
