"""The home page, statistics, sitemap, robots.txt and error pages, as a visitor sees them."""

import datetime
import html
import re

import pytest
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone

from gifts.models import Gift
from pages.sitemaps import GiftSitemap
from tests.factories import ExhibitionFactory, GiftFactory


def boom(request):
    raise RuntimeError("A fault on our side")


# The URLs of the test that sees the 500 page (pytest.mark.urls below).
urlpatterns = [path("boom/", boom)]


def text_of(response):
    return response.content.decode()


def bar_links(page):
    """[(href, <desc>, the whole <a>)] of every bar that links to a listing."""
    return [
        (html.unescape(href), html.unescape(description), link)
        for link, href, description in re.findall(
            r'(<a href="([^"]+)">\s*<desc>([^<]+)</desc>.*?</a>)', page, re.S
        )
    ]


def linked_bars(page):
    """{(href, description)} of every bar that links to a listing: "{label}, {n} gifts"."""
    return {(href, description) for href, description, _ in bar_links(page)}


# Home page ------------------------------------------------------------------------------------


def test_home_shows_the_collection_in_numbers(client, collection):
    page = text_of(client.get(reverse("home")))
    assert "This catalogue records 69 of them from 25 countries" in page
    stats = re.findall(
        r'<span class="stat-number">([\d,]+)</span> <a class="stat-label" href="([^"]+)">(\w+)</a>',
        page,
    )
    assert stats == [
        ("69", "/gifts/", "gifts"),
        ("25", "/countries/", "countries"),
        ("46", "/donors/", "donors"),
        ("20", "/visit/", "showrooms"),
    ]


def test_home_gives_the_museums_facts_with_their_sources(client, collection):
    page = text_of(client.get(reverse("home")))
    assert re.findall(r"<dt>([^<]+)</dt>", page) == [
        "Location",
        "Established",
        "Showrooms",
        "Items",
    ]
    assert '<dd>1978 <span class="muted small">(Reuters)</span>' in page
    assert "More than 100 <span" in page
    assert '120 <span class="muted">(Lonely Planet)</span>' in page
    assert 'Over 200 <span class="muted">(Korean Central News Agency)</span>' in page
    # An attribution is given where no catalogued source fits.
    assert "from more than 200 countries <span" in page
    assert "(Citing DPRK state media)" in page
    assert "Storeys" not in page  # a building's fact, not the museum's


def test_home_introduces_the_three_leaders(client, collection):
    page = text_of(client.get(reverse("home")))
    for slug, name, hangul, generation, years, count in [
        ("kim-il-sung", "Kim Il Sung", "김일성", 1, "1948–1994", 29),
        ("kim-jong-il", "Kim Jong Il", "김정일", 2, "1994–2011", 17),
        ("kim-jong-un", "Kim Jong Un", "김정은", 3, "2011–today", 22),
    ]:
        assert f'<a href="/leaders/{slug}/">{name}</a>' in page
        assert f'<span lang="ko">{hangul}</span>' in page
        assert f"Generation {generation} · in power {years}" in page
        assert f'<a href="/gifts/?leader={slug}">{count} gifts</a>' in page
    assert page.index("Kim Il Sung</a>") < page.index("Kim Jong Il</a>")


def test_home_features_the_newest_well_documented_gift_of_each_leader(client, collection):
    response = client.get(reverse("home"))
    featured = response.context["featured_gifts"]
    assert len(featured) == 6
    assert [gift.leader.name for gift in featured[:3]] == [
        "Kim Il Sung",
        "Kim Jong Il",
        "Kim Jong Un",
    ]
    assert {gift.confidence for gift in featured} == {"A"}
    newest = (
        Gift.objects.published()
        .holdings()
        .filter(leader__slug="kim-jong-un", confidence="A")
        .order_by("-date_received", "id")
        .first()
    )
    assert featured[2] == newest
    page = text_of(response)
    assert f'<a href="{newest.get_absolute_url()}">{newest.title}</a>' in page
    featured_section = page[page.index('id="featured-heading"') : page.index('id="browse-heading"')]
    assert featured_section.count('<li class="card">') == 6


