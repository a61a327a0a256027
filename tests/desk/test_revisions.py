"""A cataloguer's change to a published record waits for a curator (desk.revisions)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.text import capfirst

from desk.models import CollectionState, PendingChange
from donors.models import Donor
from exhibitions.models import Building, Exhibition, Fact, Showroom
from gifts.models import Citation, Gift, Occasion, Source
from tests.desk.test_workflow import admin_url, form_data
from tests.factories import (
    BuildingFactory,
    DonorFactory,
    ExhibitionFactory,
    GiftFactory,
    OccasionFactory,
    ShowroomFactory,
    SourceFactory,
    UserFactory,
)

PUBLISHED = "published"
QUEUE = "/admin/desk/pendingchange/"


def make_user(role, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def cataloguer(db):
    return make_user("Cataloguer", "cataloguer")


@pytest.fixture
def reviewer(db):
    return make_user("Curator", "reviewer")


def version():
    return CollectionState.read_key()[0]


def propose(client, user, obj, **changes):
    client.force_login(user)
    url = admin_url(type(obj), "change", obj.pk)
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, form_data(page, **changes), follow=True)


def review_url(change):
    return reverse("admin:desk_pendingchange_change", args=[change.pk])


def text(response):
    return response.content.decode()


@pytest.fixture
def donor(db):
    return DonorFactory(
        name="Fidel Castro",
        kind=Donor.Kind.HEAD_OF_STATE,
        biography="Cuban leader.",
        status=PUBLISHED,
    )


def test_a_cataloguer_change_to_a_published_donor_waits_and_visitors_see_nothing(
    client, cataloguer, donor
):
    before, history = version(), donor.history.count()
    response = propose(
        client,
        cataloguer,
        donor,
        name="Fidel Castro Ruz",
        kind=Donor.Kind.PARTY_OR_ORGANISATION,
        review_comment="Full name, as in Granma.",
    )
    assert response.status_code == 200
    assert "waits for a curator’s review" in text(response)
    donor.refresh_from_db()
    assert (donor.name, donor.kind, donor.status) == (
        "Fidel Castro",
        Donor.Kind.HEAD_OF_STATE,
        PUBLISHED,
    )
    assert donor.history.count() == history
    assert version() == before
    change = PendingChange.objects.get()
    assert (change.record, change.author, change.state) == (donor, cataloguer, "pending")
    # The record's page shows the cataloguer their change, with a link to it.
    assert 'id="pending-banner"' in text(response)
    assert review_url(change) in text(response)
    # The public page still shows the live record.
    assert "Fidel Castro Ruz" not in text(client.get(donor.get_absolute_url()))


def test_the_review_page_lists_each_changed_field_in_words(client, cataloguer, reviewer, donor):
    propose(client, cataloguer, donor, name="Fidel Castro Ruz", kind=Donor.Kind.INDIVIDUAL)
    change = PendingChange.objects.get()
    client.force_login(reviewer)
    page = client.get(review_url(change))
    assert page.status_code == 200
    assert page.context["diff"]["fields"] == [
        ("Name", "Fidel Castro", "Fidel Castro Ruz"),
        ("Kind", "Head of state", "Individual"),
    ]
    assert "Approve" in text(page)
    # The queue, linked from the admin index with its count.
    index = text(client.get("/admin/"))
    assert "Changes to published records waiting for review" in index
    queue = client.get(QUEUE, {"state__exact": "pending"})
    assert "Fidel Castro" in text(queue)


def test_approving_applies_the_change_with_history_and_moves_the_version_on(
    client, cataloguer, reviewer, donor
):
    propose(client, cataloguer, donor, name="Fidel Castro Ruz")
    change = PendingChange.objects.get()
    before = version()
    client.force_login(reviewer)
    response = client.post(review_url(change), {"approve": "1"}, follow=True)
    assert "was approved" in text(response)
    donor.refresh_from_db()
    assert donor.name == "Fidel Castro Ruz"
    assert donor.status == PUBLISHED
    assert donor.updated_by == reviewer
    latest = donor.history.order_by("-history_id").first()
    assert latest.history_user == reviewer
    assert "cataloguer" in latest.history_change_reason
    history_page = client.get(admin_url(Donor, "history", donor.pk))
    assert "Change proposed by cataloguer, approved in review" in text(history_page)
    assert version() > before
    change.refresh_from_db()
    assert (change.state, change.reviewer) == ("approved", reviewer)


def test_sending_back_needs_a_comment_which_the_cataloguer_reads(
    client, cataloguer, reviewer, donor
):
    propose(client, cataloguer, donor, name="Fidel Castro Ruz")
    change = PendingChange.objects.get()
    client.force_login(reviewer)
    page = client.post(review_url(change), {"send_back": "1", "comment": ""})
    assert page.status_code == 200
    assert "This field is required" in text(page)
    change.refresh_from_db()
    assert change.state == "pending"
    client.post(review_url(change), {"send_back": "1", "comment": "Cite the source, please."})
    change.refresh_from_db()
    assert change.state == "sent_back"
    donor.refresh_from_db()
    assert donor.name == "Fidel Castro"
    client.force_login(cataloguer)
    record_page = text(client.get(admin_url(Donor, "change", donor.pk)))
    assert 'id="sent-back-banner"' in record_page
    assert "Cite the source, please." in record_page


def test_approval_after_someone_else_saved_the_record_is_a_conflict(
    client, cataloguer, reviewer, donor
):
    propose(client, cataloguer, donor, name="Fidel Castro Ruz")
    change = PendingChange.objects.get()
    # A curator edits the record directly meanwhile.
    client.force_login(reviewer)
    page = client.get(admin_url(Donor, "change", donor.pk))
    response = client.post(
        admin_url(Donor, "change", donor.pk), form_data(page, biography="Revolutionary.")
    )
    assert response.status_code == 302
    page = client.get(review_url(change))
    assert 'id="change-conflict"' in text(page)
    response = client.post(review_url(change), {"approve": "1"}, follow=True)
    assert "cannot be approved" in text(response)
    donor.refresh_from_db()
    assert (donor.name, donor.biography) == ("Fidel Castro", "Revolutionary.")
    change.refresh_from_db()
    assert change.state == "pending"


def test_a_cataloguer_cannot_approve_or_send_back_by_crafting_a_post(client, cataloguer, donor):
    propose(client, cataloguer, donor, name="Fidel Castro Ruz")
    change = PendingChange.objects.get()
    other = make_user("Cataloguer", "other")
    for user in (cataloguer, other):
        client.force_login(user)
        assert client.post(review_url(change), {"approve": "1"}).status_code == 403
        assert (
            client.post(review_url(change), {"send_back": "1", "comment": "no"}).status_code == 403
        )
    client.force_login(other)
    assert client.post(review_url(change), {"withdraw": "1"}).status_code == 403
    # Nor by posting a status to the record's form: it is not theirs to set.
    client.force_login(cataloguer)
    page = client.get(admin_url(Donor, "change", donor.pk))
    client.post(admin_url(Donor, "change", donor.pk), form_data(page, status="draft"))
    donor.refresh_from_db()
    change.refresh_from_db()
    assert (donor.name, donor.status, change.state) == ("Fidel Castro", PUBLISHED, "pending")


def test_the_author_withdraws_or_replaces_their_change(client, cataloguer, donor):
    propose(client, cataloguer, donor, name="First try")
    propose(client, cataloguer, donor, name="Second try")
    change = PendingChange.objects.get()
    assert change.data["name"] == ["Second try"]
    response = client.post(review_url(change), {"withdraw": "1"}, follow=True)
    assert "withdrawn" in text(response)
    change.refresh_from_db()
    assert change.state == "withdrawn"


def test_a_second_author_is_told_who_has_a_change_waiting(client, cataloguer, donor):
    propose(client, cataloguer, donor, name="First try")
    other = make_user("Cataloguer", "other")
    response = propose(client, other, donor, name="Another try")
    assert "cataloguer proposed a change to this record" in text(response)
    assert PendingChange.objects.get().data["name"] == ["First try"]
    donor.refresh_from_db()
    assert donor.name == "Fidel Castro"


def test_a_curator_edits_a_published_record_directly(client, reviewer, donor):
    propose(client, reviewer, donor, name="Fidel Castro Ruz")
    donor.refresh_from_db()
    assert donor.name == "Fidel Castro Ruz"
    assert not PendingChange.objects.exists()


def test_inline_rows_added_and_removed_are_shown_and_applied(client, cataloguer, reviewer):
    gift = GiftFactory(status=PUBLISHED)
    old, new = SourceFactory(key="OLD1"), SourceFactory(key="NEW1")
    Citation.objects.create(gift=gift, source=old, claim="the date")
    client.force_login(cataloguer)
    url = admin_url(Gift, "change", gift.pk)
    data = form_data(client.get(url))
    data.update(
        {
            "citations-0-DELETE": "on",
            "citations-TOTAL_FORMS": "2",
            "citations-1-source": str(new.pk),
            "citations-1-claim": "the donor",
            "citations-1-order": "1",
            "citations-1-gift": str(gift.pk),
        }
    )
    assert client.post(url, data).status_code == 302
    assert list(gift.citations.values_list("source__key", flat=True)) == ["OLD1"]
    change = PendingChange.objects.get()
    client.force_login(reviewer)
    page = client.get(review_url(change))
    (inline,) = page.context["diff"]["inlines"]
    assert inline["removed"] == [str(Citation.objects.get())]
    assert "the donor" in inline["added"][0]
    assert str(new) in inline["added"][0]
    client.post(review_url(change), {"approve": "1"})
    assert list(gift.citations.values_list("source__key", flat=True)) == ["NEW1"]


def test_a_new_image_on_a_published_gift_is_refused_with_a_form_error(client, cataloguer):
    gift = GiftFactory(status=PUBLISHED)
    client.force_login(cataloguer)
    url = admin_url(Gift, "change", gift.pk)
    data = form_data(client.get(url), title="Retitled")
    data.update(
        {
            "images-TOTAL_FORMS": "1",
            "images-0-image": SimpleUploadedFile("a.png", b"\x89PNG\r\n", "image/png"),
            "images-0-alt_text": "A vase",
            "images-0-order": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A new file cannot wait for a curator" in text(response)
    assert not PendingChange.objects.exists()


def fact():
    return Fact.objects.create(topic="Showrooms", value="150", status=PUBLISHED)


# One rule for every record a visitor reads: (make a published record, a text field to change).
RECORDS = {
    "donor": (lambda: DonorFactory(status=PUBLISHED), "biography"),
    "occasion": (lambda: OccasionFactory(status=PUBLISHED), "place"),
    "source": (lambda: SourceFactory(status=PUBLISHED), "title"),
    "fact": (fact, "value"),
    "showroom": (lambda: ShowroomFactory(status=PUBLISHED), "name"),
    "building": (lambda: BuildingFactory(status=PUBLISHED), "description"),
    "exhibition": (lambda: ExhibitionFactory(status=PUBLISHED), "introduction"),
    "gift": (lambda: GiftFactory(status=PUBLISHED), "description"),
}
MODELS = {
    "donor": Donor,
    "occasion": Occasion,
    "source": Source,
    "fact": Fact,
    "showroom": Showroom,
    "building": Building,
    "exhibition": Exhibition,
    "gift": Gift,
}


@pytest.mark.parametrize("kind", RECORDS)
def test_every_visible_record_takes_a_cataloguer_change_through_review(
    client, cataloguer, reviewer, kind
):
    make, field = RECORDS[kind]
    record = make()
    old = getattr(record, field)
    response = propose(client, cataloguer, record, **{field: "Proposed words"})
    assert "waits for a curator’s review" in text(response), kind
    record.refresh_from_db()
    assert getattr(record, field) == old
    change = PendingChange.objects.get()
    client.force_login(reviewer)
    page = client.get(review_url(change))
    label = capfirst(MODELS[kind]._meta.get_field(field).verbose_name)
    assert [row[0] for row in page.context["diff"]["fields"]] == [label]
    assert page.context["diff"]["fields"][0][2] == "Proposed words"
    client.post(review_url(change), {"approve": "1"})
    record.refresh_from_db()
    assert getattr(record, field) == "Proposed words"
    assert record.status == PUBLISHED
    # A cataloguer's draft of the same kind changes directly; publishing is the curator's.
    client.force_login(cataloguer)
    draft = make()
    type(draft).objects.filter(pk=draft.pk).update(status="draft")
    page = client.get(admin_url(type(draft), "change", draft.pk))
    client.post(
        admin_url(type(draft), "change", draft.pk), form_data(page, **{field: "Draft words"})
    )
    draft.refresh_from_db()
    assert getattr(draft, field) == "Draft words"
    response = client.post(
        admin_url(type(draft), "change", draft.pk), form_data(page, status=PUBLISHED)
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_record_in_review_says_what_changed_since_it_was_published(client, reviewer):
    client.force_login(reviewer)
    donor = DonorFactory(name="Kim", status="review")
    page = client.get(admin_url(Donor, "change", donor.pk))
    assert 'id="new-record-banner"' in text(page)
    donor.status = PUBLISHED
    donor.save()
    donor.status, donor.biography = "review", "Changed since."
    donor.updated = donor.updated + datetime.timedelta(seconds=1)
    donor.save()
    page = client.get(admin_url(Donor, "change", donor.pk))
    assert 'id="since-published"' in text(page)
    assert "Changed since." in text(page)


# Publishing shows what else becomes public ------------------------------------------------------


def test_publishing_a_gift_with_a_draft_donor_lists_the_donor_and_publishes_it(client, reviewer):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    donor = DonorFactory(name="Hugo Chávez", status="draft")
    occasion = OccasionFactory(name="Caracas visit", status="review")
    gift = GiftFactory(status="review", donor=donor, occasion=occasion)
    client.force_login(reviewer)
    post = {"action": "publish", ACTION_CHECKBOX_NAME: [str(gift.pk)]}
    page = client.post("/admin/gifts/gift/", post)
    assert page.status_code == 200
    body = text(page)
    assert "Also becomes public: donor Hugo Chávez (draft, never reviewed)" in body
    assert "occasion Caracas visit (in review, never published)" in body
    donor.refresh_from_db()
    assert donor.status == "draft"  # nothing before the confirmation
    client.post("/admin/gifts/gift/", {**post, "apply": "1"})
    for record in (gift, donor, occasion):
        record.refresh_from_db()
        assert record.status == PUBLISHED
    assert donor.history.order_by("-history_id").first().history_user == reviewer


def test_publishing_a_gift_on_its_form_needs_a_tick_naming_its_draft_records(client, reviewer):
    donor = DonorFactory(name="Hugo Chávez", status="draft")
    source = SourceFactory(key="KCNA1", status="draft")
    gift = GiftFactory(status="review", donor=donor)
    Citation.objects.create(gift=gift, source=source)
    client.force_login(reviewer)
    url = admin_url(Gift, "change", gift.pk)
    page = client.get(url)
    assert "Also becomes public: donor Hugo Chávez (draft, never reviewed)" in text(page)
    response = client.post(url, form_data(page, status=PUBLISHED))
    assert response.status_code == 200
    assert "Also becomes public: donor Hugo Chávez" in text(response)
    assert f"source {source.publisher}" in text(response)
    gift.refresh_from_db()
    assert gift.status == "review"
    response = client.post(url, form_data(page, status=PUBLISHED, also_publish="on"))
    assert response.status_code == 302
    for record in (gift, donor, source):
        record.refresh_from_db()
        assert record.status == PUBLISHED


def test_an_approved_change_naming_a_draft_donor_publishes_it_and_says_so(
    client, cataloguer, reviewer
):
    gift = GiftFactory(status=PUBLISHED)
    draft = DonorFactory(name="New donor", status="draft")
    propose(client, cataloguer, gift, donor=str(draft.pk))
    change = PendingChange.objects.get()
    client.force_login(reviewer)
    page = client.get(review_url(change))
    assert "Also becomes public: donor New donor (draft, never reviewed)" in text(page)
    client.post(review_url(change), {"approve": "1"})
    gift.refresh_from_db()
    draft.refresh_from_db()
    assert (gift.donor, draft.status) == (draft, PUBLISHED)


def test_publishing_an_exhibition_says_its_unpublished_gifts_stay_hidden(client, reviewer):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    exhibition = ExhibitionFactory(status="review")
    exhibition.items.create(gift=GiftFactory(status="draft"), order=1)
    client.force_login(reviewer)
    post = {"action": "publish", ACTION_CHECKBOX_NAME: [str(exhibition.pk)]}
    page = client.post("/admin/exhibitions/exhibition/", post)
    assert "1 gift(s) in them are not published" in text(page)


def test_the_queue_costs_the_same_queries_whatever_its_length(client, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queue_queries(count):
        for _ in range(count):
            donor = DonorFactory(status=PUBLISHED)
            PendingChange.objects.create(
                content_type_id=content_type_id(donor),
                object_id=donor.pk,
                record_name=donor.name,
                author=reviewer,
                data={},
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE, {"state__exact": "pending"})
        assert response.status_code == 200
        return len(queries)

    client.force_login(reviewer)
    assert queue_queries(2) == queue_queries(10)


def content_type_id(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def test_the_documented_collection_is_imported_published(collection):
    for model in MODELS.values():
        if model is Exhibition:
            continue  # the collection has no exhibitions
        assert model.objects.exists(), model
        assert not model.objects.exclude(status=PUBLISHED).exists(), model


def test_two_authors_at_the_same_moment_keep_one_change_and_the_second_is_told(
    client, cataloguer, donor, monkeypatch
):
    from desk import revisions

    other = make_user("Cataloguer", "other")
    client.force_login(other)
    url = admin_url(Donor, "change", donor.pk)
    data = form_data(client.get(url), name="Second")
    propose(client, cataloguer, donor, name="First")
    # The second author's form passed its check before the first change was stored.
    monkeypatch.setattr(revisions, "check_not_taken", lambda obj, user: None)
    client.force_login(other)
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(url, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "cataloguer proposed a change to this record a moment before you: only one change waits "
        "at a time, and yours was not kept."
    ]
    assert PendingChange.objects.get().data["name"] == ["First"]


def test_the_import_records_a_first_version_of_every_source_and_fact(collection):
    assert Source.history.count() == Source.objects.count()
    assert Fact.history.count() == Fact.objects.count()


HOSTILE = '=HYPERLINK("http://evil.example")</script><!--<b onmouseover=alert(1)>'


@pytest.mark.parametrize("approver_role", ["Curator", "Registrar"])
def test_a_hostile_proposal_reaches_visitors_only_after_approval_and_only_escaped(
    client, cataloguer, donor, approver_role
):
    GiftFactory(donor=donor)
    public_page = donor.get_absolute_url()
    propose(client, cataloguer, donor, biography=HOSTILE)
    client.logout()
    assert HOSTILE not in text(client.get(public_page))
    assert "evil.example" not in text(client.get(public_page))
    assert (
        "evil.example" not in b"".join(client.get("/donors/export.csv").streaming_content).decode()
    )

    change = PendingChange.objects.get()
    client.force_login(make_user(approver_role, "approver"))
    review = text(client.get(review_url(change)))
    assert "<b onmouseover" not in review  # shown as text, not markup
    client.post(review_url(change), {"approve": "1"})
    client.logout()

    page = text(client.get(public_page))
    assert "evil.example" in page
    assert "<b onmouseover" not in page and "</script><!--<b" not in page


def test_a_bookmark_to_the_queue_from_before_the_desk_moved_still_leads_there(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/admin/museum/pendingchange/?state__exact=pending")
    assert page.status_code == 301
    assert page["Location"] == QUEUE + "?state__exact=pending"
