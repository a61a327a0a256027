"""The gift card every list of gifts shows (catalogue.cards)."""

import pytest

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
