"""
Error pages as a visitor meets them: a lost database answers a fast 503 that says so (not a 500,
not a hang), other faults a 500, a malformed request a 400 that says why.
"""

import json
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.template.loader import render_to_string
from django.urls import path

from operations.errors import server_error
from tests.factories import GiftFactory
from tests.museum.test_production import ROOT, production_env


def fault(request):
    raise RuntimeError("A fault on our side")


def fault_from_a_lost_database(request):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError as error:
        raise RuntimeError("could not read the collection") from error


urlpatterns = [path("fault/", fault), path("lost/", fault_from_a_lost_database)]
handler500 = server_error


def refuse(execute, sql, params, many, context):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


@pytest.fixture
def visitor(client):
    client.raise_request_exception = False
    return client


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "<h1>The collection is briefly unavailable</h1>" in page
    assert "please try again in a minute" in page


@pytest.mark.parametrize("page", ["/", "/gifts/", "/gifts/?q=vase", "gift", "/donors/"])
def test_a_lost_database_answers_503_on_public_pages(visitor, db, page):
    gift = GiftFactory()
    with connection.execute_wrapper(refuse):
        response = visitor.get(gift.get_absolute_url() if page == "gift" else page)
    assert_unavailable(response)
    assert response["X-Request-ID"]  # the operator can find it in the log
    assert "Content-Security-Policy" in response


def test_a_lost_database_answers_503_in_the_admin(visitor, curator):
    visitor.force_login(curator)
    with connection.execute_wrapper(refuse):
        response = visitor.get("/admin/gifts/gift/")
    assert_unavailable(response)


def test_the_site_answers_again_when_the_database_is_back(visitor, db):
    with connection.execute_wrapper(refuse):
        assert visitor.get("/gifts/").status_code == 503
    assert visitor.get("/gifts/").status_code == 200


@pytest.mark.urls(__name__)
def test_other_faults_are_500(visitor, db):
    response = visitor.get("/fault/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "<h1>Something went wrong</h1>" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_fault_caused_by_a_lost_database_is_503(visitor, db):
    assert_unavailable(visitor.get("/lost/"))


@pytest.mark.parametrize("name", ["400.html", "503.html"])
def test_error_pages_stand_alone(name):
    page = render_to_string(name)  # without a request, and without the database
    assert page.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert page.count("<h1>") == 1 and "<main" in page
    assert "{%" not in page and "{{" not in page
    assert "style=" not in page and "<script" not in page


def test_a_request_for_another_site_gets_the_400_page(visitor, db):
    response = visitor.get("/", HTTP_HOST="not-our-site.example")
    assert response.status_code == 400
    assert "<h1>This request could not be understood</h1>" in response.content.decode()


# The real thing: production settings pointed at a PostgreSQL that is not there, in a separate
# process. A closed port refuses at once; a port that accepts and never answers is given up on
# after DJANGO_DB_CONNECT_TIMEOUT seconds.
PROBE = r"""
import time, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
started = time.monotonic()
response = client.get("/gifts/", HTTP_HOST="museum.example.org", HTTP_X_FORWARDED_PROTO="https")
print(response.status_code, response["Retry-After"], round(time.monotonic() - started, 2))
"""


@pytest.fixture
def silent_port():
    """A port on 127.0.0.1 that accepts connections and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def closed_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("server", ["closed_port", "silent_port"])
def test_production_answers_503_quickly_when_postgresql_is_away(tmp_path, request, server):
    port = request.getfixturevalue(server)
    env = production_env(
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/museum",
        DJANGO_DB_CONNECT_TIMEOUT="2",
        DJANGO_SETTINGS_MODULE="museum.settings",
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    status, retry_after, seconds = done.stdout.splitlines()[-1].split()  # after the log lines
    assert (status, retry_after) == ("503", "30")
    # Without a connect timeout the silent server would hold the request for good.
    assert float(seconds) < 15, f"answered after {seconds} s"
    assert time.monotonic() - started < 60
    # Logged on one line with the reason, not a traceback per request through an outage.
    logged = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [record["status"] for record in logged] == [503]
    assert logged[0]["error"].startswith("OperationalError: ")
    assert "exception" not in logged[0] and "Traceback" not in done.stdout
