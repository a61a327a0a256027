"""Health checks for load balancers and operators: /healthz (the process) and /readyz (its
database and cache)."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is up and answering: no database, no cache, never cached."""
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response


def readyz(request):
    """
    Ready to serve: the database answers a query and the cache a write and a read. 503 names the
    part that failed, so a load balancer stops sending visitors and an operator knows where to
    look. Cheap (two round trips), no authentication, never cached.
    """
    checks = {"database": check_database, "cache": check_cache}
    report = {}
    for name, check in checks.items():
        try:
            check()
            report[name] = "ok"
        except Exception as error:
            logger.warning("readyz: %s failed: %s", name, error)
            report[name] = f"failed: {type(error).__name__}"
    ready = all(value == "ok" for value in report.values())
    response = JsonResponse({"status": "ok" if ready else "unavailable", **report})
    response.status_code = 200 if ready else 503
    response["Cache-Control"] = "no-store"
    return response


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    key = f"readyz:{uuid.uuid4().hex}"  # its own key: workers check at the same time
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)
