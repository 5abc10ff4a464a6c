"""Every route of the real app (in process, lifespan run) on the trained world: answers, problems, uploads.

The wire itself (body limits on a socket, keep-alive) is tested against a live server in test_wire.py."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pandas as pd
import pytest

PROBLEM = "application/problem+json"


def channels(client: httpx.Client) -> list[str]:
    active = [m for m in client.get("/v1/models").json()["models"] if m["active"]]
    assert len(active) == 1
    return list(active[0]["channels"])


def test_health_ready_and_metrics(client: httpx.Client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    models = client.get("/v1/models").json()["models"]
    assert [(m["version"], m["active"], m["dataset"]) for m in models] == [("v0001", True, "default")]
    text = client.get("/metrics").text
    assert 'kpi_advisor_http_requests_total{method="GET",route="/v1/models",status="200"}' in text
    assert "kpi_advisor_http_request_duration_seconds_bucket" in text


def test_kpis_get_and_post_agree_and_group_by_channel(client: httpx.Client, world: object) -> None:
    got = client.get("/v1/kpis", params={"by": "channel", "grain": "month", "start": "2026-09-01"})
    assert got.status_code == 200
    body = got.json()
    assert body["dataset"] == "default"
    assert {r["period"] for r in body["rows"]} == {"2026-09", "2026-10"}
    assert {r["channel"] for r in body["rows"]} == set(channels(client))
    posted = client.post("/v1/kpis", json={"by": ["channel"], "grain": "month", "start": "2026-09-01"})
    assert posted.json() == body
    # spend by channel in September equals the raw data sum
    raw = pd.read_csv(Path(world.data) / "campaign_daily.csv", parse_dates=["date"])  # type: ignore[attr-defined]
    sept = raw[(raw["date"] >= "2026-09-01") & (raw["date"] <= "2026-09-30")].groupby("channel")["spend"].sum()
    for row in body["rows"]:
        if row["period"] == "2026-09":
            assert abs(row["spend"] - sept[row["channel"]]) < 0.01 * max(1.0, sept[row["channel"]])


def test_unknown_kpi_and_bad_grain_are_problems(client: httpx.Client) -> None:
    r = client.post("/v1/kpis", json={"kpis": ["not_a_kpi"]})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert "not_a_kpi" in r.json()["detail"]
    r = client.get("/v1/kpis", params={"grain": "fortnight"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["errors"][0]["loc"][-1] == "grain"


def test_flags_and_numbers_of_the_wrong_json_type_are_422(client: httpx.Client) -> None:
    """schemathesis ST201: ``{"compare": 0}``, ``{"activate": 0}`` and ``{"seed": false}`` were accepted (200, 202)."""
    for path, body in (("/v1/kpis", {"compare": 0}), ("/v1/train", {"activate": 0}), ("/v1/train", {"seed": False})):
        r = client.post(path, json=body)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, (path, r.text)
        assert r.json()["errors"][0]["loc"][-1] in body


def test_scorecard(client: httpx.Client) -> None:
    r = client.get("/v1/scorecard", params={"period": "2026-10"})
    assert r.status_code == 200
    doc = r.json()
    assert doc["period"] == "2026-10" and 0 <= doc["score"] <= 100
    assert {"kpi", "value", "target", "status"} <= set(doc["groups"][0]["kpis"][0])


def test_diagnose_campaign_and_unknown_campaign(client: httpx.Client) -> None:
    r = client.post("/v1/diagnose", json={"campaign": "social-02", "start": "2026-08-01", "end": "2026-10-31"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["verdict"] and doc["summary"] and isinstance(doc["findings"], list)
    bad = client.post("/v1/diagnose", json={"campaign": "nope-99"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert re.search(r"known: [a-z]+-\d\d", bad.json()["detail"])
    both = client.post("/v1/diagnose", json={"campaign": "social-02", "channel": "search"})
    assert both.status_code == 422 and "exactly one" in str(both.json()["errors"])


def test_forecast_totals_and_channels(client: httpx.Client) -> None:
    chans = channels(client)
    plan = {"start": "2026-11-01", "end": "2026-11-28", "spend": {c: 5000.0 for c in chans}}
    r = client.post("/v1/forecast", json=plan)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["model_version"] == "v0001"
    assert abs(doc["total"]["spend"] - 5000.0 * len(chans)) < 1e-6
    for k in ("conversions", "revenue", "roi", "cpa"):
        iv = doc["total"][k]
        assert iv["lower_95"] <= iv["lower_80"] <= iv["mean"] <= iv["upper_80"] <= iv["upper_95"]
    assert set(doc["by_channel"]) == set(chans)


def test_unknown_channel_in_plan_is_422_naming_valid_channels(client: httpx.Client) -> None:
    r = client.post("/v1/forecast", json={"start": "2026-11-01", "end": "2026-11-28", "spend": {"tv": 1000}})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    doc = r.json()
    assert doc["status"] == 422 and doc["type"] == "/problems/invalid-plan" and doc["title"]
    assert "'tv'" in doc["detail"]
    for ch in channels(client):
        assert ch in doc["detail"]


def test_horizon_limit_and_plan_before_history(client: httpx.Client) -> None:
    long = client.post("/v1/forecast", json={"start": "2026-11-01", "end": "2027-11-30", "spend": {}})
    assert long.status_code == 422 and "365" in long.json()["detail"]
    opt = client.post("/v1/optimize", json={"start": "2026-11-01", "end": "2027-11-30", "budget": 1000})
    assert opt.status_code == 422 and "365" in opt.json()["detail"]
    early = client.post("/v1/forecast", json={"start": "2026-10-01", "end": "2026-10-28", "spend": {}})
    assert early.status_code == 422 and "2026-10-31" in early.json()["detail"]


def test_optimize_keeps_the_budget(client: httpx.Client) -> None:
    r = client.post("/v1/optimize", json={"start": "2026-11-01", "end": "2026-11-28", "budget": 100000})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert abs(sum(doc["allocation"].values()) - 100000) < 1.0
    assert set(doc["allocation"]) == set(channels(client))
    two = client.post("/v1/optimize", json={"start": "2026-11-01", "end": "2026-11-28", "budget": 1, "target_revenue": 5})
    assert two.status_code == 422


def test_optimize_for_a_target_reached_with_no_spend_answers_null_roi(client: httpx.Client) -> None:
    """schemathesis: ``target_revenue: 5e-324`` allocates nothing; the ROI of no spend is undefined (NaN), which
    broke the response schema (500). It is answered as null, like a KPI that cannot be computed."""
    body = {"start": "2026-11-01", "end": "2026-11-30", "bounds": {}, "target_revenue": 5e-324, "width": 1.0}
    r = client.post("/v1/optimize", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["uplift"]["roi"] is None


@pytest.mark.parametrize("grain", [None, "day", "quarter"])
def test_kpis_at_the_ends_of_the_date_range(client: httpx.Client, grain: str | None) -> None:
    """schemathesis 500: ``GET /v1/kpis?compare=true&start=0303-09-19`` overflowed Python dates while shifting to the
    previous period. Dates are refused outside 1900-01-01..2199-12-31 (422 naming the field); inside, the widest
    window answers."""
    grain_param = {"grain": grain} if grain else {}
    r = client.get("/v1/kpis", params={"compare": "true", "start": "0303-09-19", **grain_param})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    assert r.json()["errors"][0]["loc"][-1] == "start" and "1900-01-01" in r.text
    r = client.get("/v1/kpis", params={"compare": "true", "start": "1900-01-01", "end": "2199-12-31", **grain_param})
    assert r.status_code == 200, r.text


BAD_CSV = (
    "date,campaign_id,channel,spend,impressions,clicks,conversions,revenue\n"
    "2026-01-01,c1,search,100,1000,50,5,500\n"
    "2026-01-02,c1,search,-3,1000,50,5,500\n"
)


def test_bad_upload_is_422_with_issues_and_stores_nothing(client: httpx.Client, uploads: Path) -> None:
    before = client.get("/v1/datasets").json()
    stored = sorted(uploads.iterdir())
    r = client.post(
        "/v1/datasets",
        files=[("files", ("campaign_daily.csv", BAD_CSV.encode(), "text/csv"))],
        data={"dataset_id": "broken"},
    )
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    errors = r.json()["errors"]
    spend = [e for e in errors if e["column"] == "spend"]
    assert spend, errors
    assert spend[0]["table"] == "campaign_daily" and spend[0]["rows"] == [3] and spend[0]["rule"]
    assert client.get("/v1/datasets").json() == before
    assert sorted(uploads.iterdir()) == stored  # no dataset folder, no temporary upload folder left behind
    assert not (uploads / "broken").exists()


def test_upload_rejects_foreign_file_names(client: httpx.Client) -> None:
    r = client.post("/v1/datasets", files=[("files", ("../../etc/passwd.csv", b"x", "text/csv"))])
    assert r.status_code == 422 and "not part of a data folder" in r.json()["detail"]


def test_good_upload_is_listed_and_queryable(client: httpx.Client, world: object) -> None:
    content = (Path(world.data) / "campaign_daily.csv").read_bytes()  # type: ignore[attr-defined]
    r = client.post(
        "/v1/datasets", files=[("files", ("campaign_daily.csv", content, "text/csv"))], data={"dataset_id": "mini"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "mini" and r.json()["active"] is False
    assert "mini" in [d["id"] for d in client.get("/v1/datasets").json()["datasets"]]
    k = client.get("/v1/kpis", params={"dataset": "mini", "kpis": "spend,roi"})
    assert k.status_code == 200 and len(k.json()["rows"]) == 1
    again = client.post(
        "/v1/datasets", files=[("files", ("campaign_daily.csv", content, "text/csv"))], data={"dataset_id": "mini"}
    )
    assert again.status_code == 409


def test_unknown_ids_are_404(client: httpx.Client) -> None:
    assert client.get("/v1/jobs/nope").status_code == 404
    assert client.get("/v1/kpis", params={"dataset": "nope"}).status_code == 404
    r = client.post("/v1/forecast", json={"start": "2026-11-01", "end": "2026-11-02", "spend": {}, "model_version": "v0999"})
    assert r.status_code == 404 and "v0001" in r.json()["detail"]


def test_advise_cites_its_analyses(client: httpx.Client) -> None:
    r = client.post("/v1/advise", json={"question": "Why did social-02 miss its targets last month?"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["answer"] and doc["analyses"] and doc["narrative_source"] == "template" and doc["verified"] is True
    assert "social-02" in str(doc["analyses"])
    bad = client.post("/v1/advise", json={"question": "why?", "lang": "de"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(("path", "methods"), [("/v1/kpis", {"GET", "POST"}), ("/v1/keys", {"GET", "POST"}),
                                               ("/v1/datasets", {"GET", "POST"})])
def test_405_lists_every_method_of_the_path(client: httpx.Client, path: str, methods: set[str]) -> None:
    """schemathesis ST205: ``OPTIONS /v1/kpis`` answered ``Allow: GET`` (Starlette names the first route only)."""
    r = client.options(path)
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM
    assert set(r.headers["allow"].split(", ")) == methods
