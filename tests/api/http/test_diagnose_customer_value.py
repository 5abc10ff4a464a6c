"""POST /v1/diagnose (the app in process) carries the `customer_value` block (served CLV model), with the
corrective action of its CLV:CAC finding, and it is the block `kpi-advisor diagnose --models` prints."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app


def _channels(client: httpx.Client) -> tuple[str, str]:
    """(a channel with a CLV:CAC finding, a healthy one) from GET /v1/customers."""
    r = client.get("/v1/customers")
    assert r.status_code == 200, r.text
    rows = r.json()["clv"]["by_channel"]
    flagged = {f["scope"]["channel"] for f in r.json()["findings"] if f["check"] == "clv_cac"}
    assert flagged, "the demo world plants a channel with CLV:CAC below 3"
    healthy = [str(row["channel"]) for row in rows if row["channel"] not in flagged and row["clv_cac"] >= 3]
    return sorted(flagged)[0], healthy[0]


def test_diagnose_channel_has_customer_value_and_action(client: httpx.Client) -> None:
    low, good = _channels(client)
    r = client.post("/v1/diagnose", json={"channel": low})
    assert r.status_code == 200, r.text
    block = r.json()["customer_value"]
    assert block["scope"] == {"channel": low} and block["reason"] is None
    assert all(isinstance(block[k], float) for k in ("clv", "cac", "clv_cac"))
    assert block["clv_cac"] < 3 and block["clv_cac"] == pytest.approx(block["clv"] / block["cac"])
    assert block["findings"] and block["findings"][0]["check"] == "clv_cac"
    assert [a["id"] for a in block["actions"]] == ["tighten_targeting_or_retention"]
    healthy = client.post("/v1/diagnose", json={"channel": good}).json()["customer_value"]
    assert healthy["clv_cac"] >= 3 and healthy["findings"] == [] and healthy["actions"] == []
    other = client.post("/v1/diagnose", json={"scope_column": "audience", "scope_value": "broad"})
    assert other.status_code == 200 and other.json()["customer_value"] is None


def test_cli_and_http_blocks_are_equal(client: httpx.Client, world: object) -> None:
    low, _ = _channels(client)
    http_block = client.post("/v1/diagnose", json={"channel": low}).json()["customer_value"]
    args = ["diagnose", "--data", str(world.data), "--models", str(world.models), "--channel", low]  # type: ignore[attr-defined]
    res = CliRunner().invoke(app, [*args, "--no-fit-drivers", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["customer_value"] == http_block
    ids = [r["id"] for r in doc["recommendations"]]
    assert ids.count("tighten_targeting_or_retention") == 1  # the block's action, merged once
