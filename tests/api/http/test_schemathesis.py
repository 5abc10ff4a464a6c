"""schemathesis against the app's own OpenAPI document (issue 6, "Must show"): no 5xx, no response that breaks its
schema.

The app runs in-process (ASGI transport, lifespan included) on the session's trained world with an admin key of
the ``default`` workspace, so every operation, training and key management included, is reachable. Examples are
bounded and derandomized (same cases every run) and shrinking is off, to stay well under a few minutes on 2 cores.
``/mcp`` is a mount, not in the OpenAPI document, and so not generated; ``POST /v1/train`` only queues jobs (no
worker runs here).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

MAX_EXAMPLES = 10


@pytest.fixture(scope="module")
def api_app(world: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    """The app on the trained world and an admin key of its ``default`` workspace."""
    from api.server import create_app
    from api.store import Store

    root: Path = tmp_path_factory.mktemp("schemathesis")
    cfg = serving.service_settings(world, root, max_body_bytes=2_000_000)
    store = Store(cfg.database_url)
    store.upgrade()
    _, key = store.create_key("default", "admin", "schemathesis")
    store.dispose()
    return create_app(cfg), key


@pytest.fixture(scope="module")
def api_schema(api_app: tuple[Any, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", api_app[0])


@pytest.fixture(scope="module")
def admin_key(api_app: tuple[Any, str]) -> str:
    return api_app[1]


def run_operation(operation: Any, key: str) -> None:
    """Up to ``MAX_EXAMPLES`` derandomized cases of one operation, each checked for 5xx and schema conformance."""

    @settings(
        max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck), database=None,
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        case.call_and_validate(headers={"X-API-Key": key}, checks=[not_a_server_error, response_schema_conformance])

    check()


@pytest.mark.slow
def test_api_conforms_to_its_openapi(api_schema: Any, admin_key: str) -> None:
    """Every operation of the OpenAPI document (pytest 9 cannot run schemathesis' lazy ``parametrize``, so the
    operations are looped here and every failure is reported, not only the first)."""
    failures: dict[str, str] = {}
    labels = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        try:
            run_operation(operation, admin_key)
        except Exception as exc:
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert len(labels) >= 20 and "POST /v1/train" in labels and "POST /v1/datasets" in labels, labels
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
