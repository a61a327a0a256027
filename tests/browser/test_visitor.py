"""A visitor's journeys through the public site, at desktop and phone sizes, with and without JS.

With JavaScript the listing updates in place (static/js/listing.js) and keeps the address in step;
without it every link and form is a normal page load. The journeys are the same either way.
"""

import re
from pathlib import Path

import pytest

from exports import builder
from exports.models import Export
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database (flushed after each test: see `roles`).
    pytest.mark.django_db(transaction=True),
]

JOURNEYS = [
    pytest.param(size, js, id=f"{size}-{'js' if js else 'nojs'}")
    for size in ("desktop", "phone")
    for js in (True, False)
]


def first_gift(page):
    return page.locator(".card-grid .card-title a").first


def wait_for_listing(page, expected_url_part):
    """The listing shows the address's results: after a page load or an in-place update."""
    page.wait_for_url(re.compile(re.escape(expected_url_part)))
    page.wait_for_load_state()
    page.locator("#listing:not([aria-busy])").wait_for()
    page.locator(".card-grid .card-title a").first.wait_for()


def facet_link(page, title):
    """The first (largest) choice of a facet panel, opening the panel if it is closed."""
    panel = page.locator("details.facet", has=page.locator("summary", has_text=title)).first
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel.locator("ul a").first


def choose(page, title, parameter):
    link = facet_link(page, title)
    href = link.get_attribute("href")
    value = re.search(rf"[?&]{parameter}=([^&]+)", href).group(1)
    link.click()
    wait_for_listing(page, f"{parameter}={value}")
    return value


@pytest.mark.parametrize(("size", "js"), JOURNEYS)
def test_filter_search_and_page_through_the_gifts(live_server, collection, new_page, size, js):
    page = new_page(size, js)
    page.goto(f"{live_server.url}/gifts/")
    page.locator(".card-grid .card-title a").first.wait_for()
    if js:
        # listing.js has run: it shows the facets' "find a ..." boxes.
        page.locator("[data-facet-filter]:not([hidden])").first.wait_for(state="attached")
        # A mark on this document: it survives only if the listing updates in place.
        page.evaluate("window.sameDocument = true")
        screenshot(page, "listing", size)
    total = page.locator("#results-heading").inner_text()

    leader = choose(page, "Leader", "leader")
    after_leader = page.locator("#results-heading").inner_text()
    country = choose(page, "Country", "country")
    assert f"leader={leader}" in page.url
    after_country = page.locator("#results-heading").inner_text()
    assert after_country != total or after_leader != total
    assert page.locator(".chips .chip").count() >= 2  # two filters and "Clear all"

    # Search within these results for a word of the first gift's title.
    word = max(re.findall(r"\w{4,}", first_gift(page).inner_text()), key=len)
    page.locator("#listing-q").fill(word)
    page.locator("#listing-q").press("Enter")
    wait_for_listing(page, f"q={word}")
    assert f"country={country}" in page.url
    assert page.locator("h1").inner_text() == f"Gifts matching “{word}”"
    if js:
        assert page.evaluate("window.sameDocument === true"), "the listing was reloaded"

    # Page 2 of one leader's gifts, then a gift, its donor, back, its occasion's page, back.
    page.goto(f"{live_server.url}/gifts/?leader={leader}")
    page.locator(".pagination a[rel=next]").click()
    wait_for_listing(page, "page=2")
    assert page.locator(".pagination [aria-current=page]").inner_text().strip().endswith("2")
    results_url = page.url
    first_title = first_gift(page).inner_text()

    first_gift(page).click()
    page.wait_for_url(re.compile(r"/gifts/[^/?]+/"))
    assert page.locator("h1").inner_text().strip() == first_title.strip()
    gift_url = page.url
    if js:
        screenshot(page, "gift", size)

    page.locator("dd a[href^='/donors/']").first.click()
    page.wait_for_url(re.compile(r"/donors/[^/]+/$"))
    page.go_back()
    page.wait_for_url(gift_url)
    occasion = page.locator("dt:text-is('Occasion') + dd a")
    if occasion.count():
        occasion.click()
        page.wait_for_url(re.compile(r"/occasions/[^/]+/$"))
        page.locator("#received-heading").wait_for()
        page.go_back()
        page.wait_for_url(gift_url)

    page.go_back()
    wait_for_listing(page, results_url)
    assert page.url == results_url
    assert first_gift(page).inner_text() == first_title


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_a_large_download_shows_its_link_once_ready(
    live_server, collection, new_page, settings, js
):
    """With JavaScript the export's page puts the link in place by itself, without reloading;
    without it, "Check again" shows it. Either way the file is the listing's."""
    settings.EXPORT_STREAM_ROWS = {"csv": 5, "json": 5, "xlsx": 5}
    page = new_page("phone", js=js)
    response = page.goto(live_server.url + "/gifts/export.csv?leader=kim-il-sung")
    assert response.status == 202
    assert "/exports/" in page.url
    page.get_by_role("status").filter(has_text="Waiting to be prepared").wait_for()
    if js:
        page.evaluate("window.notReloaded = true")
    builder.build_waiting()
    if not js:
        page.get_by_role("link", name="Check again").click()
    link = page.get_by_role("link", name="Download friendship-gifts.csv")
    link.wait_for(timeout=15000)
    page.get_by_role("status").filter(has_text="Ready").wait_for()
    if js:
        assert page.evaluate("window.notReloaded === true")
    with page.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.startswith("accession_number,")
    assert content.count("\n") - 1 == Export.objects.get().rows > 5


def test_a_gift_prints_on_one_page_with_its_address_and_citation(live_server, collection, new_page):
    """The records with the most to say (sources, notes, sanctions) each print on one page."""
    from django.db.models import Count
    from django.db.models.functions import Length

    from gifts.models import Gift

    fullest = (
        Gift.objects.annotate(cited=Count("citations"), words=Length("note"))
        .order_by("-cited", "-words")
        .values_list("accession_number", flat=True)[:4]
    )
    page = new_page("desktop")
    for accession_number in [*fullest, "IFE-0056"]:
        page.goto(f"{live_server.url}/gifts/{accession_number}/")
        page.emulate_media(media="print")
        assert page.locator(".citation").is_visible()
        assert f"/gifts/{accession_number}/" in page.locator(".citation").inner_text()
        assert not page.locator(".site-header").is_visible()
        assert not page.locator(".related").first.is_visible()
        pdf = page.pdf(format="A4")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"{accession_number} prints on {pages} pages"
