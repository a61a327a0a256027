"""
The engine's caches. Each is kept with one collection version (catalogue.index.Collection), so it
is dropped with it when anything changes; each has its own bound and its own lock, because
gunicorn may run a worker's requests in several threads.
"""

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """
    A dict with a bound: when keeping a value would pass ``maxsize`` (counted in entries, or in
    what ``weight`` says a value costs), everything kept so far is let go first. Within one
    collection version the same few keys come back, so this simple rule keeps what is used.
    """

    def __init__(self, maxsize: int, weight: Callable[[V], int] | None = None):
        self.maxsize = maxsize
        self.weight = weight or (lambda value: 1)
        self.total = 0
        self.values: dict[K, V] = {}
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.values)

    def __contains__(self, key):
        return key in self.values

    def get(self, key: K, default=None):
        return self.values.get(key, default)

    def set(self, key: K, value: V) -> V:
        weight = self.weight(value)
        with self.lock:
            if key in self.values:
                return self.values[key]
            if self.total + weight > self.maxsize:
                self.values.clear()
                self.total = 0
            self.values[key] = value
            self.total += weight
            return value

    def get_or_set(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, made (outside the lock: it may query) if there is none.
        Two threads may both make it; the first kept is the one every caller gets."""
        value = self.values.get(key, _MISSING)
        if value is _MISSING:
            value = self.set(key, make())
        return value

    def clear(self):
        with self.lock:
            self.values.clear()
            self.total = 0


_MISSING = object()
