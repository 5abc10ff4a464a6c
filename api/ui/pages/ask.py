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
from api.http import schemas, services
from api.ui.i18n import strings
from api.ui.render import NavItem, render
from api.ui.session import UiUser, csrf_checked, ui_viewer

NAV = NavItem(href="/ui/ask", page="ask", order=40)
router = APIRouter(prefix="/ui", include_in_schema=False)

ROUTE = "/ui/api/ask"
EXAMPLES = {
    "en": ["What needs attention?", "Why did {campaign} miss its targets last month?",
           "How should we split 120000 next month?", "What will revenue be next month?"],
    "ru": ["Что требует внимания?", "Почему {campaign} не выполнила цели в прошлом месяце?",
           "Как распределить 120000 в следующем месяце?", "Какой будет выручка в следующем месяце?"],
}


class AskRequest(BaseModel):
    """A question of the chat box; ``campaign`` / ``channel`` scope it (as in ``POST /v1/advise``)."""

    question: str = Field(min_length=3, max_length=2000)
    campaign: str | None = Field(default=None, max_length=128)
    channel: str | None = Field(default=None, max_length=128)
    dataset: str | None = Field(default=None, max_length=128)


def answer_lang(question: str, page_lang: str) -> str:
    """``ru`` for a Russian question, else the page's language (``en`` / ``ru``)."""
    return "ru" if detect_lang(question) == "ru" else page_lang


def examples(user: UiUser) -> list[str]:
    """Example questions in the page language, naming a campaign of the workspace's data when there is one."""
    campaign = "search-01"
    ds = user.workspace.snapshot.dataset
    if ds is not None and "campaign_id" in ds.campaign_daily:
        ids = sorted(str(c) for c in ds.campaign_daily["campaign_id"].unique())
        campaign = ids[0] if ids else campaign
    return [q.format(campaign=campaign) for q in EXAMPLES[user.lang]]


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
    return result
