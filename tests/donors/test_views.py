import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from desk.models import PublicationStatus
from donors.models import Donor
from tests.factories import (
    CountryFactory,
    DonorFactory,
    GiftFactory,
    LeaderFactory,
    OccasionFactory,
)


def names_listed(page):
    return [donor.name for donor in page.context["donors"]]


# The donor list -------------------------------------------------------------------------------


def test_the_donor_list_shows_every_donor_with_published_holdings(client, collection):
    DonorFactory(name="Donor without gifts")
    GiftFactory(donor=DonorFactory(name="Donor of a draft"), status=PublicationStatus.DRAFT)
    GiftFactory(donor=DonorFactory(name="Donor of a given gift"), direction="given")

    page = client.get(reverse("donors:list"))

    assert page.status_code == 200
    assert page.context["paginator"].count == 46
    names = names_listed(page)
    assert names[:2] == ["a German writer", "a Nigerian traditional chief"]
    assert "Vladimir Putin" in names
    for hidden in ["Donor without gifts", "Donor of a draft", "Donor of a given gift"]:
        assertNotContains(page, hidden)
    assertContains(page, "46 donors")
    putin = next(donor for donor in page.context["donors"] if donor.slug == "vladimir-putin")
    assert putin.gift_count == 11
    assertContains(
        page,
        '<tr><th scope="row"><a href="/donors/vladimir-putin/">Vladimir Putin</a> '
        '<span class="muted"><span class="original-name" lang="ru" dir="auto">Владимир Путин'
        "</span></span></th><td>Head of state</td>"
        '<td><a href="/countries/RUS/">Russia</a></td>'
        '<td class="number">11</td></tr>',
        html=True,
    )


def test_the_donor_list_searches_names_in_english_and_the_original_script(client, collection):
    page = client.get(reverse("donors:list"), {"q": "PUTIN"})
    assert names_listed(page) == ["Vladimir Putin"]
    assert page.context["filter"].form.cleaned_data["q"] == "PUTIN"

    page = client.get(reverse("donors:list"), {"q": "Путин"})
    assert names_listed(page) == ["Vladimir Putin"]
    assertContains(page, "Владимир Путин")

    page = client.get(reverse("donors:list"), {"q": "communist party"})
    assert names_listed(page) == [
        "Central Committee of the Communist Party of China",
        "Communist Party of Britain",
        "Communist Party of China",
    ]

    page = client.get(reverse("donors:list"), {"q": "nobody by this name"})
    assert page.status_code == 200
    assert names_listed(page) == []
    assertContains(page, "No donors match.")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ceausescu", ["Nicolae Ceaușescu"]),
        ("Ceaușescu", ["Nicolae Ceaușescu"]),
        ("CEAUŞESCU", ["Nicolae Ceaușescu"]),  # with a cedilla, as often typed
        ("pham van dong", ["Phạm Văn Đồng"]),
        ("Phạm Văn Đồng", ["Phạm Văn Đồng"]),
        ("van đong", ["Phạm Văn Đồng"]),
        ("francois", ["François Mitterrand"]),
        ("习近平", ["Xi Jinping"]),
        ("القذافي", ["Muammar Gaddafi"]),
        ("Горбачев", ["Mikhail Gorbachev"]),
        ("liberacion nacional", ["Sandinista National Liberation Front"]),
    ],
)
def test_the_donor_list_finds_a_name_with_or_without_diacritics(
    client, collection, query, expected
):
    page = client.get(reverse("donors:list"), {"q": query})
    assert page.status_code == 200
    assert names_listed(page) == expected


def test_the_admin_finds_a_donor_with_or_without_diacritics(admin_client, collection):
    page = admin_client.get(reverse("admin:donors_donor_changelist"), {"q": "pham van dong"})
    assert page.status_code == 200
    assert [donor.name for donor in page.context["cl"].result_list] == ["Phạm Văn Đồng"]


def test_an_original_name_needs_a_well_formed_language_tag(db):
    donor = DonorFactory.build(name="Vladimir Putin", name_original="Владимир Путин")
    for bad, message in [
        ("", "Give the language of the original name"),
        ("russian", "is not a BCP 47 language tag"),
    ]:
        donor.name_original_lang = bad
        with pytest.raises(ValidationError, match=message):
            donor.full_clean(exclude=["country"])
    donor.name_original_lang = "ZH-hans"
    donor.full_clean(exclude=["country"])
    assert donor.name_original_lang == "zh-Hans"


