"""Ask (``/ui/ask``): the advisor as a chat box. The question goes to ``POST /ui/api/ask``, which runs the advise
operation (``api.http.services.advise``, the same as ``POST /v1/advise``: the configured LLM if any, else the
deterministic router and narrator) for the session's workspace and records the advice in the workspace's audit log
(route ``/ui/api/ask``), as the API does. The page (``static/ask.js``) keeps the conversation client side: each
answer's narrative, its actions (recommendations with expected impact) and the analyses it ran (collapsible).

Answer language: a question in Russian (``advisor.advise.detect_lang``: Cyrillic letters at least as many as Latin
ones) is answered in Russian; any other question in the page's language (the en/ru switch), so on the Russian page
"ROI search?" is answered in Russian and on the English page in English."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from advisor.advise import detect_lang
from advisor.narrative.template import impact_text
from advisor.ops.context import ModelsUnavailable
from api.http import schemas, services
from api.http.state import NotReadyError
from api.ui.i18n import strings
from api.ui.pages.overview import attention
from api.ui.render import NavItem, render
from api.ui.session import UiUser, csrf_checked, ui_viewer
from models.plan import PlanError

NAV = NavItem(href="/ui/ask", page="ask", order=40)
router = APIRouter(prefix="/ui", include_in_schema=False)

ROUTE = "/ui/api/ask"
EXAMPLES = {
    "en": ["What needs attention?", "Why did {campaign} miss its targets last month?",
           "How should we split {budget} next month?", "What will {kpi} be next month?"],
    "ru": ["Что требует внимания?", "Почему {campaign} не выполнила цели в прошлом месяце?",
           "Как распределить {budget} в следующем месяце?", "Какой будет {kpi_ru} в следующем месяце?"],
}
#: examples on media-mix data (no campaigns to name)
EXAMPLES_MMM = {
    "en": ["Which channel should get more budget next quarter?", "How much did {channel} add over the last 13 weeks?",
           "How should we split {budget} next month?", "What will {kpi} be next month?"],
    "ru": ["Какой канал заслуживает больше бюджета в следующем квартале?",
           "Сколько добавил {channel} за последние 13 недель?", "Как распределить {budget} в следующем месяце?",
           "Какой будет {kpi_ru} в следующем месяце?"],
}
KPI_RU = {"revenue": "выручка", "conversions": "число конверсий"}


class AskRequest(BaseModel):
    """A question of the chat box; ``campaign`` / ``channel`` scope it (as in ``POST /v1/advise``)."""

    question: str = Field(min_length=3, max_length=2000)
    campaign: str | None = Field(default=None, max_length=128)
    channel: str | None = Field(default=None, max_length=128)
    dataset: str | None = Field(default=None, max_length=128)


def answer_lang(question: str, page_lang: str) -> str:
    """``ru`` for a Russian question, else the page's language (``en`` / ``ru``)."""
    return "ru" if detect_lang(question) == "ru" else page_lang


def example_campaign(user: UiUser) -> str:
    """The campaign the examples name: the first campaign of the attention scan (the overview's "needs attention"),
    else the one with the most spend."""
    ds = user.workspace.snapshot.dataset
    if ds is None or "campaign_id" not in ds.campaign_daily or ds.campaign_daily.empty:
        return "search-01"
    for item in attention(user).get("items", []):
        if item.get("type") == "campaign" and item.get("campaign_id"):
            return str(item["campaign_id"])
    return str(ds.campaign_daily.groupby("campaign_id")["spend"].sum().idxmax())


def example_budget(user: UiUser) -> str:
    """The run-rate spend of the next 28 days to two significant digits (the budget the split example names)."""
    try:
        total = sum(float(v) for v in services.run_rate_plan(user.workspace, 28)["spend"].values())
    except (NotReadyError, ModelsUnavailable, PlanError, ValueError):  # no models / plan yet: any round figure
        return "120000"
    return f"{float(f'{total:.2g}'):.0f}" if total > 0 else "120000"


def examples(user: UiUser) -> list[str]:
    """Example questions in the page language about the workspace's data: its campaign that needs attention (or the
    biggest), the run-rate budget, the KPI the models forecast; on media-mix data, its biggest channel instead."""
    snap = user.workspace.snapshot
    ds, bundle = snap.dataset, snap.bundle
    kpi = "revenue" if bundle is None or "revenue" in bundle.models else "conversions"
    fill = {"budget": example_budget(user), "kpi": kpi, "kpi_ru": KPI_RU[kpi]}
    if ds is not None and ds.campaign_source == "mmm":
        channel = str(ds.campaign_daily.groupby("channel")["spend"].sum().idxmax())
        return [q.format(channel=channel, **fill) for q in EXAMPLES_MMM[user.lang]]
    return [q.format(campaign=example_campaign(user), **fill) for q in EXAMPLES[user.lang]]


@router.get("/ask", response_class=HTMLResponse)
def page(request: Request, user: UiUser = Depends(ui_viewer)) -> HTMLResponse:
    """The chat box."""
    t = strings("ask", user.lang)
    names = {k.removeprefix("an."): v for k, v in t.items() if k.startswith("an.")}
    return render(request, user, "ask", examples=examples(user), names=names)


@router.post("/api/ask", dependencies=[Depends(csrf_checked)])
def ask(body: AskRequest, user: UiUser = Depends(ui_viewer)) -> dict[str, Any]:
    """The advise operation's JSON (as ``POST /v1/advise``) in :func:`answer_lang`; recorded in the audit log."""
    req = schemas.AdviseRequest(question=body.question, campaign=body.campaign, channel=body.channel,
                                dataset=body.dataset, lang=answer_lang(body.question, user.lang))  # type: ignore[arg-type]
    result = services.advise(user.workspace, req)
    user.workspace.record_advice(user.principal.key_id, ROUTE, req.model_dump(mode="json"), result)
    return with_impact_texts(result, req.lang or user.lang)


def with_impact_texts(result: dict[str, Any], lang: str) -> dict[str, Any]:
    """The answer with each recommendation's ``impact_text`` in the answer's language (``impact_text`` of the
    narrator: "6,674 in revenue over 28 days"), so the page words the impact as the answer does."""
    recs = [{**r, "impact_text": impact_text(r, lang)} for r in result.get("recommendations") or []]
    return {**result, "recommendations": recs}
