"""A gift's page: who gave what, when, on which occasion, where it is, and how we know."""

import datetime
import io
import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from catalogue import index
from gifts.models import Gift, GiftImage, Resolution
from gifts.views import GiftDetailView
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


# A visitor's page is rendered once per collection version and kept (gifts.views.GiftDetailView):
# what a visitor notices is that every edit still shows on the next visit, that no draft reaches
# them through a kept page, and that staff still see their previews.


def test_an_edit_shows_on_the_next_visit(client, collection, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    gift = Gift.objects.get(accession_number="IFE-0064")
    assert "Aurus Senat limousine</h1>" in page(client, "IFE-0064")  # kept from here on

    gift.title = "A renamed car"
    gift.save()
    assert "A renamed car</h1>" in page(client, "IFE-0064")

    gift.donor.name = "A renamed donor"
    gift.donor.save()
    assert "A renamed donor</a>" in page(client, "IFE-0064")

    source = gift.citations.first().source
    source.title = "A retitled article"
    source.save()
    assert "<cite>A retitled article</cite>" in page(client, "IFE-0064")

    resolution = Resolution.objects.create(number=9999, adopted="2030-01-01", measure="Bans x.")
    gift.resolutions.add(resolution)
    assert "Resolution 9999 (1 January 2030)" in page(client, "IFE-0064")

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buffer, format="PNG")
    GiftImage.objects.create(
        gift=gift,
        image=SimpleUploadedFile("car.png", buffer.getvalue(), content_type="image/png"),
        alt_text="The car from the front",
    )
    assert 'alt="The car from the front"' in page(client, "IFE-0064")

    # The leader, country, category and showroom are read once per version (gifts.views).
    for record, field in [(gift.leader, "name"), (gift.country, "name"), (gift.category, "name")]:
        setattr(record, field, f"Renamed {record._meta.model_name}")
        record.save()
        assert f"Renamed {record._meta.model_name}</a>" in page(client, "IFE-0064")
    gift.showroom.name = "Renamed room"
    gift.showroom.save()
    assert "Renamed room</a>, floor 1" in page(client, "IFE-0064")


def test_a_showroom_unpublished_is_hidden_from_visitors_but_not_from_curators(
    client, curator_client, collection
):
    gift = Gift.objects.get(accession_number="IFE-0064")
    assert "Cars</a>, floor 1" in page(client, "IFE-0064")
    gift.showroom.status = "draft"
    gift.showroom.save()
    assert "In storage" in page(Client(), "IFE-0064")
    assert "Cars</a>, floor 1" in page(curator_client, "IFE-0064")
    assert "Cars</a>" not in page(Client(), "IFE-0064")


def test_a_kept_page_never_shows_a_draft_to_a_visitor(client, curator_client, collection):
    gift = Gift.objects.get(accession_number="IFE-0036")
    answer = Gift.objects.get(accession_number="IFE-0071")
    assert 'href="/gifts/IFE-0071/"' in page(client, "IFE-0036")  # kept

    answer.status = "draft"
    answer.save()
    # The curator's preview names the draft answer, and is not kept for visitors.
    assert 'href="/gifts/IFE-0071/"' in page(curator_client, "IFE-0036")
    visitor = Client()
    assert 'href="/gifts/IFE-0071/"' not in page(visitor, "IFE-0036")
    assert answer.title not in page(visitor, "IFE-0036")
    assert visitor.get("/gifts/IFE-0071/").status_code == 404

    gift.status = "draft"
    gift.save()
    assert visitor.get("/gifts/IFE-0036/").status_code == 404
    preview = page(curator_client, "IFE-0036")
    assert "Only curators can see this page" in preview and "noindex" in preview
    assert visitor.get("/gifts/IFE-0036/").status_code == 404


def test_a_curators_page_of_a_published_gift_is_never_given_to_a_visitor(
    curator_client, collection
):
    # A curator sees the draft answer on a published gift's page; a visitor after them must not.
    answer = Gift.objects.get(accession_number="IFE-0071")
    answer.status = "draft"
    answer.save()
    assert 'href="/gifts/IFE-0071/"' in page(curator_client, "IFE-0036")
    assert 'href="/gifts/IFE-0071/"' not in page(Client(), "IFE-0036")