def test_the_donor_list_filters_by_kind_and_country(client, collection):
    page = client.get(reverse("donors:list"), {"kind": "party_or_organisation"})
    assert page.status_code == 200
    assert page.context["paginator"].count == 7
    assert {donor.kind for donor in page.context["donors"]} == {"party_or_organisation"}

    page = client.get(reverse("donors:list"), {"country": "USA"})
    assert names_listed(page) == [
        "Billy Graham",
        "Dennis Rodman",
        "Jimmy Carter",
        "Jimmy Carter and Rosalynn Carter",
        "Madeleine Albright",
    ]
    assertContains(page, '<option value="USA" selected>United States</option>', html=True)

    # The code is matched in either case.
    page = client.get(reverse("donors:list"), {"country": "usa", "kind": "government_official"})
    assert names_listed(page) == ["Madeleine Albright"]

    # A country of the collection whose donors have no gifts is a valid, empty filter.
    page = client.get(reverse("donors:list"), {"country": "PRK"})
    assert page.status_code == 200
    assert names_listed(page) == []
    assertContains(page, '<option value="PRK" selected>North Korea</option>', html=True)


def test_the_donor_list_form_is_labelled_and_sent_by_get(client, collection):
    page = client.get(reverse("donors:list"))
    for name, label in [("q", "Name"), ("kind", "Kind"), ("country", "Country")]:
        assertContains(page, f'<label for="id_{name}">{label}</label>', html=True)
    assertContains(page, '<label for="id_sort">Sort by</label>', html=True)
    assertContains(page, 'method="get"')
    assertNotContains(page, '<option value="PRK">')  # no donor from North Korea has gifts
    assert client.post(reverse("donors:list")).status_code == 405


