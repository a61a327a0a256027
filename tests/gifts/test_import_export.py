"""
CSV and Excel import of gifts, donors and occasions in the admin, and export of a filtered
changelist (desk.imports, gifts.resources, donors.resources).
"""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue import search
from desk import history, writing
from desk.models import CollectionState
from donors.models import Donor
from exhibitions.models import Showroom
from gifts.importer import CollectionImporter
from gifts.models import Gift, Occasion
from tests.factories import (
    CategoryFactory,
    CountryFactory,
    DonorFactory,
    GiftFactory,
    LeaderFactory,
    OccasionFactory,
    ShowroomFactory,
    UserFactory,
)

CSV_FORMAT, XLSX_FORMAT = "0", "1"

HEADER = [
    "accession_number",
    "title",
    "leader",
    "donor",
    "country",
    "category",
    "date_received",
    "date_precision",
    "quantity",
    "confidence",
    "status",
    "occasion",
    "showroom",
    "on_display",
]
UPDATE_ROW = [
    "IFE-0001",
    "Sèvres vase with gilding",
    "KIS",
    "francois-mitterrand",
    "FRA",
    "porcelain",
    "1981-06-01",
    "month",
    "1",
    "A",
    "published",
    "visit-1981",
    "R-101",
    "1",
]
CREATE_ROW = [
    "IFE-0002",
    "Tea service",
    "KIS",
    "francois-mitterrand",
    "fra",
    "porcelain",
    "1981-06-02",
    "day",
    "12",
    "B",
    "draft",
    "visit-1981",
    "",
    "0",
]


def grant_import(user):
    content_type = ContentType.objects.get_for_model(Gift)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="import_records",
        defaults={"name": "Can import collection records"},
    )
    user.user_permissions.add(permission)


@pytest.fixture
def records(db):
    LeaderFactory()
    france = CountryFactory(code="FRA", name="France")
    donor = DonorFactory(slug="francois-mitterrand", name="François Mitterrand", country=france)
    porcelain = CategoryFactory(slug="porcelain", name="Porcelain")
    OccasionFactory(slug="visit-1981", name="State visit of 1981")
    ShowroomFactory(code="R-101")
    return GiftFactory(
        accession_number="IFE-0001",
        title="Sèvres vase",
        donor=donor,
        country=france,
        category=porcelain,
        status="draft",
    )


@pytest.fixture
def registrar(db):
    user = UserFactory(username="registrar", is_staff=True)
    user.groups.add(Group.objects.get(name="Curator"))
    grant_import(user)
    return user


@pytest.fixture
def registrar_client(client, registrar):
    client.force_login(registrar)
    return client


def csv_file(rows, header=HEADER, name="gifts.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def xlsx_file(rows, header=HEADER, name="gifts.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def dry_run(client, upload, model="gift", app="gifts", file_format=CSV_FORMAT):
    return client.post(
        reverse(f"admin:{app}_{model}_import"),
        {"resource": "0", "format": file_format, "import_file": upload},
    )


def confirm(client, preview, model="gift", app="gifts"):
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(reverse(f"admin:{app}_{model}_process_import"), data)


def snapshot():
    return list(Gift.objects.order_by("pk").values_list("accession_number", "title", "status"))


def test_the_dry_run_lists_creates_updates_and_errors_and_writes_nothing(registrar_client, records):
    before = snapshot()
    bad = [*CREATE_ROW]
    bad[0], bad[4] = "IFE-0003", "XXX"
    response = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW, bad]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing can be imported yet" in page
    assert "1 to create, 1 to update, 0 unchanged, 1 with problems" in page
    assert "No country with ISO code &#x27;XXX&#x27;." in page
    rows = {row.number: row for row in response.context["result"].rows}
    assert (rows[2].import_type, rows[3].import_type, rows[4].import_type) == (
        "update",
        "new",
        "invalid",
    )
    assert rows[4].problems == ["country: No country with ISO code 'XXX'."]
    assert "confirm_form" not in response.context
    assert snapshot() == before