def test_home_leaves_out_gifts_not_well_documented_or_not_published(client, db):
    GiftFactory(title="A vase the press reported", confidence="A")
    GiftFactory(title="A vase only state media reported", confidence="C")
    GiftFactory(title="A vase in draft", confidence="A", status="draft")
    page = text_of(client.get(reverse("home")))
    assert "A vase the press reported" in page
    assert "A vase only state media reported" not in page
    assert "A vase in draft" not in page


def test_home_shows_the_current_exhibition_only_when_published_and_open(client, collection):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    ExhibitionFactory(
        title="Gifts of the 1980s", status="published", start_date=today - 30 * day, end_date=today
    )
    ExhibitionFactory(
        title="Closed show", status="published", start_date=today - 9 * day, end_date=today - day
    )
    ExhibitionFactory(title="Coming soon", status="published", start_date=today + day)
    ExhibitionFactory(title="Still in draft", start_date=today - day)
    page = text_of(client.get(reverse("home")))
    assert "Current exhibition" in page
    assert "Gifts of the 1980s</a></h2>" in page
    assert re.search(r'<a href="/exhibitions/[\w-]+/">Gifts of the 1980s</a>', page)
    assert f"Until {today:%-d %B %Y}" in page
    for title in ["Closed show", "Coming soon", "Still in draft"]:
        assert title not in page


def test_home_has_no_current_exhibition_when_none_is_open(client, collection):
    ExhibitionFactory(title="Still in draft", start_date=timezone.localdate())
    page = text_of(client.get(reverse("home")))
    assert "Current exhibition" not in page
    assert "Still in draft" not in page


def test_home_links_into_the_collection(client, collection):
    page = text_of(client.get(reverse("home")))
    for href in ["/gifts/", "/leaders/", "/countries/", "/donors/", "/statistics/", "/visit/"]:
        assert f'href="{href}"' in page
    assert '<a href="/gifts/?category=ceramics-and-porcelain">Ceramics and porcelain</a>' in page
    assert page.count("<h1") == 1


def test_home_runs_a_fixed_number_of_queries(client, collection, django_assert_num_queries):
    client.get(reverse("home"))  # loads the in-memory collection
    # Collection version, leaders, facts, the featured gifts, the current exhibition.
    with django_assert_num_queries(5):
        assert client.get(reverse("home")).status_code == 200
    GiftFactory.create_batch(20, confidence="A")
    client.get(reverse("home"))
    with django_assert_num_queries(5):
        assert client.get(reverse("home")).status_code == 200


# Statistics -----------------------------------------------------------------------------------


def test_statistics_draws_each_leaders_gifts_by_decade(client, collection):
    page = text_of(client.get(reverse("statistics")))
    bars = linked_bars(page)
    assert ("/gifts/?leader=kim-il-sung&year_from=1980&year_to=1989", "1980s, 6 gifts") in bars
    assert ("/gifts/?leader=kim-jong-il&year_from=2000&year_to=2009", "2000s, 11 gifts") in bars
    assert ("/gifts/?leader=kim-jong-un&year_from=2020&year_to=2029", "2020s, 14 gifts") in bars
    assert 'Kim Il Sung <span class="chart-total">19 gifts with a known date</span>' in page
    assert "10 gifts have no known date" in page
    assert "1 gift was received by an institution rather than a leader" in page
    # The table crosses decades with leaders: 1990s gifts went to Kim Il Sung and Kim Jong Il.
    assert re.search(
        r'<tr><th scope="row">1990s</th>'
        r'<td class="number"><a href="/gifts/\?leader=kim-il-sung&amp;year_from=1990&amp;'
        r'year_to=1999">7</a></td>'
        r'<td class="number"><a href="[^"]+">4</a></td>'
        r'<td class="number">0</td></tr>',
        page,
    )


