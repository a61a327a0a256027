"""
Whole public pages from the cache, for visitors.

A visitor without a session (no curator signed in) gets the same page for the same address until
the collection changes, so a rendered page is kept under its address and the collection version
(museum.models.CollectionState): publishing or editing anything moves the version on and the old
pages are simply never asked for again. The version is read once per request and shared with the
views (gifts.listing), so a cached page costs one primary-key query and a cache look-up.
"""

import hashlib
import zlib
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

NEVER_CACHED = ("/healthz", "/readyz")
CACHEABLE_TYPES = ("text/html", "application/json", "application/xml", "text/plain")

# Within a request, a dict holding the version once read; outside one (commands, tests), None.
_request_memo = ContextVar("collection_key", default=None)


def collection_key():
    """The collection version: read from the database at most once per request."""
    from museum.models import CollectionState

    memo = _request_memo.get()
    if memo is None:
        return CollectionState.read_key()
    if "key" not in memo:
        memo["key"] = CollectionState.read_key()
    return memo["key"]


def forget_collection_key():
    """After a change in this request, read the version again when next asked."""
    memo = _request_memo.get()
    if memo is not None:
        memo.clear()


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            if not self.cacheable_request(request):
                return self.get_response(request)
            key = self.key(request)
            cached = cache.get(key)
            if cached is not None:
                content, content_type, status = cached
                response = HttpResponse(
                    zlib.decompress(content), content_type=content_type, status=status
                )
                response["X-Cache"] = "hit"
                return response
            response = self.get_response(request)
            if self.cacheable_response(response):
                # Compressed: a listing page is 100 KB of HTML and about 10 KB deflated, so a
                # worker's local cache of pages stays small.
                cache.set(
                    key,
                    (
                        zlib.compress(response.content, 1),
                        response["Content-Type"],
                        response.status_code,
                    ),
                    settings.PUBLIC_PAGE_CACHE_SECONDS,
                )
                response["X-Cache"] = "miss"
            return response
        finally:
            _request_memo.reset(token)

    def cacheable_request(self, request):
        return (
            settings.PUBLIC_PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.admin_prefix)
            and request.path not in NEVER_CACHED
        )

    def cacheable_response(self, response):
        return (
            response.status_code in (200, 301, 404)
            and not response.streaming
            and not response.cookies
            and response.get("Content-Type", "").startswith(CACHEABLE_TYPES)
            and "private" not in response.get("Cache-Control", "")
        )

    def key(self, request):
        version, changed = collection_key()
        address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        return f"page:{version}:{changed.timestamp() if changed else 0}:{address}"
