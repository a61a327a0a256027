import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from desk.models import PublicationStatus
from exhibitions.models import Building, ExhibitionItem, Fact, Showroom
from gifts.models import Gift
from tests.factories import (
    BuildingFactory,
    ExhibitionFactory,
    GiftFactory,
    ShowroomFactory,
    SourceFactory,
)

DRAFT = PublicationStatus.DRAFT
PUBLISHED = PublicationStatus.PUBLISHED


def in_order(text, *parts):
    """Every part appears in the text, each after the one before."""
    position = 0
    for part in parts:
        position = text.find(part, position)
        if position < 0:
            return False
        position += len(part)
    return True


def titles(page):
    return [gift.title for gift in page.context["page_obj"]]


def room_with_gifts(count, **kwargs):
    room = ShowroomFactory(**kwargs)
    start = datetime.date(2000, 1, 1)
    for day in range(count):
        GiftFactory(
            showroom=room,
            title=f"Gift of day {day}",
            date_received=start + datetime.timedelta(days=day),
        )
    return room


def exhibition_with_items(gifts, **kwargs):
    exhibition = ExhibitionFactory(status=PUBLISHED, **kwargs)
    for order, gift in enumerate(gifts):
        ExhibitionItem.objects.create(
            exhibition=exhibition, gift=gift, order=order, caption=f"Caption for {gift.title}."
        )
    return exhibition


# The visit page --------------------------------------------------------------------------------


def test_the_visit_page_walks_each_building_floor_by_floor(client, collection):
    page = client.get(reverse("exhibitions:visit"))
    assert page.status_code == 200
    text = page.content.decode()
    assert in_order(
        text,
        '<section id="kim-il-sung-building"',
        "Floor 1",
        "KIS-1-01",
        "KIS-1-02",
        "KIS-1-03",
        "KIS-1-04",
        "Floor 2",
        "KIS-2-01",
        "Floor 6",
        "KIS-6-01",
        '<section id="kim-jong-il-building"',
        "KJI-1-01",
        "KJI-1-06",
        "Floor 2",
        "KJI-2-04",
    )
    buildings = page.context["buildings"]
    assert [b.slug for b in buildings] == ["kim-il-sung-building", "kim-jong-il-building"]
    rooms = {room.code: room for b in buildings for room in b.showrooms.all()}
    assert len(rooms) == 20
    assert rooms["KJI-2-03"].gift_count == 19
    assert rooms["KIS-1-04"].gift_count == 3
    assert rooms["KIS-1-01"].gift_count == 0
    assert 'href="/showrooms/kis-1-04/"' in text


def test_the_visit_page_says_the_arrangement_is_illustrative(client, collection):
    text = client.get(reverse("exhibitions:visit")).content.decode()
    assert "arrangement of showrooms on this site is illustrative" in text
    assert "is not public" in text


def test_the_visit_page_gives_each_room_its_theme_and_count(client, collection):
    text = client.get(reverse("exhibitions:visit")).content.decode()
    assert "Country: Soviet Union · 3 gifts" in text
    assert "Continent: Europe · 7 gifts" in text
    assert "Period: from 2012 · 19 gifts" in text
    assert "Wax figures · 1 gift<" in text


def test_a_room_with_no_gift_is_not_offered_as_a_destination(client, collection):
    room = Showroom.objects.get(slug="kis-1-04")
    Gift.objects.filter(showroom=room).update(showroom=None, on_display=False)
    text = client.get(reverse("exhibitions:visit")).content.decode()
    assert f"{room.code}</span> {room.name}" in text  # still on the plan
    assert f'href="{room.get_absolute_url()}"' not in text
    assert "no gift catalogued here yet" in text
    sitemap = client.get("/sitemap-showrooms.xml").content.decode()
    assert room.get_absolute_url() not in sitemap
    assert sitemap.count("/showrooms/") == Showroom.objects.with_gifts().count() > 0


def test_the_visit_page_gives_every_figure_with_who_gives_it(client, collection):
    page = client.get(reverse("exhibitions:visit"))
    text = page.content.decode()
    # Sources disagree on the number of showrooms: every figure is kept, with its source.
    assert in_order(
        text,
        "<dt>Showrooms</dt>",
        "More than 100",
        "Rifle, fur hat, drones",
        "18 September 2023",
        "120",
        "Lonely Planet",
        "Over 150",
        "Other reports",
        "Over 200",
        "Korean Central News Agency",
    )
    assert "Citing DPRK state media, in Reuters" in text
    # Each building's own facts, in its section: two opening dates from two sources.
    building = text.index('<section id="kim-il-sung-building"')
    assert in_order(text[building:], "26 August 1978", "KCNA", "28 August 1978", "A 1997 DPRK")