def test_a_clean_dry_run_offers_the_commit_and_writes_nothing(registrar_client, records):
    before = snapshot()
    version = CollectionState.read_key()
    response = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    page = response.content.decode()
    assert "Preview" in page and "Confirm import" in page
    assert "1 to create, 1 to update, 0 unchanged, 0 with problems" in page
    assert "IFE-0002 Tea service" in page
    assert snapshot() == before
    assert CollectionState.read_key() == version


def test_the_commit_writes_every_row_through_save(registrar_client, registrar, records):
    version = CollectionState.read_key()[0]
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    response = confirm(registrar_client, preview)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:gifts_gift_changelist")

    updated = Gift.objects.get(accession_number="IFE-0001")
    assert updated.title == "Sèvres vase with gilding"
    assert updated.status == "published"
    assert updated.showroom.code == "R-101" and updated.on_display
    assert updated.date_received == datetime.date(1981, 6, 1)
    assert updated.updated_by == registrar
    created = Gift.objects.get(accession_number="IFE-0002")
    assert (created.quantity, created.country.code) == (12, "FRA")
    assert created.occasion.slug == "visit-1981"
    assert created.created_by == registrar and created.updated_by == registrar
    # Gift.save() ran: search text and slug are computed, the history has the import's author.
    assert created.slug == "tea-service"
    assert search.filter_queryset(Gift.objects.all(), "tea service").get() == created
    assert created.history.get().history_user == registrar
    # The collection version moved on once for the whole import, not once per row.
    assert CollectionState.read_key()[0] == version + 1


def test_importing_the_same_file_again_changes_nothing(registrar_client, records):
    confirm(registrar_client, dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW])))
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    assert "0 to create, 0 to update, 2 unchanged, 0 with problems" in preview.content.decode()


def bad_row(position, value):
    row = [*CREATE_ROW]
    row[HEADER.index(position)] = value
    return row


