"""Browsing the listing as a visitor on any screen: a panel's "Show all", the compact list view,
a page title that says what is listed, options with nothing to show that are not tab stops."""

import re

import pytest

from catalogue.facets import FACET
from tests.factories import DonorFactory, GiftFactory

LIST = "/gifts/"


def panel(response, key):
    return next(p for p in response.context["panels"] if p.key == key)


@pytest.fixture
def many_donors(db):
    """40 donors, donor n with n gifts: more than a panel shows (12)."""
    donors = [DonorFactory(name=f"Donor number {n:02d}") for n in range(1, 41)]
    for n, donor in enumerate(donors, start=1):
        GiftFactory.create_batch(n, donor=donor, country=donor.country)
    return donors


def test_an_option_with_no_gifts_is_not_a_link(client, collection):
    text = client.get(LIST, {"country": "RUS"}).content.decode()
    # Kim Il Sung received nothing from Russia: shown with its 0, but not a tab stop.
    assert '<li><span class="empty">Kim Il Sung <span class="n">0<' in text
    assert not re.search(r'<a [^>]*>Kim Il Sung <span class="n">0<', text)
    chosen = client.get(LIST, {"country": "RUS", "leader": "kim-il-sung"}).content.decode()
    # Once chosen it stays a link, to take it off again.
    assert 'href="/gifts/?country=RUS" rel="nofollow" aria-current="true"' in chosen


def test_a_long_panel_shows_its_top_options_and_links_to_every_one(client, many_donors):
    response = client.get(LIST)
    donors = panel(response, "donor")
    assert len(donors.choices) == FACET["donor"].shown == 12
    assert donors.choices[0].label == "Donor number 40"
    assert donors.hidden_count == 28
    assert donors.more_url == "/gifts/filters/donor/"
    text = response.content.decode()
    assert 'href="/gifts/filters/donor/" rel="nofollow">Show all 40' in text
    filtered = client.get(LIST, {"year_from": "1900"})
    assert panel(filtered, "donor").more_url == "/gifts/filters/donor/?year_from=1900"


def test_show_all_lists_every_option_most_gifts_first_and_links_back(client, many_donors):
    response = client.get("/gifts/filters/donor/")
    assert response.status_code == 200
    labels = [choice.label for choice in response.context["choices"]]
    assert len(labels) == 40
    assert labels[:2] == ["Donor number 40", "Donor number 39"]
    assert labels[-1] == "Donor number 01"
    first = response.context["choices"][0]
    assert first.count == 40
    assert first.url == f"/gifts/?donor={many_donors[39].slug}"
    text = response.content.decode()
    assert 'href="/gifts/">← Back to the gifts' in text
    assert "noindex" in text


def test_show_all_keeps_the_listings_filters_and_finds_by_name(client, many_donors):
    chosen = many_donors[0].slug
    response = client.get("/gifts/filters/donor/", {"donor": chosen, "find": "NUMBER 0"})
    labels = [choice.label for choice in response.context["choices"]]
    # The chosen donor first, then the others whose name has "number 0", any case.
    assert labels == ["Donor number 01", *(f"Donor number 0{n}" for n in range(9, 1, -1))]
    assert response.context["choices"][0].selected
    assert response.context["choices"][0].url == "/gifts/"
    second = response.context["choices"][1]
    assert second.url == f"/gifts/?donor={chosen}&donor={many_donors[8].slug}"
    text = response.content.decode()
    assert f'<input type="hidden" name="donor" value="{chosen}">' in text
    assert f'href="/gifts/?donor={chosen}">← Back to the gifts' in text
    nothing = client.get("/gifts/filters/donor/", {"find": "zzz"})
    assert nothing.status_code == 200
    assert "No donor named with “zzz” has gifts here" in nothing.content.decode()


def test_show_all_refuses_what_the_listing_refuses(client, many_donors):
    assert client.get("/gifts/filters/nonsense/").status_code == 404
    bad = client.get("/gifts/filters/donor/", {"country": "XXX"})
    assert bad.status_code == 400
    assert "There is no country “XXX”" in bad.content.decode()
    assert client.get("/gifts/filters/donor/", {"page": "9"}).status_code == 404
    assert client.get("/gifts/filters/donor/", {"page": "x"}).status_code == 404
    assert client.get("/gifts/filters/donor/", {"find": "x" * 5000}).status_code == 200
    hostile = client.get("/gifts/filters/donor/", {"find": "\x00<script>"})
    assert hostile.status_code == 200
    assert b"\x00" not in hostile.content and b"<script>" not in hostile.content
    assert 'value="&lt;script&gt;"' in hostile.content.decode()


def test_show_all_pages_through_thousands_in_a_fixed_number_of_queries(
    client, many_donors, django_assert_num_queries, monkeypatch
):
    from gifts.views import FacetOptionsView

    monkeypatch.setattr(FacetOptionsView, "per_page", 15)
    client.get("/gifts/filters/donor/")
    with django_assert_num_queries(1):  # the collection's version
        page3 = client.get("/gifts/filters/donor/", {"page": 3})
    assert [c.label for c in page3.context["choices"]][-1] == "Donor number 01"
    assert 'rel="prev"' in page3.content.decode()


def test_the_list_view_shows_the_same_gifts_as_rows(client, collection):
    grid = client.get(LIST, {"country": "RUS"})
    rows = client.get(LIST, {"country": "RUS", "view": "list"})
    assert rows.status_code == 200
    text = rows.content.decode()
    grid_links = re.findall(r'class="card-title"><a href="([^"?]+)', grid.content.decode())
    row_links = re.findall(r'<th scope="row"><a href="([^"?]+)', text)
    assert row_links == grid_links and len(row_links) == 18
    # A gift's page leads back to the list view.
    assert "?in=country%3DRUS%26view%3Dlist" in text
    assert '<td data-label="Donor">Vladimir Putin<span class="muted">, Russia</span></td>' in text
    assert "card-grid" not in text
    # The choice is kept in every link of the listing, and the switch goes back to the grid.
    assert "view=list" in panel(rows, "leader").choices[0].url
    assert 'href="/gifts/?country=RUS" rel="nofollow">Grid</a>' in text
    assert 'href="/gifts/?country=RUS&amp;view=list" rel="nofollow">List</a>' in (
        grid.content.decode()
    )
    assert client.get(LIST, {"view": "table"}).status_code == 400


def test_the_list_view_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries):
    GiftFactory.create_batch(30)
    client.get(LIST, {"view": "list"})
    with django_assert_num_queries(1):  # the collection version; the rows are kept
        client.get(LIST, {"view": "list", "sort": "title"})


def test_the_page_title_names_the_filters(client, collection):
    def title(**query):
        text = client.get(LIST, query).content.decode()
        return re.search(r"<title>(.*?) · Friendship Gifts</title>", text)[1]

    assert title() == "Gifts"
    assert title(country="RUS", leader="kim-jong-un") == "Gifts from Russia to Kim Jong Un"
    assert (
        title(donor="vladimir-putin", country="RUS", category="vehicles", page="1")
        == "Gifts from Vladimir Putin · Country: Russia · Category: Vehicles"
    )
    assert title(country=["RUS", "CHN", "USA"]) == "Gifts from Russia, China and 1 more"
    assert (
        title(q="vase", year_from="1990", year_to="1999", on_display="true")
        == "Gifts · Years 1990 to 1999 · On display: yes · Search: vase"
    )
    assert title(leader="kim-il-sung", page="2") == "Gifts to Kim Il Sung · page 2"