@pytest.mark.parametrize(
    ("bar", "row"),
    [
        (
            ("/gifts/?continent=Europe", "Europe, 30 gifts"),
            '<th scope="row"><a href="/gifts/?continent=Europe">Europe</a></th>'
            '<td class="number">30</td>',
        ),
        (
            ("/gifts/?category=vehicles", "Vehicles, 6 gifts"),
            '<th scope="row"><a href="/gifts/?category=vehicles">Vehicles</a></th>'
            '<td class="number">6</td>',
        ),
        (
            ("/gifts/?country=RUS", "Russia, 18 gifts"),
            '<th scope="row"><a href="/gifts/?country=RUS">Russia</a></th>'
            '<td class="number">18</td>',
        ),
        (
            ("/gifts/?confidence=A", "A: independent press, 34 gifts"),
            '<th scope="row"><a href="/gifts/?confidence=A">A: independent press</a></th>'
            '<td class="number">34</td>',
        ),
        (
            ("/gifts/?sanctions=reported", "Reported as contravening UN sanctions, 6 gifts"),
            '<th scope="row"><a href="/gifts/?sanctions=reported">Reported as contravening UN '
            'sanctions</a></th><td class="number">6</td>',
        ),
    ],
)
def test_statistics_bars_and_tables_give_the_same_numbers(client, collection, bar, row):
    page = text_of(client.get(reverse("statistics")))
    assert bar in linked_bars(page)
    assert row in page


def test_a_bars_link_is_named_by_what_it_shows_and_described_in_full(client, collection):
    # WCAG 2.5.3, label in name: no aria-label, so the name is the link's text, the label as
    # drawn (wrapped if long, never cut) and the value; it is in its <desc> too, not a <title>.
    page = text_of(client.get(reverse("statistics")))
    drawings = re.findall(r'<svg class="bar-chart-svg".*?</svg>', page, re.S)
    assert drawings and not any("aria-label=" in drawing for drawing in drawings)
    links = {href: (description, link) for href, description, link in bar_links(page)}
    assert len(links) > 50
    for description, link in links.values():
        assert "aria-label" not in link and "<title>" not in link
        label = description.rsplit(", ", 1)[0]
        drawn = re.search(r'<text class="bar-label"[^>]*>(.+?)</text>', link)[1]
        assert html.unescape(re.sub(r"<[^>]+>", "", drawn)) == label
    description, link = links["/gifts/?sanctions=reported"]
    assert description == "Reported as contravening UN sanctions, 6 gifts"
    assert '>Reported as contravening UN <tspan x="0" dy="16">sanctions</tspan></text>' in link
    assert 'text-anchor="end">6</text>' in link
    assert "<desc>Reported as contravening UN sanctions, 6 gifts</desc>" in link


def test_every_bar_links_to_the_listing_it_counts(client, collection):
    page = text_of(client.get(reverse("statistics")))
    bars = linked_bars(page)
    assert len(bars) > 50
    for href, label in bars:
        count = int(re.search(r", ([\d,]+) gifts?$", label)[1].replace(",", ""))
        assert client.get(href).context["result"].count == count, href


def test_statistics_shows_the_top_fifteen_countries_and_zero_continents(client, collection):
    page = text_of(client.get(reverse("statistics")))
    country_chart = page[page.index('id="chart-country-title"') : page.index('id="confidence"')]
    assert country_chart.count('<tr><th scope="row">') == 15
    assert country_chart.index(">Russia<") < country_chart.index(">China<")
    assert "Gifts came from 25 countries" in page
    # A continent without gifts is drawn as a zero, without a link to an empty list.
    assert ">Oceania</text>" in page
    assert "continent=Oceania" not in page
    assert "The other 58 gifts have no sanctions assessment" in page


def test_statistics_is_one_query_whatever_the_collection_size(
    client, collection, django_assert_num_queries
):
    client.get(reverse("statistics"))
    with django_assert_num_queries(1):  # the collection's version
        assert client.get(reverse("statistics")).status_code == 200
    GiftFactory.create_batch(30)
    client.get(reverse("statistics"))
    with django_assert_num_queries(1):
        assert client.get(reverse("statistics")).status_code == 200


def test_statistics_of_an_empty_collection(client, db):
    page = text_of(client.get(reverse("statistics")))
    assert "These charts count the 0 gifts" in page
    assert "Nothing to count yet" in page


# Sitemap and robots.txt -------------------------------------------------------------------------


def test_the_sitemap_index_lists_every_page_of_gifts(client, collection, monkeypatch):
    monkeypatch.setattr(GiftSitemap, "limit", 10)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    locations = re.findall(r"<loc>([^<]+)</loc>", text_of(response))
    assert [location for location in locations if "gifts" in location] == [
        "http://127.0.0.1:8000/sitemap-gifts.xml",
        *[f"http://127.0.0.1:8000/sitemap-gifts.xml?p={page}" for page in range(2, 9)],
    ]  # 72 published gifts, 10 a page


