"""Review before publishing, the roles, and the gift changelist's bulk work (desk.workflow,
desk.bulk, gifts.desk)."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from desk.models import ReviewNote
from donors.models import Donor
from exhibitions.models import Building, Exhibition, ExhibitionItem, Showroom
from gifts.models import Gift, Occasion
from tests.factories import (
    CategoryFactory,
    ExhibitionFactory,
    GiftFactory,
    OccasionFactory,
    ShowroomFactory,
    UserFactory,
)

DRAFT, REVIEW, PUBLISHED = "draft", "review", "published"


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


CHANGELIST = "/admin/gifts/gift/"


def make_user(role):
    user = UserFactory(username=role.lower(), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def cataloguer(db):
    return make_user("Cataloguer")


@pytest.fixture
def reviewer(db):
    return make_user("Curator")


@pytest.fixture
def registrar(db):
    return make_user("Registrar")


def client_for(client, user):
    client.force_login(user)
    return client


def form_data(response, **changes):
    """What the browser would post back from an admin change or add form, with changes."""

    def add(form, data):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    data = {}
    add(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form, data)
        for form in formset.forms:
            add(form, data)
    data.update(changes)
    return data


def action_names(response):
    form = response.context["action_form"]  # None when a changelist offers no action
    return {name for name, _ in form.fields["action"].choices} if form else set()


def act(client, action, records, url=CHANGELIST, follow=False, **data):
    """Post a bulk action for records: without apply, the confirmation page; with apply=1, the
    change."""
    ids = [str(record.pk) for record in records]
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: ids, **data}, follow=follow)


def status_of(gift):
    gift.refresh_from_db()
    return gift.status


# The roles ------------------------------------------------------------------------------------


def test_the_roles_are_groups_with_the_least_each_needs(db):
    def perms(role):
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }

    cataloguer, curator, registrar = perms("Cataloguer"), perms("Curator"), perms("Registrar")
    assert {"gifts.add_gift", "gifts.change_gift", "exhibitions.change_exhibition"} <= cataloguer
    for power in ["gifts.publish_gift", "exhibitions.publish_exhibition", "gifts.import_records"]:
        assert power not in cataloguer
    assert not {p for p in cataloguer if p.split(".")[1].startswith("delete_")} - {
        "gifts.delete_giftimage",
        "gifts.delete_citation",
        "exhibitions.delete_exhibitionitem",
    }
    assert cataloguer < curator < registrar
    assert {"gifts.publish_gift", "exhibitions.publish_exhibition"} <= curator
    assert "gifts.import_records" not in curator
    assert "gifts.delete_gift" not in curator
    assert {"gifts.import_records", "gifts.delete_gift", "donors.delete_donor"} <= registrar
    for reference in ["gifts.change_leader", "gifts.change_category", "gifts.add_resolution"]:
        assert reference not in registrar


def test_the_roles_migration_can_run_again(db):
    migration = importlib.import_module("desk.migrations.0002_roles")
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("desk", "0002_roles"))
    curator = Group.objects.get(name="Curator")
    before = set(curator.permissions.values_list("pk", flat=True))
    curator.permissions.add(*Group.objects.get(name="Registrar").permissions.all())
    later = importlib.import_module("desk.migrations.0003_review_everything_roles")
    editor = SimpleNamespace(connection=connection)  # all the migrations ask of their editor
    for _ in range(2):
        migration.create_roles(state.apps, editor)
        later.grant(
            executor.loader.project_state(("desk", "0003_review_everything_roles")).apps, editor
        )
    assert set(curator.permissions.values_list("pk", flat=True)) == before
    assert Group.objects.filter(name__in=["Cataloguer", "Curator", "Registrar"]).count() == 3


# The cataloguer -------------------------------------------------------------------------------


def test_a_cataloguer_adds_a_draft_and_submits_it_from_the_form(client, cataloguer):
    client_for(client, cataloguer)
    template = GiftFactory(status=DRAFT)
    page = client.get(admin_url(Gift, "add"))
    choices = [value for value, _ in page.context["adminform"].form.fields["status"].choices]
    assert choices == [DRAFT, REVIEW]
    data = form_data(
        page,
        accession_number="IFE-0900",
        title="Lacquered screen",
        category=template.category_id,
        leader=template.leader_id,
        donor=template.donor_id,
        country=template.country_id,
        confidence="B",
        status=REVIEW,
        review_comment="Dates from the KCNA report.",
    )
    response = client.post(admin_url(Gift, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    gift = Gift.objects.get(accession_number="IFE-0900")
    assert gift.status == REVIEW
    assert gift.created_by == cataloguer
    assert ReviewNote.objects.get(object_id=gift.pk).text == "Dates from the KCNA report."


def test_a_cataloguer_cannot_publish_through_the_form(client, cataloguer):
    client_for(client, cataloguer)
    gift = GiftFactory(status=DRAFT)
    page = client.get(admin_url(Gift, "change", gift.pk))
    response = client.post(admin_url(Gift, "change", gift.pk), form_data(page, status=PUBLISHED))
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert status_of(gift) == DRAFT
    # A crafted add with status=published is refused the same way.
    data = form_data(page, accession_number="IFE-0901", status=PUBLISHED)
    response = client.post(admin_url(Gift, "add"), data)
    assert response.status_code == 200
    assert not Gift.objects.filter(accession_number="IFE-0901").exists()


def test_a_cataloguer_edits_drafts_only(client, cataloguer):
    client_for(client, cataloguer)
    draft = GiftFactory(status=DRAFT)
    page = client.get(admin_url(Gift, "change", draft.pk))
    assert 'name="title"' in page.content.decode()
    response = client.post(
        admin_url(Gift, "change", draft.pk), form_data(page, title="Lacquered vase")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Lacquered vase"

    # A published gift takes a cataloguer's change as a proposal (tests/desk/test_revisions.py).
    for status in [REVIEW]:
        gift = GiftFactory(status=status)
        page = client.get(admin_url(Gift, "change", gift.pk))
        assert page.status_code == 200  # to read
        assert 'name="title"' not in page.content.decode()
        data = form_data(page, title="Changed", status=DRAFT)
        data.update(
            {
                "title": "Changed",
                "status": DRAFT,
                "category": gift.category_id,
                "donor": gift.donor_id,
                "country": gift.country_id,
            }
        )
        response = client.post(admin_url(Gift, "change", gift.pk), data)
        assert response.status_code == 403  # a crafted POST
        gift.refresh_from_db()
        assert (gift.title, gift.status) != ("Changed", DRAFT)
        assert gift.status == status


def test_a_cataloguer_is_offered_no_publishing_and_no_deleting(client, cataloguer):
    client_for(client, cataloguer)
    gift = GiftFactory(status=DRAFT)
    names = action_names(client.get(CHANGELIST))
    assert "submit_for_review" in names
    assert "change_category" in names
    assert not names & {"publish", "unpublish", "send_back", "delete_selected"}
    assert client.get(admin_url(Gift, "delete", gift.pk)).status_code == 403
    response = client.post(admin_url(Gift, "delete", gift.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Gift.objects.filter(pk=gift.pk).exists()


@pytest.mark.parametrize("action", ["publish", "unpublish", "send_back"])
def test_a_cataloguer_cannot_change_the_status_by_a_crafted_bulk_action(client, cataloguer, action):
    client_for(client, cataloguer)
    draft, waiting, published = (GiftFactory(status=s) for s in [DRAFT, REVIEW, PUBLISHED])
    act(client, action, [draft, waiting, published], apply="1", comment="Fine")
    assert [status_of(g) for g in [draft, waiting, published]] == [DRAFT, REVIEW, PUBLISHED]
    assert not ReviewNote.objects.exists()


def test_a_cataloguers_bulk_changes_reach_drafts_only(client, cataloguer):
    client_for(client, cataloguer)
    category = CategoryFactory(name="Ceramics", slug="ceramics")
    draft, published = GiftFactory(status=DRAFT), GiftFactory(status=PUBLISHED)
    page = act(client, "change_category", [draft, published]).content.decode()
    assert "1 gift will change" in page
    assert "1 of the 2 selected will be left" in page
    response = act(client, "change_category", [draft, published], apply="1", category=category.pk)
    assert response.status_code == 302
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.category == category
    assert published.category != category


# Review ---------------------------------------------------------------------------------------


def test_a_cataloguers_submission_waits_in_the_curators_queue(client, cataloguer, reviewer):
    gifts = [GiftFactory(status=DRAFT) for _ in range(2)]
    other = GiftFactory(status=DRAFT)
    client_for(client, cataloguer)
    page = act(client, "submit_for_review", gifts)
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 gifts will change" in text
    assert "Draft: 2" in text
    assert "In review" in text
    assert {status_of(g) for g in gifts} == {DRAFT}  # nothing written yet
    response = act(client, "submit_for_review", gifts, apply="1")
    assert response.status_code == 302
    assert {status_of(g) for g in gifts} == {REVIEW}

    client_for(client, reviewer)
    index = client.get(reverse("admin:index")).content.decode()
    assert "?review=waiting" in index
    queue = client.get(CHANGELIST, {"review": "waiting"})
    assert set(queue.context["cl"].result_list) == set(gifts)
    assert other not in queue.context["cl"].result_list


def test_a_curator_publishes_from_the_form_and_in_bulk(client, reviewer):
    client_for(client, reviewer)
    # Their donors are published: publishing a gift with a draft donor asks first
    # (tests/desk/test_revisions.py).
    one, two, three = (GiftFactory(status=REVIEW, donor__status=PUBLISHED) for _ in range(3))
    page = client.get(admin_url(Gift, "change", one.pk))
    assert [v for v, _ in page.context["adminform"].form.fields["status"].choices] == [
        DRAFT,
        REVIEW,
        PUBLISHED,
    ]
    response = client.post(admin_url(Gift, "change", one.pk), form_data(page, status=PUBLISHED))
    assert response.status_code == 302
    assert status_of(one) == PUBLISHED

    confirm = act(client, "publish", [two, three]).content.decode()
    assert "2 gifts will change" in confirm
    assert "In review: 2" in confirm
    assert status_of(two) == REVIEW
    act(client, "publish", [two, three], apply="1")
    assert {status_of(two), status_of(three)} == {PUBLISHED}

    act(client, "unpublish", [one, two], apply="1")
    assert {status_of(one), status_of(two)} == {DRAFT}
    assert status_of(three) == PUBLISHED


def test_a_curator_sends_back_with_a_comment_the_cataloguer_reads(client, cataloguer, reviewer):
    gift = GiftFactory(status=REVIEW, title="Porcelain vase")
    client_for(client, reviewer)
    page = act(client, "send_back", [gift])
    assert "comment" in page.context["form"].fields
    # A comment is required: nothing is written without one.
    page = act(client, "send_back", [gift], apply="1", comment="")
    assert page.status_code == 200
    assert page.context["form"].errors
    assert status_of(gift) == REVIEW
    response = act(
        client, "send_back", [gift], apply="1", comment="Which visit? Cite the KCNA report."
    )
    assert response.status_code == 302
    assert status_of(gift) == DRAFT
    note = ReviewNote.objects.get()
    assert (note.author, note.status, note.record) == (reviewer, DRAFT, gift)

    client_for(client, cataloguer)
    sent_back = client.get(CHANGELIST, {"review": "sent_back"}).context["cl"].result_list
    assert list(sent_back) == [gift]
    page = client.get(admin_url(Gift, "change", gift.pk)).content.decode()
    assert "Which visit? Cite the KCNA report." in page
    assert "<strong>curator</strong>" in page  # who wrote it


def test_sending_back_from_the_form_needs_a_comment(client, reviewer):
    gift = GiftFactory(status=REVIEW)
    client_for(client, reviewer)
    page = client.get(admin_url(Gift, "change", gift.pk))
    response = client.post(admin_url(Gift, "change", gift.pk), form_data(page, status=DRAFT))
    assert response.status_code == 200
    assert "review_comment" in response.context["adminform"].form.errors
    assert status_of(gift) == REVIEW
    page = client.get(admin_url(Gift, "change", gift.pk))
    response = client.post(
        admin_url(Gift, "change", gift.pk),
        form_data(page, status=DRAFT, review_comment="The donor is the wrong Mr Kim."),
    )
    assert response.status_code == 302
    assert status_of(gift) == DRAFT
    assert ReviewNote.objects.get().text == "The donor is the wrong Mr Kim."


def test_a_curator_reviews_but_does_not_delete(client, reviewer):
    client_for(client, reviewer)
    gift = GiftFactory(status=PUBLISHED)
    names = action_names(client.get(CHANGELIST))
    assert {"publish", "unpublish", "send_back"} <= names
    assert "delete_selected" not in names
    assert client.get(admin_url(Gift, "delete", gift.pk)).status_code == 403


def test_a_registrar_deletes_and_may_import(client, registrar):
    client_for(client, registrar)
    gift = GiftFactory(status=PUBLISHED)
    assert registrar.has_perm("gifts.import_records")
    assert client.get(admin_url(Gift, "delete", gift.pk)).status_code == 200
    response = client.post(admin_url(Gift, "delete", gift.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Gift.objects.filter(pk=gift.pk).exists()
    assert "delete_selected" not in action_names(client.get(CHANGELIST))


def test_exhibitions_go_through_review_too(client, cataloguer, reviewer):
    exhibition = ExhibitionFactory(status=DRAFT)
    client_for(client, cataloguer)
    page = client.get(admin_url(Exhibition, "change", exhibition.pk))
    response = client.post(
        admin_url(Exhibition, "change", exhibition.pk), form_data(page, status=PUBLISHED)
    )
    assert response.status_code == 200
    exhibition.refresh_from_db()
    assert exhibition.status == DRAFT
    act(client, "submit_for_review", [exhibition], url=admin_url(Exhibition, "changelist"), apply=1)
    exhibition.refresh_from_db()
    assert exhibition.status == REVIEW

    client_for(client, reviewer)
    act(client, "publish", [exhibition], url=admin_url(Exhibition, "changelist"), apply=1)
    exhibition.refresh_from_db()
    assert exhibition.status == PUBLISHED


def test_visitors_see_no_record_in_review(client, admin_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0007")
    Gift.objects.filter(pk=gift.pk).update(status=REVIEW)
    from desk.models import CollectionState

    CollectionState.bump()
    assert client.get(gift.get_absolute_url()).status_code == 404
    assert gift.title not in client.get(reverse("gifts:list")).content.decode()
    assert admin_client.get(gift.get_absolute_url()).status_code == 200  # staff preview
    exhibition = ExhibitionFactory(status=REVIEW)
    assert client.get(exhibition.get_absolute_url()).status_code == 404


# Bulk work ------------------------------------------------------------------------------------


COLLECTION_RECORDS = [Gift, Donor, Occasion, Showroom, Building, Exhibition]


@pytest.mark.parametrize("model", COLLECTION_RECORDS, ids=lambda m: m._meta.label)
def test_no_delete_selected_for_collection_records(admin_client, model):
    response = admin_client.get(admin_url(model, "changelist"))
    assert "delete_selected" not in action_names(response)


def test_a_crafted_delete_selected_deletes_nothing(admin_client, db):
    gift = GiftFactory()
    act(admin_client, "delete_selected", [gift], post="yes")
    assert Gift.objects.filter(pk=gift.pk).exists()


def test_move_to_showroom_says_from_where(admin_client, db):
    room, new_room = ShowroomFactory(name="Old room"), ShowroomFactory(name="New room")
    gifts = [GiftFactory(showroom=room, on_display=True), GiftFactory()]
    page = act(admin_client, "move_to_showroom", gifts).content.decode()
    assert "2 gifts will be moved" in page
    assert f"{room}: 1" in page
    assert "in storage: 1" in page
    assert "Move them" in page
    act(admin_client, "move_to_showroom", gifts, apply="1", showroom=new_room.pk)
    for gift in gifts:
        gift.refresh_from_db()
        assert (gift.showroom, gift.on_display) == (new_room, False)


def test_set_on_display_confirms_then_puts_gifts_in_a_showroom_on_display(admin_client, db):
    room = ShowroomFactory()
    shown = GiftFactory(showroom=room, on_display=True)
    kept = [GiftFactory(showroom=room, on_display=False) for _ in range(2)]
    stored = GiftFactory()
    selected = [shown, *kept, stored]
    page = act(admin_client, "set_on_display", selected).content.decode()
    assert "2 gifts will go on display" in page
    assert "2 of the 4 selected will be left as they are" in page
    assert "no: 2" in page
    assert not Gift.objects.filter(pk__in=[g.pk for g in kept], on_display=True).exists()
    response = act(admin_client, "set_on_display", selected, apply="1", follow=True)
    assert Gift.objects.filter(on_display=True).count() == 3
    stored.refresh_from_db()
    assert not stored.on_display
    messages = [str(m) for m in response.context["messages"]]
    assert any("2 gift(s) put on display" in m for m in messages)
    assert any("2 left out" in m for m in messages)


def test_set_in_storage_empties_the_showroom(admin_client, db):
    room = ShowroomFactory(name="Hall of vases")
    gifts = [GiftFactory(showroom=room, on_display=True), GiftFactory(showroom=room)]
    page = act(admin_client, "set_in_storage", gifts).content.decode()
    assert "2 gifts will go to storage" in page
    assert f"{room}: 2" in page
    assert Gift.objects.filter(showroom=room).count() == 2
    act(admin_client, "set_in_storage", gifts, apply="1")
    assert not Gift.objects.filter(showroom=room).exists()
    assert not Gift.objects.filter(on_display=True).exists()


def test_change_category_confirms_then_changes(admin_client, db):
    ceramics = CategoryFactory(name="Ceramics", slug="ceramics")
    textiles = CategoryFactory(name="Textiles", slug="textiles")
    gifts = [GiftFactory(category=ceramics), GiftFactory(category=ceramics)]
    gifts.append(GiftFactory(category=textiles))
    page = act(admin_client, "change_category", gifts)
    text = page.content.decode()
    assert "3 gifts will change" in text
    assert "Ceramics: 2" in text and "Textiles: 1" in text
    assert "category" in page.context["form"].fields
    act(admin_client, "change_category", gifts, apply="1", category=textiles.pk)
    assert Gift.objects.filter(category=textiles).count() == 3


def test_add_to_exhibition_confirms_then_appends(admin_client, admin_user, db):
    exhibition = ExhibitionFactory(status=DRAFT)
    present = GiftFactory()
    ExhibitionItem.objects.create(exhibition=exhibition, gift=present, order=5, caption="Hi")
    gifts = [present, GiftFactory(), GiftFactory()]
    page = act(admin_client, "add_to_exhibition", gifts)
    assert "3 gifts will be added" in page.content.decode()
    assert not ExhibitionItem.objects.exclude(gift=present).exists()
    act(admin_client, "add_to_exhibition", gifts, apply="1", exhibition=exhibition.pk)
    items = list(exhibition.items.order_by("order"))
    assert [(i.gift, i.order) for i in items] == [(present, 5), (gifts[1], 6), (gifts[2], 7)]
    assert items[0].caption == "Hi"
    exhibition.refresh_from_db()
    assert exhibition.updated_by == admin_user


def test_a_cataloguer_adds_to_draft_exhibitions_only(client, cataloguer):
    client_for(client, cataloguer)
    draft = ExhibitionFactory(status=DRAFT)
    published = ExhibitionFactory(status=PUBLISHED)
    gift = GiftFactory()
    form = act(client, "add_to_exhibition", [gift]).context["form"]
    assert list(form.fields["exhibition"].queryset) == [draft]
    response = act(client, "add_to_exhibition", [gift], apply="1", exhibition=published.pk)
    assert response.status_code == 200  # the form refuses it
    assert not published.items.exists()


def test_select_across_applies_to_the_filtered_list(admin_client, db):
    draft = [GiftFactory(status=DRAFT) for _ in range(3)]
    GiftFactory(status=PUBLISHED)
    url = CHANGELIST + "?status__exact=draft"
    page = admin_client.post(
        url,
        {"action": "publish", ACTION_CHECKBOX_NAME: [str(draft[0].pk)], "select_across": "1"},
    )
    assert "3 gifts will change" in page.content.decode()
    admin_client.post(
        url,
        {
            "action": "publish",
            ACTION_CHECKBOX_NAME: [str(draft[0].pk)],
            "select_across": "1",
            "apply": "1",
        },
    )
    assert Gift.objects.filter(status=PUBLISHED).count() == 4


def test_bulk_actions_record_who_and_when(admin_client, admin_user, db):
    gift = GiftFactory(status=DRAFT)
    Gift.objects.filter(pk=gift.pk).update(
        updated=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )
    act(admin_client, "submit_for_review", [gift], apply="1")
    gift.refresh_from_db()
    assert gift.updated_by == admin_user
    assert gift.updated.year > 2000


def test_create_curator_gives_one_role(db, capsys):
    call_command("create_curator", "anna", "--role", "cataloguer")
    user = get_user_model().objects.get(username="anna")
    assert list(user.groups.values_list("name", flat=True)) == ["Cataloguer"]
    assert "cataloguer 'anna'" in capsys.readouterr().out
    call_command("create_curator", "anna", "--role", "registrar")
    assert list(user.groups.values_list("name", flat=True)) == ["Registrar"]


def test_a_cataloguer_cannot_unpublish_by_reverting_to_a_draft_version(client, cataloguer):
    gift = GiftFactory(status=DRAFT, title="Silver vase")
    gift.status, gift.title = PUBLISHED, "Gold vase"
    gift.save()
    draft_version = gift.history.order_by("history_id").first()
    url = admin_url(Gift, "simple_history", gift.pk, draft_version.history_id)
    client_for(client, cataloguer)
    page = client.get(url)
    assert page.status_code == 200  # to read
    data = {
        "title": "Silver vase",
        "status": DRAFT,
        "category": gift.category_id,
        "donor": gift.donor_id,
        "country": gift.country_id,
        "leader": gift.leader_id,
        "confidence": gift.confidence,
        "quantity": 1,
        "direction": gift.direction,
        "date_precision": gift.date_precision,
        "_save": "Revert",
    }
    assert client.post(url, data).status_code == 403
    assert (status_of(gift), gift.title) == (PUBLISHED, "Gold vase")


def test_a_cataloguer_who_restores_a_deleted_published_gift_gets_a_draft(client, cataloguer):
    gift = GiftFactory(status=PUBLISHED, title="Silver vase")
    pk = gift.pk
    gift.delete()
    deleted = Gift.history.get(id=pk, history_type="-")
    client_for(client, cataloguer)
    response = client.post(admin_url(Gift, "restore", deleted.history_id), follow=True)
    assert response.status_code == 200
    assert Gift.objects.get(pk=pk).status == DRAFT
    assert any("back as a draft" in str(m) for m in response.context["messages"])


def test_no_one_reverts_a_record_they_may_only_view(client, cataloguer, collection):
    building = Building.objects.first()
    building.name = "Renamed hall"
    building.save()
    first = building.history.order_by("history_id").first()
    client_for(client, cataloguer)
    url = admin_url(Building, "simple_history", building.pk, first.history_id)
    assert client.post(url, {"name": "Old name", "_save": "Revert"}).status_code == 403
    building.refresh_from_db()
    assert building.name == "Renamed hall"


@pytest.mark.parametrize("field", ["donor", "occasion"])
def test_a_donor_or_occasion_that_published_gifts_show_stays_published(client, reviewer, field):
    """Unpublishing it would leave its name on published gift pages, cards and exports: the form
    and the bulk action both say which gifts show it, and change nothing."""
    client_for(client, reviewer)
    gift = GiftFactory(
        status=PUBLISHED,
        donor__status=PUBLISHED,
        occasion=OccasionFactory(status=PUBLISHED),
        title="Porcelain vase",
    )
    record = getattr(gift, field)
    model = type(record)
    page = client.get(admin_url(model, "change", record.pk))
    response = client.post(admin_url(model, "change", record.pk), form_data(page, status=DRAFT))
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["status"])
    assert "Published gifts still show it: gift" in errors and "Porcelain vase" in errors
    assert status_of(record) == PUBLISHED

    changelist = admin_url(model, "changelist")
    confirm = act(client, "unpublish", [record], url=changelist).content.decode()
    assert "Porcelain vase" in confirm and "cannot be unpublished while those are" in confirm
    done = act(client, "unpublish", [record], url=changelist, apply="1", follow=True)
    assert "Nothing was unpublished" in done.content.decode()
    assert status_of(record) == PUBLISHED

    # Once the gift is unpublished, so may the record be.
    act(client, "unpublish", [gift], apply="1")
    act(client, "unpublish", [record], url=changelist, apply="1")
    assert status_of(record) == DRAFT
