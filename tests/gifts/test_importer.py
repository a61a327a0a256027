import csv
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from donors.models import Country, Donor
from exhibitions.models import Building, Fact, Showroom
from gifts import search
from gifts.importer import DEFAULT_DATA_DIR, CollectionImporter, ImportFailed
from gifts.models import Category, Citation, Gift, Leader, Occasion, Resolution, Source
from museum.models import DatePrecision

EXPECTED_COUNTS = {
    Gift: 72,
    Leader: 3,
    Country: 28,
    Donor: 46,
    Occasion: 25,
    Source: 36,
    Category: 24,
    Resolution: 6,
    Building: 2,
    Showroom: 20,
    Fact: 31,
    Citation: 98,
}


def counts():
    return {model: model.objects.count() for model in EXPECTED_COUNTS}


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "collection"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return folder


def edit_csv(path, key_column, key, **changes):
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row[key_column] == key:
            row.update(changes)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_the_whole_documented_collection_is_imported(collection):
    assert counts() == EXPECTED_COUNTS
    assert Gift.objects.published().count() == 72
    assert Gift.objects.holdings().count() == 69


def test_imported_records_keep_what_the_sources_say(collection):
    rifle = Gift.objects.get(accession_number="IFE-0056")
    assert rifle.leader.name == "Kim Jong Un"
    assert rifle.donor.name == "Vladimir Putin"
    assert rifle.donor_title == "President"
    assert rifle.country.code == "RUS"
    assert rifle.display_date == "13 September 2023"
    assert rifle.occasion.name == "Vostochny Cosmodrome summit, September 2023"
    assert rifle.sanctions == Gift.Sanctions.REPORTED
    assert {r.number for r in rifle.resolutions.all()} == {1718, 1874, 2270}
    assert [c.source.key for c in rifle.citations.all()] == ["R23"]
    assert rifle.reciprocal_of.accession_number == "IFE-0070"

    carriage = Gift.objects.get(accession_number="IFE-0003")
    assert carriage.date_precision == DatePrecision.DECADE
    assert carriage.display_date == "1950s"

    hat = Gift.objects.get(accession_number="IFE-0058")
    assert "very large head" in hat.note


def test_gifts_given_away_are_the_reciprocal_side_never_holdings(collection):
    given = Gift.objects.filter(direction=Gift.Direction.GIVEN)
    assert sorted(given.values_list("accession_number", flat=True)) == [
        "IFE-0070",
        "IFE-0071",
        "IFE-0072",
    ]
    assert not given.filter(showroom__isnull=False).exists()
    assert Gift.objects.get(accession_number="IFE-0071").reciprocal_of.accession_number == (
        "IFE-0036"
    )


def test_an_institution_can_be_the_recipient(collection):
    zoo = Gift.objects.get(accession_number="IFE-0069")
    assert zoo.leader is None
    assert zoo.recipient == "Central Zoo in Pyongyang"


def test_historical_countries_name_their_successor(collection):
    assert Country.objects.get(code="SUN").successor.code == "RUS"
    assert Country.objects.get(code="SUN").is_historical
    assert Country.objects.get(code="YUG").successor is None


def test_received_gifts_are_placed_in_the_illustrative_showrooms(collection):
    limousine = Gift.objects.get(accession_number="IFE-0064")
    assert limousine.showroom.theme == Showroom.Theme.VEHICLES
    assert limousine.on_display
    wax = Gift.objects.get(accession_number="IFE-0029")
    assert wax.showroom.code == "KIS-6-01"
    assert wax.showroom.building.name == "Kim Il Sung building"


def test_museum_facts_keep_their_sources(collection):
    showrooms = Fact.objects.filter(building=None, topic="Showrooms")
    assert {fact.cited_as for fact in showrooms} == {
        "Reuters",
        "Lonely Planet",
        "Other reports",
        "Korean Central News Agency",
    }


def test_a_second_import_changes_and_duplicates_nothing(collection):
    before = counts()
    stamps = dict(Gift.objects.values_list("accession_number", "updated"))
    report = CollectionImporter().run()
    assert not report.changed
    assert report.counts("Gifts") == {"created": 0, "updated": 0, "unchanged": 72}
    assert counts() == before
    assert dict(Gift.objects.values_list("accession_number", "updated")) == stamps


