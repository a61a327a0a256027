"""axe-core (WCAG 2.x A/AA and best practice rules) on every public page type and the admin forms.

The tests fail on any violation of impact "serious" or "critical" and name each one: rule id,
impact and the elements it was found on.
"""

import json

import pytest
from django.urls import reverse

from donors.models import Country, Donor
from exhibitions.models import Building, Exhibition, Showroom
from gifts.models import Gift, Leader, Occasion
from tests.browser.conftest import screenshot
from tests.factories import UserFactory
from tests.test_html import export_pages

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database (flushed after each test: see `roles`).
    pytest.mark.django_db(transaction=True),
]

BLOCKING = {"serious", "critical"}


def axe_violations(page, axe_script):
    """The serious and critical violations axe-core finds on the page as it is shown now."""
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(url, violations):
    lines = [f"{url}: {len(violations)} serious or critical accessibility violation(s)"]
    for violation in violations:
        targets = [json.dumps(node["target"]) for node in violation["nodes"]][:8]
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {target}" for target in targets)
    return "\n".join(lines)


def public_pages():
    gift = Gift.objects.published().exclude(images=None).first() or Gift.objects.published()[0]
    leader = Leader.objects.first()
    country = Country.objects.filter(gifts__isnull=False).first()
    pages = {
        "home": "/",
        "gift listing": reverse("gifts:list"),
        "listing with filters": f"{reverse('gifts:list')}?leader={leader.slug}"
        f"&country={country.code}",
        "search results": f"{reverse('gifts:list')}?q=vase",
        "search with a misspelling": f"{reverse('gifts:list')}?q=Mitterand",
        "listing as a list": f"{reverse('gifts:list')}?view=list&leader={leader.slug}",
        "every option of a filter": reverse("gifts:options", args=["donor"]),
        "gift page": gift.get_absolute_url(),
        "leaders": reverse("gifts:leaders"),
        "a leader": leader.get_absolute_url(),
        "donors": reverse("donors:list"),
        "a donor": Donor.objects.filter(gifts__isnull=False).first().get_absolute_url(),
        "countries": reverse("donors:countries"),
        "a country": country.get_absolute_url(),
        "occasions": reverse("gifts:occasions"),
        "an occasion": Occasion.objects.public().first().get_absolute_url(),
        "visit": reverse("exhibitions:visit"),
        "exhibitions": reverse("exhibitions:list"),
        "statistics": reverse("statistics"),
        "404": "/no-such-page/",
    }
    showroom = Showroom.objects.first()
    if showroom:
        pages["a showroom"] = showroom.get_absolute_url()
    exhibition = Exhibition.objects.filter(status="published").first()
    if exhibition:
        pages["an exhibition"] = exhibition.get_absolute_url()
    return pages


@pytest.mark.parametrize(
    ("size", "dark"),
    [("desktop", False), ("phone", False), ("desktop", True)],
    ids=["desktop", "phone", "desktop-dark"],
)
def test_public_pages_have_no_serious_violations(
    live_server, collection, new_page, axe_script, size, dark
):
    """In dark mode too: the colours (contrast) come from site.css's dark palette."""
    page = new_page(size, bypass_csp=True, dark=dark)
    failures = []
    for name, path in public_pages().items():
        response = page.goto(live_server.url + path)
        assert response.status == (404 if name == "404" else 200), f"{name}: {path}"
        page.wait_for_load_state()
        if name in ("home", "statistics"):
            screenshot(page, name.replace(" ", "-"), f"{size}-dark" if dark else size)
        violations = axe_violations(page, axe_script)
        if violations:
            failures.append(describe(f"{name} ({path})", violations))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("size", ["desktop", "phone", "narrow"])
def test_a_large_downloads_page_has_no_serious_violations_in_any_state(
    live_server, db, new_page, axe_script, size
):
    page = new_page("phone" if size == "narrow" else size, bypass_csp=True)
    if size == "narrow":
        page.set_viewport_size({"width": 320, "height": 700})
    failures = []
    for path in export_pages():
        response = page.goto(live_server.url + path)
        assert response.status in (200, 202, 422), path
        page.wait_for_load_state()
        violations = axe_violations(page, axe_script)
        if violations:
            failures.append(describe(path, violations))
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wider > 0:
            failures.append(f"{path}: {wider} px of sideways scrolling at {size}")
    assert not failures, "\n".join(failures)


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_admin_forms_have_no_serious_violations(
    live_server, collection, new_page, axe_script, size
):
    UserFactory(username="boss", is_staff=True, is_superuser=True, password="correct horse 1")
    page = new_page(size, bypass_csp=True)
    sign_in(page, live_server, "boss", "correct horse 1")
    gift = Gift.objects.exclude(images=None).first() or Gift.objects.first()
    pages = {
        "gift changelist": reverse("admin:gifts_gift_changelist"),
        "gift add form": reverse("admin:gifts_gift_add"),
        "gift change form": reverse("admin:gifts_gift_change", args=[gift.pk]),
        "donor add form": reverse("admin:donors_donor_add"),
        "donor change form": reverse("admin:donors_donor_change", args=[Donor.objects.first().pk]),
        "exhibition add form": reverse("admin:exhibitions_exhibition_add"),
    }
    building = Building.objects.filter(facts__isnull=False).first() or Building.objects.first()
    if building:  # two tabular inlines, one with autocomplete boxes
        pages["building change form"] = reverse(
            "admin:exhibitions_building_change", args=[building.pk]
        )
    exhibition = Exhibition.objects.first()
    if exhibition:
        pages["exhibition change form"] = reverse(
            "admin:exhibitions_exhibition_change", args=[exhibition.pk]
        )
    failures = []
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{name}: {path}"
        page.wait_for_load_state()
        if name == "gift change form":
            screenshot(page, "admin-gift", size)
        if name == "gift add form":
            # A row added in the page: its inputs and autocomplete box are named too.
            page.click("#citations-group .add-row a")
            page.wait_for_selector("#citations-group tr.dynamic-citations .select2-selection")
        violations = axe_violations(page, axe_script)
        if violations:
            failures.append(describe(f"{name} ({path})", violations))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_no_public_page_scrolls_sideways_at_320_px(live_server, collection, new_page, js):
    """The gift listing's filters (a grid item) once kept their search box's width: 36 px too
    wide. Every page type, and the listing with its yes/no filters chosen."""
    page = new_page("phone", js=js)
    page.set_viewport_size({"width": 320, "height": 700})
    paths = [*public_pages().values(), "/gifts/?on_display=false&has_image=true"]
    failures = []
    for path in paths:
        page.goto(live_server.url + path)
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wider > 0:
            failures.append(f"{path}: {wider} px of sideways scrolling")
    assert not failures, "\n".join(failures)


def test_no_chart_label_is_cut_at_320_px(live_server, collection, new_page):
    """SVG text does not wrap: a long label is drawn on several lines (pages.charts.wrap)."""
    page = new_page("phone")
    page.set_viewport_size({"width": 320, "height": 700})
    for path in ("/statistics/", "/leaders/kim-il-sung/"):
        page.goto(live_server.url + path)
        outside = page.evaluate(
            """Array.from(document.querySelectorAll('svg .bar-label')).filter(label => {
                const drawing = label.closest('svg').getBoundingClientRect();
                return label.getBoundingClientRect().right > drawing.right + 1;
            }).map(label => label.textContent)"""
        )
        assert not outside, f"{path}: labels wider than their chart: {outside}"
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('svg .bar-label'), label => label.textContent)"
        )
        assert drawn and not any("…" in label for label in drawn), path
