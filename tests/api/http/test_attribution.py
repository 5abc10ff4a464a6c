"""GET /v1/attribution on the session's trained world: the document, its window, its errors."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest


def test_attribution_document_is_consistent(client: httpx.Client) -> None:
    r = client.get("/v1/attribution")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["model_version"] and doc["freq"] == "D" and doc["lift_tests"] == [] and "geos" not in doc
    assert {"search", "social"} <= set(doc["channels"])
    for ch, c in doc["channels"].items():
        assert c["lower_80"] <= c["incremental_conversions"] <= c["upper_80"], ch
        assert c["lower_95"] <= c["lower_80"] and c["upper_80"] <= c["upper_95"], ch
        assert c["revenue_lower_80"] <= c["incremental_revenue"] <= c["revenue_upper_80"], ch
        assert c["roi"] == pytest.approx((c["incremental_revenue"] - c["spend"]) / c["spend"]), ch
        assert c["reported_conversions"] > 0 and c["reported_to_incremental"] == pytest.approx(
            c["reported_conversions"] / c["incremental_conversions"]), ch


def test_attribution_of_two_halves_adds_up_to_the_whole(client: httpx.Client) -> None:
    whole = client.get("/v1/attribution", params={"channel": "search"}).json()
    first, last = whole["from"], whole["to"]
    a = client.get("/v1/attribution", params={"from": first, "to": "2026-06-30", "channel": "search"}).json()
    b = client.get("/v1/attribution", params={"from": "2026-07-01", "to": last, "channel": "search"}).json()
    assert (a["to"], b["from"]) == ("2026-06-30", "2026-07-01")
    for key in ("spend", "incremental_conversions", "incremental_revenue", "reported_conversions"):
        parts = a["channels"]["search"][key] + b["channels"]["search"][key]
        assert parts == pytest.approx(whole["channels"]["search"][key]), key


def test_channels_repeat_or_comma_separate(client: httpx.Client) -> None:
    one = client.get("/v1/attribution?channel=search&channel=social").json()
    two = client.get("/v1/attribution?channel=search,social").json()
    assert list(one["channels"]) == ["search", "social"] and one == two


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("from=2031-01-01&to=2031-02-01", "does not overlap the history"),
        ("from=2026-09-01&to=2026-08-01", "reversed"),
        ("channel=tv", "known channels: affiliate"),
        ("from=01/09/2026", "ISO date"),
    ],
)
def test_bad_windows_and_channels_are_422(client: httpx.Client, query: str, needle: str) -> None:
    r = client.get(f"/v1/attribution?{query}")
    assert r.status_code == 422 and needle in r.text, r.text


def test_without_models_it_is_503_saying_to_train(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.http import Settings
    from api.server import create_app
    from api.store import Store

    settings = Settings(
        data_dir=tmp_path / "d", models_dir=tmp_path / "m", workspaces_dir=tmp_path / "w",
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", worker=False,
    )
    store = Store(settings.database_url)
    store.upgrade()
    _, key = store.create_key("default", "viewer")
    with TestClient(create_app(settings, mcp=False), headers={"X-API-Key": key}) as c:
        r = c.get("/v1/attribution")
    assert r.status_code == 503 and "POST /v1/" in r.json()["detail"]
