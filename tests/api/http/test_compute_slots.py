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
