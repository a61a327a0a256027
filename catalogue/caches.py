"""
The engine's caches. Each is kept with one collection version (catalogue.index.Collection), so it
is dropped with it when anything changes; each has its own bound and its own lock, because
gunicorn may run a worker's requests in several threads. What every worker would make the same
can also be kept in the site's shared cache (shared()).
"""

import hashlib
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

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


def shared(key, make):
    """
    ``make()``'s value, kept in the site's shared cache (Redis: every worker of every web machine)
    under ``key`` for PUBLIC_PAGE_CACHE_SECONDS, when KEPT_PAGES_SHARED; otherwise made. For
    what a worker keeps with a version and another would make the same (a gift's page): ``key``
    must name the version. A cache that cannot be reached costs the making, never an error.
    """
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    if not settings.KEPT_PAGES_SHARED or seconds <= 0:
        return make()
    name = "kept:" + hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    try:
        value = cache.get(name)
    except Exception:
        logger.warning("Shared cache unavailable; made afresh", exc_info=True)
        return make()
    if value is None:
        value = make()
        try:
            cache.set(name, value, seconds)
        except Exception:
            logger.warning("Shared cache unavailable; not kept", exc_info=True)
    return value
