"""
Downloads too large to make within a request are prepared outside it (exports.builder) and
served as files: the same rows as a streamed download, to whoever may see them, and never a
worker busy past a moment. The builder is run by the tests themselves (build_waiting); the last
test starts the run command's server, whose worker starts a real builder process.
"""

import csv
import datetime
import io
import json
import os
import time
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue import index
from desk.models import CollectionState, PublicationStatus
from exports import builder
from exports.models import Export
from gifts.models import Gift
from tests.factories import UserFactory
from tests.helpers import fetch, run_command_server

ROOT = Path(__file__).resolve().parents[2]
SMALL = 5


@pytest.fixture(autouse=True)
def small_downloads(settings):
    """More than SMALL rows is a large download here (100,000 on the site)."""
    settings.EXPORT_STREAM_ROWS = {"csv": SMALL, "json": SMALL, "xlsx": SMALL}


def streamed(client, url, query=None, settings=None):
    """The same download made within the request, as a small one is."""
    limits = settings.EXPORT_STREAM_ROWS
    settings.EXPORT_STREAM_ROWS = dict.fromkeys(limits, 10**9)
    try:
        response = client.get(url, query or {})
        assert response.status_code == 200
        return b"".join(response.streaming_content)
    finally:
        settings.EXPORT_STREAM_ROWS = limits


def prepared(client, url, query=None):
    """Asks for a large download, runs the builder, and returns (export, the file's bytes)."""
    asked = client.get(url, query or {})
    assert asked.status_code == 303, asked.content
    page = client.get(asked["Location"])
    assert page.status_code == 202
    assert page["Retry-After"] == "3"
    assert builder.build_waiting() == 1
    export = Export.objects.get()
    assert asked["Location"] == export.get_absolute_url()
    ready = client.get(asked["Location"])
    assert ready.status_code == 200
    assert export.download_url() in ready.content.decode()
    download = client.get(export.download_url())
    assert download.status_code == 200
    assert f'filename="{export.filename}"' in download["Content-Disposition"]
    return export, b"".join(download.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("query", [{}, {"leader": "kim-il-sung", "sort": "date"}])
def test_a_large_public_download_is_prepared_with_the_rows_a_streamed_one_has(
    client, collection, settings, fmt, query
):
    url = f"/gifts/export.{fmt}"
    export, content = prepared(client, url, query)
    assert content == streamed(client, url, query, settings)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(content.decode())))
    else:
        rows = json.loads(content)
    filters = {key: [value] for key, value in query.items() if key != "sort"}
    expected = index.collection().select(index.Selection(filters=filters)).count
    assert len({row["accession_number"] for row in rows}) == len(rows) == expected
    assert export.rows == len(rows) > SMALL


def test_the_donor_list_is_prepared_too(client, collection, settings):
    _, content = prepared(client, "/donors/export.csv")
    assert content == streamed(client, "/donors/export.csv", settings=settings)


def test_a_small_download_is_still_made_within_the_request(client, collection):
    response = client.get("/gifts/export.csv", {"q": "Kalashnikov"})
    assert response.status_code == 200
    assert response.streaming
    assert not Export.objects.exists()


def test_everyone_asking_for_the_same_download_shares_one_file_until_the_collection_changes(
    client, collection
):
    first = client.get("/gifts/export.csv", {"sort": "date", "leader": "kim-il-sung"})
    # The same keys in another order, or asked for from another page, are the same download.
    second = client.get("/gifts/export.csv", {"leader": "kim-il-sung", "sort": "date", "page": 2})
    assert first["Location"] == second["Location"]
    assert client.get("/gifts/export.json")["Location"] != first["Location"]
    assert Export.objects.count() == 2
    CollectionState.bump()
    third = client.get("/gifts/export.csv", {"sort": "date", "leader": "kim-il-sung"})
    assert third["Location"] != first["Location"]


def test_a_bad_filter_is_a_400_and_prepares_nothing(client, collection):
    response = client.get("/gifts/export.csv", {"donor": "no-such-donor", "page": "²"})
    assert response.status_code == 400
    assert "Nothing exported" in response.content.decode()
    assert not Export.objects.exists()


def test_a_filter_that_stopped_being_an_option_before_the_build_is_said_in_words(
    client, collection, settings
):
    settings.EXPORT_STREAM_ROWS = {"csv": 0}
    gift = Gift.objects.filter(status=PublicationStatus.PUBLISHED).first()
    asked = client.get("/gifts/export.csv", {"donor": gift.donor.slug})
    assert asked.status_code == 303
    # Its gifts unpublished, the donor is no longer public, nor a filter option.
    Gift.objects.filter(donor=gift.donor).update(status=PublicationStatus.DRAFT)
    CollectionState.bump()
    builder.build_waiting()
    page = client.get(asked["Location"])
    assert page.status_code == 422
    assert "Nothing exported: donor" in page.content.decode()
    assert client.get(Export.objects.get().download_url())["Location"] == asked["Location"]


