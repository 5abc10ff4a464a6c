"""A bounded, time-limited cache of API key look-ups, keyed only by well-formed tokens.

Authenticating reads the service database; the cache spares that read for a key used again within
``ttl_seconds`` (so a revoked key stops working within that time in every process). It holds at most ``size``
entries, least recently used dropped first, and is keyed by the SHA-256 of the token (no secret kept in memory).
Callers check the token's format (:func:`api.store.keys.well_formed`) before they look it up: a malformed token,
however long, never reaches the cache or the database.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class KeyCache(Generic[V]):
    """LRU of ``token -> value`` (``value`` may be None: an unknown or revoked key) with a time to live.

    ``size``: most entries kept; ``ttl_seconds``: how long an entry answers; ``clock``: monotonic seconds (tests).
    """

    def __init__(self, size: int = 10_000, ttl_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        if size < 1:
            raise ValueError(f"key cache size must be at least 1, got {size}")
        self.size, self.ttl_seconds, self.clock = size, ttl_seconds, clock
        self._items: OrderedDict[bytes, tuple[float, V | None]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get_or_load(self, token: str, load: Callable[[str], V | None]) -> V | None:
        """The cached value of ``token`` if fresh, else ``load(token)`` (outside the lock), cached."""
        key = self._key(token)
        now = self.clock()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < self.ttl_seconds:
                self._items.move_to_end(key)
                return hit[1]
        value = load(token)
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every entry (after a revocation in this process)."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
