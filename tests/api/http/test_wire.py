"""HTTP itself, against a live uvicorn server on a socket: body limits as a client sends them (declared length or
chunked), and keep-alive. What the routes answer is tested in process (test_routes.py)."""

from __future__ import annotations

import http.client
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

PROBLEM = "application/problem+json"
LIMIT = 100_000


@pytest.fixture(scope="module")
def wire(world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with serving.live_server(world, tmp_path_factory.mktemp("wire"), max_body_bytes=LIMIT) as running:
        yield running


def _connection(live: Any) -> http.client.HTTPConnection:
    url = urlsplit(live.url)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def test_a_declared_body_over_the_limit_is_413(wire: Any) -> None:
    with wire.client() as c:
        r = c.post("/v1/datasets", files=[("files", ("campaign_daily.csv", b"x" * (LIMIT + 1), "text/csv"))])
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert "KPI_ADVISOR_MAX_BODY_BYTES" in r.json()["detail"]


def test_a_chunked_body_over_the_limit_is_413(wire: Any) -> None:
    """No Content-Length: the server counts the bytes as they arrive."""
    conn = _connection(wire)
    try:
        head = b'--x\r\nContent-Disposition: form-data; name="files"; filename="campaign_daily.csv"\r\n\r\n'
        chunks = iter([head, *(b"x" * 10_000 for _ in range(LIMIT // 10_000 + 2))])
        conn.request("POST", "/v1/datasets", body=chunks, encode_chunked=True,
                     headers={"X-API-Key": wire.key, "Content-Type": "multipart/form-data; boundary=x",
                              "Transfer-Encoding": "chunked"})
        r = conn.getresponse()
        assert r.status == 413 and r.getheader("content-type") == PROBLEM
    finally:
        conn.close()


def test_keep_alive_serves_several_requests_on_one_connection(wire: Any) -> None:
    conn = _connection(wire)
    try:
        sockets = []
        for path in ("/healthz", "/readyz", "/healthz"):
            conn.request("GET", path)
            r = conn.getresponse()
            assert r.status == 200, r.read()
            r.read()
            assert not r.will_close
            sockets.append(conn.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)  # the same socket all along
    finally:
        conn.close()
