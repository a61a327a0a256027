"""A gift's page: who gave what, when, on which occasion, where it is, and how we know."""

import json
import re

from django.test import Client

from gifts.models import Gift
from tests.factories import GiftFactory
from tests.helpers import listed


def page(client, accession_number, **params):
    response = client.get(f"/gifts/{accession_number}/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_record_says_who_gave_what_to_whom_and_when(client, collection):
    text = page(client, "IFE-0034")
    assert "<h1" in text and "Basketball signed by Michael Jordan</h1>" in text
    assert "Madeleine Albright</a>, Secretary of State" in text
    assert "October 2000" in text
    assert "Kim Jong Il" in text
    assert "Secretary Albright&#x27;s visit to Pyongyang, October 2000" in text
    assert "Sports memorabilia" in text


def test_dates_show_their_real_precision_and_note(client, collection):
    assert "1950s" in page(client, "IFE-0003")
    carter = page(client, "IFE-0015")
    assert "1994" in carter and "(year uncertain)" in carter
    assert "Not known" in page(client, "IFE-0004")


def test_the_gift_given_in_return_and_the_occasions_other_gifts(client, collection):
    text = page(client, "IFE-0036")  # Jindo dogs from Kim Dae-jung
    assert "Answered with" in text and 'href="/gifts/IFE-0071/"' in text
    assert "Also given at First inter-Korean summit, June 2000" in text
    assert "Large-screen television set and three video recorders" in text
    answer = page(client, "IFE-0071")
    assert "Given in return for" in answer
    assert "The museum does not hold it" in answer


def test_where_to_see_it(client, collection):
    text = page(client, "IFE-0064")
    assert "Cars</a>, floor 1" in text
    assert "<strong>illustrative</strong> plan, not the museum" in text
    assert "In storage" in page(client, "IFE-0068")  # the horses are not in a showroom


def test_sanctions_note_names_the_resolutions(client, collection):
    text = page(client, "IFE-0064")
    assert "Public reporting says this gift contravenes" in text
    assert "Resolution 2094 (7 March 2013)" in text
    assert "Resolution 2397" in text
    assert "UN sanctions" not in page(client, "IFE-0007")


def test_confidence_is_explained_in_words_and_every_source_is_listed(client, collection):
    text = page(client, "IFE-0002")
    assert "sources disagree" in text
    sources = re.search(r'<ol class="sources">(.*?)</ol>', text, re.S)[1]
    assert sources.count("<li>") == 3
    assert "Los Angeles Times" in sources and "The Age (Reuters)" in sources
    assert "DPRK state media" in page(client, "IFE-0023")


def test_related_gifts_by_donor_and_country(client, collection):
    text = page(client, "IFE-0056")
    assert "More from Vladimir Putin" in text
    assert "More from Russia" in text
    assert 'href="/gifts/IFE-0056/"' not in text.split("More from Vladimir Putin")[1]


def test_previous_and_next_within_the_listing_the_visitor_came_from(client, collection):
    listing = client.get("/gifts/", {"country": "USA", "sort": "date"})
    order = [g.accession_number for g in listed(listing)]
    middle = order[2]
    text = page(client, middle, **{"in": "country=USA&sort=date"})
    assert f'href="/gifts/{order[1]}/?in=country%3DUSA%26sort%3Ddate" rel="prev"' in text
    assert f'href="/gifts/{order[3]}/?in=country%3DUSA%26sort%3Ddate" rel="next"' in text
    assert 'href="/gifts/?country=USA&amp;sort=date">Back to the results' in text
    assert 'rel="prev"' not in page(client, middle)
    assert 'rel="prev"' not in page(client, middle, **{"in": "country=NOPE"})


def test_structured_data_opengraph_and_canonical(client, collection):
    text = page(client, "IFE-0058", **{"in": "country=RUS"})
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)[1]
    )
    assert data["name"] == "Fur hat"
    assert data["identifier"] == "IFE-0058"
    assert data["provider"]["name"] == "Sergei Shoigu"
    assert data["recipient"]["name"] == "Kim Jong Un"
    assert '<link rel="canonical" href="http://127.0.0.1:8000/gifts/IFE-0058/">' in text
    assert '<meta property="og:title" content="Fur hat">' in text
    share_image = re.search(r'<meta property="og:image" content="([^"]+)"', text)[1]
    assert share_image.startswith("http://127.0.0.1:8000/gifts/IFE-0058/card.png?v=")
    assert data["image"] == share_image


def test_drafts_are_hidden_from_visitors_and_previewed_by_curators(curator_client, db):
    draft = GiftFactory(status="draft")
    assert Client().get(draft.get_absolute_url()).status_code == 404
    text = curator_client.get(draft.get_absolute_url()).content.decode()
    assert "Only curators can see this page" in text
    assert "noindex" in text


def test_an_unknown_accession_number_is_404(client, collection):
    assert client.get("/gifts/IFE-9999/").status_code == 404


def test_the_page_runs_a_bounded_number_of_queries(
    client, collection, django_assert_max_num_queries
):
    client.get("/gifts/IFE-0001/")
    for accession_number in ("IFE-0056", "IFE-0036", "IFE-0069", "IFE-0004"):
        with django_assert_max_num_queries(8):
            client.get(f"/gifts/{accession_number}/", {"in": "leader=kim-jong-un"})
    assert Gift.objects.count() == 72


def test_the_donor_is_named_in_the_original_script_with_its_language(client, collection):
    text = page(client, "IFE-0042")
    assert '<span class="original-name" lang="zh-Hans" dir="auto">习近平</span>' in text
    arabic = page(client, "IFE-0006")
    assert '<span class="original-name" lang="ar" dir="auto">معمر القذافي</span>' in arabic
    # A donor with no original name recorded shows none.
    assert 'class="original-name"' not in page(client, "IFE-0018")  # Billy Graham
    # Names keep their diacritics.
    assert "Phạm Văn Đồng</a>, Premier" in page(client, "IFE-0025")


def test_each_gift_page_shows_the_donors_kind_at_the_time(client, collection):
    vice_president = page(client, "IFE-0042")  # 2008
    assert "Xi Jinping</a> (" in vice_president
    assert ", Vice President<br>" in vice_president
    assert '<span class="muted small">Government official, <a href="/countries/CHN/">' in (
        vice_president
    )
    president = page(client, "IFE-0050")  # 2019
    assert ", President<br>" in president
    assert '<span class="muted small">Head of state, <a href="/countries/CHN/">' in president


def test_related_sections_never_show_a_gift_twice(client, db):
    from tests.factories import DonorFactory, OccasionFactory

    donor, occasion = DonorFactory(), OccasionFactory()
    gift = GiftFactory(donor=donor, occasion=occasion, country=donor.country)
    # Every other gift of the donor was given at the occasion: "More from" the donor would only
    # repeat "Also given at".
    GiftFactory.create_batch(3, donor=donor, occasion=occasion, country=donor.country)
    GiftFactory.create_batch(2, country=donor.country)
    text = page(client, gift.accession_number)
    links = re.findall(r'class="card-title"><a href="([^"]+)"', text)
    assert len(links) == len(set(links)) == 5
    assert f"Also given at {occasion.name}" in text
    assert f"More from {donor.name}" not in text
    assert f"More from {donor.country.name}" in text
