"""`POST /v1/optimize` with budgets outside the run-rate bounds and explicit `bounds` (issue 13 item 5)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from api.http import schemas

BODY = {"start": "2026-11-01", "end": "2026-11-28"}


def _channels(client: httpx.Client) -> list[str]:
    models = client.get("/v1/models").json()["models"]
    found: list[str] = next(m["channels"] for m in models if m["active"])
    return found


def test_a_large_budget_widens_the_bounds_and_says_so(client: httpx.Client) -> None:
    ref = client.post("/v1/optimize", json={**BODY, "budget": 1000.0}).json()["reference_plan"]
    budget = 4 * sum(ref.values())
    r = client.post("/v1/optimize", json={**BODY, "budget": budget})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert abs(sum(doc["allocation"].values()) - budget) < 1e-3 * budget
    assert len(doc["notes"]) == 1 and "widened so the budget fits" in doc["notes"][0]
    assert "4.0× the run rate" in doc["notes"][0]


def test_explicit_bounds_with_an_open_side(client: httpx.Client) -> None:
    ch = _channels(client)
    body: dict[str, Any] = {**BODY, "budget": 50000.0, "width": 2.5, "bounds": {ch[0]: [0, 1000], ch[1]: [None, 2000]}}
    r = client.post("/v1/optimize", json=body)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["bounds"][ch[0]] == [0.0, 1000.0] and doc["bounds"][ch[1]][1] == 2000.0
    assert doc["allocation"][ch[0]] <= 1000.0 + 1e-3


@pytest.mark.parametrize(
    ("bounds", "detail"),
    [
        ({"tv": [0, 1]}, "unknown channel 'tv' in bounds; the model knows: "),
        ("ALL", "is above what the channel bounds allow: the upper bounds sum to "),
    ],
)
def test_bounds_the_model_cannot_use_are_422(client: httpx.Client, bounds: Any, detail: str) -> None:
    if bounds == "ALL":
        bounds = {c: [0, 1] for c in _channels(client)}
    r = client.post("/v1/optimize", json={**BODY, "budget": 50000.0, "bounds": bounds})
    assert r.status_code == 422 and detail in r.json()["detail"], r.text


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ({"search": [5, 1]}, "bounds for 'search': low 5 is above high 1"),
        ({"search": [-1, None]}, "bounds for 'search': low must be >= 0, got -1"),
        ({"search": [None, -2]}, "bounds for 'search': high must be >= 0, got -2"),
        ({"search": ["1", 2]}, "Input should be a valid number"),
        ({"search": [1]}, "Field required"),
    ],
)
def test_bounds_request_validation(bounds: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        schemas.OptimizeRequest.model_validate({**BODY, "budget": 1000.0, "bounds": bounds})


def test_width_has_no_upper_limit_and_objective_defaults_to_none() -> None:
    req = schemas.OptimizeRequest.model_validate({**BODY, "budget": 1000.0, "width": 7.5})
    assert req.width == 7.5 and req.objective is None
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        schemas.OptimizeRequest.model_validate({**BODY, "budget": 1000.0, "width": -1})
