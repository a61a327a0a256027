"""A gift's sharing image (og:image), drawn from the record by gifts.social."""

import io
import re
import time

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from gifts import social
from gifts.models import Gift
from tests.factories import CategoryFactory, DonorFactory, GiftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def share_image_address(client, gift):
    page = client.get(gift.get_absolute_url()).content.decode()
    url = re.search(r'<meta property="og:image" content="http://127.0.0.1:8000([^"]+)"', page)[1]
    return url.replace("&amp;", "&")


def colours(image):
    return {colour for _, colour in image.getcolors(maxcolors=1 << 20)}


def picture(response):
    return Image.open(io.BytesIO(response.content))


def test_the_gift_page_offers_a_large_sharing_image_drawn_from_the_record(client):
    gift = GiftFactory(title="Fur hat", donor=DonorFactory(name="Sergei Shoigu"))
    page = client.get(gift.get_absolute_url()).content.decode()
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta property="og:image:height" content="630">' in page
    assert 'property="og:image:alt" content="Fur hat, given by Sergei Shoigu, June 1985' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    url = share_image_address(client, gift)
    assert url.startswith(f"/gifts/{gift.accession_number}/card.png?v=")

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert picture(response).size == (1200, 630)
    assert "max-age=31536000" in response["Cache-Control"]
    assert response["ETag"]
    again = client.get(url, headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_a_draft_has_no_sharing_image_for_visitors(curator_client):
    client = Client()
    draft = GiftFactory(status="draft")
    url = f"/gifts/{draft.accession_number}/card.png?v={social.version(draft)}"
    assert client.get(url).status_code == 404
    assert client.get(f"/gifts/{draft.accession_number}/card.png").status_code == 404
    assert client.get("/gifts/NO-SUCH-GIFT/card.png").status_code == 404
    preview = curator_client.get(url)  # a curator previewing the draft's page
    assert preview.status_code == 200
    assert preview["Cache-Control"] == "private, no-cache"


def test_each_version_is_drawn_once(client, monkeypatch):
    drawn = []
    render = social.render
    monkeypatch.setattr(social, "render", lambda gift: drawn.append(gift.pk) or render(gift))
    gift = GiftFactory()
    url = share_image_address(client, gift)
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert drawn == [gift.pk]


def test_the_address_changes_when_the_record_does_and_an_old_one_leads_to_the_new(client):
    gift = GiftFactory(title="Silver vase")
    old = share_image_address(client, gift)
    gift.title = "Silver vase with a lid"
    gift.save()
    new = share_image_address(client, gift)
    assert new != old
    response = client.get(old)
    assert response.status_code == 302 and response["Location"] == new
    missing = client.get(f"/gifts/{gift.accession_number}/card.png")
    assert missing.status_code == 302 and missing["Location"] == new
    gift.donor.name = "A renamed donor"
    gift.donor.save()
    assert share_image_address(client, gift) != new  # what it shows changed


def test_a_hostile_very_long_title_stays_inside_the_picture():
    title = "\u202eReversed <script>alert(1)</script>\x00\x1b[31m " + "Ｗ" * 300 + " word" * 200
    # Built, not saved: PostgreSQL refuses a NUL in text, the renderer must not.
    gift = GiftFactory.build(title=title[:500], donor=DonorFactory.build(name="D" * 200))
    image = Image.open(io.BytesIO(social.render(gift))).convert("RGB")
    assert image.size == (1200, 630)
    paper = image.getpixel((social.WIDTH - 1, 0))  # the top right corner, never written on
    margin = image.crop((social.WIDTH - 65, 0, social.WIDTH, social.HEIGHT))  # right margin
    assert colours(margin) == {paper}
    bottom = image.crop((345, social.HEIGHT - 50, social.WIDTH, social.HEIGHT))
    assert colours(bottom) == {paper}


@pytest.mark.parametrize("name", ["김대중", "Владимир Путин", "毛泽东", "معمر القذافي"])
def test_a_donors_name_in_its_own_script_is_drawn(name):
    assert social.drawable(name, social.FALLBACKS) is not None
    donor = DonorFactory(name="Donor", name_original=name)
    without = social.render(GiftFactory(donor=DonorFactory(name="Donor")))
    assert social.render(GiftFactory(donor=donor)) != without


def test_a_name_no_shipped_font_can_draw_is_left_out_rather_than_drawn_as_boxes():
    old_italic = "\U00010300\U00010301\U00010302"
    assert social.drawable(old_italic, social.FALLBACKS) is None
    gift = GiftFactory(accession_number="TEST-SAME", donor=DonorFactory(name="Donor"))
    plain = social.render(gift)
    gift.donor.name_original = old_italic
    assert social.render(gift) == plain


def test_rendering_is_quick():
    gift = Gift.objects.select_related("donor", "category", "leader").get(
        pk=GiftFactory(category=CategoryFactory(name="Vehicles", slug="vehicles")).pk
    )
    social.render(gift)  # fonts loaded
    started = time.perf_counter()
    for _ in range(5):
        social.render(gift)
    assert (time.perf_counter() - started) / 5 < 0.5
