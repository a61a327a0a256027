"""
What a visitor gets when something fails, and what the log says about it. A database that cannot
be reached is told apart from other faults: it is passing and nothing the visitor did caused it.
"""

import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

# Seconds a visitor (or a crawler, or a load balancer) is asked to wait when the database is away.
RETRY_AFTER = 30


def database_unavailable(error):
    """Whether the error, or one it was raised from, is Django's word for a lost database."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request):
    """
    handler500. A database that cannot be reached (stopped, restarting, refusing connections,
    or a connection it cut) answers 503 with a page that says so and when to retry; any other
    fault is a 500. Both pages are drawn without the request and without the database, and are
    never cached.
    """
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
    else:
        response = HttpResponseServerError(loader.render_to_string("500.html"))
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableFilter(logging.Filter):
    """
    A lost database fails every request the same way: each is logged on one line with the
    error's first line (`error`) instead of the same traceback thousands of times.
    """

    def filter(self, record):
        if record.exc_info and database_unavailable(record.exc_info[1]):
            error = record.exc_info[1]
            lines = str(error).strip().splitlines()
            record.error = f"{type(error).__name__}: {lines[0] if lines else ''}"
            record.exc_info = None
            record.exc_text = None
        return True
