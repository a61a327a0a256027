"""A curator's journey through the admin, in Chromium: add a gift with an image and a source,
save it as a draft, submit it for review, publish it, find it on the public site, then edit it and
revert the edit from its history.
"""

import re

import pytest
from django.contrib.auth.models import Group
from PIL import Image
from playwright.sync_api import expect

from donors.models import Country, Donor
from gifts.models import Category, Gift, Leader, Source
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database (flushed after each test: see `roles`).
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct horse battery staple"
TITLE = "Lacquered tea caddy with cranes"


@pytest.fixture
def registrar(roles):
    user = UserFactory(username="registrar", is_staff=True, password=PASSWORD)
    user.groups.add(Group.objects.get(name="Registrar"))
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True, password=PASSWORD)


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "caddy.png"
    Image.new("RGB", (64, 48), (150, 30, 40)).save(path)
    return path


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def autocomplete(page, field_id, label, text):
    """
    Chooses in an admin autocomplete (select2) as a user does: find the box by the name a screen
    reader gives it (static/js/admin-combobox-names.js), open it, type, pick.
    """
    box = page.get_by_role("combobox", name=re.compile(rf"^{re.escape(label)}\b"))
    expect(box).to_have_count(1)
    box.click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    option = page.locator(".select2-results__option", has_text=text).first
    option.wait_for()
    option.click()
    page.locator(f"#select2-{field_id}-container", has_text=text).wait_for()


def save_and_continue(page):
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    errors = page.locator(".errornote, .errorlist")
    assert not errors.count(), errors.all_inner_texts()


def test_a_gift_from_draft_to_the_public_site_and_back(
    live_server, collection, new_page, registrar, superuser, png, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    donor = Donor.objects.filter(gifts__isnull=False).first()
    country = Country.objects.filter(gifts__isnull=False).first()
    source = Source.objects.first()
    page = new_page("desktop")
    sign_in(page, live_server, "registrar")

    # Add the gift, with an image and a source, as a draft.
    page.goto(f"{live_server.url}/admin/gifts/gift/add/")
    page.fill("#id_accession_number", "IFE-9001")
    page.fill("#id_title", TITLE)
    page.select_option("#id_category", str(Category.objects.first().pk))
    page.select_option("#id_leader", str(Leader.objects.get(code="KJU").pk))
    autocomplete(page, "id_donor", "Donor", donor.name)
    autocomplete(page, "id_country", "Country", country.name)
    page.select_option("#id_confidence", "B")
    page.select_option("#id_status", "draft")
    page.locator("#images-group .add-row a").click()
    page.set_input_files("#id_images-0-image", str(png))
    page.fill("#id_images-0-alt_text", "A red lacquered box with a lid, seen from the front")
    page.locator("#citations-group .add-row a").click()
    autocomplete(page, "id_citations-0-source", "Source", source.title)
    page.fill("#id_citations-0-claim", "the gift and its donor")
    save_and_continue(page)
    gift = Gift.objects.get(accession_number="IFE-9001")
    assert gift.status == "draft"
    assert gift.images.get().alt_text.startswith("A red lacquered box")
    assert list(gift.sources.all()) == [source]
    change_url = page.url

    # Submit it for review with the bulk action, through its confirmation page.
    page.goto(f"{live_server.url}/admin/gifts/gift/?q=IFE-9001")
    page.check(f"input[name=_selected_action][value='{gift.pk}']")
    page.select_option("select[name=action]", "submit_for_review")
    page.click("button[name=index]")
    page.wait_for_selector("#bulk-summary")
    page.click("input[type=submit][value='Submit for review']")
    page.wait_for_selector(".messagelist")
    gift.refresh_from_db()
    assert gift.status == "review"

    # The registrar publishes it from its form.
    page.goto(change_url)
    page.select_option("#id_status", "published")
    save_and_continue(page)
    gift.refresh_from_db()
    assert gift.status == "published"

    # A visitor finds it.
    visitor = new_page("desktop")
    visitor.goto(f"{live_server.url}/gifts/?q={TITLE.replace(' ', '+')}")
    visitor.locator(".card-title a", has_text=TITLE).click()
    visitor.wait_for_url(re.compile(r"/gifts/IFE-9001/"))
    assert visitor.locator("h1").inner_text().strip() == TITLE
    assert visitor.locator("img[alt^='A red lacquered box']").count() == 1

    # Another user edits its title; the edit is reverted from the history.
    admin = new_page("desktop")
    sign_in(admin, live_server, "boss")
    admin.goto(change_url)
    admin.fill("#id_title", "Tea caddy (wrong title)")
    save_and_continue(admin)
    assert Gift.objects.get(pk=gift.pk).title == "Tea caddy (wrong title)"
    admin.click("a.historylink")
    admin.wait_for_url(re.compile(r"/history/$"))
    # The newest version is listed first: the one before it has the old title.
    admin.locator("a", has_text="View or revert").nth(1).click()
    admin.wait_for_url(re.compile(r"/history/\d+/$"))
    assert admin.input_value("#id_title") == TITLE
    admin.click("input[type=submit][value=Revert]")
    admin.wait_for_load_state()
    assert Gift.objects.get(pk=gift.pk).title == TITLE
    admin.goto(change_url)
    assert admin.input_value("#id_title") == TITLE
