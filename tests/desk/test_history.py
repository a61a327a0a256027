"""The curator's desk: every version of a record, revert, restore, and no silent overwrites."""

import shutil

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desk import history
from desk.bulk import mark_updated
from donors.models import Country, Donor
from exhibitions.models import Showroom
from gifts.importer import DEFAULT_DATA_DIR, CollectionImporter
from gifts.models import Gift
from tests.factories import DonorFactory, GiftFactory, ShowroomFactory, UserFactory
from tests.gifts.test_importer import edit_csv


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def versions(obj):
    """The record's versions, latest first."""
    return list(type(obj).history.filter(id=obj.pk).order_by("-history_date", "-history_id"))


def form_data(response, **changes):
    """What the browser would post back from an admin change form, with ``changes``."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data.update(changes)
    return data


@pytest.fixture
def gift(db):
    return GiftFactory(title="Silver vase", date_precision="month")


@pytest.fixture
def other_admin_client(db):
    client = Client()
    client.force_login(
        UserFactory(username="second", is_staff=True, is_superuser=True, first_name="Kim")
    )
    return client


def save_change_form(client, obj, **changes):
    page = client.get(admin_url(type(obj), "change", obj.pk))
    return client.post(admin_url(type(obj), "change", obj.pk), form_data(page, **changes))


# Recording ------------------------------------------------------------------------------------


def test_a_form_save_records_who_and_when(admin_client, admin_user, gift):
    response = save_change_form(admin_client, gift, title="Gold vase")
    assert response.status_code == 302, response.context["adminform"].form.errors

    latest = versions(gift)[0]
    assert latest.title == "Gold vase"
    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.history_change_reason == history.FORM
    gift.refresh_from_db()
    assert abs((latest.history_date - gift.updated).total_seconds()) < 5


def test_adding_a_record_in_the_admin_records_its_first_version(admin_client, admin_user):
    response = admin_client.post(
        admin_url(Donor, "add"),
        {
            "name": "Fidel Castro",
            "slug": "fidel-castro",
            "kind": "head_of_state",
            "status": "draft",
        },
    )
    assert response.status_code == 302
    (created,) = versions(Donor.objects.get(slug="fidel-castro"))
    assert (created.history_type, created.history_user) == ("+", admin_user)


def bulk(client, model, action, objects, **extra):
    ids = [str(obj.pk) for obj in objects]
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: ids, "apply": "1", **extra},
        follow=True,
    )


@pytest.mark.parametrize(
    ("action", "extra", "field", "value"),
    [
        ("unpublish", {}, "status", "draft"),
        ("move_to_showroom", {"on_display": "on"}, "on_display", True),
        ("set_in_storage", {}, "showroom_id", None),
    ],
)
def test_each_bulk_action_records_a_version_of_each_record(
    admin_client, admin_user, action, extra, field, value
):
    room = ShowroomFactory()
    gifts = GiftFactory.create_batch(3, showroom=room)
    if action == "move_to_showroom":
        extra["showroom"] = ShowroomFactory().pk
    response = bulk(admin_client, Gift, action, gifts, **extra)
    assert response.status_code == 200

    for gift in gifts:
        latest = versions(gift)[0]
        assert getattr(latest, field) == value
        assert latest.history_type == "~"
        assert latest.history_user == admin_user
        assert latest.history_change_reason == f"bulk action: {action}"
    page = admin_client.get(admin_url(Gift, "history", gifts[0].pk)).content.decode()
    assert f"Bulk action ({action})" in page


def test_bulk_history_takes_the_same_queries_for_3_or_60_records(rf, admin_user, db):
    def queries(count):
        gifts = GiftFactory.create_batch(count)
        request = rf.post("/", {"action": "unpublish"})
        request.user = admin_user
        with CaptureQueriesContext(connection) as captured:
            mark_updated(Gift.objects.filter(pk__in=[g.pk for g in gifts]), request, status="draft")
        assert all(versions(g)[0].status == "draft" for g in gifts)
        return len(captured)

    assert queries(3) == queries(60)


def test_the_import_records_created_and_updated_records(tmp_path, db):
    data_dir = tmp_path / "collection"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    CollectionImporter(data_dir).run()
    created = Gift.history.filter(history_type="+")
    assert created.count() == Gift.objects.count() == 72
    assert set(created.values_list("history_change_reason", "history_user")) == {
        (history.IMPORT, None)
    }
    rifle = Gift.objects.get(accession_number="IFE-0056")
    assert versions(rifle)[0].reciprocal_of_id == rifle.reciprocal_of_id  # written after
    assert Donor.history.filter(history_type="+").count() == Donor.objects.count()
    assert Showroom.history.filter(history_type="+").count() == Showroom.objects.count()

    edit_csv(data_dir / "gifts.csv", "ref", "IFE-0056", title="Hunting rifle")
    CollectionImporter(data_dir).run()
    (updated,) = Gift.history.filter(history_type="~")
    assert (updated.id, updated.title) == (rifle.pk, "Hunting rifle")
    assert (updated.history_change_reason, updated.history_user) == (history.IMPORT, None)


# Reading and reverting ------------------------------------------------------------------------


def test_the_history_page_says_what_changed_from_what_to_what(admin_client, gift):
    save_change_form(admin_client, gift, title="Gold vase", date_precision="year")
    page = admin_client.get(admin_url(Gift, "history", gift.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>Title</strong>: “Silver vase” &rarr; “Gold vase”" in html
    assert "<strong>Date precision</strong>: “Month” &rarr; “Year”" in html  # labels, not codes
    assert "Edited in the form" in html
    assert "admin" in html


def test_reverting_restores_the_old_values_as_a_new_version(admin_client, admin_user, gift):
    save_change_form(admin_client, gift, title="Gold vase")
    original = versions(gift)[-1]
    assert original.title == "Silver vase"

    url = admin_url(Gift, "simple_history", gift.pk, original.history_id)
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Revert" in page.content.decode()
    response = admin_client.post(url, form_data(page, _save="Revert"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == admin_url(Gift, "history", gift.pk)

    gift.refresh_from_db()
    assert gift.title == "Silver vase"
    latest, changed, created = versions(gift)
    assert latest.title == "Silver vase"
    assert latest.history_user == admin_user
    assert latest.history_change_reason.startswith(history.REVERT_PREFIX)
    assert (
        "Reverted to the version of"
        in admin_client.get(admin_url(Gift, "history", gift.pk)).content.decode()
    )


# Deleted records ------------------------------------------------------------------------------


def test_a_deleted_gift_is_restored_from_recently_deleted(admin_client, admin_user, gift):
    pk, number = gift.pk, gift.accession_number
    response = admin_client.post(admin_url(Gift, "delete", pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Gift.objects.filter(pk=pk).exists()

    changelist = admin_client.get(admin_url(Gift, "changelist")).content.decode()
    assert admin_url(Gift, "deleted") in changelist
    page = admin_client.get(admin_url(Gift, "deleted")).content.decode()
    assert number in page
    deleted = versions(gift)[0]
    assert deleted.history_type == "-"
    restore = admin_url(Gift, "restore", deleted.history_id)
    assert restore in page
    assert admin_client.get(restore).status_code == 405

    response = admin_client.post(restore, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("was restored from its last version" in m for m in messages)
    restored = Gift.objects.get(pk=pk)
    assert (restored.accession_number, restored.title) == (number, "Silver vase")
    assert restored.search_title  # the search text is made again
    assert restored.created == deleted.created
    latest = versions(restored)[0]
    assert (latest.history_type, latest.history_change_reason) == ("+", history.RESTORE)
    assert latest.history_user == admin_user
    assert number not in admin_client.get(admin_url(Gift, "deleted")).content.decode()


def test_only_those_who_may_add_restore(client, gift):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_gift"))
    pk = gift.pk
    gift.delete()
    deleted = Gift.history.get(id=pk, history_type="-")
    client.force_login(viewer)
    assert (
        admin_url(Gift, "deleted") not in client.get(admin_url(Gift, "changelist")).content.decode()
    )
    assert client.get(admin_url(Gift, "deleted")).status_code == 403
    assert client.post(admin_url(Gift, "restore", deleted.history_id)).status_code == 403
    assert not Gift.objects.filter(pk=pk).exists()


# Two curators, one record ---------------------------------------------------------------------


def test_a_save_over_a_newer_version_is_refused(admin_client, other_admin_client, gift):
    url = admin_url(Gift, "change", gift.pk)
    first_page = other_admin_client.get(url)
    second_page = admin_client.get(url)

    response = other_admin_client.post(url, form_data(first_page, title="Gold vase"))
    assert response.status_code == 302
    count = len(versions(gift))

    response = admin_client.post(url, form_data(second_page, title="Bronze vase"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kim saved this record at" in html
    assert "after you opened it. Your changes were not saved." in html
    assert admin_url(Gift, "history", gift.pk) in html
    gift.refresh_from_db()
    assert gift.title == "Gold vase"
    assert len(versions(gift)) == count

    # Opened again, the latest version saves.
    assert save_change_form(admin_client, gift, title="Bronze vase").status_code == 302
    gift.refresh_from_db()
    assert gift.title == "Bronze vase"


def test_a_bulk_action_after_the_form_was_opened_also_counts(admin_client, gift):
    url = admin_url(Gift, "change", gift.pk)
    page = admin_client.get(url)
    bulk(admin_client, Gift, "unpublish", [gift])
    response = admin_client.post(url, form_data(page, title="Gold vase"))
    assert response.status_code == 200
    assert "Your changes were not saved." in response.content.decode()
    gift.refresh_from_db()
    assert (gift.title, gift.status) == ("Silver vase", "draft")


def test_the_lock_is_on_every_audited_model(admin_client, other_admin_client):
    donor = DonorFactory(name="Fidel Castro")
    url = admin_url(Donor, "change", donor.pk)
    first, second = other_admin_client.get(url), admin_client.get(url)
    assert other_admin_client.post(url, form_data(first, name="F. Castro")).status_code == 302
    response = admin_client.post(url, form_data(second, name="Castro"))
    assert "Your changes were not saved." in response.content.decode()
    donor.refresh_from_db()
    assert donor.name == "F. Castro"


def test_models_without_a_history_keep_the_admin_log(admin_client, db):
    country = DonorFactory().country
    assert admin_client.get(admin_url(Country, "history", country.pk)).status_code == 200
    changelist = admin_client.get(admin_url(Country, "changelist")).content.decode()
    assert "Recently deleted" not in changelist