def test_the_donor_list_sorts_by_name_or_by_number_of_gifts(client, collection):
    page = client.get(reverse("donors:list"), {"sort": "gifts"})
    assert names_listed(page)[:3] == ["Vladimir Putin", "Oleg Kozhemyako", "Kim Dae-jung"]
    assert [donor.gift_count for donor in page.context["donors"]][:3] == [11, 4, 3]

    page = client.get(reverse("donors:list"), {"sort": "gifts", "country": "RUS"})
    assert names_listed(page) == [
        "Vladimir Putin",
        "Oleg Kozhemyako",
        "Sergei Shoigu",
        "Russian officials at Khasan",
    ]

    page = client.get(reverse("donors:list"), {"sort": "name", "country": "RUS"})
    assert names_listed(page) == [
        "Oleg Kozhemyako",
        "Russian officials at Khasan",
        "Sergei Shoigu",
        "Vladimir Putin",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "emperor"}, "There is no kind of donor “emperor”."),
        ({"country": "XYZ"}, "There is no country with the code “XYZ” in the collection."),
        ({"sort": "age"}, "The list cannot be sorted by “age”."),
        ({"q": "x" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_an_invalid_filter_is_a_clear_400(client, collection, query, message):
    page = client.get(reverse("donors:list"), query)
    assert page.status_code == 400
    assertContains(page, "not valid, so no donors are shown", status_code=400)
    assertContains(page, message, status_code=400)
    assert page.context["donors"] == []


@pytest.mark.parametrize("number", ["abc", "1.5", "-"])
def test_a_page_number_that_is_not_a_number_is_a_400(client, collection, number):
    page = client.get(reverse("donors:list"), {"page": number})
    assertContains(page, "A page number is a whole number", status_code=400)


@pytest.mark.parametrize("number", ["0", "2", "999999"])
def test_a_page_beyond_the_list_is_a_404_that_says_so(client, collection, number):
    page = client.get(reverse("donors:list"), {"page": number, "country": "RUS"})
    assertContains(page, "There is no such page: this list has 1 page.", status_code=404)
    assertContains(page, 'href="?country=RUS"', status_code=404)


def test_the_donor_list_shows_fifty_donors_a_page(client, db):
    for number in range(60):
        GiftFactory(donor=DonorFactory(name=f"Donor {number:02d}"))

    first = client.get(reverse("donors:list"))
    assert len(first.context["donors"]) == 50
    assert names_listed(first)[0] == "Donor 00"
    assertContains(first, "60 donors, 1 to 50 shown")
    assertContains(first, "Page 1 of 2")
    assertContains(first, 'href="?page=2"')

    second = client.get(reverse("donors:list"), {"page": 2})
    assert names_listed(second) == [f"Donor {number}" for number in range(50, 60)]
    assertContains(second, 'href="?page=1" rel="prev"')

    assert client.get(reverse("donors:list"), {"page": 3}).status_code == 404


def test_pages_keep_the_filters(client, db):
    country = CountryFactory(code="QQQ")
    for number in range(55):
        GiftFactory(donor=DonorFactory(name=f"Donor {number:02d}", country=country))
    GiftFactory.create_batch(3)

    page = client.get(reverse("donors:list"), {"country": "QQQ", "sort": "gifts"})
    assert page.context["paginator"].count == 55
    assertContains(page, 'href="?country=QQQ&amp;sort=gifts&amp;page=2"')


def test_the_donor_list_runs_the_same_queries_for_any_number_of_donors(
    client, db, django_assert_num_queries
):
    def assert_queries(expected, query=None):
        client.get(reverse("donors:list"), query)  # loads the collection after the changes
        with django_assert_num_queries(expected):
            page = client.get(reverse("donors:list"), query)
        return page

    # Collection version, then the page's donors; a name search adds one query.
    GiftFactory.create_batch(3)
    assert len(assert_queries(2).context["donors"]) == 3
    assert len(assert_queries(3, {"q": "donor"}).context["donors"]) == 3

    GiftFactory.create_batch(80)
    assert len(assert_queries(2).context["donors"]) == 50
    assert len(assert_queries(2, {"sort": "gifts", "page": "2"}).context["donors"]) == 33
    assert len(assert_queries(3, {"q": "donor"}).context["donors"]) == 50


# A donor's page -------------------------------------------------------------------------------


def test_a_donor_page_says_who_the_donor_is_and_what_they_gave(client, collection):
    Donor.objects.filter(slug="vladimir-putin").update(biography="President of Russia since 2000.")

    page = client.get(reverse("donors:detail", args=["vladimir-putin"]))

    assert page.status_code == 200
    assertContains(page, "<h1>Vladimir Putin</h1>", html=True)
    assertContains(
        page,
        '<dd><span class="original-name" lang="ru" dir="auto">Владимир Путин</span></dd>',
        html=True,
    )
    assertContains(page, "<dd>Head of state</dd>", html=True)
    assertContains(page, '<dd><a href="/countries/RUS/">Russia</a></dd>', html=True)
    assertContains(page, "President of Russia since 2000.")
    assert page.context["gift_count"] == 11
    assertContains(page, "<dd>11</dd>", html=True)
    assert page.context["titles"] == [{"title": "President", "years": "2001–2024"}]
    occasions = [occasion.name for occasion in page.context["occasions"]]
    assert "Vladivostok summit, April 2019" in occasions
    assert "State visit to Pyongyang, June 2024" in occasions
    assert len(occasions) == 6
    assertContains(page, "(3 gifts)")

    titles = [gift.title for gift in page.context["gifts"]]
    assert len(titles) == 11
    assert titles[0].startswith("More than seventy zoo animals")  # November 2024
    assert titles[-1] == "Silver tea set"  # August 2001
    assert "Rifle made by North Korean craftsmen" not in titles  # given away, not held
    assertContains(page, 'href="/gifts/?donor=vladimir-putin"')
    assertContains(page, "See all 11 gifts from Vladimir Putin")


def test_a_donor_page_lists_each_title_with_its_years(client, collection):
    page = client.get(reverse("donors:detail", args=["xi-jinping"]))
    assert page.context["titles"] == [
        {"title": "Vice President", "years": "2008"},
        {"title": "President", "years": "2019"},
    ]
    assertContains(page, '<li>Vice President <span class="muted">(2008)</span></li>', html=True)


def test_a_donor_page_shows_the_newest_24_gifts(client, db):
    donor = DonorFactory(name="Prolific donor")
    for year in range(1970, 2000):
        GiftFactory(donor=donor, title=f"Gift of {year}", date_received=datetime.date(year, 1, 1))
    GiftFactory(donor=donor, title="Undated gift", date_received=None)
    GiftFactory(donor=donor, title="Draft gift", status=PublicationStatus.DRAFT)

    page = client.get(donor.get_absolute_url())

    titles = [gift.title for gift in page.context["gifts"]]
    assert titles == [f"Gift of {year}" for year in range(1999, 1975, -1)]
    assert page.context["gift_count"] == 31
    assertContains(page, "The 24 most recent of 31 gifts.")
    assertContains(page, "See all 31 gifts from Prolific donor")
    assertNotContains(page, "Draft gift")


def test_a_donor_without_published_holdings_has_a_page_only_when_a_published_gift_names_them(
    client, db
):
    donor = DonorFactory(name="Quiet donor", country=None)
    GiftFactory(
        donor=donor, country=CountryFactory(), status=PublicationStatus.DRAFT, donor_title="Consul"
    )
    # Only a draft names the donor: not public.
    assert client.get(reverse("donors:detail", args=[donor.slug])).status_code == 404

    # A published gift the leader gave them makes them public, with no holdings to list.
    GiftFactory(donor=donor, country=CountryFactory(), direction="given")
    page = client.get(reverse("donors:detail", args=[donor.slug]))

    assert page.status_code == 200
    assertContains(page, "The museum has no published gift from Quiet donor yet.")
    assertContains(page, "<dd>Not recorded</dd>", html=True)
    assert page.context["gift_count"] == 0
    assert page.context["titles"] == []
    assertNotContains(page, "Consul")
    assertNotContains(page, "/gifts/?donor=")


def test_an_unknown_donor_is_a_404(client, collection):
    assert client.get("/donors/vladimir-putins/").status_code == 404


def test_a_donor_page_runs_the_same_queries_for_any_number_of_gifts(
    client, db, django_assert_num_queries
):
    donor = DonorFactory()

    def assert_queries(expected):
        client.get(donor.get_absolute_url())
        with django_assert_num_queries(expected):
            return client.get(donor.get_absolute_url())

    # Collection version, donor and country, titles, occasions, the gifts shown.
    GiftFactory.create_batch(2, donor=donor, occasion=OccasionFactory(), donor_title="Consul")
    assert len(assert_queries(5).context["gifts"]) == 2
    for number in range(40):
        GiftFactory(donor=donor, occasion=OccasionFactory(), donor_title=f"Title {number}")
    page = assert_queries(5)
    assert len(page.context["gifts"]) == 24
    # The 20 occasions with most gifts are listed, and the page says there are more.
    assert len(page.context["occasions"]) == 20
    assert page.context["more_occasions"] == 21
    assert "of 41" in page.content.decode()
    assert len(page.context["titles"]) == 41


# The countries --------------------------------------------------------------------------------


def test_the_countries_are_grouped_by_continent_with_their_gifts(client, collection):
    CountryFactory(name="Atlantis", continent="Europe")

    page = client.get(reverse("donors:countries"))

    assert page.status_code == 200
    continents = dict(page.context["continents"])
    assert list(continents) == ["Africa", "Asia", "Europe", "North America"]
    assertContains(page, '<h2 id="continent-3">Europe</h2>', html=True)
    europe = {country.code: country.gift_count for country in continents["Europe"]}
    assert europe["RUS"] == 18
    assert europe["SUN"] == 5
    assert {country.code: country.gift_count for country in continents["North America"]}["USA"] == 6
    assertContains(page, '<a href="/countries/RUS/">Russia</a>', html=True)
    assertContains(page, "69 gifts from 25 countries and former states")
    # Countries without a published gift are left out: North Korea, Myanmar, Atlantis.
    assertNotContains(page, "Atlantis")
    assertNotContains(page, ">North Korea<")
    assertContains(
        page,
        '<span class="former">former state, succeeded by '
        '<a href="/countries/RUS/">Russia</a></span>',
        html=True,
    )
    assertContains(page, '<span class="former">former state</span>', html=True)  # Yugoslavia


def test_the_country_list_runs_the_same_queries_for_any_number_of_countries(
    client, db, django_assert_num_queries
):
    def assert_queries(expected):
        client.get(reverse("donors:countries"))
        with django_assert_num_queries(expected):
            return client.get(reverse("donors:countries"))

    GiftFactory.create_batch(2)
    assert assert_queries(2).context["country_count"] == 2
    GiftFactory.create_batch(30, country=CountryFactory(is_historical=True))
    GiftFactory.create_batch(30)
    assert assert_queries(2).context["country_count"] == 33


def test_a_country_page_shows_its_gifts_in_numbers(client, collection):
    page = client.get(reverse("donors:country", args=["RUS"]))

    assert page.status_code == 200
    assertContains(page, "<h1>Russia</h1>", html=True)
    assertContains(page, "<dd>Europe</dd>", html=True)
    assert page.context["gift_count"] == 18
    assertContains(page, '<a href="/countries/SUN/">Soviet Union</a>', html=True)
    leaders = {option.label: count for option, count in page.context["leaders"]}
    assert leaders == {"Kim Jong Il": 2, "Kim Jong Un": 15, "An institution": 1}
    assertContains(
        page,
        '<a href="/gifts/?country=RUS&amp;leader=kim-jong-un">Kim Jong Un</a>',
        html=True,
    )
    donors = [(option.label, count) for option, count in page.context["top_donors"]]
    assert donors == [
        ("Vladimir Putin", 11),
        ("Oleg Kozhemyako", 4),
        ("Sergei Shoigu", 2),
        ("Russian officials at Khasan", 1),
    ]
    assertContains(page, '<a href="/donors/vladimir-putin/">Vladimir Putin</a>', html=True)
    categories = [(option.label, count) for option, count in page.context["categories"]]
    assert categories[0] == ("Military equipment", 4)
    assert sum(count for _, count in categories) == 18
    decades = [(option.label, count) for option, count, _ in page.context["decades"]]
    assert decades == [("2000s", 2), ("2010s", 1), ("2020s", 15)]
    assertContains(page, 'href="/gifts/?country=RUS&amp;year_from=2020&amp;year_to=2029"')
    assertContains(page, 'href="/gifts/?country=RUS"')


def test_a_former_state_links_to_its_successor(client, collection):
    page = client.get(reverse("donors:country", args=["SUN"]))
    assert page.status_code == 200
    assertContains(
        page,
        '<dd>Former state, succeeded by <a href="/countries/RUS/">Russia</a></dd>',
        html=True,
    )
    assert page.context["gift_count"] == 5
    decades = [(option.label, count) for option, count, _ in page.context["decades"]]
    assert decades == [("1940s", 2), ("1980s", 2), ("Date unknown", 1)]


def test_a_country_page_shows_the_top_ten_donors(client, db):
    country = CountryFactory(code="QQQ", name="Testland")
    for number in range(12):
        GiftFactory.create_batch(number + 1, donor=DonorFactory(country=country, name=f"D{number}"))

    page = client.get(country.get_absolute_url())

    donors = [option.label for option, _ in page.context["top_donors"]]
    assert donors == [f"D{number}" for number in range(11, 1, -1)]
    assert page.context["gift_count"] == 78


def test_a_country_without_gifts_still_has_a_page(client, collection):
    page = client.get(reverse("donors:country", args=["PRK"]))
    assert page.status_code == 200
    assertContains(page, "The museum has no published gift from North Korea")
    assert page.context["gift_count"] == 0


def test_a_country_code_in_lower_case_redirects_permanently(client, collection):
    page = client.get("/countries/rus/")
    assertRedirects(page, "/countries/RUS/", status_code=301)


@pytest.mark.parametrize("path", ["/countries/XYZ/", "/countries/xyz/", "/countries/RUSSIA/"])
def test_an_unknown_country_is_a_404(client, collection, path):
    assert client.get(path, follow=True).status_code == 404


def test_a_country_page_runs_the_same_queries_for_any_number_of_gifts(
    client, db, django_assert_num_queries
):
    country = CountryFactory(code="QQQ")
    CountryFactory(code="QQP", is_historical=True, successor=country)

    def assert_queries(expected):
        client.get(country.get_absolute_url())
        with django_assert_num_queries(expected):
            return client.get(country.get_absolute_url())

    # Collection version, country and successor, predecessors.
    GiftFactory(donor=DonorFactory(country=country))
    assert assert_queries(3).context["gift_count"] == 1
    leader = LeaderFactory(code="KJU", name="Kim Jong Un", slug="kim-jong-un", generation=3)
    for number in range(40):
        GiftFactory(
            donor=DonorFactory(country=country),
            leader=leader if number % 2 else LeaderFactory(),
            date_received=datetime.date(1950 + number, 1, 1),
        )
    page = assert_queries(3)
    assert page.context["gift_count"] == 41
    assert len(page.context["top_donors"]) == 10
    assert len(page.context["decades"]) == 4


def test_donors_and_countries_link_to_their_pages(db):
    donor = DonorFactory(slug="jimmy-carter", country=CountryFactory(code="USA"))
    assert donor.get_absolute_url() == "/donors/jimmy-carter/"
    assert donor.country.get_absolute_url() == "/countries/USA/"


def test_the_donor_list_exports_its_current_results(client, collection):
    import csv
    import io
    import json

    response = client.get("/donors/export.csv", {"country": "RUS", "sort": "gifts"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["name"] == "Vladimir Putin"
    assert (rows[0]["name_original"], rows[0]["name_original_lang"]) == ("Владимир Путин", "ru")
    assert rows[0]["gifts"] == "11"
    listed = client.get("/donors/", {"country": "RUS", "sort": "gifts"})
    assert [row["name"] for row in rows] == [d.name for d in listed.context["donors"]]
    assert 'href="/donors/export.csv?country=RUS&amp;sort=gifts"' in listed.content.decode()
    records = json.loads(b"".join(client.get("/donors/export.json").streaming_content))
    assert len(records) == 46
    assert client.get("/donors/export.json", {"kind": "emperor"}).status_code == 400
