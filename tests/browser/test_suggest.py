"""Suggestions while typing in a search box (static/js/suggest.js), as a visitor uses them: by
keyboard and pointer, on a phone, in dark mode, with a screen reader's view of the combobox, and
without JavaScript (the box searches as it always has)."""

import re

import pytest

from tests.browser.test_accessibility import axe_violations, describe

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database (flushed after each test: see `roles`).
    pytest.mark.django_db(transaction=True),
]

BOX = "#site-search-q"


def type_into(page, box, text):
    page.click(box)
    page.keyboard.type(text)
    page.locator(f"{box}-suggestions [role=option]").first.wait_for()


def listbox(page, box=BOX):
    return page.locator(f"{box}-suggestions")


def test_arrow_keys_highlight_a_suggestion_and_enter_goes_there(live_server, collection, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/")
    box = page.locator(BOX)
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-autocomplete") == "list"
    type_into(page, BOX, "kim j")
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "site-search-q-suggestions"
    assert listbox(page).get_attribute("role") == "listbox"
    assert listbox(page).is_visible()
    groups = listbox(page).locator("[role=group]")
    assert groups.first.get_attribute("aria-labelledby")
    assert listbox(page).locator(".suggest-kind").all_inner_texts()[0].lower() == "leaders"
    options = listbox(page).locator("[role=option]")
    labels = listbox(page).locator("[role=group]").first.locator(".suggest-label")
    assert sorted(labels.all_inner_texts()) == ["Kim Jong Il", "Kim Jong Un"]
    status = page.locator(".suggest-host [role=status]").first
    page.wait_for_function(
        "n => document.querySelector('.suggest-host [role=status]').textContent === n",
        arg=f"{options.count()} suggestions",
    )
    assert status.inner_text() == f"{options.count()} suggestions"
    assert box.get_attribute("aria-activedescendant") is None

    page.keyboard.press("ArrowDown")
    first = options.nth(0)
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert (first.get_attribute("aria-selected"), second.get_attribute("aria-selected")) == (
        "false",
        "true",
    )
    # The highlight is visible: the highlighted option's background differs from the others'.
    colours = [
        option.evaluate("el => getComputedStyle(el).backgroundColor") for option in (first, second)
    ]
    assert colours[0] != colours[1]
    page.keyboard.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("ArrowDown")

    name = second.locator(".suggest-label").inner_text()
    count = second.locator(".n").inner_text().split()[0]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/gifts/\?leader=kim-jong-"))
    assert page.locator("#results-heading").inner_text().startswith(f"{count} gift")
    assert page.locator(".chips").inner_text().count(name) == 1


def test_escape_closes_the_list_then_clears_the_box(live_server, collection, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/")
    type_into(page, BOX, "putin")
    box = page.locator(BOX)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert not listbox(page).is_visible()
    assert box.get_attribute("aria-activedescendant") is None
    assert box.input_value() == "putin"
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    # Down opens the list again once there is something to suggest; Tab leaves and closes it.
    page.keyboard.type("putin")
    listbox(page).locator("[role=option]").first.wait_for()
    page.keyboard.press("Tab")
    assert box.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") != "site-search-q"


def test_enter_without_a_highlight_searches_as_before(live_server, collection, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/")
    type_into(page, BOX, "ceramic va")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/gifts/\?q=ceramic\+va$"))
    assert page.locator("h1").inner_text() == "Gifts matching “ceramic va”"


def test_a_click_on_a_suggestion_follows_it_to_a_gift(live_server, collection, new_page):
    page = new_page("phone")
    page.goto(f"{live_server.url}/statistics/")
    type_into(page, BOX, "stuffed head")
    listbox(page).locator("[role=option]", has_text="Stuffed head of a bear").click()
    page.wait_for_url(re.compile(r"/gifts/IFE-0004/$"))
    assert "Stuffed head of a bear" in page.locator("h1").inner_text()


def test_the_listing_box_suggests_after_the_listing_updates_in_place(
    live_server, collection, new_page
):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/gifts/")
    page.locator(".facets details.facet a").first.wait_for()
    page.evaluate("window.sameDocument = true")
    page.locator("details.facet[data-panel=leader] ul a").first.click()
    page.wait_for_url(re.compile(r"leader="))
    page.locator("#listing:not([aria-busy])").wait_for()
    assert page.evaluate("window.sameDocument") is True  # updated in place: a new search box
    type_into(page, "#listing-q", "mitter")
    option = listbox(page, "#listing-q").locator("[role=option]").first
    assert "François Mitterrand" in option.inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/gifts/\?donor=francois-mitterrand$"))


@pytest.mark.parametrize(
    ("size", "width", "dark"),
    [
        ("desktop", None, False),
        ("phone", None, False),
        ("phone", 320, False),
        ("desktop", None, True),
    ],
    ids=["desktop", "phone-390", "phone-320", "desktop-dark"],
)
def test_the_open_list_fits_the_screen_and_has_no_serious_violations(
    live_server, collection, new_page, axe_script, size, width, dark
):
    page = new_page(size, bypass_csp=True, dark=dark)
    if width:
        page.set_viewport_size({"width": width, "height": 640})
    failures = []
    for path, box in (("/", BOX), ("/gifts/", "#listing-q"), ("/no-such-page/", "#not-found-q")):
        page.goto(live_server.url + path)
        if box == "#listing-q" and size == "phone":
            page.locator(BOX).click()  # on a phone the listing's box is below the results
            box = BOX
        type_into(page, box, "kim")
        page.keyboard.press("ArrowDown")
        assert page.locator(box).get_attribute("aria-expanded") == "true"
        shape = listbox(page, box).evaluate(
            """list => { const r = list.getBoundingClientRect();
                return {left: r.left, right: r.right, bottom: r.bottom,
                        width: innerWidth, height: innerHeight,
                        wider: document.documentElement.scrollWidth - innerWidth,
                        inside: list.scrollWidth - list.clientWidth}; }"""
        )
        if shape["wider"] > 0 or shape["inside"] > 0:
            failures.append(f"{path}: sideways scrolling at {size} {width or ''}: {shape}")
        if shape["left"] < 0 or shape["right"] > shape["width"]:
            failures.append(f"{path}: the list is wider than the screen: {shape}")
        if shape["bottom"] > shape["height"]:
            failures.append(f"{path}: the list runs below the screen: {shape}")
        violations = axe_violations(page, axe_script)
        if violations:
            failures.append(describe(f"{path} with suggestions open", violations))
    assert not failures, "\n".join(failures)


def test_without_javascript_the_box_is_a_plain_search(live_server, collection, new_page):
    page = new_page("phone", js=False)
    page.goto(f"{live_server.url}/")
    box = page.locator(BOX)
    assert box.get_attribute("role") is None
    box.fill("putin")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/gifts/\?q=putin$"))
    assert page.locator("#results-heading").inner_text().split()[0] != "0"
