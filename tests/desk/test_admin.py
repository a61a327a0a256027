import re

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from donors.models import Country, Donor
from exhibitions.models import Showroom
from gifts.models import Gift, Leader, Resolution
from tests.factories import (
    CategoryFactory,
    DonorFactory,
    ExhibitionFactory,
    GiftFactory,
    ShowroomFactory,
)

# django-axes registers its sign-in logs read-only (no add form): tests/museum/test_security.py
# covers them. Pending changes have no add form either (one is made by saving a published
# record): tests/desk/test_revisions.py covers their pages.
REGISTERED = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label != "axes" and model._meta.label != "desk.PendingChange"
    ),
    key=lambda item: item[0]._meta.label,
)
MODEL_IDS = [model._meta.label for model, _ in REGISTERED]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def exhibition(collection):
    exhibition = ExhibitionFactory(status="published")
    exhibition.items.create(gift=Gift.objects.first(), caption="A caption", order=1)
    return exhibition


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_changelist_add_and_change_form_loads(admin_client, exhibition, model, model_admin):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    if model_admin.search_fields:
        response = admin_client.get(admin_url(model, "changelist"), {"q": "Kim"})
        assert response.status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_list_filter_choice_loads(
    admin_client, rf, admin_user, collection, model, model_admin
):
    request = rf.get(admin_url(model, "changelist"))
    request.user = admin_user
    changelist = model_admin.get_changelist_instance(request)
    for spec in changelist.filter_specs:
        choices = [c for c in spec.choices(changelist) if not c.get("selected")][:3]
        for choice in choices:
            response = admin_client.get(admin_url(model, "changelist") + choice["query_string"])
            assert response.status_code == 200, (spec.title, choice["query_string"])


def test_gift_search_finds_by_accession_number_title_and_donor(admin_client, collection):
    url = admin_url(Gift, "changelist")
    assert "IFE-0056" in admin_client.get(url, {"q": "IFE-0056"}).content.decode()
    assert "Aurus Senat limousine" in admin_client.get(url, {"q": "aurus"}).content.decode()
    page = admin_client.get(url, {"q": "Albright"}).content.decode()
    assert "Basketball signed by Michael Jordan" in page
    assert "Aurus" not in page


def test_the_gift_changelist_runs_the_same_queries_for_5_or_50_rows(admin_client, db):
    def queries_for_changelist():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(admin_url(Gift, "changelist")).status_code == 200
        return len(queries)

    showroom = ShowroomFactory()
    GiftFactory.create_batch(5, showroom=showroom, on_display=True)
    few = queries_for_changelist()
    GiftFactory.create_batch(45, showroom=ShowroomFactory(), category=CategoryFactory())
    assert queries_for_changelist() == few


def test_the_gift_changelist_skips_the_full_count(admin_client, collection):
    page = admin_client.get(admin_url(Gift, "changelist"), {"q": "Putin"}).content.decode()
    assert "Show all" in page
    assert "72 total" not in page


