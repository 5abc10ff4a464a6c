"""Uploading a media-mix data set over HTTP: its file plus a ``kpi-advisor.yaml`` restricted to an ``mmm:`` section
read from a file of the same upload (``api.http.upload_config``), lift tests, and training on it."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

serving = sys.modules["kpi_api_serving"]  # loaded by tests/api/conftest.py

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def live(world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """This module's app, with its training worker, on a private copy of the world (training adds versions)."""
    own = serving.copy_world(world, tmp_path_factory.mktemp("mmm-world"))
    with serving.app_in_process(own, tmp_path_factory.mktemp("mmm-service"), worker=True,
                                max_body_bytes=2_000_000) as running:
        yield running


@pytest.fixture(scope="module")
def mmm_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A small weekly media-mix data set (60 weeks, 2 channels, national) with one lift test per channel and KPI:
    ``mmm.csv``, ``kpi-advisor.yaml`` (mmm: section only), ``lift_tests.csv``."""
    from demo_world import generate_mmm_world
    from demo_world.lift import mmm_lift_tests, write_lift_tests

    folder = tmp_path_factory.mktemp("mmm-upload")
    world = generate_mmm_world(seed=1, days=420, channels=2)
    world.write(folder)
    write_lift_tests(mmm_lift_tests(world.truth, 1), folder / "lift_tests.csv")
    return {name: (folder / name).read_bytes() for name in ("mmm.csv", "kpi-advisor.yaml", "lift_tests.csv")}


def _config(files: dict[str, bytes]) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(files["kpi-advisor.yaml"])
    return doc


def _post(client: httpx.Client, files: dict[str, bytes], dataset_id: str) -> httpx.Response:
    return client.post("/v1/datasets", files=[("files", (n, c)) for n, c in files.items()],
                       data={"dataset_id": dataset_id})


def _with_config(files: dict[str, bytes], config: dict[str, Any]) -> dict[str, bytes]:
    return {**files, "kpi-advisor.yaml": yaml.safe_dump(config).encode()}


def test_mmm_upload_is_validated_and_described(client: httpx.Client, mmm_files: dict[str, bytes]) -> None:
    r = _post(client, mmm_files, "robyn-like")
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["tables"]["mmm"] == 60 and info["tables"]["lift_tests"] == 4
    assert info["tables"]["campaign_daily"] == 120  # derived: one row per week and channel
    mmm = info["mmm"]
    assert mmm["grain"] == "W" and mmm["periods"] == 60 and mmm["geos"] == 1
    assert mmm["channels"] == ["search", "social"] and mmm["outcomes"] == ["conversions", "revenue"]
    listed = {d["id"]: d for d in client.get("/v1/datasets").json()["datasets"]}
    again = listed["robyn-like"]  # described from the dataset loaded in the web process this time
    assert again["mmm"] == mmm and again["tables"] == info["tables"]
    assert again["fingerprint"] == info["fingerprint"]
    assert listed["default"]["mmm"] is None
    k = client.get("/v1/kpis", params={"dataset": "robyn-like", "kpis": "spend"})
    assert k.status_code == 200, k.text
    spend = k.json()["rows"][0]["spend"]
    frame = _mmm_frame(mmm_files)
    assert spend == pytest.approx(frame["search_spend"].sum() + frame["social_spend"].sum(), rel=1e-9)


def _mmm_frame(files: dict[str, bytes]) -> Any:
    import io

    import pandas as pd

    return pd.read_csv(io.BytesIO(files["mmm.csv"]))


def test_the_media_mix_file_may_have_another_name(client: httpx.Client, mmm_files: dict[str, bytes]) -> None:
    config = _config(mmm_files)
    config["mmm"]["file"] = "Robyn Weekly.csv"
    config["targets"] = "targets.yml"
    files = _with_config({k: v for k, v in mmm_files.items() if k != "mmm.csv"}, config)
    files["robyn weekly.CSV"] = mmm_files["mmm.csv"]  # names are matched ignoring case, stored as the config says
    files["targets.yml"] = b"targets:\n  - {kpi: spend, target: 100000}\n"
    r = _post(client, files, "renamed")
    assert r.status_code == 201, r.text
    assert r.json()["mmm"]["periods"] == 60 and r.json()["has_targets"] is True


REFUSED = [
    ({"tables": {"orders": {"path": "/etc/passwd"}}}, "tables", "upload_config_key"),
    ({"tables": {"orders": {"url": "sqlite:////etc/db", "table": "x"}}}, "tables", "upload_config_key"),
    ({"mmm": {"url": "postgresql://db/x", "table": "t"}}, "mmm.url", "upload_mmm_source"),
    ({"mmm": {"file": "mmm.csv", "query": "select 1"}}, "mmm.query", "upload_mmm_source"),
    ({"mmm": {"file": "mmm.csv", "table": "t"}}, "mmm.table", "upload_mmm_source"),
    ({"mmm": {"file": None}}, "mmm.file", "upload_mmm_source"),
    ({"mmm": {"file": "../mmm.csv"}}, "mmm.file", "upload_file_name"),
    ({"mmm": {"file": "/tmp/mmm.csv"}}, "mmm.file", "upload_file_name"),
    ({"mmm": {"file": "sub/mmm.csv"}}, "mmm.file", "upload_file_name"),
    ({"mmm": {"file": "sub\\mmm.csv"}}, "mmm.file", "upload_file_name"),
    ({"mmm": {"file": ".mmm.csv"}}, "mmm.file", "upload_file_name"),
    ({"mmm": {"file": "campaign_daily.csv"}}, "mmm.file", "upload_file_name"),
    ({"mmm": {"file": "mmm.xlsx"}}, "mmm.file", "upload_file_suffix"),
    ({"mmm": {"file": "other.csv"}}, "mmm.file", "upload_missing_file"),
    ({"targets": "../targets.yaml"}, "targets", "upload_targets"),
    ({"targets": "targets.yaml"}, "targets", "upload_missing_file"),
    ({"mmm": "mmm.csv"}, "mmm", "upload_mmm_source"),
    ({"mmm": {"date": None}}, "mmm.date", "config_error"),  # the section's shape, checked before any data is read
    ({"mmm": {"controls": [["price_index"]]}}, "mmm.controls", "config_error"),  # a config error naming the key (was a TypeError)
    ({"mmm": {"channels": {"tv": ["tv_spend"]}}}, "mmm.channels.tv", "config_error"),
]


@pytest.mark.parametrize(("change", "key", "rule"), REFUSED, ids=[f"{k}-{r}" for _, k, r in REFUSED])
def test_refused_configs_name_key_and_rule_and_store_nothing(
    client: httpx.Client, uploads: Path, mmm_files: dict[str, bytes], change: dict[str, Any], key: str, rule: str
) -> None:
    config = _config(mmm_files)
    for k, v in change.items():
        if isinstance(v, dict) and isinstance(config.get(k), dict):
            v = {name: x for name, x in {**config[k], **v}.items() if x is not None}  # None: key removed
        config[k] = v
    before = client.get("/v1/datasets").json()
    stored = sorted(uploads.iterdir())
    r = _post(client, _with_config(mmm_files, config), "refused")
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    errors = r.json()["errors"]
    assert any(e["table"] == "config" and e["column"] == key and e["rule"] == rule for e in errors), errors
    assert all(key in e["message"] for e in errors if e["column"] == key)
    assert client.get("/v1/datasets").json() == before
    assert sorted(uploads.iterdir()) == stored


def test_a_media_mix_file_without_its_config_is_refused(client: httpx.Client, mmm_files: dict[str, bytes]) -> None:
    r = _post(client, {"mmm.csv": mmm_files["mmm.csv"]}, "no-config")
    assert r.status_code == 422 and "mmm.file" in r.json()["detail"] and "mmm.csv" in r.json()["detail"]
    two = _post(client, {**mmm_files, "kpi-advisor.yml": mmm_files["kpi-advisor.yaml"]}, "two-configs")
    assert two.status_code == 422 and "one kpi-advisor.yaml" in two.json()["detail"]


def test_bad_media_mix_data_is_422_from_the_validation_process_and_stores_nothing(
    client: httpx.Client, uploads: Path, mmm_files: dict[str, bytes]
) -> None:
    config = _config(mmm_files)
    config["mmm"]["channels"]["social"]["spend"] = "no_such_column"
    before = client.get("/v1/datasets").json()
    stored = sorted(uploads.iterdir())
    r = _post(client, _with_config(mmm_files, config), "bad-mmm")
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e["table"] == "mmm" and "no_such_column" in e["message"] for e in errors), errors
    negative = mmm_files["mmm.csv"].replace(b"\n2025-09-08,", b"\n2025-09-08,-", 1)  # negative conversions
    bad_rows = _post(client, {**mmm_files, "mmm.csv": negative}, "bad-rows")
    assert bad_rows.status_code == 422 and any(e["table"] == "mmm" and e["rows"] for e in bad_rows.json()["errors"])
    assert client.get("/v1/datasets").json() == before
    assert sorted(uploads.iterdir()) == stored  # no dataset folder, no temporary upload folder left behind


def test_lift_tests_must_name_channels_of_the_data(client: httpx.Client, mmm_files: dict[str, bytes]) -> None:
    lift = mmm_files["lift_tests.csv"].replace(b"\nsocial,", b"\nradio,")
    r = _post(client, {**mmm_files, "lift_tests.csv": lift}, "bad-lift")
    assert r.status_code == 422, r.text
    assert any(e["table"] == "lift_tests" and "radio" in e["message"] for e in r.json()["errors"]), r.json()


def test_upload_then_train_fits_the_media_mix_model(client: httpx.Client, mmm_files: dict[str, bytes]) -> None:
    r = _post(client, mmm_files, "to-train")
    assert r.status_code == 201, r.text
    job = client.post("/v1/train", json={"dataset": "to-train", "seed": 1, "activate": False}).json()
    deadline = time.monotonic() + 300
    while job["status"] in {"queued", "running"}:
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
        job = client.get(f"/v1/jobs/{job['id']}").json()
    assert job["status"] == "succeeded", job
    version = job["result"]["model_version"]
    model = next(m for m in client.get("/v1/models").json()["models"] if m["version"] == version)
    assert model["dataset"] == "to-train" and model["data_fingerprint"] == r.json()["fingerprint"]
    assert model["frequency"] == "W"
    metrics = model["metrics"]
    assert metrics["data"]["source"] == "mmm" and metrics["data"]["grain"] == "W", metrics
    for kpi in ("conversions", "revenue"):  # both channels fitted from spend, calibrated by the uploaded lift tests
        fit = metrics["response"][kpi]
        assert fit["channels"] == ["search", "social"] and fit["refused"] == {} and fit["lift_tests"] == 2, fit


def test_cache_size_counts_the_media_mix_frame(mmm_files: dict[str, bytes], tmp_path: Path) -> None:
    from advisor.data import DEFAULT_LIMITS, load_dataset
    from api.http.validation import dataset_bytes, summarise

    for name, content in mmm_files.items():
        (tmp_path / name).write_bytes(content)
    ds = load_dataset(tmp_path)
    assert ds.mmm is not None
    tables = sum(int(df.memory_usage(deep=True).sum()) for df in ds.tables.values())
    frame = int(ds.mmm.frame.memory_usage(deep=True).sum())
    assert frame > 0 and dataset_bytes(ds) == tables + frame
    summary = summarise(tmp_path, DEFAULT_LIMITS)
    assert summary.memory_bytes == dataset_bytes(ds)
    assert summary.tables["mmm"] == 60 and summary.report["mmm"]["channels"] == ["search", "social"]


def test_an_unexpected_type_error_in_validation_is_a_422_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The validation process's safety net: a ``TypeError`` raised while loading an upload (e.g. the data layer
    tripping over a config shape) travels back as a readable ``ValueError`` (422), not a 500."""
    from advisor.data import DEFAULT_LIMITS
    from api.http import validation

    def trips(folder: Path, limits: object) -> None:
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(validation, "summarise", trips)
    kind, value = validation._check(str(tmp_path), DEFAULT_LIMITS)
    assert (kind, value) == ("error", ("TypeError", "unhashable type: 'list'"))
    with pytest.raises(ValueError, match="cannot be read"):
        validation._raise(kind, value)


