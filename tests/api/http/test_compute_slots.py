"""``ComputeSlots``: at most n computations at once per process, re-entrant, 0 = no limit."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.http.state import ComputeSlots


def _max_concurrent(slots: ComputeSlots, threads: int = 8) -> int:
    running = peak = 0
    lock = threading.Lock()

    def work(_: int) -> None:
        nonlocal running, peak
        with slots():
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(work, range(threads * 2)))
    return peak


@pytest.mark.parametrize(("n", "want"), [(1, 1), (2, 2), (0, 8)])
def test_at_most_n_at_once(n: int, want: int) -> None:
    assert _max_concurrent(ComputeSlots(n)) == want


def test_reentrant_in_one_thread_and_released_on_error() -> None:
    slots = ComputeSlots(1)
    with slots(), slots():  # a service calling a service does not wait for itself
        pass
    with pytest.raises(RuntimeError), slots():
        raise RuntimeError("boom")
    done = threading.Event()
    threading.Thread(target=lambda: (slots().__enter__(), done.set())).start()
    assert done.wait(2)  # the slot was given back after the error


def _order_of_start(slots: ComputeSlots, arrivals: list[tuple[str, float]]) -> list[str]:
    """Kinds in the order they got the only slot, each arriving ``delay`` s after the slot was taken."""
    started: list[str] = []
    taken, release = threading.Event(), threading.Event()

    def holder() -> None:
        with slots("hold"):
            taken.set()
            release.wait(5)

    def waiter(kind: str, delay: float) -> None:
        time.sleep(delay)
        with slots(kind):
            started.append(kind)

    h = threading.Thread(target=holder)
    h.start()
    assert taken.wait(2)
    threads = [threading.Thread(target=waiter, args=a) for a in arrivals]
    for t in threads:
        t.start()
    time.sleep(max(d for _, d in arrivals) + 0.3)  # every waiter queued
    release.set()
    for t in [h, *threads]:
        t.join(5)
    return started


def test_a_short_request_overtakes_a_queued_long_one() -> None:
    slots = ComputeSlots(1, {"kpis": 0.1, "diagnose": 0.3, "optimize": 2.0, "hold": 0.0}, long_kinds=frozenset())
    order = _order_of_start(slots, [("optimize", 0.0), ("diagnose", 0.05), ("kpis", 0.1)])
    assert order == ["kpis", "diagnose", "optimize"]


def test_a_long_request_is_not_overtaken_once_its_deadline_is_earlier() -> None:
    # diagnose waits from t=0 (deadline 0.3); a kpis arriving at t=0.4 has deadline 0.5: diagnose goes first
    slots = ComputeSlots(1, {"kpis": 0.1, "diagnose": 0.3, "hold": 0.0})
    assert _order_of_start(slots, [("diagnose", 0.0), ("kpis", 0.4)]) == ["diagnose", "kpis"]


def test_same_kind_in_arrival_order_and_unknown_kinds_wait_their_turn() -> None:
    slots = ComputeSlots(1, {"hold": 0.0})
    arrivals = [(f"job{i}", 0.05 * i) for i in range(5)]
    assert _order_of_start(slots, arrivals) == [k for k, _ in arrivals]


def test_two_slots_serve_two_waiters_at_once() -> None:
    slots = ComputeSlots(2)
    assert _max_concurrent(slots) == 2
    running = threading.Barrier(2, timeout=2)

    def both(kind: str) -> None:
        with slots(kind):
            running.wait()  # only passes when both hold a slot at the same time

    threads = [threading.Thread(target=both, args=(k,)) for k in ("kpis", "diagnose")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not running.broken


def test_a_long_computation_has_its_own_lane() -> None:
    slots = ComputeSlots(1)
    assert (slots.lane("optimize"), slots.lane("kpis")) == ("long", "interactive")
    holding, release = threading.Event(), threading.Event()

    def optimize() -> None:
        with slots("optimize"):
            holding.set()
            release.wait(5)

    t = threading.Thread(target=optimize)
    t.start()
    assert holding.wait(2)
    done, second = threading.Event(), threading.Event()

    def run(kind: str, finished: threading.Event) -> None:
        with slots(kind):
            finished.set()

    threading.Thread(target=run, args=("kpis", done)).start()
    assert done.wait(2)  # the KPI table does not wait for the optimisation
    other = threading.Thread(target=run, args=("optimize", second))
    other.start()
    assert not second.wait(0.3)  # a second optimisation waits for the first
    release.set()
    assert second.wait(2)
    t.join(2)
    other.join(2)
