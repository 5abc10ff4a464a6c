"""``ResultCache``: LRU of finished results, hit/miss counts, single flight for identical concurrent requests."""

from __future__ import annotations

import sys
import threading

from api.http.cache import ResultCache

wait_until = sys.modules["kpi_api_serving"].wait_until  # tests/api/http/serving.py


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
    assert calls == ["a", "b", "c", "b"] and cache.hits == 1 and cache.misses == 4 and len(cache) == 2
    cache.clear()
    assert len(cache) == 0


def test_size_zero_turns_the_cache_off() -> None:
    off = ResultCache(0)
    calls: list[int] = []
    for _ in range(2):
        off.get_or_compute("a", lambda: calls.append(1))
    assert calls == [1, 1] and len(off) == 0


def test_concurrent_identical_requests_are_computed_once() -> None:
    cache = ResultCache(8)
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()

    def slow() -> dict[str, int]:
        calls.append(1)
        started.set()
        release.wait(10)
        return {"v": len(calls)}

    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow))) for _ in range(4)]
    for t in others:
        t.start()
    wait_until("the 4 identical requests wait for the first", lambda: cache.shared == 4)
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert calls == [1] and results == [{"v": 1}] * 5
    assert (cache.misses, cache.shared, cache.hits) == (1, 4, 0)


def test_a_shared_error_reaches_every_waiter_and_is_not_kept() -> None:
    cache = ResultCache(8)
    started, release = threading.Event(), threading.Event()

    def boom() -> None:
        started.set()
        release.wait(10)
        raise ValueError("bad plan")

    errors: list[str] = []

    def call() -> None:
        try:
            cache.get_or_compute("k", boom)
        except ValueError as exc:
            errors.append(str(exc))

    first = threading.Thread(target=call)
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=call)
    second.start()
    wait_until("the second request waits for the first", lambda: cache.shared == 1)
    release.set()
    first.join(10)
    second.join(10)
    assert errors == ["bad plan", "bad plan"]
    assert cache.get_or_compute("k", lambda: 7) == 7  # the failure was not cached