BAD_ROWS = {
    "unknown country": (bad_row("country", "ZZZ"), "country: No country with ISO code 'ZZZ'."),
    "bad date": (
        bad_row("date_received", "31/02/1981"),
        "date_received: '31/02/1981' is not a date in the form YYYY-MM-DD.",
    ),
    "impossible date": (
        bad_row("date_received", "1981-02-31"),
        "date_received: '1981-02-31' is not a real date.",
    ),
    "missing title": (bad_row("title", ""), "title: This field cannot be blank."),
    "text in a number column": (
        bad_row("quantity", "a dozen"),
        "quantity: 'a dozen' is not a number.",
    ),
    "unknown donor": (
        bad_row("donor", "nobody"),
        "donor: No donor with slug 'nobody'.",
    ),
    "missing donor": (
        bad_row("donor", ""),
        "donor: This field cannot be blank: give the donor's slug.",
    ),
    "no recipient": (
        bad_row("leader", ""),
        "recipient_institution: Name the receiving institution, or choose a leader.",
    ),
    "not a choice": (
        bad_row("confidence", "Z"),
        "confidence: Value 'Z' is not a valid choice.",
    ),
    "duplicate key": (
        [*UPDATE_ROW],
        "accession_number: 'IFE-0001' is already on row 2 of this file: each record may "
        "appear only once.",
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_file_with_one_bad_row_writes_nothing_and_names_the_row(registrar_client, records, case):
    row, problem = BAD_ROWS[case]
    before = snapshot()
    rows = [UPDATE_ROW, [*CREATE_ROW[:1], "Another", *CREATE_ROW[2:]], row]
    if case != "duplicate key":
        rows[1][0] = "IFE-0005"
    response = dry_run(registrar_client, csv_file(rows))
    assert response.status_code == 200
    result = response.context["result"]
    bad = [row for row in result.rows if row.problems]
    assert [row.number for row in bad] == [4]
    assert bad[0].problems == [problem]
    assert "Nothing can be imported yet" in response.content.decode()
    assert "confirm_form" not in response.context
    assert snapshot() == before


def test_a_row_that_fails_at_the_commit_rolls_the_whole_import_back(registrar_client, records):
    before = snapshot()
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    assert "confirm_form" in preview.context
    # Between the preview and the commit, the occasion the rows name goes away.
    Occasion.objects.filter(slug="visit-1981").delete()
    response = confirm(registrar_client, preview)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:gifts_gift_import")
    assert snapshot() == before
    message = str(list(response.wsgi_request._messages)[0])
    assert message.startswith("Nothing was imported: row 2: occasion: No occasion with slug")


def test_an_excel_file_imports(registrar_client, records):
    row = [*CREATE_ROW]
    row[HEADER.index("date_received")] = datetime.date(1981, 6, 2)  # a date cell
    row[HEADER.index("quantity")] = 12
    row[HEADER.index("on_display")] = 0
    preview = dry_run(registrar_client, xlsx_file([UPDATE_ROW, row]), file_format=XLSX_FORMAT)
    assert "1 to create, 1 to update" in preview.content.decode()
    confirm(registrar_client, preview)
    created = Gift.objects.get(accession_number="IFE-0002")
    assert created.date_received == datetime.date(1981, 6, 2)
    assert created.quantity == 12
    assert Gift.objects.get(accession_number="IFE-0001").title == "Sèvres vase with gilding"


def test_an_unreadable_file_is_a_form_error(registrar_client, records):
    upload = SimpleUploadedFile("gifts.xlsx", b"\x00\x01 not a workbook", content_type="a/b")
    response = dry_run(registrar_client, upload, file_format=XLSX_FORMAT)
    assert response.status_code == 200
    assert "while trying to read file" in response.content.decode()


def test_donors_and_occasions_import_by_slug(registrar_client, records):
    donors = csv_file(
        [
            ["francois-mitterrand", "François Mitterrand", "head_of_state", "FRA"],
            ["jacques-chirac", "Jacques Chirac", "head_of_state", "FRA"],
        ],
        header=["slug", "name", "kind", "country"],
    )
    preview = dry_run(registrar_client, donors, model="donor", app="donors")
    assert "1 to create, 0 to update, 1 unchanged" in preview.content.decode()
    confirm(registrar_client, preview, model="donor", app="donors")
    assert Donor.objects.get(slug="jacques-chirac").country.code == "FRA"

    occasions = csv_file(
        [["visit-1984", "State visit of 1984", "state_visit", "1984-05-16", "1984-05-20"]],
        header=["slug", "name", "kind", "start_date", "end_date"],
    )
    preview = dry_run(registrar_client, occasions, model="occasion")
    confirm(registrar_client, preview, model="occasion")
    occasion = Occasion.objects.get(slug="visit-1984")
    assert occasion.end_date == datetime.date(1984, 5, 20)


def test_renaming_a_donor_by_import_brings_its_gifts_search_up_to_date(
    registrar_client, registrar, records
):
    """Rows are written in bulk (no save(), no post_save): the gifts that carry a renamed
    donor's name are found by the new name all the same."""
    donors = csv_file(
        [["francois-mitterrand", "Frank Mitterrand", "head_of_state", "FRA"]],
        header=["slug", "name", "kind", "country"],
    )
    preview = dry_run(registrar_client, donors, model="donor", app="donors")
    confirm(registrar_client, preview, model="donor", app="donors")
    assert search.filter_queryset(Gift.objects.all(), "frank").get() == records
    donor = Donor.objects.get(slug="francois-mitterrand")
    assert donor.search_name.startswith("frank mitterrand")
    # A version of the donor, by the curator who imported the file, saying how it was made.
    latest = donor.history.first()
    assert latest.history_user == registrar and latest.history_type == "~"
    assert history.how(latest) == "Imported from a file (changed)"


def test_renaming_an_occasion_by_import_renames_it_in_its_gifts_search_text(
    registrar_client, records
):
    records.occasion = Occasion.objects.get(slug="visit-1981")
    records.save()
    occasions = csv_file(
        [["visit-1981", "Spring summit", "state_visit", "1981-05-01", "1981-05-03"]],
        header=["slug", "name", "kind", "start_date", "end_date"],
    )
    confirm(registrar_client, dry_run(registrar_client, occasions, model="occasion"), "occasion")
    assert search.filter_queryset(Gift.objects.all(), "spring summit").get() == records
    assert not search.filter_queryset(Gift.objects.all(), "state visit").exists()


def test_both_imports_write_through_one_writer(registrar_client, records, monkeypatch, tmp_path):
    """The seed data's importer and the admin import share desk.writing (issue 13)."""
    written = []
    real = writing.write

    def spy(model, *args, **kwargs):
        written.append(model)
        return real(model, *args, **kwargs)

    monkeypatch.setattr(writing, "write", spy)
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    written.clear()  # the preview writes too, and rolls back
    confirm(registrar_client, preview)
    assert written == [Gift, Gift]  # the new row and the changed one
    written.clear()
    CollectionImporter().run()
    assert Gift in written and Donor in written


def test_an_occasion_that_ends_before_it_starts_is_refused(registrar_client, records):
    occasions = csv_file(
        [["visit-1984", "State visit of 1984", "state_visit", "1984-05-16", "1984-05-01"]],
        header=["slug", "name", "kind", "start_date", "end_date"],
    )
    response = dry_run(registrar_client, occasions, model="occasion")
    [row] = response.context["result"].rows
    assert row.number == 2 and row.problems
    assert not Occasion.objects.filter(slug="visit-1984").exists()


def test_importing_needs_the_import_permission(client, curator, records):
    client.force_login(curator)
    for app, model in [("gifts", "gift"), ("donors", "donor"), ("gifts", "occasion")]:
        changelist = client.get(reverse(f"admin:{app}_{model}_changelist")).content.decode()
        assert reverse(f"admin:{app}_{model}_import") not in changelist
        assert reverse(f"admin:{app}_{model}_export") in changelist
        assert client.get(reverse(f"admin:{app}_{model}_import")).status_code == 403
        response = dry_run(client, csv_file([CREATE_ROW]), model=model, app=app)
        assert response.status_code == 403
        response = client.post(
            reverse(f"admin:{app}_{model}_process_import"),
            {"import_file_name": "x", "original_file_name": "x.csv", "format": "0"},
        )
        assert response.status_code == 403
    assert not Gift.objects.filter(accession_number="IFE-0002").exists()

    grant_import(curator)
    changelist = client.get(reverse("admin:gifts_gift_changelist")).content.decode()
    assert reverse("admin:gifts_gift_import") in changelist
    assert client.get(reverse("admin:gifts_gift_import")).status_code == 200


@pytest.fixture
def listed(records):
    kji = LeaderFactory(code="KJI", name="Kim Jong Il", slug="kim-jong-il", generation=2)
    for number in range(2, 8):
        GiftFactory(
            accession_number=f"IFE-{number:04d}",
            title=f"Lacquer box {number}",
            leader=kji if number % 2 else records.leader,
            status="published" if number < 6 else "draft",
        )


def export(client, query, file_format, model="gift", app="gifts"):
    url = reverse(f"admin:{app}_{model}_export") + query
    response = client.post(url, {"format": file_format, "resource": "0"})
    assert response.status_code == 200
    return response


def content(response):
    """The file an export sent: CSV is streamed, XLSX is a file response."""
    return b"".join(response.streaming_content)


def exported_keys_csv(response, key="accession_number"):
    rows = csv.DictReader(io.StringIO(content(response).decode("utf-8-sig")))
    return sorted(row[key] for row in rows)


def exported_keys_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(content(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "accession_number"
    return sorted(row[0] for row in rows[1:])


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_export_contains_exactly_the_filtered_changelist(curator_client, listed, file_format):
    read = exported_keys_csv if file_format == CSV_FORMAT else exported_keys_xlsx
    kji = Gift.objects.get(accession_number="IFE-0003").leader_id
    # What the changelist shows for these filters, and what the export link carries.
    changelist = curator_client.get(
        reverse("admin:gifts_gift_changelist"),
        {"status__exact": "published", "leader__id__exact": kji},
    )
    assert reverse("admin:gifts_gift_export") + "?" in changelist.content.decode()
    response = export(
        curator_client, f"?status__exact=published&leader__id__exact={kji}", file_format
    )
    assert read(response) == ["IFE-0003", "IFE-0005"]
    assert read(export(curator_client, "?q=IFE-0006", file_format)) == ["IFE-0006"]
    assert read(export(curator_client, "?q=lacquer&status__exact=draft", file_format)) == [
        "IFE-0006",
        "IFE-0007",
    ]
    everything = read(export(curator_client, "", file_format))
    assert everything == [f"IFE-{n:04d}" for n in range(1, 8)]


def test_the_export_page_keeps_the_filters(curator_client, listed):
    url = reverse("admin:gifts_gift_export") + "?status__exact=draft&q=lacquer"
    page = curator_client.get(url).content.decode()
    assert (
        f'action="{reverse("admin:gifts_gift_export")}?status__exact=draft&amp;q=lacquer"' in page
    )
    assert "accession_number, title" in page


def test_an_export_imports_again_unchanged(registrar_client, listed):
    exported = export(registrar_client, "?status__exact=published", CSV_FORMAT)
    upload = SimpleUploadedFile("gifts.csv", content(exported), content_type="text/csv")
    preview = dry_run(registrar_client, upload)
    assert "0 to create, 0 to update, 4 unchanged, 0 with problems" in preview.content.decode()


def test_donor_and_occasion_exports_follow_the_filters(curator_client, records):
    DonorFactory(slug="an-organisation", kind=Donor.Kind.PARTY_OR_ORGANISATION)
    query = "?kind__exact=party_or_organisation"
    response = export(curator_client, query, CSV_FORMAT, model="donor", app="donors")
    assert exported_keys_csv(response, key="slug") == ["an-organisation"]
    OccasionFactory(slug="summit-2018", name="Summit", kind=Occasion.Kind.SUMMIT)
    response = export(curator_client, "?kind__exact=summit", CSV_FORMAT, model="occasion")
    assert exported_keys_csv(response, key="slug") == ["summit-2018"]


def test_without_the_publish_permission_an_import_publishes_nothing(client, records):
    cataloguer = UserFactory(username="cataloguer", is_staff=True)
    cataloguer.groups.add(Group.objects.get(name="Cataloguer"))
    grant_import(cataloguer)
    client.force_login(cataloguer)
    response = dry_run(client, csv_file([UPDATE_ROW, CREATE_ROW]))
    rows = response.context["result"].rows
    assert rows[0].problems == ["status: Only a curator may publish a record."]
    assert rows[1].problems == []
    assert "confirm_form" not in response.context


def test_other_unique_fields_are_still_checked(registrar_client, records):
    occasions = csv_file(
        [["another-slug", "State visit of 1981", "state_visit"]], header=["slug", "name", "kind"]
    )
    response = dry_run(registrar_client, occasions, model="occasion")
    [row] = response.context["result"].rows
    assert row.problems == ["name: Occasion with this Name already exists."]


# The commit re-checks what the preview decided: records created, changed or deleted by someone
# else in between are conflicts, and then nothing is written.


def conflicts_on(response):
    assert response.status_code == 409
    page = response.content.decode()
    assert "Nothing was imported" in page
    return page


def test_a_record_changed_since_the_preview_is_a_conflict(registrar_client, records, curator):
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    # Meanwhile a curator edits the gift the file updates.
    records.title = "Sèvres vase, restored"
    records.updated_by = curator
    records.save()
    before = snapshot()
    page = conflicts_on(confirm(registrar_client, preview))
    assert "Changed by someone else since the preview." in page
    [row] = confirm_rows(page)
    assert row[:3] == ["2", "IFE-0001", "Changed by someone else since the preview."]
    assert row[3] == "curator"
    assert row[4] == records.updated.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    assert snapshot() == before
    assert not Gift.objects.filter(accession_number="IFE-0002").exists()


def test_a_record_created_since_the_preview_is_a_conflict(registrar_client, records, curator):
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    GiftFactory(accession_number="IFE-0002", title="Tea set", created_by=curator, status="draft")
    before = snapshot()
    page = conflicts_on(confirm(registrar_client, preview))
    [row] = confirm_rows(page)
    assert row[:4] == ["3", "IFE-0002", "Created by someone else since the preview.", "curator"]
    assert snapshot() == before
    assert Gift.objects.get(accession_number="IFE-0002").title == "Tea set"


def test_a_change_without_save_or_a_deletion_is_a_conflict_too(registrar_client, records):
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    # A queryset update moves no timestamp: the fingerprint of the stored columns still differs.
    Gift.objects.filter(pk=records.pk).update(note="Checked in the store")
    page = conflicts_on(confirm(registrar_client, preview))
    assert confirm_rows(page)[0][:3] == [
        "2",
        "IFE-0001",
        "Changed by someone else since the preview.",
    ]
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    records.delete()
    page = conflicts_on(confirm(registrar_client, preview))
    assert confirm_rows(page)[0][:3] == [
        "2",
        "IFE-0001",
        "Deleted by someone else since the preview.",
    ]
    assert not Gift.objects.filter(accession_number__in=["IFE-0001", "IFE-0002"]).exists()


def test_a_change_to_a_record_the_file_does_not_name_is_no_conflict(registrar_client, records):
    other = GiftFactory(accession_number="IFE-0009")
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    other.title = "Another title"
    other.save()
    with CaptureQueriesContext(connection) as queries:
        response = confirm(registrar_client, preview)
    assert response.status_code == 302
    # Where the database can, the records the file names are locked until the commit ends.
    locked = [query["sql"] for query in queries if "FOR UPDATE" in query["sql"]]
    assert len(locked) == (1 if connection.features.has_select_for_update else 0)
    assert Gift.objects.get(accession_number="IFE-0001").title == "Sèvres vase with gilding"
    assert Gift.objects.filter(accession_number="IFE-0002").exists()


def confirm_rows(page):
    """The cells of the conflicts table, row by row."""
    table = page.split('<table class="import-conflicts">')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [
        [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        for tr in body.split("</tr>")[:-1]
    ]


def test_a_forged_or_borrowed_confirmation_writes_nothing(registrar_client, client, records):
    preview = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    url = reverse("admin:gifts_gift_process_import")
    for forged in [data["preview"][:-2] + "xx", "", "not a token"]:
        response = registrar_client.post(url, {**data, "preview": forged})
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:gifts_gift_import")
    message = str(list(response.wsgi_request._messages)[-1])
    assert message.startswith("Nothing was imported")
    # Another registrar cannot confirm this registrar's preview.
    other = UserFactory(username="other-registrar", is_staff=True)
    other.groups.add(Group.objects.get(name="Curator"))
    grant_import(other)
    client.force_login(other)
    response = client.post(url, data)
    assert response["Location"] == reverse("admin:gifts_gift_import")
    message = str(list(response.wsgi_request._messages)[-1])
    assert "does not match a preview of yours" in message
    assert Gift.objects.get(accession_number="IFE-0001").title == "Sèvres vase"
    assert not Gift.objects.filter(accession_number="IFE-0002").exists()


# The preview lists, for each updated record, what changes from what to what, and warns in words
# about status changes.


def test_the_preview_lists_each_change_in_words(registrar_client, records):
    response = dry_run(registrar_client, csv_file([UPDATE_ROW, CREATE_ROW]))
    rows = {row.number: row for row in response.context["result"].rows}
    assert rows[2].changes == [
        ("title", "Sèvres vase", "Sèvres vase with gilding"),
        ("date received", "1985-06-01", "1981-06-01"),
        ("status", "Draft", "Published"),
        ("occasion", "(empty)", "State visit of 1981"),
        ("showroom", "(empty)", str(Showroom.objects.get(code="R-101"))),
        ("on display", "no", "yes"),
    ]
    assert rows[3].changes == []  # a new record: the row itself is the change
    page = response.content.decode()
    assert "title: Sèvres vase → Sèvres vase with gilding" in page
    assert "status: Draft → Published" in page
    # Unchanged fields (the donor, the country, the category...) are not listed.
    assert "donor:" not in page and "category:" not in page


def test_the_preview_names_linked_records_and_choices(registrar_client, records):
    germany = CountryFactory(code="DEU", name="Germany")
    donors = csv_file(
        [["francois-mitterrand", "François Mitterrand", "party_or_organisation", "DEU"]],
        header=["slug", "name", "kind", "country"],
    )
    response = dry_run(registrar_client, donors, model="donor", app="donors")
    [row] = response.context["result"].rows
    kind = Donor._meta.get_field("kind")
    labels = dict(kind.flatchoices)
    assert row.changes == [
        (
            "kind",
            str(labels[Donor.objects.get().kind]),
            str(labels["party_or_organisation"]),
        ),
        ("country", "France", str(germany)),
    ]
    # Donors have no status here: no warning, whatever the model.
    assert response.context["status_warnings"] == []


@pytest.fixture
def published(records):
    for number in (11, 12, 13):
        GiftFactory(accession_number=f"IFE-{number:04d}", status="published")


def status_row(accession_number, status):
    return [accession_number, status]


def test_the_preview_warns_about_status_changes(registrar_client, published):
    rows = [
        status_row("IFE-0011", "draft"),
        status_row("IFE-0012", "draft"),
        status_row("IFE-0013", "review"),
        status_row("IFE-0001", "published"),
    ]
    response = dry_run(registrar_client, csv_file(rows, header=["accession_number", "status"]))
    page = response.content.decode()
    assert "2 published gifts would return to draft." in page
    assert "1 published gift would return to in review." in page
    assert "1 gift would be published." in page
    assert response.context["status_warnings"] == [
        "2 published gifts would return to draft",
        "1 published gift would return to in review",
        "1 gift would be published",
    ]
    assert "confirm_form" in response.context


def test_the_preview_warns_about_new_records_published_at_once(registrar_client, records):
    response = dry_run(registrar_client, csv_file([CREATE_ROW, bad_row("status", "published")]))
    assert response.context["status_warnings"] == []  # the second row has IFE-0002 twice
    published_row = bad_row("status", "published")
    published_row[0] = "IFE-0003"
    response = dry_run(registrar_client, csv_file([CREATE_ROW, published_row]))
    assert response.context["status_warnings"] == ["1 new gift would be published"]


def test_without_the_publish_permission_there_is_nothing_to_warn_about(client, published):
    cataloguer = UserFactory(username="cataloguer", is_staff=True)
    cataloguer.groups.add(Group.objects.get(name="Cataloguer"))
    grant_import(cataloguer)
    client.force_login(cataloguer)
    rows = [status_row("IFE-0011", "draft"), status_row("IFE-0001", "published")]
    response = dry_run(client, csv_file(rows, header=["accession_number", "status"]))
    assert response.context["status_warnings"] == []
    problems = [row.problems for row in response.context["result"].rows]
    assert problems == [
        ["status: This record is no longer a draft: only a curator may change it."],
        ["status: Only a curator may publish a record."],
    ]
    assert "confirm_form" not in response.context
