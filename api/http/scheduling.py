"""Who computes next in a server process: :class:`ComputeSlots` (at most ``n`` computations at once per lane) and
the :class:`DeadlineQueue` behind each lane, which gives a free slot to the earliest deadline (arrival plus the
kind's allowance, :data:`COMPUTE_ALLOWANCE_SECONDS`)."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Latency allowance of each kind of computation (seconds): a waiting computation's deadline is its arrival plus
#: its allowance, and the free slot goes to the earliest deadline. Short interactive requests (a KPI table, a
#: forecast) thus overtake a queued diagnosis, which can afford to wait longer, and nothing waits forever: a long
#: computation's deadline comes round as time passes. The values are the latency goals of the load benchmark
#: (``benchmarks/api_load.py``): 100 ms for KPI tables and forecasts, 300 ms for a diagnosis.
COMPUTE_ALLOWANCE_SECONDS: dict[str, float] = {
    "kpis": 0.1, "scorecard": 0.1, "forecast": 0.1, "diagnose": 0.3, "customers": 0.3, "advise": 1.0,
    "optimize": 2.0,
}
DEFAULT_ALLOWANCE_SECONDS = 1.0
#: Kinds that take seconds (a budget optimisation runs hundreds of forecasts; advise may run one): they have a lane
#: of their own, so that a KPI table shares the CPU with a running optimisation instead of queueing behind it.
LONG_KINDS = frozenset({"optimize", "advise"})


class DeadlineQueue:
    """``n`` slots given to waiting computations earliest deadline first (ties in arrival order).

    ``allowance``: seconds per kind (others get :data:`DEFAULT_ALLOWANCE_SECONDS`); ``clock``: seconds, monotonic
    (tests pass a fake one)."""

    def __init__(self, n: int, allowance: dict[str, float], clock: Callable[[], float] = time.monotonic) -> None:
        self.allowance = allowance
        self.clock = clock
        self._free = n
        self._waiting: list[tuple[float, int]] = []  # heap of (deadline, arrival number)
        self._arrivals = itertools.count()
        self._cond = threading.Condition()

    def acquire(self, kind: str) -> None:
        entry = (self.clock() + self.allowance.get(kind, DEFAULT_ALLOWANCE_SECONDS), next(self._arrivals))
        with self._cond:
            heapq.heappush(self._waiting, entry)
            try:
                while not (self._free > 0 and self._waiting[0] == entry):
                    self._cond.wait()
            except BaseException:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
                self._cond.notify_all()
                raise
            heapq.heappop(self._waiting)
            self._free -= 1
            if self._free > 0 and self._waiting:
                self._cond.notify_all()  # the next in line may take another free slot

    def release(self) -> None:
        with self._cond:
            self._free += 1
            self._cond.notify_all()

    @property
    def waiting(self) -> int:
        """How many computations wait for a slot."""
        with self._cond:
            return len(self._waiting)


class ComputeSlots:
    """At most ``n`` computations at once in this process (``n`` = 0: no limit) per lane; ``with slots(kind):``
    waits for a slot. Kinds in ``long_kinds`` (:data:`LONG_KINDS`: optimisations, advise) have their own lane of
    ``n`` slots, so a seconds-long optimisation does not hold up KPI tables; the others share the interactive lane.
    In a lane, waiting computations get a free slot earliest deadline first (arrival + the kind's allowance in
    ``allowance``, seconds; :data:`COMPUTE_ALLOWANCE_SECONDS`), ties in arrival order. Re-entrant per thread: a
    computation that starts another (a service calling a service, advise running a diagnosis) keeps its slot.
    ``clock``: where deadlines are read from (seconds, monotonic; tests pass a fake one).

    The request work is CPU-bound Python (pandas, numpy, LightGBM, SHAP): threads beyond the cores do not add
    throughput, they contend for the GIL and multiply the CPU each request costs; waiting for a slot costs
    nothing."""

    def __init__(
        self,
        n: int,
        allowance: dict[str, float] | None = None,
        long_kinds: frozenset[str] = LONG_KINDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.n = n
        self.long_kinds = long_kinds
        allowance = COMPUTE_ALLOWANCE_SECONDS if allowance is None else allowance
        self._lanes = {lane: DeadlineQueue(n, allowance, clock) for lane in ("interactive", "long")}
        self._local = threading.local()

    def lane(self, kind: str) -> str:
        """``"long"`` or ``"interactive"``: the lane computations of ``kind`` queue in."""
        return "long" if kind in self.long_kinds else "interactive"

    def waiting(self, kind: str) -> int:
        """How many computations wait for a slot in the lane of ``kind``."""
        return self._lanes[self.lane(kind)].waiting

    @contextmanager
    def __call__(self, kind: str = "") -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if self.n <= 0 or depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        lane = self._lanes[self.lane(kind)]
        lane.acquire(kind)
        self._local.depth = 1
        try:
            yield
        finally:
            self._local.depth = 0
            lane.release()
