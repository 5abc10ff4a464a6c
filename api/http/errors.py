"""Domain errors → RFC 9457 ``application/problem+json`` responses (via ``fastapi-problem-details``).

This is the only place that knows HTTP status codes for domain exceptions. Every problem carries ``type``,
``title``, ``status`` and ``detail`` (what went wrong and what to do); data validation problems add ``errors``
(``[{table, column, rows, rule, message}]``) and ``warnings``.
"""

from __future__ import annotations

import csv
import inspect
import logging
import traceback
from typing import Any

import fastapi_problem_details as problem
from fastapi import FastAPI, Request
from fastapi_problem_details import ProblemResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.data import DataValidationError
from advisor.data.limits import LimitExceeded
from advisor.diagnostics import PeriodError, ScopeError
from advisor.kpis import CatalogError, ExpressionError, UnknownKpiError
from advisor.ops.context import HorizonError
from api.http.auth import AuthenticationError, PermissionDeniedError
from api.http.datasets import UploadError
from api.http.middleware import BodyTooLarge
from api.http.state import NotReadyError
from api.store import (
    DatasetExistsError,
    JobStateError,
    LastAdminKeyError,
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
    (LimitExceeded, 413, "/problems/limit-exceeded", "The input is larger than the service accepts"),
    (DataValidationError, 422, "/problems/invalid-data", "The data does not meet the data contract"),
    (csv.Error, 422, "/problems/invalid-data", "The CSV file cannot be read"),
    (RecursionError, 413, "/problems/limit-exceeded", "The input is nested too deeply"),
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
    (LastAdminKeyError, 409, "/problems/last-admin-key", "The workspace's last admin key cannot be revoked"),
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
            elif isinstance(exc, LimitExceeded):
                extra = {k: v for k, v in exc.to_dict().items() if k != "message"}
            elif isinstance(exc, csv.Error):
                too_long = "field larger than field limit" in detail
                extra = {"rule": "max_field_chars" if too_long else "csv_format"}
                detail = (f"a CSV field is too long ({detail}); split long text cells" if too_long
                          else f"the CSV file cannot be parsed: {detail}")
            elif isinstance(exc, RecursionError):
                extra = {"rule": "max_depth"}
                detail = "the input is nested too deeply to be read; flatten it"
            return status, type_, title, detail, extra
    return None


TRACEBACK_FRAMES = 4
"""Frames of an unhandled error's traceback written to the log (the innermost ones)."""


def crash_line(exc: BaseException) -> str:
    """One compact log line for an unhandled error: its type, message (cut to 300 characters) and the innermost
    :data:`TRACEBACK_FRAMES` frames as ``file:line in function`` (a full pandas traceback is ~200 KB)."""
    frames = traceback.extract_tb(exc.__traceback__)[-TRACEBACK_FRAMES:]
    where = " <- ".join(f"{_short(f.filename)}:{f.lineno} in {f.name}"
                        for f in reversed(frames))
    message = str(exc).replace("\n", " ")
    message = message if len(message) <= 300 else message[:297] + "..."
    return f"unhandled {type(exc).__module__}.{type(exc).__qualname__}: {message} [at {where}]"


def _short(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


def internal_error() -> ProblemResponse:
    return ProblemResponse(500, type="/problems/internal", detail="internal error; see the server log")


class CrashMiddleware:
    """Turn an exception no handler took into a 500 problem+json *inside* the app, logged as one compact line.

    Starlette's outermost ``ServerErrorMiddleware`` would answer 500 too, but then re-raise, so that uvicorn logs the
    whole traceback again and drops the keep-alive connection; here the error ends with the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            raise  # the body limit answers it (413)
        except Exception as exc:
            log.error(crash_line(exc))
            if started:  # half a response went out: nothing valid can follow, let the server close the connection
                raise
            await internal_error()(scope, receive, send)


def allowed_methods(request: Request) -> list[str]:
    """The methods (sorted) that the app's OpenAPI document gives the request's path (the included routers are
    not flat Starlette routes, so the document is the one list of every method of a path)."""
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app`` (validation errors, HTTP errors, domain errors) and
    :class:`CrashMiddleware` for the rest (call it before adding the other middlewares: it must be the innermost)."""
    problem.init_app(app, validation_error_detail="The request does not match the schema; see 'errors'")
    app.exception_handlers.pop(Exception, None)  # crashes go to CrashMiddleware (no re-raise, keep-alive kept)

    async def domain(_: Request, exc: Exception) -> ProblemResponse:
        found = problem_of(exc)
        if found is None:  # unreachable: only mapped classes are registered
            log.error(crash_line(exc))
            return internal_error()
        status, type_, title, detail, extra = found
        headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if status == 401 else None
        return ProblemResponse(status, type=type_, title=title, detail=detail, headers=headers, **extra)

    for cls in {c for c, *_ in MAPPING}:
        app.add_exception_handler(cls, domain)
    http_error = app.exception_handlers[HTTPException]

    async def http_problem(request: Request, exc: Exception) -> Any:
        """The library's problem for an HTTP error; a 405 lists in ``Allow`` the methods of every route of the
        path (Starlette names only the first route's: ``GET`` for ``/v1/kpis`` that also takes ``POST``)."""
        response = http_error(request, exc)
        if inspect.isawaitable(response):
            response = await response
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    app.add_exception_handler(HTTPException, http_problem)
    app.add_middleware(CrashMiddleware)
