from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from donors.models import Country, Donor
from gifts.importer import CollectionImporter
from gifts.models import Gift, Occasion


def specimen_titles():
    return list(
        Gift.objects.filter(is_specimen=True)
        .order_by("accession_number")
        .values_list("accession_number", "title", "donor__name", "date_received")
    )


def test_specimens_are_added_and_marked(collection, capsys):
    call_command("generate_specimens", count=600, seed=3)
    assert "Added 600 specimen gifts" in capsys.readouterr().out
    specimens = Gift.objects.filter(is_specimen=True)
    assert specimens.count() == 600
    assert not specimens.exclude(accession_number__startswith="SPEC-3-").exists()
    assert not specimens.exclude(donor__is_specimen=True).exists()
    assert not specimens.exclude(country__is_specimen=True).exists()
    assert not specimens.filter(occasion__is_specimen=False).exists()
    assert Gift.objects.documented().count() == 72


def test_specimens_follow_the_museums_proportions(collection):
    call_command("generate_specimens", count=2000, seed=5)
    by_leader = Counter(
        Gift.objects.filter(is_specimen=True).values_list("leader__code", flat=True)
    )
    assert by_leader["KIS"] > by_leader["KJI"] > by_leader["KJU"] > 0
    by_country = Counter(
        Gift.objects.filter(is_specimen=True).values_list("country__code", flat=True)
    )
    top, *_ = by_country.most_common(1)
    assert top[1] > 2000 / 200 * 5  # a few countries give most of the gifts
    assert not Gift.objects.filter(is_specimen=True, direction="given", showroom__isnull=False)


def test_the_same_seed_gives_the_same_specimens(collection):
    call_command("generate_specimens", count=300, seed=11)
    first = specimen_titles()
    call_command("generate_specimens", count=300, seed=11, clear=True)
    assert specimen_titles() == first
    call_command("generate_specimens", count=300, seed=12, clear=True)
    assert specimen_titles() != first


def test_a_seed_cannot_be_added_twice(collection):
    call_command("generate_specimens", count=10, seed=1)
    with pytest.raises(CommandError, match="exist already"):
        call_command("generate_specimens", count=10, seed=1)
    assert Gift.objects.filter(is_specimen=True).count() == 10


def test_clearing_specimens_leaves_the_collection_alone(collection):
    call_command("generate_specimens", count=200, seed=2)
    call_command("generate_specimens", count=0, clear=True)
    assert not Gift.objects.filter(is_specimen=True).exists()
    assert not Donor.objects.filter(is_specimen=True).exists()
    assert not Occasion.objects.filter(is_specimen=True).exists()
    assert not Country.objects.filter(is_specimen=True).exists()
    assert Gift.objects.count() == 72
    assert not CollectionImporter().run().changed


def test_specimens_need_the_collection_first(db):
    with pytest.raises(CommandError, match="run import_collection first"):
        call_command("generate_specimens", count=10)


def test_a_specimens_page_says_it_is_not_part_of_the_collection(client, collection):
    call_command("generate_specimens", count=3, seed=1, verbosity=0)
    gift = Gift.objects.filter(is_specimen=True, status="published").first()
    page = client.get(gift.get_absolute_url()).content.decode()
    assert "synthetic specimen" in page and "not part of the documented collection" in page


def test_a_specimens_search_text_is_what_saving_it_would_store(collection):
    """The generator writes the search text itself, in bulk: it must match the model's own."""
    call_command("generate_specimens", count=50, seed=4)
    for gift in Gift.objects.filter(is_specimen=True).select_related(
        "donor", "country", "occasion", "category", "leader"
    ):
        derived = gift.derived_values()
        assert (gift.search_title, gift.search_body) == (
            derived["search_title"],
            derived["search_body"],
        )