def test_lift_tests_upload_with_campaign_rows(client: httpx.Client, world: object) -> None:
    """``lift_tests.csv`` beside campaign rows (the campaign layout): stored, counted, and read back by the dataset."""
    content = (Path(world.data) / "campaign_daily.csv").read_bytes()  # type: ignore[attr-defined]
    lift = (b"channel,start,end,kpi,incremental,std_error\n"
            b"search,2026-09-01,2026-09-28,conversions,120.5,30\n"
            b"social,2026-08-01,2026-08-28,revenue,-40,25\n")
    r = client.post("/v1/datasets", data={"dataset_id": "with-lift"},
                    files=[("files", ("campaign_daily.csv", content)), ("files", ("lift_tests.csv", lift))])
    assert r.status_code == 201, r.text
    assert r.json()["tables"]["lift_tests"] == 2 and r.json()["mmm"] is None
    listed = {d["id"]: d for d in client.get("/v1/datasets").json()["datasets"]}
    assert listed["with-lift"]["tables"]["lift_tests"] == 2
    bad = lift + b"search,2026-09-28,2026-09-01,conversions,1,0\n"
    r = client.post("/v1/datasets", data={"dataset_id": "bad-lift-rows"},
                    files=[("files", ("campaign_daily.csv", content)), ("files", ("lift_tests.csv", bad))])
    assert r.status_code == 422
    rows = {e["rule"]: e["rows"] for e in r.json()["errors"] if e["table"] == "lift_tests"}
    assert rows and all(v == [4] for v in rows.values()), r.json()["errors"]