def test_the_visit_page_lists_visiting_advice(client, collection):
    page = client.get(reverse("exhibitions:visit"))
    text = page.content.decode()
    assert in_order(
        text,
        '<h2 id="visiting-heading">Visiting</h2>',
        "<li>Shoe covers over the polished floors</li>",
        "<li>Cameras and bags left at the cloakroom</li>",
        "<li>No photography inside</li>",
        "Travel guides",
    )
    assert "Visiting" not in [fact.topic for fact in page.context["museum_facts"]]


def test_a_rooms_count_is_of_published_holdings(client, collection):
    gift = Gift.objects.get(accession_number="IFE-0003")  # in KIS-1-04
    gift.status = DRAFT
    gift.save()
    page = client.get(reverse("exhibitions:visit"))
    rooms = {room.code: room for b in page.context["buildings"] for room in b.showrooms.all()}
    assert rooms["KIS-1-04"].gift_count == 2


def test_the_visit_page_works_before_anything_is_catalogued(client, db):
    page = client.get(reverse("exhibitions:visit"))
    assert page.status_code == 200
    assert "No building is catalogued yet." in page.content.decode()


def test_the_visit_page_runs_the_same_queries_however_big_the_museum(
    client, collection, django_assert_num_queries
):
    url = reverse("exhibitions:visit")
    client.get(url)  # loads the listing columns
    with django_assert_num_queries(5):
        client.get(url)

    building = BuildingFactory(name="Annex", slug="annex", order=3)
    source = SourceFactory()
    for number in range(5):
        Fact.objects.create(
            building=building, topic=f"Topic {number}", value="1", source=source, status="published"
        )
        Fact.objects.create(
            topic=f"Museum topic {number}", value="2", source=source, status="published"
        )
        room_with_gifts(2, building=building, floor=number + 1)
    client.get(url)
    with django_assert_num_queries(5):
        page = client.get(url)
    assert "Museum topic 4" in page.content.decode()
    assert len(page.context["buildings"][2].showrooms.all()) == 5


# A showroom ------------------------------------------------------------------------------------


