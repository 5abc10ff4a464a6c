"""ASGI middleware: request body limit (413 problem+json) and Prometheus request metrics.

``Metrics`` lives in ``api.http.observability`` (re-exported here); request ids and the access log in
``api.http.logs``.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi_problem_details import ProblemResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.observability import LATENCY_BUCKETS, Metrics

__all__ = ["LATENCY_BUCKETS", "BodyLimitMiddleware", "BodyTooLarge", "Metrics", "MetricsMiddleware"]


class BodyTooLarge(Exception):
    pass


def header_bytes(scope: Scope) -> int:
    """Bytes of a request's headers (names and values), as received."""
    return sum(len(name) + len(value) for name, value in scope.get("headers") or [])


class BodyLimitMiddleware:
    """Refuse requests whose headers together exceed ``max_header_bytes`` (431, when given) and bodies over
    ``max_bytes`` (413: by Content-Length up front, else while streaming, chunked bodies included).

    The server itself bounds what it buffers of the header block (``kpi-advisor serve`` runs uvicorn's h11 with
    ``h11_max_incomplete_event_size``); this check gives the answer a problem+json body and holds for any server.
    A streamed body over the limit is answered 413 even when the app caught the error and answered something else
    (FastAPI turns any error while reading a form into a 400)."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_header_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes

    def _too_large(self) -> ProblemResponse:
        return ProblemResponse(
            413,
            type="/problems/body-too-large",
            detail=f"request body exceeds {self.max_bytes} bytes; split the upload or raise KPI_ADVISOR_MAX_BODY_BYTES",
            rule="max_body_bytes",
            limit=self.max_bytes,
        )

    def _headers_too_large(self, size: int) -> ProblemResponse:
        return ProblemResponse(
            431,
            type="/problems/headers-too-large",
            title="Request header fields too large",
            detail=f"request headers take {size} bytes, more than {self.max_header_bytes}; send shorter headers "
            "(an API key is 61 characters)",
            rule="max_header_bytes",
            limit=self.max_header_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.max_header_bytes is not None:
            size = header_bytes(scope)
            if size > self.max_header_bytes:
                await self._headers_too_large(size)(scope, receive, send)
                return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return
        seen = 0
        started = overflow = False

        async def limited_receive() -> Message:
            nonlocal seen, overflow
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    overflow = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if overflow:  # the app answered the body error itself (400): answer 413 instead, once
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._too_large()(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large()(scope, receive, send)


class _StatusRecorder:
    """An ASGI ``send`` that passes messages on and remembers the response status (500 until a response starts,
    so a request that raised counts as a 500)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        await self.send(message)


class RequestObserver:
    """Base of the middlewares that look at each finished HTTP request: runs the app, then calls
    ``observe(scope, status, seconds)`` once (also when the app raised: status 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        recorder = _StatusRecorder(send)
        try:
            await self.app(scope, receive, recorder)
        finally:
            self.observe(scope, recorder.status, time.perf_counter() - t0)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        raise NotImplementedError


class MetricsMiddleware(RequestObserver):
    """Count and time every HTTP request by method, route template (not raw path) and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        route: Any = scope.get("route")
        path = getattr(route, "path", None) or ("/mcp" if scope["path"].startswith("/mcp") else "unmatched")
        method = scope["method"]
        self.metrics.requests.labels(method, path, str(status)).inc()
        self.metrics.latency.labels(method, path).observe(seconds)
