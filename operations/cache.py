"""
Whole public pages from the cache, for visitors.

A visitor without a session (no curator signed in) gets the same page for the same address until
the collection changes, so a rendered page is kept under its address and the collection version
(desk.models.CollectionState): publishing or editing anything moves the version on and the old
pages are simply never asked for again. The version is read once per request and shared with the
views (catalogue.index), so a cached page costs one primary-key query and a cache look-up.

Visitor pages also answer conditional requests: the ETag is a digest of the page, Last-Modified is
when the collection last changed, and a browser or proxy that already holds the page gets 304 Not
Modified. The cache is an optimisation only: when it cannot be reached (Redis restarting, say) the
page is made afresh and the failure logged, never shown to the visitor.
"""

import hashlib
import logging
import zlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from desk.models import CollectionState

logger = logging.getLogger(__name__)

NEVER_CACHED = ("/healthz", "/readyz")
CACHEABLE_TYPES = ("text/html", "application/json", "application/xml", "text/plain")


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL
        # Uploaded images are checked on every request (gifts.media): a kept copy would outlive
        # the gift's unpublishing.
        self.media_prefix = "/" + settings.MEDIA_URL.lstrip("/")
        # An export's page changes as it is prepared, and its file is sent by nginx in production
        # (an empty answer with X-Accel-Redirect, which a kept copy would replay without).
        self.exports_prefix = "/exports/"

    def __call__(self, request):
        with CollectionState.remembered_per_request():
            if not self.cacheable_request(request):
                return self.get_response(request)
            version, changed = CollectionState.current_key()
            key = self.key(request, version, changed)
            cached = self.cache_get(key)
            if cached is not None:
                content, content_type, status, etag = cached
                response = HttpResponse(
                    zlib.decompress(content), content_type=content_type, status=status
                )
                response["X-Cache"] = "hit"
            else:
                response = self.get_response(request)
                if not self.cacheable_response(request, response):
                    return response
                # Compressed: a listing page is 100 KB of HTML and about 10 KB deflated, so a
                # worker's local cache of pages stays small.
                content = zlib.compress(response.content, 1)
                etag = '"' + hashlib.blake2b(response.content, digest_size=12).hexdigest() + '"'
                self.cache_set(key, (content, response["Content-Type"], response.status_code, etag))
                response["X-Cache"] = "miss"
            return self.conditional(request, response, etag, changed)

    def conditional(self, request, response, etag, changed):
        """Validators on a visitor page, and 304 when the visitor already has this page."""
        response["ETag"] = etag
        if changed is not None:
            response["Last-Modified"] = http_date(changed.timestamp())
        # Browsers keep the page but ask again each time; a 304 costs next to nothing.
        response["Cache-Control"] = "no-cache"
        patch_vary_headers(response, ["Cookie"])  # a signed-in curator sees other pages
        if response.status_code != 200:
            return response
        return get_conditional_response(
            request,
            etag=etag,
            last_modified=int(changed.timestamp()) if changed is not None else None,
            response=response,
        )

    def cache_get(self, key):
        try:
            return cache.get(key)
        except Exception:
            logger.warning("Page cache unavailable; answering without it", exc_info=True)
            return None

    def cache_set(self, key, value):
        try:
            cache.set(key, value, settings.PUBLIC_PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("Page cache unavailable; page not kept", exc_info=True)

    def cacheable_request(self, request):
        return (
            settings.PUBLIC_PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(
                (self.admin_prefix, self.media_prefix, self.exports_prefix)
            )
            and request.path not in NEVER_CACHED
        )

    def cacheable_response(self, request, response):
        nonce = getattr(request, "csp_nonce", None)
        return (
            # A page that used a CSP nonce must not be replayed to others with the same nonce.
            not nonce
            and response.status_code in (200, 301, 404)
            and not response.streaming
            and not response.cookies
            and response.get("Content-Type", "").startswith(CACHEABLE_TYPES)
            and "private" not in response.get("Cache-Control", "")
            # Made from an older collection version than the key it would be kept under.
            and not CollectionState.answered_behind()
        )

    def key(self, request, version, changed):
        # Scheme and host are part of the address: a page made for one Host is never given to a
        # request for another. get_host() validates the Host (and X-Forwarded-Host when trusted)
        # against ALLOWED_HOSTS and raises DisallowedHost (400) before any look-up.
        origin = f"{request.scheme}://{request.get_host()}"
        address = hashlib.sha256(f"{origin}{request.get_full_path()}".encode()).hexdigest()
        return f"page2:{version}:{changed.timestamp() if changed else 0}:{address}"
