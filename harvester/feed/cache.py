"""A thread-safe LRU cache bounded by the total size of its values in bytes.

The feed keeps two of them: rendered pages (gzip bytes, keyed by everything that determines the
body, including the store snapshot) and rendered dataset fragments (keyed by the dataset's content
hash). Keys never go stale in a harmful way: a changed store gives new keys, and old entries age out.

Failure behaviour: none; a value larger than the whole budget is simply not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, Optional, TypeVar

V = TypeVar("V")


class ByteLRU(Generic[V]):
    """LRU mapping whose entries' ``size(value)`` add up to at most ``max_bytes``.

    ``max_bytes`` <= 0 disables the cache (``get`` always misses, ``put`` keeps nothing).
    """

    def __init__(self, max_bytes: int, size: Callable[[V], int] = len) -> None:  # type: ignore[assignment]
        self.max_bytes = max_bytes
        self._size = size
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Optional[V]:
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: V) -> None:
        cost = self._size(value) + 64  # rough per-entry overhead so many tiny values also count
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= old[1]
            self._items[key] = (value, cost)
            self._total += cost
            while self._total > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._total -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0

    @property
    def size_bytes(self) -> int:
        """Current accounted size of the cached values."""
        return self._total

    def __len__(self) -> int:
        return len(self._items)
