"""
Drafts never reach a visitor, by any path: a draft (or in-review) gift linked to published ones,
and donors, occasions, sources, facts and rooms that no published record uses or that are not
reviewed, leave no trace on any public page, export or sitemap.
"""

import pytest
from django.core.cache import cache

from desk.models import CollectionState, PublicationStatus
from exhibitions.models import ExhibitionItem, Fact
from gifts.models import Citation
from tests.factories import (
    BuildingFactory,
    DonorFactory,
    ExhibitionFactory,
    GiftFactory,
    OccasionFactory,
    ShowroomFactory,
    SourceFactory,
)

DRAFT = PublicationStatus.DRAFT
REVIEW = PublicationStatus.REVIEW
PUBLISHED = PublicationStatus.PUBLISHED

PUBLIC_PAGES = [
    "/",
    "/gifts/",
    "/gifts/export.csv",
    "/gifts/export.json",
    "/donors/",
    "/donors/export.csv",
    "/donors/export.json",
    "/occasions/",
    "/visit/",
    "/exhibitions/",
    "/statistics/",
    "/leaders/",
    "/leaders/kim-il-sung/",
    "/sitemap.xml",
    "/sitemap-gifts.xml",
    "/sitemap-donors.xml",
    "/sitemap-showrooms.xml",
    "/sitemap-occasions.xml",
]


def text_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def linked(db):
    """A published gift whose reciprocal gifts, in both directions, are a draft and one in
    review, sharing its donor and occasion; and records only drafts use."""
    occasion = OccasionFactory(name="State visit of 1985")
    published = GiftFactory(title="Published vase", occasion=occasion)
    hidden_donor = DonorFactory(name="Secret Donor Hidden", slug="secret-donor")
    hidden_occasion = OccasionFactory(name="Secret summit", slug="secret-summit")
    hidden_source = SourceFactory(title="Secret dossier", publisher="Hidden Press")
    answer = GiftFactory(
        title="Draft sword answered",
        status=DRAFT,
        direction="given",
        reciprocal_of=published,
        donor=published.donor,
        occasion=occasion,
    )
    asked = GiftFactory(
        title="Review saddle asked",
        status=REVIEW,
        donor=hidden_donor,
        occasion=hidden_occasion,
        direction="given",
    )
    published.reciprocal_of = asked
    published.save()
    Citation.objects.create(gift=asked, source=hidden_source)
    exhibition = ExhibitionFactory(title="Gifts of friendship", status=PUBLISHED)
    ExhibitionItem.objects.create(exhibition=exhibition, gift=published, order=1)
    ExhibitionItem.objects.create(exhibition=exhibition, gift=asked, order=2)
    return {
        "published": published,
        "hidden": [answer, asked],
        "donor": hidden_donor,
        "occasion": hidden_occasion,
        "source": hidden_source,
        "exhibition": exhibition,
    }


def traces(linked):
    words = []
    for gift in linked["hidden"]:
        words += [gift.title, gift.accession_number, gift.get_absolute_url()]
    words += [linked["donor"].name, linked["donor"].slug, linked["occasion"].name]
    words += [linked["occasion"].slug, linked["source"].title, linked["source"].publisher]
    return words


def assert_no_trace(client, address, linked):
    response = client.get(address)
    assert response.status_code in (200, 404), address
    page = text_of(response)
    for word in traces(linked):
        assert word not in page, f"{word!r} shows on {address}"


@pytest.mark.django_db
def test_a_published_gift_page_shows_no_draft_it_is_linked_to(client, linked):
    published = linked["published"]
    assert_no_trace(client, published.get_absolute_url(), linked)
    # Both directions of the reciprocal link, and the listing context's previous/next.
    assert_no_trace(client, published.get_absolute_url() + "?in=sort%3Dtitle", linked)


@pytest.mark.django_db
@pytest.mark.parametrize("address", PUBLIC_PAGES)
def test_no_public_page_export_or_sitemap_shows_a_draft(client, linked, address):
    assert_no_trace(client, address, linked)


@pytest.mark.django_db
def test_pages_of_the_published_records_show_no_draft(client, linked):
    published = linked["published"]
    for address in [
        published.donor.get_absolute_url(),
        published.country.get_absolute_url(),
        linked["exhibition"].get_absolute_url(),
        f"/gifts/?occasion={published.occasion.slug}",
        f"/gifts/?donor={published.donor.slug}",
        published.occasion.get_absolute_url(),
        f"/gifts/filters/donor/?occasion={published.occasion.slug}",
        "/gifts/filters/occasion/",
    ]:
        assert_no_trace(client, address, linked)