def test_the_listing_the_visitor_came_from_is_not_kept_with_the_page(client, collection):
    listing = client.get("/gifts/", {"country": "USA", "sort": "date"})
    order = [g.accession_number for g in listed(listing)]
    plain = page(client, order[2])  # kept without the listing's links
    assert 'rel="prev"' not in plain and 'name="robots"' not in plain
    came = page(client, order[2], **{"in": "country=USA&sort=date"})
    assert f'href="/gifts/{order[1]}/?in=country%3DUSA%26sort%3Ddate" rel="prev"' in came
    assert '<meta name="robots" content="noindex">' in came
    newest = [g.accession_number for g in listed(client.get("/gifts/", {"country": "USA"}))]
    at = newest.index(order[2])
    other = page(client, order[2], **{"in": "country=USA"})
    assert f'href="/gifts/{newest[at - 1]}/?in=country%3DUSA" rel="prev"' in other
    assert page(client, order[2]) == plain
    assert "<!--" not in plain.split("</head>")[0]  # no slot is left in the page


def test_a_seen_page_costs_only_the_version_query(client, collection, django_assert_num_queries):
    for accession_number in ("IFE-0056", "IFE-0036", "IFE-0069", "IFE-0004", "IFE-0064"):
        client.get(f"/gifts/{accession_number}/")
        with django_assert_num_queries(1):
            page(client, accession_number)
        with django_assert_num_queries(2):  # and the titles of the previous and next gifts
            page(client, accession_number, **{"in": "sort=date"})


def test_the_host_a_request_came_for_is_not_kept_in_the_page(client, collection, settings):
    settings.ALLOWED_HOSTS = ["testserver", "testserver:8443", "mirror.example.net"]
    first = client.get("/gifts/IFE-0058/", HTTP_HOST="testserver:8443").content.decode()
    mirror = client.get("/gifts/IFE-0058/", HTTP_HOST="mirror.example.net").content.decode()
    plain = page(client, "IFE-0058")
    for text in (first, mirror, plain):
        assert "8443" not in text and "mirror.example.net" not in text
        assert '<link rel="canonical" href="http://127.0.0.1:8000/gifts/IFE-0058/">' in text
    settings.SITE_URL = "https://gifts.example.org"
    moved = page(client, "IFE-0058")
    assert '<link rel="canonical" href="https://gifts.example.org/gifts/IFE-0058/">' in moved


def test_the_citation_of_a_kept_page_gives_the_day_it_is_read(client, collection, monkeypatch):
    assert "(accessed " in page(client, "IFE-0058")
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2031, 5, 4))
    assert "(accessed 4 May 2031)." in page(client, "IFE-0058")


def test_a_gift_page_one_worker_rendered_is_not_rendered_again_by_another(
    client, collection, settings, monkeypatch
):
    settings.KEPT_PAGES_SHARED = True  # as with Redis: the cache below is every worker's
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    first = page(client, "IFE-0058", utm_source="a")  # an address the page cache has not seen
    monkeypatch.setattr(index, "_loaded", None)  # another worker, which has kept nothing
    rendered = []
    make = GiftDetailView.kept_page
    monkeypatch.setattr(GiftDetailView, "kept_page", lambda view: rendered.append(1) or make(view))
    assert page(client, "IFE-0058", utm_source="b") == first
    assert rendered == []
    # Unpublished since: never answered from what was kept with the version before.
    gift = Gift.objects.get(accession_number="IFE-0058")
    gift.status = "draft"
    gift.save()
    assert client.get("/gifts/IFE-0058/", {"utm_source": "c"}).status_code == 404
    gift.status = "published"
    gift.save()
    assert page(client, "IFE-0058", utm_source="d") == first
    assert rendered == [1, 1]  # asked for as a draft (404), then made again once published
