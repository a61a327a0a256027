"""The gift card every list of gifts shows (catalogue.cards)."""

import datetime

import pytest

from catalogue import index
from catalogue.cards import VIEWS, card_of
from gifts.models import Gift
from tests.factories import DonorFactory, GiftFactory


@pytest.mark.django_db
def test_card_says_what_who_when_and_escapes_everything(client):
    donor = DonorFactory(name="Ben & Jerry <Ltd>")
    GiftFactory(
        title='Vase <script>alert("x")</script>',
        donor=donor,
        sanctions=Gift.Sanctions.REPORTED,
    )
    page = client.get("/gifts/", {"sanctions": "reported"}).content.decode()
    assert "<script>alert" not in page
    assert "Vase &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Ben &amp; Jerry &lt;Ltd&gt;, Country" in page
    assert "June 1985 · to " in page
    assert "Reported sanctions breach" in page
    # The card leads to the gift's page, which can lead back to these results.
    assert 'href="/gifts/TEST-' in page and "?in=sanctions%3Dreported" in page


@pytest.mark.django_db
def test_card_without_leader_names_the_institution_and_shows_its_categorys_mark(client):
    GiftFactory(title="Tea set", leader=None, recipient_institution="Korean Workers' Party")
    page = client.get("/gifts/").content.decode()
    assert "to Korean Workers&#x27; Party" in page
    assert 'src="/static/img/marks/gift.svg" alt=""' in page
    assert "sanctions breach" not in page


@pytest.mark.django_db
def test_cards_show_photographs_where_there_are_some_and_marks_elsewhere(client):
    from gifts.models import GiftImage
    from tests.gifts.test_images import png

    pictured, plain = GiftFactory(title="Photographed vase"), GiftFactory(title="Plain vase")
    GiftImage.objects.create(gift=pictured, image=png(), alt_text="A red vase")
    both = client.get("/gifts/").content.decode()
    assert 'alt="A red vase"' in both and both.count('class="card-mark"') == 1
    # A page with no photograph at all is read without looking for one: still the mark.
    alone = client.get("/gifts/", {"q": "plain"}).content.decode()
    assert plain.title in alone and 'class="card-mark"' in alone and "card-media" not in alone


def cards_read_from_the_database(ids, view, listing_context):
    gifts = Gift.objects.for_cards().in_bulk(ids)
    return "".join(VIEWS[view](card_of(gifts[i]), listing_context) for i in ids)


def test_a_card_made_from_the_index_is_the_one_made_from_the_database(
    collection, settings, tmp_path
):
    from gifts.models import GiftImage
    from tests.gifts.test_images import png

    settings.MEDIA_ROOT = tmp_path / "media"
    pictured = GiftFactory(title='Vase « 金日成 » & <"Ceaușescu">', sanctions="possible")
    GiftImage.objects.create(gift=pictured, image=png(), alt_text="Second", order=2)
    GiftImage.objects.create(gift=pictured, image=png(320, 240), alt_text="First", order=1)
    GiftFactory(leader=None, recipient_institution="Workers' Party")
    GiftFactory(date_received=None, title="Undated")
    GiftFactory(date_received=datetime.date(1972, 4, 15), date_precision="decade")
    draft = GiftFactory(status="draft", title="A draft")
    shown = index.collection()  # mapped from its build
    read = index.Collection(shown.version)  # read from the database by this process
    ids = shown.select(index.Selection(sort="title")).all_ids()
    assert pictured.pk in ids and draft.pk not in ids
    for view in VIEWS:
        expected = cards_read_from_the_database(ids, view, "country=FRA&page=2")
        assert 'alt="First"' in expected or view == "list"
        for made in (shown, read):
            assert made.cards_html(ids, "country=FRA&page=2", view) == expected
            assert made.cards_html([draft.pk], view=view) == ""  # not a published holding


@pytest.mark.django_db
def test_a_card_follows_an_edit_and_an_unpublished_gift_has_none(client):
    edited, unpublished = GiftFactory(title="Lacquered box"), GiftFactory(title="Bronze bell")
    page = client.get("/gifts/").content.decode()  # both cards kept with this version
    assert "Lacquered box" in page and "Bronze bell" in page
    edited.title = "Lacquered tray"
    edited.save()
    unpublished.status = "draft"
    unpublished.save()
    page = client.get("/gifts/").content.decode()
    assert "Lacquered tray" in page
    assert "Lacquered box" not in page and "Bronze bell" not in page


@pytest.mark.django_db
def test_new_cards_cost_a_query_only_for_their_photographs(
    settings, tmp_path, django_assert_num_queries
):
    from gifts.models import GiftImage
    from tests.gifts.test_images import png

    settings.MEDIA_ROOT = tmp_path / "media"
    plain, pictured = GiftFactory(), GiftFactory()
    GiftImage.objects.create(gift=pictured, image=png(), alt_text="A red vase")
    shown = index.collection()
    with django_assert_num_queries(0):
        assert 'class="card-mark"' in shown.cards_html([plain.pk])
    with django_assert_num_queries(1):  # its first image
        assert 'alt="A red vase"' in shown.cards_html([pictured.pk], view="grid")


@pytest.mark.parametrize(
    "query",
    [
        {"country": "RUS", "sort": "title"},
        {"leader": "kim-jong-il", "sort": "date", "view": "list"},
        {"decade": "1980", "sort": "-added"},
        {"q": "vase", "sort": "relevance", "view": "list"},
        {"sort": "title", "page": "2"},
    ],
)
def test_a_filtered_sorted_listing_shows_its_gifts_cards_in_its_order(client, collection, query):
    response = client.get("/gifts/", query)
    ids, view = response.context["page_ids"], query.get("view", "grid")
    assert ids
    context = response.context["listing_context"]
    assert response.context["cards"] == cards_read_from_the_database(ids, view, context)
