"""
Request ids, and the visitor's address behind the proxy.

Every request gets an id: the one nginx (or another proxy) sent in X-Request-ID when it looks like
one, otherwise a new one. It is returned in the X-Request-ID response header, written by
gunicorn's access log (operations.gunicorn_logging) and put on every log record made while the
request is answered (operations.logging), so one id ties a visitor's report, the proxy's log and
ours together.
"""

import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpResponseBadRequest

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from the proxy: letters, digits and a few separators, at most 64 of them.
SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

current_request_id = ContextVar("request_id", default=None)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs a failed request's line after the middleware has
        # returned, and that line needs the id too. The next request sets its own.
        current_request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def client_ip(request):
    """
    The visitor's address. Behind the proxy (production), REMOTE_ADDR is the proxy's (or empty,
    on a unix socket), and the visitor's address is the last entry of X-Forwarded-For: the one
    the proxy itself appended. Entries before it are whatever the client claimed, and are
    ignored. Used by the sign-in throttle (django-axes).
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or None


class AdminNulBytesMiddleware:
    """
    A NUL byte in the admin's query string (?q=%00, ?kind__in=%00) answers 400 with the reason.
    The admin puts its search and filter values into the SQL as they are, and PostgreSQL cannot
    hold a NUL in text: the query failed with a server error. The public pages check their own
    values (a form refuses a NUL) and are left to do so.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(f"/{settings.ADMIN_URL}") and any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "The address contains a NUL character (%00), which no search or filter can use.",
                content_type="text/plain",
            )
        return self.get_response(request)
