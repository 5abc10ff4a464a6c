"""``/v1/advise``: a question in natural language answered with analyses, actions and a verified narrative."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.http import schemas, services
from api.http.auth import viewer
from api.http.state import Workspace

router = APIRouter(prefix="/v1", tags=["advice"])


@router.post("/advise", operation_id="advise", response_model=schemas.AdviseResponse, summary="Ask a question")
def advise(req: schemas.AdviseRequest, request: Request, state: Workspace = Depends(viewer)) -> dict[str, object]:
    """Answer a marketing question in English or Russian ("Why did social-02 miss its targets last month?",
    "How should we split 120k next month?"). The service picks and runs the analyses (KPIs, scorecard, diagnose,
    forecast, optimize), ranks corrective actions with expected impact, and writes a narrative whose every number
    is checked against the analyses (`verified`; else the deterministic narrator answers). `analyses` lists what
    ran and what it found."""
    result = services.advise(state, req)
    state.record_advice(request.state.principal.key_id, "/v1/advise", req.model_dump(mode="json"), result)
    return result