def test_a_changed_row_updates_its_record(collection, data_dir):
    edit_csv(data_dir / "gifts.csv", "ref", "IFE-0007", title="Gold cigarette case with initials")
    report = CollectionImporter(data_dir).run()
    assert report.counts("Gifts") == {"created": 0, "updated": 1, "unchanged": 71}
    assert (
        Gift.objects.get(accession_number="IFE-0007").title == "Gold cigarette case with initials"
    )


def test_changing_every_gift_updates_every_field_and_the_search_index(collection, data_dir):
    path = data_dir / "gifts.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        row.update(title=f"Quokka {row['ref']}", note="Re-catalogued", confidence="D")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    stamps = dict(Gift.objects.values_list("accession_number", "updated"))

    report = CollectionImporter(data_dir).run()

    assert report.counts("Gifts") == {"created": 0, "updated": 72, "unchanged": 0}
    for gift in Gift.objects.all():
        assert (gift.title, gift.note, gift.confidence) == (
            f"Quokka {gift.accession_number}",
            "Re-catalogued",
            "D",
        )
        assert gift.slug == f"quokka-{gift.accession_number.lower()}"
        assert gift.updated > stamps[gift.accession_number]
    assert search.filter_queryset(Gift.objects.all(), "quokka").count() == 72


def test_keep_existing_leaves_curators_edits_alone(collection, data_dir):
    Gift.objects.filter(accession_number="IFE-0007").update(title="Edited by a curator")
    edit_csv(data_dir / "gifts.csv", "ref", "IFE-0007", title="Something else")
    report = CollectionImporter(data_dir, keep_existing=True).run()
    assert not report.changed
    assert Gift.objects.get(accession_number="IFE-0007").title == "Edited by a curator"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"country": "XYZ"}, "gifts.csv, line 15: country: unknown country 'XYZ'"),
        ({"date": "2023-13-01"}, "gifts.csv, line 15: date: '2023-13-01' is not a real date"),
        ({"date": "June 1994"}, "gifts.csv, line 15: date: 'June 1994' is not a date in the form"),
        ({"sources": "R23;NOPE"}, "gifts.csv, line 15: sources: unknown source 'NOPE'"),
        ({"confidence": "E"}, "gifts.csv, line 15: confidence: 'E' is not one of A, B, C, D"),
        ({"reciprocal_of": "IFE-9999"}, "gifts.csv, line 15: reciprocal_of: unknown gift"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(db, data_dir, changes, message):
    edit_csv(data_dir / "gifts.csv", "ref", "IFE-0014", **changes)
    with pytest.raises(ImportFailed) as failure:
        CollectionImporter(data_dir).run()
    assert any(error.startswith(message) for error in failure.value.errors), failure.value.errors
    assert Gift.objects.count() == 0
    assert Donor.objects.count() == 0


def test_a_repeated_accession_number_is_reported(db, data_dir):
    edit_csv(data_dir / "gifts.csv", "ref", "IFE-0014", ref="IFE-0013")
    with pytest.raises(ImportFailed) as failure:
        CollectionImporter(data_dir).run()
    assert "gifts.csv, line 15: gift 'IFE-0013' appears twice (first on line 14)" in (
        failure.value.errors
    )


def test_a_missing_file_or_column_is_reported(db, data_dir):
    (data_dir / "sources.csv").unlink()
    (data_dir / "leaders.csv").write_text("code,name\nKIS,Kim Il Sung\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        CollectionImporter(data_dir).run()
    assert "sources.csv: file not found" in failure.value.errors
    assert "leaders.csv, line 1: missing column(s): generation" in failure.value.errors


def test_the_command_prints_a_summary(db, capsys):
    call_command("import_collection")
    output = capsys.readouterr().out
    assert "Gifts: 72 created, 0 updated, 0 unchanged" in output
    call_command("import_collection")
    assert "already had all of it" in capsys.readouterr().out


def test_the_command_fails_with_the_reasons(db, data_dir):
    edit_csv(data_dir / "gifts.csv", "ref", "IFE-0014", category="Spaceships")
    with pytest.raises(CommandError, match="category: unknown category 'Spaceships'"):
        call_command("import_collection", data_dir=str(data_dir))
    assert Gift.objects.count() == 0
