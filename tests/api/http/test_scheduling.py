"""``ComputeSlots``: at most n computations at once per lane, re-entrant, 0 = no limit, earliest deadline first.

Deadlines are read from a fake clock and every waiter is seen queued before the next arrives, so the order is
decided by the scheduler alone, never by how fast threads happen to start.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.http.scheduling import COMPUTE_ALLOWANCE_SECONDS, LONG_KINDS, ComputeSlots

wait_until = sys.modules["kpi_api_serving"].wait_until  # tests/api/http/serving.py


class FakeClock:
    """Monotonic seconds set by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("n", "want"), [(1, 1), (2, 2), (0, 8)])
def test_at_most_n_at_once_and_n_do_run_together(n: int, want: int) -> None:
    slots = ComputeSlots(n)
    together = threading.Barrier(want, timeout=10)  # passes only when `want` computations hold a slot at once
    running = peak = 0
    lock = threading.Lock()

    def work(_: int) -> None:
        nonlocal running, peak
        with slots("kpis"):
            with lock:
                running += 1
                peak = max(peak, running)
            together.wait()
            with lock:
                running -= 1

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(work, range(16)))
    assert peak == want and not together.broken


def test_reentrant_in_one_thread_and_released_on_error() -> None:
    slots = ComputeSlots(1)
    with slots(), slots():  # a service calling a service does not wait for itself
        pass
    with pytest.raises(RuntimeError), slots():
        raise RuntimeError("boom")
    done = threading.Event()
    threading.Thread(target=lambda: (slots().__enter__(), done.set()), daemon=True).start()
    assert done.wait(10)  # the slot was given back after the error


def _order_of_start(allowance: dict[str, float], arrivals: list[tuple[str, float]], *, n: int = 1) -> list[str]:
    """Kinds in the order they got a slot when every slot is taken and ``arrivals`` (kind, clock time) queue up."""
    clock = FakeClock()
    slots = ComputeSlots(n, allowance, long_kinds=frozenset(), clock=clock)
    started: list[str] = []
    taken, release = threading.Barrier(n + 1, timeout=10), threading.Event()

    def holder() -> None:
        with slots("hold"):
            taken.wait()
            release.wait(10)

    def waiter(kind: str) -> None:
        with slots(kind):
            started.append(kind)

    holders = [threading.Thread(target=holder) for _ in range(n)]
    for h in holders:
        h.start()
    taken.wait()
    threads = []
    for i, (kind, at) in enumerate(arrivals):
        clock.now = at
        threads.append(threading.Thread(target=waiter, args=(kind,)))
        threads[-1].start()
        wait_until(f"{kind} queued", lambda n=i + 1: slots.waiting("interactive") == n)  # type: ignore[misc]
    release.set()
    for t in [*holders, *threads]:
        t.join(10)
    return started


def test_a_short_request_overtakes_a_queued_long_one() -> None:
    allowance = {"kpis": 0.1, "diagnose": 0.3, "optimize": 2.0}
    order = _order_of_start(allowance, [("optimize", 0.0), ("diagnose", 0.05), ("kpis", 0.1)])
    assert order == ["kpis", "diagnose", "optimize"]


def test_a_long_request_is_not_overtaken_once_its_deadline_is_earlier() -> None:
    # diagnose waits from t=0 (deadline 0.3); a kpis arriving at t=0.4 has deadline 0.5: diagnose goes first
    assert _order_of_start({"kpis": 0.1, "diagnose": 0.3}, [("diagnose", 0.0), ("kpis", 0.4)]) == ["diagnose", "kpis"]


def test_same_kind_in_arrival_order_and_unknown_kinds_wait_their_turn() -> None:
    arrivals = [(f"job{i}", 0.0) for i in range(5)]  # same deadline: ties go in arrival order
    assert _order_of_start({}, arrivals) == [k for k, _ in arrivals]


def test_two_slots_serve_the_two_earliest_deadlines() -> None:
    allowance = {"kpis": 0.1, "diagnose": 0.3, "optimize": 2.0}
    order = _order_of_start(allowance, [("optimize", 0.0), ("diagnose", 0.0), ("kpis", 0.0)], n=2)
    assert sorted(order[:2]) == ["diagnose", "kpis"] and order[2] == "optimize"


def test_a_long_computation_has_its_own_lane() -> None:
    slots = ComputeSlots(1)
    assert (slots.lane("optimize"), slots.lane("kpis")) == ("long", "interactive")
    holding, release = threading.Event(), threading.Event()

    def optimize() -> None:
        with slots("optimize"):
            holding.set()
            release.wait(10)

    t = threading.Thread(target=optimize)
    t.start()
    assert holding.wait(10)
    done, second = threading.Event(), threading.Event()

    def run(kind: str, finished: threading.Event) -> None:
        with slots(kind):
            finished.set()

    threading.Thread(target=run, args=("kpis", done)).start()
    assert done.wait(10)  # the KPI table does not wait for the optimisation
    other = threading.Thread(target=run, args=("optimize", second))
    other.start()
    wait_until("the second optimisation queued", lambda: slots.waiting("optimize") == 1)
    assert not second.is_set()  # it waits for the first
    release.set()
    assert second.wait(10)
    t.join(10)
    other.join(10)


def test_default_allowances_are_the_latency_goals() -> None:
    assert COMPUTE_ALLOWANCE_SECONDS["kpis"] < COMPUTE_ALLOWANCE_SECONDS["diagnose"] < COMPUTE_ALLOWANCE_SECONDS["optimize"]
    assert {"optimize", "advise"} <= LONG_KINDS
