"""The result cache of a server process: finished results keyed by (operation, snapshot key, canonical request)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any


class ResultCache:
    """Thread-safe LRU of finished results keyed by (operation, snapshot key, canonical request), single-flight.

    Results are deterministic for a given workspace, data fingerprint, model version and request (fixed seeds), so
    a repeated question is answered from memory; retraining changes the key. Identical requests that arrive while
    the first one is being computed wait for it instead of computing it again (after a model switch every
    dashboard asks the same questions at once).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.shared = 0  # requests that waited for an identical one being computed and took its result

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if self.size <= 0:
            return compute()
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            pending = self._pending.get(key)
            if pending is not None:
                self.shared += 1
            else:
                self.misses += 1
                mine: Future[Any] = Future()
                self._pending[key] = mine
        if pending is not None:
            return pending.result()  # the same request is being computed: share its result (or its error)
        try:
            value = compute()  # outside the lock: other requests go on
        except BaseException as exc:
            with self._lock:
                del self._pending[key]
            mine.set_exception(exc)
            raise
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            del self._pending[key]
        mine.set_result(value)
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
