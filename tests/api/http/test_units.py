"""Unit tests of the HTTP layer's pieces: error mapping, result cache, upload names, job store."""

from __future__ import annotations

import pytest

from advisor.data import DataValidationError, ValidationIssue
from api.http.auth import AuthenticationError, PermissionDeniedError
from api.http.datasets import UploadError, allowed_name
from api.http.errors import problem_of
from api.http.state import NotReadyError, ResultCache
from models.plan import PlanError
from models.registry import RegistryError


def test_problem_mapping() -> None:
    status, type_, _, detail, extra = problem_of(PlanError("unknown channel 'tv'; the model knows: a, b"))  # type: ignore[misc]
    assert (status, type_, extra) == (422, "/problems/invalid-plan", {})
    assert detail.endswith("a, b")
    issue = ValidationIssue("campaign_daily", "spend", (3, 7), "non_negative", "spend must be ≥ 0 (2 rows)")
    status, type_, _, _, extra = problem_of(DataValidationError([issue]))  # type: ignore[misc]
    assert status == 422 and extra["errors"] == [issue.to_dict()] and extra["warnings"] == []
    assert problem_of(RegistryError("no such version"))[0] == 404  # type: ignore[index]
    assert problem_of(NotReadyError("train first"))[0] == 503  # type: ignore[index]
    assert problem_of(AuthenticationError("no key"))[0] == 401  # type: ignore[index]
    assert problem_of(PermissionDeniedError("needs analyst"))[0] == 403  # type: ignore[index]
    from api.store import JobStateError, UnknownJobError, UnknownModelError

    assert problem_of(UnknownJobError("unknown job"))[0] == 404  # type: ignore[index]
    assert problem_of(UnknownModelError("unknown version"))[0] == 404  # type: ignore[index]
    assert problem_of(JobStateError("finished"))[0] == 409  # type: ignore[index]
    assert problem_of(RuntimeError("boom")) is None  # crashes are not domain errors: 500 without details


def test_result_cache_is_lru_and_counts() -> None:
    cache = ResultCache(2)
    calls: list[str] = []

    def compute(k: str) -> str:
        calls.append(k)
        return k.upper()

    assert cache.get_or_compute("a", lambda: compute("a")) == "A"
    assert cache.get_or_compute("b", lambda: compute("b")) == "B"
    assert cache.get_or_compute("a", lambda: compute("a")) == "A"  # hit, refreshes a
    cache.get_or_compute("c", lambda: compute("c"))  # evicts b
    cache.get_or_compute("b", lambda: compute("b"))
    assert calls == ["a", "b", "c", "b"] and cache.hits == 1 and cache.misses == 4
    off = ResultCache(0)
    off.get_or_compute("a", lambda: compute("a"))
    off.get_or_compute("a", lambda: compute("a"))
    assert calls[-2:] == ["a", "a"]


@pytest.mark.parametrize("name", ["campaign_daily.csv", "Orders.PARQUET", "dir/targets.yaml", "surveys.txt"])
def test_allowed_upload_names(name: str) -> None:
    assert allowed_name(name) == name.replace("dir/", "").lower()


@pytest.mark.parametrize("name", ["kpi-advisor.yaml", "campaign_daily.xlsx", "../x.csv", "notes.csv", ""])
def test_refused_upload_names(name: str) -> None:
    with pytest.raises(UploadError):
        allowed_name(name)


def test_result_cache_computes_concurrent_identical_requests_once() -> None:
    import threading
    import time

    cache = ResultCache(8)
    calls: list[int] = []
    started = threading.Event()

    def slow() -> dict[str, int]:
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return {"v": len(calls)}

    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow))) for _ in range(4)]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(5)
    assert calls == [1] and results == [{"v": 1}] * 5


def test_result_cache_shares_an_error_and_does_not_keep_it() -> None:
    import threading
    import time

    cache = ResultCache(8)
    started = threading.Event()

    def boom() -> None:
        started.set()
        time.sleep(0.2)
        raise ValueError("bad plan")

    errors: list[str] = []

    def call() -> None:
        try:
            cache.get_or_compute("k", boom)
        except ValueError as exc:
            errors.append(str(exc))

    first = threading.Thread(target=call)
    first.start()
    started.wait(5)
    second = threading.Thread(target=call)
    second.start()
    first.join(5)
    second.join(5)
    assert errors == ["bad plan", "bad plan"]
    assert cache.get_or_compute("k", lambda: 7) == 7  # the failure was not cached
