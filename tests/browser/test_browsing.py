"""Browsing the listing with JavaScript on, as people do on a phone and a desktop: the filters'
dialog on a phone, where paging and filtering leave the visitor and their focus, the list view.
"""

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database (flushed after each test: see `roles`).
    pytest.mark.django_db(transaction=True),
]


def active(page):
    """What has the keyboard focus: its id, or its tag and text."""
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return e.id || (e.tagName + ':' + (e.textContent || '').trim().slice(0, 40)); })()"
    )


def focus_in_dialog(page):
    return page.evaluate("!!document.activeElement.closest('dialog[open]')")


def in_view(page, selector):
    """The element's top is on the screen."""
    box = page.locator(selector).bounding_box()
    return 0 <= box["y"] < page.viewport_size["height"]


def test_on_a_phone_the_filters_open_over_the_results_and_close_back_to_them(
    live_server, collection, new_page
):
    page = new_page("phone", bypass_csp=True)  # wait_for_function evaluates a string
    page.goto(f"{live_server.url}/gifts/")
    page.locator("[data-facet-filter]:not([hidden])").first.wait_for(state="attached")
    total = page.locator("#results-heading").get_attribute("data-count-text")
    filters = page.get_by_role("button", name=re.compile("^Filters"))
    assert in_view(page, ".jump-to-filters")  # one tap away from the top of the listing
    filters.click()

    dialog = page.locator("dialog.drawer[open]")
    dialog.wait_for()
    assert in_view(page, "dialog.drawer[open] .drawer-bar")
    assert focus_in_dialog(page)
    assert page.url.endswith("/gifts/")  # nothing was loaded
    screenshot(page, "filters-drawer", "phone")
    # The keyboard stays in the dialog.
    for _ in range(60):
        page.keyboard.press("Tab")
        assert focus_in_dialog(page), f"focus left the dialog for {active(page)}"

    # A choice updates the list behind the dialog and the count on its button; it stays open.
    option = dialog.locator("[data-panel=leader] li > a").first
    label = option.evaluate("a => a.firstChild.textContent.trim()")
    option.click()
    page.wait_for_url(re.compile(r"leader="))
    page.locator("#listing:not([aria-busy])").wait_for()
    chosen = page.locator("#results-heading").get_attribute("data-count-text")
    assert chosen != total
    show = dialog.locator(".drawer-show")
    assert show.inner_text() == f"Show {chosen}"
    assert focus_in_dialog(page)
    assert page.evaluate("document.activeElement.textContent").startswith(label)
    assert page.locator("#listing-status").inner_text() == chosen

    # Escape closes it, back at the top of the results with the focus on their heading.
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.wait_for_function("document.activeElement.id === 'results-heading'")
    assert in_view(page, "#results-heading")
    assert page.locator(".listing > .facets").count() == 1  # the filters are back in the page

    # Its button does the same.
    filters = page.get_by_role("button", name=re.compile("^Filters"))
    filters.click()
    page.locator("dialog.drawer[open]").wait_for()
    page.locator("dialog.drawer[open] .drawer-show").click()
    page.locator("dialog.drawer[open]").wait_for(state="hidden")
    page.wait_for_function("document.activeElement.id === 'results-heading'")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_next_and_a_filter_bring_the_visitor_to_the_top_of_the_results(
    live_server, collection, new_page, size
):
    page = new_page(size)
    page.goto(f"{live_server.url}/gifts/")
    page.locator("[data-facet-filter]:not([hidden])").first.wait_for(state="attached")
    page.evaluate("window.sameDocument = true")
    page.locator(".pagination a[rel=next]").scroll_into_view_if_needed()
    assert not in_view(page, "#results-heading")
    page.locator(".pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    page.locator("#listing:not([aria-busy])").wait_for()
    assert page.evaluate("window.sameDocument === true")
    assert active(page) == "results-heading"
    assert in_view(page, "#results-heading")
    status = page.locator("#listing-status").inner_text()
    assert re.fullmatch(r"\d+ gifts, page 2 of \d+", status)
    if size == "desktop":
        # A filter chosen low in the side column: the results' top comes back into view.
        sort = page.locator("#sort")
        sort.select_option("title")
        page.wait_for_url(re.compile(r"sort=title"))
        page.locator("#listing:not([aria-busy])").wait_for()
        page.locator("[data-panel=confidence] li > a").first.click()
        page.wait_for_url(re.compile(r"confidence="))
        page.locator("#listing:not([aria-busy])").wait_for()
        assert active(page) == "results-heading"
        assert in_view(page, "#results-heading")


def test_skip_to_results_is_the_second_tab_stop(live_server, collection, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/gifts/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    assert active(page) == "results-heading"


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_the_list_view_is_chosen_from_the_listing_and_kept(live_server, collection, new_page, js):
    page = new_page("phone", js=js)
    page.goto(f"{live_server.url}/gifts/?leader=kim-jong-il")
    page.locator(".view-switch a", has_text="List").click()
    page.wait_for_url(re.compile(r"view=list"))
    rows = page.locator(".gift-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 17
    if js:
        screenshot(page, "listing-list", "phone")
    page.locator("[data-panel=confidence] li > a").first.click()
    page.wait_for_url(re.compile(r"confidence=.*view=list|view=list.*confidence="))
    page.locator(".gift-table tbody tr").first.wait_for()
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
