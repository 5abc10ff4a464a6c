"""Domain errors → RFC 9457 ``application/problem+json`` responses (via ``fastapi-problem-details``).

This is the only place that knows HTTP status codes for domain exceptions. Every problem carries ``type``,
``title``, ``status`` and ``detail`` (what went wrong and what to do); data validation problems add ``errors``
(``[{table, column, rows, rule, message}]``) and ``warnings``.
"""

from __future__ import annotations

import logging
from typing import Any

import fastapi_problem_details as problem
from fastapi import FastAPI, Request
from fastapi_problem_details import ProblemResponse

from advisor.data import DataValidationError
from advisor.diagnostics import PeriodError, ScopeError
from advisor.kpis import CatalogError, ExpressionError, UnknownKpiError
from api.http.auth import AuthenticationError, PermissionDeniedError
from api.http.datasets import UploadError
from api.http.services import HorizonError
from api.http.state import NotReadyError
from api.store import (
    DatasetExistsError,
    JobStateError,
    UnknownDatasetError,
    UnknownJobError,
    UnknownKeyError,
    UnknownModelError,
)
from models.plan import PlanError
from models.registry import RegistryError

log = logging.getLogger("kpi_advisor.api")

#: exception class → (status, problem type, title); the first matching class (in order) wins.
MAPPING: tuple[tuple[type[Exception], int, str, str], ...] = (
    (AuthenticationError, 401, "/problems/unauthenticated", "A valid API key is required"),
    (PermissionDeniedError, 403, "/problems/forbidden", "The API key's role does not allow this"),
    (DataValidationError, 422, "/problems/invalid-data", "The data does not meet the data contract"),
    (PlanError, 422, "/problems/invalid-plan", "The plan cannot be forecast"),
    (HorizonError, 422, "/problems/horizon-too-long", "The period is longer than the maximum horizon"),
    (ScopeError, 422, "/problems/unknown-scope", "Unknown campaign, channel or attribute"),
    (PeriodError, 422, "/problems/invalid-period", "The period is outside the data"),
    (UnknownKpiError, 422, "/problems/unknown-kpi", "Unknown KPI"),
    (ExpressionError, 422, "/problems/invalid-kpi-formula", "Invalid KPI formula"),
    (CatalogError, 422, "/problems/invalid-catalog", "Invalid KPI catalog"),
    (UploadError, 422, "/problems/invalid-upload", "The upload is not a data folder"),
    (DatasetExistsError, 409, "/problems/dataset-exists", "The dataset id is taken"),
    (UnknownDatasetError, 404, "/problems/unknown-dataset", "Unknown dataset"),
    (UnknownJobError, 404, "/problems/unknown-job", "Unknown job"),
    (UnknownModelError, 404, "/problems/unknown-model", "Unknown model version"),
    (UnknownKeyError, 404, "/problems/unknown-key", "Unknown API key"),
    (JobStateError, 409, "/problems/job-finished", "The job is not in a state that allows this"),
    (RegistryError, 404, "/problems/unknown-model", "Model version not available"),
    (NotReadyError, 503, "/problems/not-ready", "The service is not ready for this request"),
    (ValueError, 422, "/problems/invalid-request", "The request cannot be answered as given"),
    (LookupError, 422, "/problems/invalid-request", "The request cannot be answered as given"),
)


def problem_of(exc: BaseException) -> tuple[int, str, str, str, dict[str, Any]] | None:
    """``(status, type, title, detail, extra)`` for a domain exception, or None when it is not one."""
    for cls, status, type_, title in MAPPING:
        if isinstance(exc, cls):
            extra: dict[str, Any] = {}
            detail = str(exc).strip("'\"")
            if isinstance(exc, DataValidationError):
                report = exc.report().to_dict()
                extra = {"errors": report["errors"], "warnings": report["warnings"]}
                detail = f"{len(report['errors'])} data error(s); fix the rows listed in 'errors' and upload again"
            return status, type_, title, detail, extra
    return None


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app`` (validation errors, HTTP errors, domain errors, crashes)."""
    problem.init_app(app, validation_error_detail="The request does not match the schema; see 'errors'")

    async def domain(_: Request, exc: Exception) -> ProblemResponse:
        found = problem_of(exc)
        if found is None:  # not a domain error: a crash; do not leak internals
            log.exception("unhandled error", exc_info=exc)
            return ProblemResponse(500, type="/problems/internal", detail="internal error; see the server log")
        status, type_, title, detail, extra = found
        headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if status == 401 else None
        return ProblemResponse(status, type=type_, title=title, detail=detail, headers=headers, **extra)

    for cls in {c for c, *_ in MAPPING}:
        app.add_exception_handler(cls, domain)
    app.add_exception_handler(Exception, domain)
