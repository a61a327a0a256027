import csv
import importlib
import shutil
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from catalogue import search
from desk.models import DatePrecision
from donors.models import Country, Donor
from exhibitions.models import Building, Fact, Showroom
from gifts.importer import DEFAULT_DATA_DIR, CollectionImporter, ImportFailed
from gifts.models import Category, Citation, Gift, Leader, Occasion, Resolution, Source

EXPECTED_COUNTS = {
    Gift: 72,
    Leader: 3,
    Country: 28,
    Donor: 46,
    Occasion: 25,
    Source: 38,  # 36 in sources.csv, 2 in sources-added.csv
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


# Names with diacritics, original names, the kind at the time ----------------------------------

OLD_GIFTS = Path(__file__).parent / "data" / "gifts-before-diacritics.csv"
CORRECTED = {
    "nicolae-ceausescu": ("Nicolae Ceausescu", "Nicolae Ceaușescu", "IFE-0004"),
    "francois-mitterrand": ("Francois Mitterrand", "François Mitterrand", "IFE-0017"),
    "pham-van-dong": ("Pham Van Dong", "Phạm Văn Đồng", "IFE-0025"),
}


@pytest.fixture
def old_data_dir(tmp_path):
    """The collection as shipped before issue 12: names without diacritics, no donors.csv
    (gifts.csv as it was at c94c57a: git show c94c57a:gifts/data/collection/gifts.csv)."""
    folder = tmp_path / "old-collection"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    (folder / "donors.csv").unlink()
    shutil.copyfile(OLD_GIFTS, folder / "gifts.csv")
    return folder


def load_as_before_issue_12(folder):
    """The database of a site that imported the old files before this change and then ran the
    migrations: the donor's kind from the first gift seen, gifts' kinds filled from it."""
    migration = importlib.import_module("gifts.migrations.0008_gift_donor_kind_at_the_time")
    CollectionImporter(folder).run()
    Donor.objects.filter(slug="xi-jinping").update(kind=Donor.Kind.GOVERNMENT_OFFICIAL)
    Gift.objects.update(donor_kind="")
    migration.fill_donor_kind(django_apps, None)


def test_donors_csv_gives_original_names_with_their_language(collection):
    originals = {
        donor.slug: (donor.name_original, donor.name_original_lang) for donor in Donor.objects.all()
    }
    assert originals["vladimir-putin"] == ("Владимир Путин", "ru")
    assert originals["xi-jinping"] == ("习近平", "zh-Hans")
    assert originals["muammar-gaddafi"] == ("معمر القذافي", "ar")
    assert originals["josip-broz-tito"] == ("Јосип Броз Тито", "sr-Cyrl")
    assert originals["ne-win"] == ("နေဝင်း", "my")
    assert originals["free-german-youth"] == ("Freie Deutsche Jugend", "de")
    assert originals["billy-graham"] == ("", "")
    assert sum(1 for original, _ in originals.values() if original) == 26
    # The gifts' search text carries the original name.
    putin = Gift.objects.filter(donor__slug="vladimir-putin")
    assert putin.count() == 13
    assert set(search.filter_queryset(Gift.objects.all(), "Путин")) == set(putin)


def test_names_keep_their_diacritics_and_slugs_transliterate(collection):
    for slug, (_, name, ref) in CORRECTED.items():
        donor = Donor.objects.get(slug=slug)
        assert donor.name == name
        assert Gift.objects.get(accession_number=ref).donor == donor
    assert Donor.objects.count() == EXPECTED_COUNTS[Donor]


def test_a_new_donor_gets_a_transliterated_slug(collection, data_dir):
    edit_csv(data_dir / "gifts.csv", "ref", "IFE-0025", counterpart="Lê Đức Thọ")
    CollectionImporter(data_dir).run()
    assert Donor.objects.get(slug="le-duc-tho").name == "Lê Đức Thọ"  # not "le-uc-tho"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Vladimir Putin,Владимир Путин,russian", "donors.csv, line 2: lang: “russian” is not"),
        ("Vladimir Putin,Владимир Путин,", "donors.csv, line 2: a donor's original name needs"),
        ("Nobody Known,Никто,ru", "donors.csv, line 2: name: 'Nobody Known' is not a counterpart"),
    ],
)
def test_a_bad_donors_csv_row_is_reported_and_nothing_is_written(db, data_dir, row, message):
    (data_dir / "donors.csv").write_text(f"name,name_original,lang\n{row}\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        CollectionImporter(data_dir).run()
    assert any(error.startswith(message) for error in failure.value.errors), failure.value.errors
    assert Donor.objects.count() == 0


def test_each_gift_keeps_the_kind_of_donor_at_the_time(collection):
    kinds = dict(Gift.objects.values_list("accession_number", "donor_kind"))
    assert kinds["IFE-0042"] == Donor.Kind.GOVERNMENT_OFFICIAL  # Vice President, 2008
    assert kinds["IFE-0050"] == Donor.Kind.HEAD_OF_STATE  # President, 2019
    # The donor's own kind is that of the latest gift.
    assert Donor.objects.get(slug="xi-jinping").kind == Donor.Kind.HEAD_OF_STATE
    assert "" not in kinds.values()


def test_a_site_that_loaded_the_old_files_gets_the_corrections_in_place(client, db, old_data_dir):
    load_as_before_issue_12(old_data_dir)
    assert Gift.objects.get(accession_number="IFE-0050").donor_kind == (
        Donor.Kind.GOVERNMENT_OFFICIAL
    )
    before = {
        slug: (donor.pk, donor.get_absolute_url())
        for slug, donor in Donor.objects.in_bulk(list(CORRECTED), field_name="slug").items()
    }
    assert {slug: Donor.objects.get(pk=pk).name for slug, (pk, _) in before.items()} == {
        slug: old for slug, (old, _, _) in CORRECTED.items()
    }
    gift_ids = dict(Gift.objects.values_list("accession_number", "pk"))
    donor_ids = set(Donor.objects.values_list("pk", flat=True))

    # What scripts/run.sh runs on every start.
    call_command("import_collection", keep_edits=True)

    assert counts() == EXPECTED_COUNTS
    assert set(Donor.objects.values_list("pk", flat=True)) == donor_ids
    assert dict(Gift.objects.values_list("accession_number", "pk")) == gift_ids
    for slug, (_, name, ref) in CORRECTED.items():
        donor = Donor.objects.get(slug=slug)
        assert (donor.pk, donor.get_absolute_url()) == before[slug]
        assert donor.name == name
        page = client.get(donor.get_absolute_url())
        assert page.status_code == 200
        assert f"<h1>{name}</h1>" in page.content.decode()
        gift = Gift.objects.get(accession_number=ref)
        assert gift.donor_id == donor.pk
        assert client.get(f"/gifts/{ref}/").status_code == 200
    assert Donor.objects.get(slug="vladimir-putin").name_original_lang == "ru"
    assert search.filter_queryset(Gift.objects.all(), "pham van dong").count() == 1
    assert Gift.objects.get(accession_number="IFE-0050").donor_kind == Donor.Kind.HEAD_OF_STATE


def test_keep_edits_leaves_the_records_curators_changed(curator, old_data_dir):
    load_as_before_issue_12(old_data_dir)
    Donor.objects.filter(slug="nicolae-ceausescu").update(
        name="Nicolae Ceaușescu (curator)", updated_by=curator
    )
    Gift.objects.filter(accession_number="IFE-0050").update(
        title="Bust, re-described by a curator", updated_by=curator
    )

    report = CollectionImporter(keep_edits=True).run()

    assert Donor.objects.get(slug="nicolae-ceausescu").name == "Nicolae Ceaușescu (curator)"
    assert Donor.objects.get(slug="pham-van-dong").name == "Phạm Văn Đồng"
    kept = Gift.objects.get(accession_number="IFE-0050")
    assert kept.title == "Bust, re-described by a curator"
    assert kept.donor_kind == Donor.Kind.GOVERNMENT_OFFICIAL  # as the migration filled it
    assert report.kept["Donors"] == {"nicolae-ceausescu"}
    assert report.kept["Gifts"] == {"IFE-0050"}
    # 26 original names, François and Phạm Văn Đồng (Xi Jinping's new kind is among the 26).
    lines = list(report.lines())
    assert "Donors: 0 created, 28 updated, 18 unchanged (1 the files would change, left as" in (
        "\n".join(lines)
    )


def test_a_renamed_donor_is_found_by_its_name_without_diacritics(collection):
    # As Django's slugify would have made it from the corrected name: Đ dropped.
    Donor.objects.filter(slug="pham-van-dong").update(slug="pham-van-ong", name="Pham Van Dong")
    report = CollectionImporter().run()
    donor = Donor.objects.get(slug="pham-van-ong")
    assert donor.name == "Phạm Văn Đồng"
    assert not Donor.objects.filter(slug="pham-van-dong").exists()
    assert report.counts("Donors") == {"created": 0, "updated": 1, "unchanged": 45}


def test_the_migration_fills_the_kind_at_the_time_from_the_donor(collection):
    migration = importlib.import_module("gifts.migrations.0008_gift_donor_kind_at_the_time")
    Gift.objects.update(donor_kind="")
    migration.fill_donor_kind(django_apps, None)
    kinds = dict(Gift.objects.values_list("accession_number", "donor_kind"))
    assert kinds["IFE-0042"] == kinds["IFE-0050"] == Donor.Kind.HEAD_OF_STATE
    assert kinds["IFE-0010"] == Donor.Kind.GOVERNMENT_OFFICIAL  # Zhou Enlai
