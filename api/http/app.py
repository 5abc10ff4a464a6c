"""The HTTP application factory: ``create_http_app(state, mounts=...) -> FastAPI`` (the whole service, with the MCP
server mounted at ``/mcp``: ``api.server.create_app``).

Routes live under ``/v1`` (plus ``/healthz``, ``/readyz``, ``/metrics``); other ASGI apps (the MCP server, streamable
HTTP) are mounted beside them and their lifespans run inside the app's. Every ``/v1`` route and ``/mcp`` needs an
API key (``api.http.auth``). The lifespan migrates the service database, loads every workspace's dataset and models
once (in a worker thread) and, when ``settings.worker`` is on, starts the training worker process; served models are
swapped when the database names a new active version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp

from api.http import errors
from api.http.logs import add_request_logging
from api.http.middleware import BodyLimitMiddleware, MetricsMiddleware
from api.http.observability import finished_jobs_of
from api.http.routers import access, advise, analytics, attribution, datasets, ops, planning, training
from api.http.state import AppState

DESCRIPTION = """Marketing KPI advisor: KPI tables and the KPI system vs targets, campaign diagnostics,
forecasts of spend plans with intervals, budget optimisation and answers to questions.

Typical flow: `GET /v1/kpis?by=channel&grain=month` → `GET /v1/scorecard` → `POST /v1/diagnose` for a campaign
that misses → `POST /v1/forecast` / `POST /v1/optimize` for next period's budget. Money is in the data's
currency, ratios are fractions (roi 0.25 = +25%), dates are YYYY-MM-DD. Errors are RFC 9457 problem+json whose
`detail` says what to change.

Authentication: send an API key as `X-API-Key: kpia_…` (or `Authorization: Bearer kpia_…`); make one with
`kpi-advisor keys create --workspace W --role viewer|analyst|admin`. A key sees only its workspace. Roles: viewer
reads and asks; analyst also uploads datasets, trains and activates models; admin also manages keys and reads the
audit log."""

TAGS = [
    {"name": "analytics", "description": "KPI tables, scorecard vs targets, diagnostics"},
    {"name": "planning", "description": "Forecasts of spend plans and budget optimisation"},
    {"name": "advice", "description": "Questions in natural language"},
    {"name": "datasets", "description": "Upload and list data folders"},
    {"name": "training", "description": "Train models in the background and poll the job"},
    {"name": "models", "description": "Model versions of the workspace; activate one to serve it"},
    {"name": "access", "description": "API keys of the workspace and the audit log of advice served (admin)"},
    {"name": "operations", "description": "Health, readiness, metrics"},
]


@dataclass(frozen=True)
class MountedApp:
    """An ASGI app served under ``path`` (e.g. the MCP server at ``/mcp``) whose ``lifespan()`` context runs inside
    the HTTP app's lifespan, after the workspaces are loaded (Starlette runs no lifespan of a mounted app)."""

    path: str
    app: ASGIApp
    lifespan: Callable[[], AbstractAsyncContextManager[Any]]


def create_http_app(state: AppState, *, mounts: Sequence[MountedApp] = ()) -> FastAPI:
    """Build the HTTP app (routers, problem+json errors, middleware, lifespan) serving ``state`` (its settings:
    ``state.settings``), with ``mounts`` mounted beside the routers. The whole service, MCP included, is
    ``api.server.create_app``."""
    settings = state.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(state.start)
        worker = None
        if settings.worker:
            from api.worker.supervisor import WorkerProcess

            worker = WorkerProcess(settings)
            worker.start()
            app.state.worker = worker  # /readyz: not ready while it is dead (it is restarted with backoff)
        try:
            async with AsyncExitStack() as mounted:
                for mount in mounts:
                    await mounted.enter_async_context(mount.lifespan())
                yield
        finally:
            if worker is not None:
                await anyio.to_thread.run_sync(worker.stop)
            state.shutdown()

    app = FastAPI(
        title="KPI Advisor API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        servers=[{"url": settings.public_url}] if settings.public_url else None,
        lifespan=lifespan,
    )
    app.state.advisor = state
    app.state.metrics = state.metrics
    # process-wide series only: a workspace's name or model version is not shown to the others
    app.state.metrics.watch_store(state.store.job_counts, None, finished_jobs_of(state.store))
    errors.install(app)
    for module in (analytics, attribution, planning, advise, datasets, training, access, ops):
        app.include_router(module.router)
    for mount in mounts:
        app.mount(mount.path, mount.app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, max_header_bytes=settings.max_header_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    add_request_logging(app)  # outermost: every log line of a request carries its id
    return app

