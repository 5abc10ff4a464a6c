"""Datasets, model versions and the advice audit log on both backends; workspace isolation of every getter."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.store import (
    DatasetExistsError,
    DatasetRecord,
    ModelRecord,
    Store,
    UnknownDatasetError,
    UnknownJobError,
    UnknownKeyError,
    UnknownModelError,
)


def _dataset(store: Store, ws: str, ds: str) -> DatasetRecord:
    return store.add_dataset(ws, ds, f"/data/{ws}/{ds}", f"fp-{ds}", {"campaign_daily": 120, "customers": 30},
                             {"ok": True, "warnings": ["few rows"]})


def _model(store: Store, ws: str, version: str, activate: bool) -> ModelRecord:
    return store.add_model_version(ws, version, f"/models/{ws}", "ds1", "fp-ds1", {"mape": 0.12}, activate)


def test_datasets(store: Store) -> None:
    first = _dataset(store, "acme", "ds1")
    assert first.tables == {"campaign_daily": 120, "customers": 30} and first.report["warnings"] == ["few rows"]
    assert first.created_at.utcoffset() == timedelta(0)
    _dataset(store, "acme", "ds2")
    assert store.dataset("acme", "ds1") == first
    assert [d.id for d in store.datasets("acme")] == ["ds1", "ds2"]  # oldest first
    with pytest.raises(DatasetExistsError, match="'ds1' already exists"):
        _dataset(store, "acme", "ds1")
    with pytest.raises(UnknownDatasetError, match="'ds1', 'ds2'"):
        store.dataset("acme", "nope")


def test_unknown_dataset_in_empty_workspace_says_how_to_add_one(store: Store) -> None:
    with pytest.raises(UnknownDatasetError, match="POST /v1/datasets"):
        store.dataset("acme", "ds1")


def test_activate_switches_exactly_one(store: Store) -> None:
    assert store.active_model("acme") is None
    v1 = _model(store, "acme", "v0001", activate=True)
    assert v1.active and v1.activated_at is not None
    v2 = _model(store, "acme", "v0002", activate=False)
    assert not v2.active
    assert store.active_model("acme") == v1
    assert store.activate_model("acme", "v0002").active
    versions = store.model_versions("acme")
    assert [(m.version, m.active) for m in versions] == [("v0002", True), ("v0001", False)]  # newest first
    v3 = _model(store, "acme", "v0003", activate=True)
    assert [m.version for m in store.model_versions("acme") if m.active] == ["v0003"]
    assert store.active_model("acme") == v3
    assert store.activate_model("acme", "v0003") == v3  # already active: unchanged
    with pytest.raises(UnknownModelError, match="v0001, v0002, v0003"):
        store.activate_model("acme", "v9999")


def test_add_model_version_is_idempotent(store: Store) -> None:
    first = _model(store, "acme", "v0001", activate=False)
    again = store.add_model_version("acme", "v0001", "/elsewhere", None, None, {}, False)
    assert again == first and len(store.model_versions("acme")) == 1
    activated = _model(store, "acme", "v0001", activate=True)
    assert activated.active and store.active_model("acme") == activated


def test_database_refuses_two_active_versions(store: Store) -> None:
    _model(store, "acme", "v0001", activate=True)
    _model(store, "acme", "v0002", activate=False)
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE model_versions SET active = :t"), {"t": True})


def test_concurrent_activations_leave_one_active(store: Store, second) -> None:
    import threading

    for i in range(1, 7):
        _model(store, "acme", f"v{i:04d}", activate=False)
    others = [second() for _ in range(3)]
    errors: list[BaseException] = []

    def flip(st: Store, versions: list[str]) -> None:
        try:
            for v in versions:
                st.activate_model("acme", v)
        except BaseException as exc:
            errors.append(exc)

    plans = [["v0001", "v0002", "v0003"] * 3, ["v0004", "v0005"] * 4, ["v0006", "v0001"] * 4]
    threads = [threading.Thread(target=flip, args=(st, plan)) for st, plan in zip(others, plans, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(m.active for m in store.model_versions("acme")) == 1


def test_advice_log(store: Store) -> None:
    info, _ = store.create_key("acme", "analyst")
    first = store.record_advice("acme", info.id, "/v1/advise", {"question": "how is paid search?"},
                                {"answer": "fine", "numbers": [1.5, 2]}, "v0001", "ds1")
    second = store.record_advice("acme", None, "/v1/plan", {"budget": 1000}, {"plan": []}, None, None)
    assert isinstance(first.id, int) and second.id > first.id
    log = store.advice_log("acme")
    assert [a.route for a in log] == ["/v1/plan", "/v1/advise"]  # newest first
    assert log[1].request == {"question": "how is paid search?"} and log[1].response["numbers"] == [1.5, 2]
    assert log[1].key_id == info.id and log[1].model_version == "v0001" and log[1].dataset_id == "ds1"
    assert [a.id for a in store.advice_log("acme", limit=1)] == [second.id]


def test_workspace_isolation_of_every_getter(store: Store) -> None:
    key, token = store.create_key("acme", "admin")
    _dataset(store, "acme", "ds1")
    _model(store, "acme", "v0001", activate=True)
    job = store.submit_job("acme", "train", {"dataset": "ds1"})
    store.record_advice("acme", key.id, "/v1/advise", {}, {}, None, None)
    store.ensure_workspace("beta")

    assert store.list_keys("beta") == [] and store.datasets("beta") == []
    assert store.model_versions("beta") == [] and store.active_model("beta") is None
    assert store.jobs("beta") == [] and store.advice_log("beta") == []
    with pytest.raises(UnknownKeyError):
        store.revoke_key("beta", key.id)
    with pytest.raises(UnknownDatasetError):
        store.dataset("beta", "ds1")
    with pytest.raises(UnknownModelError):
        store.activate_model("beta", "v0001")
    with pytest.raises(UnknownJobError):
        store.job("beta", job.id)
    with pytest.raises(UnknownJobError):
        store.request_cancel("beta", job.id)
    # and everything is still there for its own workspace
    assert store.job("acme", job.id).status == "queued" and store.active_model("acme") is not None
    assert store.authenticate(token) is not None and len(store.advice_log("acme")) == 1


def test_concurrent_adds_of_one_id(store: Store, second) -> None:
    import threading

    others = [second() for _ in range(4)]
    outcomes: list[object] = []
    barrier = threading.Barrier(len(others))

    def add(st: Store) -> None:
        barrier.wait()
        for call in (lambda: _dataset(st, "acme", "same"), lambda: _model(st, "acme", "v0001", activate=True)):
            try:
                outcomes.append(call())
            except Exception as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=add, args=(st,)) for st in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    datasets = [o for o in outcomes if isinstance(o, DatasetRecord)]
    models = [o for o in outcomes if isinstance(o, ModelRecord)]
    refused = [o for o in outcomes if isinstance(o, DatasetExistsError)]
    assert len(datasets) == 1 and len(refused) == 3 and len(outcomes) == 8  # no other error
    assert len(models) == 4 and {m.version for m in models} == {"v0001"} and all(m.active for m in models)