def test_the_sitemap_lists_the_pages_and_the_published_gifts(client, collection):
    Gift.objects.filter(accession_number="IFE-0007").update(status="draft")
    specimen = GiftFactory(accession_number="SPEC-0001")
    Gift.objects.filter(pk=specimen.pk).update(is_specimen=True)
    pages = re.findall(r"<loc>([^<]+)</loc>", text_of(client.get("/sitemap-pages.xml")))
    assert pages[:2] == ["http://127.0.0.1:8000/", "http://127.0.0.1:8000/gifts/"]
    assert "http://127.0.0.1:8000/statistics/" in pages
    gifts = text_of(client.get("/sitemap-gifts.xml"))
    locations = re.findall(r"<loc>([^<]+)</loc>", gifts)
    assert len(locations) == 71  # 72 published, one made a draft; the specimen left out
    assert "http://127.0.0.1:8000/gifts/IFE-0001/" in locations
    assert "http://127.0.0.1:8000/gifts/IFE-0070/" in locations  # given in return: it has a page
    assert "http://127.0.0.1:8000/gifts/IFE-0007/" not in locations
    assert "SPEC-0001" not in gifts
    assert f"<lastmod>{timezone.now():%Y-%m-%d}</lastmod>" in gifts


def test_a_sitemap_page_is_read_in_fixed_queries(
    client, collection, monkeypatch, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the count, and the page's rows
        assert client.get("/sitemap-gifts.xml").status_code == 200
    monkeypatch.setattr(GiftSitemap, "limit", 10)
    with django_assert_num_queries(2):
        assert client.get("/sitemap-gifts.xml", {"p": 3}).status_code == 200
    # A count for each section that has pages, and the collection's last change.
    with django_assert_num_queries(8):
        assert client.get("/sitemap.xml").status_code == 200
    assert client.get("/sitemap-gifts.xml", {"p": 99}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/img/favicon")
    assert response["Location"].endswith(".svg")


def test_robots_txt_allows_all_but_the_admin_and_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert text_of(response).splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "",
        "Sitemap: http://127.0.0.1:8000/sitemap.xml",
    ]
    assert client.post("/robots.txt").status_code == 405


# Error pages ----------------------------------------------------------------------------------


def test_an_unknown_address_is_a_404_that_helps_the_visitor_on(client, db):
    response = client.get("/gifts-of-stalin/")
    assert response.status_code == 404
    page = text_of(response)
    assert "<h1>Page not found</h1>" in page
    assert '<meta name="robots" content="noindex">' in page
    assert (
        '<form class="site-search not-found-search" role="search" method="get" action="/gifts/">'
        in page
    )
    for href in ["/", "/gifts/", "/leaders/", "/countries/", "/statistics/", "/visit/"]:
        assert f'href="{href}"' in page
    assert page.count("<h1") == 1


def test_an_unpublished_gift_is_the_same_404(client, db):
    draft = GiftFactory(status="draft")
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in text_of(response)


def test_the_500_page_stands_alone():
    page = render_to_string("500.html")  # without a request, and without the database
    assert page.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert "<h1>Something went wrong</h1>" in page
    assert "{%" not in page and "{{" not in page
    assert "style=" not in page and "<script" not in page


@pytest.mark.urls(__name__)
def test_a_fault_shows_the_500_page(client, db):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in text_of(response)


def test_the_sitemap_lists_every_kind_of_page(client, collection):
    index = client.get("/sitemap.xml").content.decode()
    for section in ("pages", "gifts", "leaders", "countries", "donors", "showrooms"):
        assert f"/sitemap-{section}.xml" in index
    pages = client.get("/sitemap-pages.xml").content.decode()
    for page in ("/leaders/", "/donors/", "/countries/", "/occasions/", "/visit/", "/exhibitions/"):
        assert f"http://127.0.0.1:8000{page}</loc>" in pages
    assert "/countries/SUN/</loc>" in client.get("/sitemap-countries.xml").content.decode()
    assert "/donors/vladimir-putin/</loc>" in client.get("/sitemap-donors.xml").content.decode()
    assert "/showrooms/kis-1-04/</loc>" in client.get("/sitemap-showrooms.xml").content.decode()