def test_adding_a_gift_records_who_did_it(admin_client, admin_user, collection):
    response = admin_client.post(
        admin_url(Gift, "add"),
        {
            "accession_number": "IFE-0100",
            "title": "Silver samovar",
            "category": Gift.objects.first().category_id,
            "quantity": 1,
            "direction": "received",
            "leader": Leader.objects.get(code="KJU").pk,
            "donor": DonorFactory().pk,
            "country": Gift.objects.first().country_id,
            "date_precision": "day",
            "confidence": "B",
            "status": "draft",
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
            "images-TOTAL_FORMS": 0,
            "images-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    gift = Gift.objects.get(accession_number="IFE-0100")
    assert gift.created_by == admin_user
    assert gift.updated_by == admin_user
    assert gift.slug == "silver-samovar"
    assert gift.donor_kind == gift.donor.kind  # left empty: the donor's kind is filled in


def test_the_gift_form_records_the_kind_of_donor_at_the_time(admin_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0042")
    page = admin_client.get(admin_url(Gift, "change", gift.pk)).content.decode()
    assert '<option value="government_official" selected>Government official</option>' in page


def test_the_accession_number_is_read_only_once_saved(admin_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0007")
    page = admin_client.get(admin_url(Gift, "change", gift.pk)).content.decode()
    assert 'name="accession_number"' not in page
    assert "IFE-0007" in page


def test_resolutions_need_a_sanctions_assessment(admin_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0007")
    response = admin_client.get(admin_url(Gift, "change", gift.pk))
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "resolutions": [Resolution.objects.first().pk],
            "sanctions": "",
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
            "images-TOTAL_FORMS": 0,
            "images-INITIAL_FORMS": 0,
        }
    )
    response = admin_client.post(admin_url(Gift, "change", gift.pk), data)
    assert response.status_code == 200
    assert "Choose an assessment" in response.content.decode()


def test_bulk_publish_and_unpublish(admin_client, admin_user, collection):
    gifts = Gift.objects.filter(accession_number__in=["IFE-0001", "IFE-0002"])
    ids = [str(pk) for pk in gifts.values_list("pk", flat=True)]
    url = admin_url(Gift, "changelist")
    # Each bulk status change shows a confirmation page first (tests/desk/test_workflow.py).
    page = admin_client.post(url, {"action": "unpublish", ACTION_CHECKBOX_NAME: ids})
    assert "2 gifts will change" in page.content.decode()
    assert Gift.objects.published().count() == 72
    admin_client.post(url, {"action": "unpublish", ACTION_CHECKBOX_NAME: ids, "apply": "1"})
    assert set(gifts.values_list("status", flat=True)) == {"draft"}
    assert set(gifts.values_list("updated_by", flat=True)) == {admin_user.pk}
    assert Gift.objects.published().count() == 70
    admin_client.post(url, {"action": "publish", ACTION_CHECKBOX_NAME: ids, "apply": "1"})
    assert Gift.objects.published().count() == 72


def test_move_to_showroom_asks_first_then_moves_only_held_gifts(admin_client, collection):
    selected = Gift.objects.filter(accession_number__in=["IFE-0007", "IFE-0070"])
    ids = [str(pk) for pk in selected.values_list("pk", flat=True)]
    room = Showroom.objects.get(code="KIS-3-03")
    url = admin_url(Gift, "changelist")

    page = admin_client.post(url, {"action": "move_to_showroom", ACTION_CHECKBOX_NAME: ids})
    assert page.status_code == 200
    assert "2 gifts will be moved" in page.content.decode()
    assert Gift.objects.get(accession_number="IFE-0007").showroom.code != "KIS-3-03"

    response = admin_client.post(
        url,
        {
            "action": "move_to_showroom",
            ACTION_CHECKBOX_NAME: ids,
            "apply": "1",
            "showroom": room.pk,
            "on_display": "on",
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("1 gift(s) moved" in m for m in messages)
    assert any("given away" in m for m in messages)
    assert Gift.objects.get(accession_number="IFE-0007").showroom == room
    assert Gift.objects.get(accession_number="IFE-0070").showroom is None


def test_a_curator_catalogues_but_cannot_delete(curator_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0007")
    assert curator_client.get(admin_url(Gift, "changelist")).status_code == 200
    assert curator_client.get(admin_url(Gift, "add")).status_code == 200
    assert curator_client.get(admin_url(Gift, "change", gift.pk)).status_code == 200
    assert curator_client.get(admin_url(Gift, "delete", gift.pk)).status_code == 403
    assert curator_client.get(admin_url(gift.donor, "delete", gift.donor.pk)).status_code == 403


def test_a_curator_only_views_the_reference_lists(curator_client, collection):
    leader = Leader.objects.first()
    page = curator_client.get(admin_url(Leader, "change", leader.pk))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()
    assert curator_client.get(admin_url(Leader, "add")).status_code == 403


def test_visitors_are_sent_to_sign_in(client, collection):
    response = client.get(admin_url(Gift, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_date_hierarchy_offers_the_years_of_the_collection(admin_client, collection):
    page = admin_client.get(admin_url(Gift, "changelist")).content.decode()
    assert "?date_received__year=1945" in page
    assert "?date_received__year=2024" in page
    page = admin_client.get(admin_url(Gift, "changelist"), {"date_received__year": 2000})
    assert page.status_code == 200
    assert "Basketball signed by Michael Jordan" in page.content.decode()
    assert "Aurus" not in page.content.decode()


@pytest.mark.parametrize(
    "query", ["q=%00", "kind__in=%00", "continent__exact=a%00b", "%00=1", "o=1&q=Kim%00"]
)
def test_a_nul_byte_in_an_admin_address_is_a_400_with_the_reason(admin_client, db, query):
    # Found by the fuzz tests: on PostgreSQL the NUL reached the database (a 500).
    for model in (Donor, Country):
        response = admin_client.get(f"{admin_url(model, 'changelist')}?{query}")
        assert response.status_code == 400
        assert "NUL character" in response.content.decode()


def test_tabular_inline_inputs_are_named_for_screen_readers(admin_client, collection):
    # Django's tabular inlines name each column in a <th> only; every input carries it too.
    gift = Gift.objects.filter(citations__isnull=False).first()
    page = admin_client.get(reverse("admin:gifts_gift_change", args=[gift.pk])).content.decode()
    for name, label in [
        ("citations-0-source", "Source"),
        ("citations-0-claim", "Claim supported"),
        ("citations-0-DELETE", "Delete"),
        ("citations-__prefix__-source", "Source"),  # the row "Add another" copies
    ]:
        tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', page)
        assert tag, name
        assert f'aria-label="{label}"' in tag[0], tag[0]
    assert "js/admin-combobox-names" in page  # names the autocomplete boxes in the browser