def test_a_download_asked_for_while_the_queue_is_full_is_a_503_the_same_one_is_not(
    client, collection, settings
):
    settings.EXPORT_QUEUE_LIMIT = 1
    first = client.get("/gifts/export.csv")
    assert first.status_code == 303
    busy = client.get("/gifts/export.json")
    assert busy.status_code == 503
    assert busy["Retry-After"] == "60"
    assert client.get("/gifts/export.csv")["Location"] == first["Location"]
    assert Export.objects.count() == 1


def test_an_unknown_or_malformed_export_address_is_a_404(client, db):
    assert client.get("/exports/not-a-uuid/").status_code == 404
    assert client.get("/exports/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/exports/00000000-0000-0000-0000-000000000000/download").status_code == 404


@pytest.fixture
def curator_in(db):
    def make(username, role="Curator"):
        user = UserFactory(username=username, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


def admin_export(client, file_format, query=""):
    return client.post(
        reverse("admin:gifts_gift_export") + query, {"format": file_format, "resource": "0"}
    )


def test_a_curators_large_admin_export_is_theirs_alone(client, collection, curator_in):
    curator = curator_in("curator")
    client.force_login(curator)
    asked = admin_export(client, "1", "?status__exact=published")
    assert asked.status_code == 303
    page = client.get(asked["Location"])
    assert page.status_code == 202
    assert "admin" in page.templates[0].name
    builder.build_waiting()
    export = Export.objects.get()
    assert export.owner == curator
    response = client.get(export.download_url())
    assert response["Cache-Control"] == "private"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    published = Gift.objects.filter(status=PublicationStatus.PUBLISHED).count()
    assert sheet.max_row - 1 == published
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    # Another curator, and a visitor, are told there is no such thing.
    client.force_login(curator_in("other"))
    assert client.get(asked["Location"]).status_code == 404
    assert client.get(export.download_url()).status_code == 404
    client.logout()
    assert client.get(asked["Location"]).status_code == 404
    assert client.get(export.download_url()).status_code == 404


def test_the_admin_export_form_says_what_happens_to_a_large_export(client, curator_in):
    client.force_login(curator_in("curator"))
    page = client.get(reverse("admin:gifts_gift_export") + "?status__exact=published")
    text = " ".join(page.content.decode().split())
    assert f"Up to {SMALL} records as CSV, or {SMALL} as Excel, download at once" in text
    assert 'action="/admin/gifts/gift/export/?status__exact=published"' in text


def test_a_curator_who_lost_the_permission_before_the_build_gets_nothing(
    client, collection, curator_in
):
    curator = curator_in("curator")
    client.force_login(curator)
    asked = admin_export(client, "0")
    assert asked.status_code == 303
    curator.is_active = False
    curator.save()
    builder.build_waiting()
    export = Export.objects.get()
    assert export.state == Export.State.FAILED
    assert "no longer export" in export.error
    assert not builder.path_of(export).exists()


def test_an_export_whose_builder_died_is_taken_up_again_then_given_up(client, collection):
    client.get("/gifts/export.csv")
    export = Export.objects.get()
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    Export.objects.update(state=Export.State.RUNNING, heartbeat=long_ago, attempts=1)
    (builder.root() / (export.stored_name + ".part")).write_bytes(b"half a file")
    assert builder.build_waiting() == 1
    export.refresh_from_db()
    assert export.state == Export.State.READY
    assert export.attempts == 2
    assert builder.path_of(export).read_bytes().startswith(b"accession_number,")
    # A running one heard of recently is left to its builder; one tried too often fails.
    Export.objects.update(state=Export.State.RUNNING, heartbeat=timezone.now())
    assert builder.build_waiting() == 0
    Export.objects.update(heartbeat=long_ago, attempts=builder.MAX_ATTEMPTS)
    builder.build_waiting()
    export.refresh_from_db()
    assert export.state == Export.State.FAILED


def test_an_error_fails_the_export_and_asking_again_later_retries_it(
    client, collection, monkeypatch
):
    def broken(export):
        raise RuntimeError("the disk is full")

    asked = client.get("/gifts/export.csv")
    with monkeypatch.context() as patched:
        patched.setattr(builder, "table_for", broken)
        builder.build_waiting()
    page = client.get(asked["Location"])
    assert page.status_code == 503
    assert "the disk is full" not in page.content.decode()
    Export.objects.update(finished=timezone.now() - Export.RETRY_AFTER * 2)
    assert client.get("/gifts/export.csv")["Location"] == asked["Location"]
    assert Export.objects.get().state == Export.State.QUEUED
    builder.build_waiting()
    assert client.get(asked["Location"]).status_code == 200


def test_only_one_builder_works_at_a_time(client, collection):
    client.get("/gifts/export.csv")
    with builder.lock() as held:
        assert held
        assert builder.running()
        assert builder.build_waiting() is None
    assert Export.objects.get().state == Export.State.QUEUED
    assert not builder.running()


def test_old_exports_and_stray_files_are_forgotten(client, collection, settings):
    asked = client.get("/gifts/export.csv")
    builder.build_waiting()
    export = Export.objects.get()
    stray = builder.root() / "leftover.csv.part"
    stray.write_bytes(b"x")
    an_hour_ago = time.time() - 3700
    os.utime(stray, (an_hour_ago, an_hour_ago))
    Export.objects.update(finished=timezone.now() - datetime.timedelta(days=2))
    builder.build_waiting()
    assert not Export.objects.exists()
    assert not builder.path_of(export).exists()
    assert not stray.exists()
    assert client.get(asked["Location"]).status_code == 404


def test_the_oldest_files_go_first_when_they_take_more_room_than_allowed(
    client, collection, settings
):
    for fmt in ("csv", "json"):
        client.get(f"/gifts/export.{fmt}")
        builder.build_waiting()
    csv_file, json_file = Export.objects.order_by("finished")
    settings.EXPORT_KEEP_BYTES = json_file.size + csv_file.size - 1
    builder.prune()
    assert list(Export.objects.all()) == [json_file]
    assert not builder.path_of(csv_file).exists()
    assert builder.path_of(json_file).exists()


def test_behind_nginx_the_file_is_sent_by_nginx(client, collection, settings):
    settings.MEDIA_ACCEL_REDIRECT = True
    client.get("/gifts/export.csv")
    builder.build_waiting()
    export = Export.objects.get()
    response = client.get(export.download_url())
    assert response["X-Accel-Redirect"] == f"/protected-exports/{export.pk}.csv"
    assert response.content == b""
    assert 'filename="friendship-gifts.csv"' in response["Content-Disposition"]


def test_a_download_asked_for_before_it_is_ready_leads_to_its_page(client, collection):
    asked = client.get("/gifts/export.csv")
    export = Export.objects.get()
    response = client.get(export.download_url())
    assert response.status_code == 303
    assert response["Location"] == asked["Location"]


def test_the_page_cache_keeps_no_export_page_or_file(client, collection, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    settings.MEDIA_ACCEL_REDIRECT = True
    asked = client.get("/gifts/export.csv")
    assert client.get(asked["Location"]).status_code == 202
    builder.build_waiting()
    assert client.get(asked["Location"]).status_code == 200
    download = Export.objects.get().download_url()
    for _ in range(2):
        assert "X-Accel-Redirect" in client.get(download)


def test_the_export_page_costs_the_same_queries_however_large_the_export(
    client, collection, django_assert_max_num_queries
):
    asked = client.get("/gifts/export.csv")
    with django_assert_max_num_queries(2):
        client.get(asked["Location"])
    with CaptureQueriesContext(connection) as queries:
        client.get(asked["Location"])
    assert not any('"gifts_gift"' in query["sql"] for query in queries)


# The run command's server (scripts/run.sh): its worker starts the builder process itself.
def test_the_run_commands_server_prepares_a_large_download_in_a_process_of_its_own(tmp_path):
    steps = (
        ["manage.py", "migrate", "--noinput"],
        ["manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        ["manage.py", "import_collection"],
    )
    with run_command_server(tmp_path, steps, DJANGO_EXPORT_STREAM_ROWS="10") as origin:
        # urllib follows the 303 to the export's page.
        status, _, page = fetch(origin + "/gifts/export.csv")
        assert status == 202, page
        deadline = time.monotonic() + 60
        while status == 202:
            assert time.monotonic() < deadline, "the export was not prepared in a minute"
            time.sleep(0.5)
            status, _, page = fetch(origin + "/gifts/export.csv")
        assert status == 200, page
        link = page.decode().split('href="/exports/', 1)[1].split('"', 1)[0]
        status, _, content = fetch(f"{origin}/exports/{link}")
        assert status == 200
        rows = list(csv.DictReader(io.StringIO(content.decode())))
        assert len(rows) > 10
        assert len({row["accession_number"] for row in rows}) == len(rows)