def test_a_showroom_page_describes_the_room(client, collection):
    page = client.get(reverse("exhibitions:showroom", args=["kji-2-03"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>Gifts to Kim Jong Un</h1>" in text
    assert "Showroom KJI-2-03" in text
    assert '<a href="/visit/#kim-jong-il-building">Kim Jong Il building</a>' in text
    assert "<dt>Floor</dt>\n  <dd>2</dd>" in text
    assert "Period: from 2012" in text
    assert "<dt>Gifts</dt>\n  <dd>19</dd>" in text
    assert "Rooms arranged by year." in text
    assert "illustrative" in text
    assert 'href="/gifts/?showroom=kji-2-03"' in text


def test_a_showroom_shows_its_gifts_newest_first_and_undated_last(client, collection):
    page = client.get(reverse("exhibitions:showroom", args=["kis-1-02"]))
    assert titles(page) == [
        "Glass vase with a red star",  # 1985
        "Double-barrelled hunting rifle",  # March 1983
        "Bronze model of a tank",  # date unknown
    ]
    text = page.content.decode()
    assert "3 gifts, newest first." in text
    assert text.count('<li class="card">') == 3


def test_a_showroom_links_the_rooms_before_and_after_it_on_the_tour(client, collection):
    text = client.get(reverse("exhibitions:showroom", args=["kis-1-03"])).content.decode()
    assert '<a href="/showrooms/kis-1-02/" rel="prev">' in text
    assert "Previous room: KIS-1-02 Soviet Union</a>" in text
    assert '<a href="/showrooms/kis-1-04/" rel="next">' in text


def test_the_tour_goes_on_from_one_building_to_the_next(client, collection):
    last = client.get(reverse("exhibitions:showroom", args=["kis-6-01"])).content.decode()
    assert "Next room: KJI-1-01 Entrance hall (Kim Jong Il building)" in last
    first = client.get(reverse("exhibitions:showroom", args=["kis-1-01"]))
    assert first.context["previous_room"] is None
    assert 'rel="prev"' not in first.content.decode()
    end = client.get(reverse("exhibitions:showroom", args=["kji-2-04"]))
    assert end.context["next_room"] is None


def test_a_showroom_shows_published_holdings_only(client, db):
    room = room_with_gifts(2)
    GiftFactory(showroom=room, title="Unpublished sword", status=DRAFT)
    page = client.get(room.get_absolute_url())
    assert page.context["gift_count"] == 2
    assert "Unpublished sword" not in page.content.decode()


def test_an_empty_showroom_says_so(client, collection):
    page = client.get(reverse("exhibitions:showroom", args=["kis-1-01"]))
    assert page.status_code == 200
    assert "No gift in the catalogue is placed in this room yet." in page.content.decode()


def test_an_unknown_showroom_is_404(client, collection):
    assert client.get(reverse("exhibitions:showroom", args=["kis-9-99"])).status_code == 404


def test_a_showroom_pages_its_gifts_24_at_a_time(client, db):
    room = room_with_gifts(30)
    first = client.get(room.get_absolute_url())
    assert first.status_code == 200
    assert titles(first) == [f"Gift of day {day}" for day in range(29, 5, -1)]
    text = first.content.decode()
    assert "Gifts 1 to 24 of 30, newest first." in text
    assert '<span aria-current="page"><span class="visually-hidden">Page </span>1</span>' in text
    assert '<a href="?page=2"><span class="visually-hidden">Page </span>2</a>' in text
    second = client.get(room.get_absolute_url(), {"page": 2})
    assert second.status_code == 200
    assert titles(second) == [f"Gift of day {day}" for day in range(5, -1, -1)]
    assert "Gifts 25 to 30 of 30" in second.content.decode()


@pytest.mark.parametrize("number", ["3", "0", "-1", "abc", "1.5", ""])
def test_a_showroom_page_that_does_not_exist_is_404(client, db, number):
    room = room_with_gifts(30)
    assert client.get(room.get_absolute_url(), {"page": number}).status_code == 404


def test_a_showroom_page_runs_the_same_queries_for_any_number_of_gifts(
    client, db, django_assert_num_queries
):
    small = room_with_gifts(3)
    large = room_with_gifts(30)
    for _ in range(5):
        ShowroomFactory()
    client.get(small.get_absolute_url())  # loads the listing columns
    # The collection version, the tour of rooms, the page's gifts.
    with django_assert_num_queries(3):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(3):
        page = client.get(large.get_absolute_url(), {"page": 2})
    assert len(page.context["page_obj"]) == 6
    with django_assert_num_queries(3):
        page = client.get(large.get_absolute_url())
    assert len(page.context["page_obj"]) == 24


# Exhibitions -----------------------------------------------------------------------------------


def test_the_exhibitions_page_works_with_no_exhibition(client, db):
    page = client.get(reverse("exhibitions:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "No exhibition is on at the moment." in text
    assert "Coming soon" not in text
    assert "Past exhibitions" not in text


def test_exhibitions_on_now_come_first_then_upcoming_then_past(client, db):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)

    def exhibition(title, start=None, end=None, status=PUBLISHED):
        return ExhibitionFactory(title=title, start_date=start, end_date=end, status=status)

    exhibition("Long past", today - 400 * day, today - 300 * day)
    exhibition("Just closed", today - 30 * day, today - day)
    exhibition("Later", today + 60 * day, today + 90 * day)
    exhibition("Soon", today + day)
    exhibition("Permanent", today - 1000 * day)
    exhibition("Closing today", today - 10 * day, today)
    exhibition("Opening today", today, today + 10 * day)
    exhibition("Undated")
    exhibition("Unfinished draft", today - day, status=DRAFT)

    page = client.get(reverse("exhibitions:list"))
    assert page.status_code == 200
    context = page.context
    assert [e.title for e in context["current"]] == [
        "Opening today",
        "Closing today",
        "Permanent",
        "Undated",
    ]
    assert [e.title for e in context["upcoming"]] == ["Soon", "Later"]
    assert [e.title for e in context["past"]] == ["Just closed", "Long past"]
    text = page.content.decode()
    assert in_order(text, "On now", "Opening today", "Coming soon", "Soon", "Past", "Long past")
    assert "Unfinished draft" not in text
    assert "No exhibition is on at the moment." not in text


def test_the_exhibitions_page_gives_dates_introduction_and_number_of_items(client, db):
    shown = GiftFactory.create_batch(3)
    hidden = GiftFactory(status=DRAFT)
    exhibition_with_items(
        [*shown, hidden],
        title="Cars of state",
        introduction="Limousines and railway carriages. " + "More words. " * 40,
        start_date=datetime.date(2024, 3, 1),
        end_date=datetime.date(2099, 6, 30),
    )
    text = client.get(reverse("exhibitions:list")).content.decode()
    assert '<a href="/exhibitions/exhibition-' in text
    assert ">Cars of state</a>" in text
    assert '<time datetime="2024-03-01">1 March 2024</time> to' in text
    assert "30 June 2099" in text
    assert "3 objects" in text  # the draft gift is not counted
    assert "Limousines and railway carriages." in text
    assert "More words. …</p>" in text  # an excerpt of the introduction


def test_the_exhibitions_page_runs_one_query(client, db, django_assert_num_queries):
    gifts = GiftFactory.create_batch(3)
    exhibition_with_items(gifts)
    with django_assert_num_queries(1):
        client.get(reverse("exhibitions:list"))
    for _ in range(4):
        exhibition_with_items(gifts)
    with django_assert_num_queries(1):
        page = client.get(reverse("exhibitions:list"))
    assert len(page.context["current"]) == 5


def test_an_exhibition_shows_its_items_in_the_curators_order(client, db):
    gifts = [
        GiftFactory(title="Black bulletproof limousine"),
        GiftFactory(title="Armoured railway carriage"),
        GiftFactory(title="Aurus Senat limousine"),
    ]
    exhibition = exhibition_with_items(
        gifts,
        title="Cars of state",
        introduction="First paragraph.\n\nSecond paragraph.",
        start_date=datetime.date(2024, 3, 1),
    )
    page = client.get(exhibition.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>Cars of state</h1>" in text
    assert 'From <time datetime="2024-03-01">1 March 2024</time>, permanent' in text
    assert "<p>First paragraph.</p>\n\n<p>Second paragraph.</p>" in text
    assert in_order(
        text,
        "Black bulletproof limousine",
        "Caption for Black bulletproof limousine.",
        "Armoured railway carriage",
        "Caption for Armoured railway carriage.",
        "Aurus Senat limousine",
        "Caption for Aurus Senat limousine.",
    )
    assert f'href="{gifts[0].get_absolute_url()}"' in text
    assert f"From {gifts[0].donor.name}, {gifts[0].country.name}" in text
    assert "June 1985 · to Kim Il Sung" in text
    assert 'src="/static/img/marks/' in text  # no photographs: the category's drawing
    assert "Draft" not in text


def test_an_exhibition_shows_visitors_published_gifts_only(client, db):
    exhibition = exhibition_with_items(
        [GiftFactory(title="Shown vase"), GiftFactory(title="Draft vase", status=DRAFT)]
    )
    page = client.get(exhibition.get_absolute_url())
    text = page.content.decode()
    assert "Shown vase" in text
    assert "Draft vase" not in text
    assert "1 object<" in text


def test_a_draft_exhibition_is_404_for_visitors(client, db):
    exhibition = ExhibitionFactory(status=DRAFT)
    assert client.get(exhibition.get_absolute_url()).status_code == 404
    assert exhibition.title not in client.get(reverse("exhibitions:list")).content.decode()


def test_staff_may_preview_a_draft_exhibition(curator_client):
    exhibition = ExhibitionFactory(status=DRAFT, title="Work in progress")
    exhibition.items.create(gift=GiftFactory(title="Draft vase", status=DRAFT), caption="Soon.")
    page = curator_client.get(exhibition.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "<strong>Draft</strong>: only curators can see this page." in text
    assert '<meta name="robots" content="noindex">' in text
    assert "Draft vase" in text
    assert "Draft gift: hidden from visitors" in text
    assert "0 objects" in text  # what visitors will see


def test_an_unknown_exhibition_is_404(client, db):
    assert client.get(reverse("exhibitions:detail", args=["no-such-show"])).status_code == 404


def test_an_exhibition_page_runs_the_same_queries_for_any_number_of_items(
    client, db, django_assert_num_queries
):
    few = exhibition_with_items(GiftFactory.create_batch(2))
    many = exhibition_with_items(GiftFactory.create_batch(12))
    # The exhibition, its items, their gifts.
    with django_assert_num_queries(3):
        client.get(few.get_absolute_url())
    with django_assert_num_queries(3):
        page = client.get(many.get_absolute_url())
    assert len(page.context["items"]) == 12


# Addresses -------------------------------------------------------------------------------------


def test_buildings_rooms_and_exhibitions_have_their_own_pages(db):
    building = BuildingFactory()
    room = ShowroomFactory(building=building, slug="kis-1-04")
    exhibition = ExhibitionFactory(slug="cars-of-state")
    assert building.get_absolute_url() == "/visit/#kim-il-sung-building"
    assert room.get_absolute_url() == "/showrooms/kis-1-04/"
    assert exhibition.get_absolute_url() == "/exhibitions/cars-of-state/"
    assert Building.objects.count() == Showroom.objects.count() == 1
