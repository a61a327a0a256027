"""What an operator relies on: health and readiness, request ids in responses and logs, the page
cache (shared in Redis, resilient when it is down, answering conditional requests), and the
throttled admin sign-in."""

import datetime
import json
import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import RequestFactory

from gifts.models import Gift
from operations.logging import JsonFormatter, RequestIdFilter
from operations.middleware import client_ip

REDIS = "redis://127.0.0.1:6379/15"
NOWHERE = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


def redis_cache(location):
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600


@pytest.fixture
def cache_down(settings):
    """The cache server gone (put back before the other fixtures clear the cache)."""
    original = settings.CACHES
    settings.CACHES = redis_cache(NOWHERE)
    yield
    settings.CACHES = original


def test_healthz_and_readyz_answer_json_and_are_never_cached(client, db, page_cache):
    for path in ["/healthz", "/readyz"]:
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200
            assert response["Cache-Control"] == "no-store"
            assert "X-Cache" not in response
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_readyz_names_the_cache_when_it_is_down_and_pages_still_work(
    client, collection, page_cache, cache_down, caplog
):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["cache"].startswith("failed")
    with caplog.at_level(logging.WARNING):
        page = client.get("/gifts/IFE-0001/")
    assert page.status_code == 200 and "Armoured railway carriage" in page.content.decode()
    assert "Page cache unavailable" in caplog.text


def test_pages_are_shared_through_redis_and_renewed_when_a_curator_edits(
    client, collection, settings, page_cache
):
    settings.CACHES = redis_cache(REDIS)
    caches["default"].clear()
    try:
        assert client.get("/gifts/IFE-0001/")["X-Cache"] == "miss"
        assert client.get("/gifts/IFE-0001/")["X-Cache"] == "hit"
        gift = Gift.objects.get(accession_number="IFE-0001")
        gift.title = "Armoured railway carriage, restored"
        gift.save()  # the collection version moves on (desk.renewal)
        response = client.get("/gifts/IFE-0001/")
        assert response["X-Cache"] == "miss"
        assert "Armoured railway carriage, restored" in response.content.decode()
    finally:
        caches["default"].clear()


def test_a_visitor_who_has_the_page_gets_304_until_it_changes(client, collection, page_cache):
    first = client.get("/gifts/IFE-0001/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first["Cache-Control"] == "no-cache" and "Cookie" in first["Vary"]
    again = client.get("/gifts/IFE-0001/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get("/gifts/IFE-0001/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304

    gift = Gift.objects.get(accession_number="IFE-0001")
    gift.title = "Armoured railway carriage (1950)"
    gift.save()
    changed = client.get("/gifts/IFE-0001/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Armoured railway carriage (1950)" in changed.content.decode()


def test_every_response_carries_a_request_id_and_a_sane_one_is_kept(client, db):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz")["X-Request-ID"] != generated
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc123-from-nginx")["X-Request-ID"] == (
        "abc123-from-nginx"
    )
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID='x" onmouseover=alert(1)')
    assert hostile["X-Request-ID"] != 'x" onmouseover=alert(1)'
    assert client.get("/no-such-page/")["X-Request-ID"]


def test_log_lines_are_json_with_the_request_id(client, db, cache_down, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.get("/readyz", HTTP_X_REQUEST_ID="drill-0000042")
    lines = []
    for record in caplog.records:
        RequestIdFilter().filter(record)
        lines.append(json.loads(JsonFormatter().format(record)))
    warning = next(line for line in lines if line["logger"] == "operations.views")
    assert warning["request_id"] == response["X-Request-ID"] == "drill-0000042"
    assert warning["level"] == "WARNING" and "cache failed" in warning["message"]
    # Django's own line about the 503 carries the same id, the path and the status.
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["request_id"] == "drill-0000042"
    assert (error["path"], error["status"]) == ("/readyz", 503)


def test_behind_the_proxy_the_visitor_is_the_address_the_proxy_added(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.9"  # the first entry is the client's own claim
    settings.BEHIND_PROXY = False
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")) == "198.51.100.7"


@pytest.fixture
def registrar(db):
    return get_user_model().objects.create_user(
        "registrar", password="a long passphrase 1", is_staff=True
    )


def sign_in(client, password, address="198.51.100.7", username="registrar"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_admin_sign_in_is_locked_after_five_failures_for_that_user_and_address(
    client, registrar, settings
):
    for _ in range(4):
        response = sign_in(client, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in paused for this account" in page
    assert "5 failed attempts" in page and "15 minutes" in page
    # Even the right password waits out the pause from that address...
    assert sign_in(client, "a long passphrase 1").status_code == 429
    # ...while the same account from another address, and others from this one, still work.
    assert sign_in(client, "a long passphrase 1", address="203.0.113.1").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, registrar, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=1)
    for _ in range(5):
        sign_in(client, "wrong")
    assert sign_in(client, "a long passphrase 1").status_code == 429
    time.sleep(1.2)
    assert sign_in(client, "a long passphrase 1").status_code == 302


def test_failed_sign_ins_are_listed_for_administrators(client, admin_client, registrar):
    for _ in range(2):
        sign_in(client, "wrong")
    page = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "registrar" in page and "198.51.100.7" in page


def test_a_page_that_used_a_csp_nonce_is_not_kept_in_the_page_cache(rf, db, page_cache):
    from django.http import HttpResponse

    from operations.cache import PublicPageCacheMiddleware

    def view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">go()</script>')

    from csp.middleware import CSPMiddleware

    middleware = CSPMiddleware(PublicPageCacheMiddleware(view))
    first = middleware(rf.get("/with-nonce/"))
    second = middleware(rf.get("/with-nonce/"))
    assert "X-Cache" not in second
    assert first.content != second.content  # a fresh nonce each time
    assert "'nonce-" in second["Content-Security-Policy"]


def test_the_collection_version_is_read_as_stored_with_its_time_zone(db):
    from desk.models import CollectionState

    CollectionState.objects.all().delete()
    assert CollectionState.read_key() == (0, None)
    CollectionState.bump()
    CollectionState.bump()
    stored = CollectionState.objects.values_list("version", "changed").get()
    assert CollectionState.read_key() == stored
    assert stored[1].tzinfo is not None


def test_a_page_from_the_cache_has_every_security_header(client, collection, page_cache):
    client.get("/gifts/IFE-0001/")
    cached = client.get("/gifts/IFE-0001/")
    assert cached["X-Cache"] == "hit"
    for header in [
        "X-Frame-Options",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Request-ID",
    ]:
        assert cached[header], header