@pytest.mark.django_db
def test_a_donor_or_occasion_only_drafts_use_is_not_public(client, linked):
    assert client.get(linked["donor"].get_absolute_url()).status_code == 404
    # Not a filter value either: an unknown value is a 400, as for a slug that never existed.
    assert client.get(f"/gifts/?donor={linked['donor'].slug}").status_code == 400
    assert client.get(f"/gifts/?occasion={linked['occasion'].slug}").status_code == 400
    assert client.get(linked["occasion"].get_absolute_url()).status_code == 404
    # Until a published gift uses them.
    gift = linked["hidden"][1]
    gift.status = PUBLISHED
    gift.save()
    assert client.get(linked["donor"].get_absolute_url()).status_code == 200
    assert client.get(f"/gifts/?occasion={linked['occasion'].slug}").status_code == 200


@pytest.mark.django_db
def test_an_unreviewed_donor_of_a_published_gift_is_not_public(client):
    gift = GiftFactory(donor=DonorFactory(name="Unreviewed Donor", status=REVIEW))
    assert client.get(gift.donor.get_absolute_url()).status_code == 404
    assert "Unreviewed Donor" not in text_of(client.get("/donors/"))
    assert "Unreviewed Donor" not in text_of(client.get("/donors/export.csv"))
    assert "Unreviewed Donor" not in text_of(client.get("/sitemap-donors.xml"))


@pytest.mark.django_db
def test_draft_facts_rooms_and_sources_stay_off_the_visit_and_home_pages(client, linked):
    hidden_room = ShowroomFactory(name="Room of drafts", status=DRAFT)
    Fact.objects.create(topic="Showrooms", value="999 rooms (draft)", status=DRAFT)
    Citation.objects.create(
        gift=linked["published"], source=SourceFactory(title="Unreviewed report", status=DRAFT)
    )
    for address in ["/", "/visit/", linked["published"].get_absolute_url()]:
        page = text_of(client.get(address))
        assert "Room of drafts" not in page
        assert "999 rooms (draft)" not in page
        assert "Unreviewed report" not in page
    assert client.get(hidden_room.get_absolute_url()).status_code == 404
    assert hidden_room.slug not in text_of(client.get("/sitemap-showrooms.xml"))


@pytest.mark.django_db
def test_a_published_fact_citing_a_draft_source_shows_nothing_of_that_source(client, linked):
    draft = SourceFactory(
        title="Unreviewed survey",
        publisher="Draft Press",
        url="https://draft.example/",
        status=DRAFT,
    )
    building = BuildingFactory(status=PUBLISHED)
    Fact.objects.create(topic="Showrooms", value="120 rooms", source=draft, status=PUBLISHED)
    Fact.objects.create(
        building=building, topic="Floors", value="6 floors", source=draft, status=PUBLISHED
    )
    for address in ["/", "/visit/"]:
        page = client.get(address).content.decode()
        assert "120 rooms" in page or "6 floors" in page, address
        for trace in ("Unreviewed survey", "Draft Press", "draft.example"):
            assert trace not in page, (address, trace)
    draft.status = PUBLISHED
    draft.save()
    assert "Draft Press" in client.get("/visit/").content.decode()


@pytest.mark.django_db
def test_staff_still_preview_a_draft_and_its_links(admin_client, linked):
    answer = linked["hidden"][0]
    assert admin_client.get(answer.get_absolute_url()).status_code == 200
    page = text_of(admin_client.get(linked["published"].get_absolute_url()))
    assert answer.title in page


@pytest.mark.django_db
def test_a_cached_page_forgets_a_gift_once_it_is_unpublished(client, linked, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()
    published = linked["published"]
    assert published.title in text_of(client.get("/gifts/"))
    assert client.get("/gifts/")["X-Cache"] == "hit"
    version = CollectionState.read_key()
    published.status = DRAFT
    published.save()
    assert CollectionState.read_key() != version
    assert published.title not in text_of(client.get("/gifts/"))
    assert client.get(published.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_the_listings_kept_filter_panels_forget_a_gift_once_it_is_unpublished(
    client, linked, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    published = linked["published"]
    option = f'{published.occasion.name} <span class="n">1<'
    for _ in range(2):  # the second time from the panels kept with the collection version
        assert option in text_of(client.get("/gifts/", {"q": "vase"}))
    published.status = DRAFT
    published.save()
    assert published.occasion.name not in text_of(client.get("/gifts/", {"q": "vase"}))
