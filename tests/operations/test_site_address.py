"""
No request can change what another visitor gets: absolute URLs come from SITE_URL, never from the
Host header, and the page cache keeps pages apart by scheme and host (operations.site,
operations.cache).
"""

import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from exhibitions.models import Showroom
from gifts.models import Gift
from museum.settings import site_url_from
from tests.factories import ExhibitionFactory

SITE = "https://gifts.example.org"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example.net", "gifts.example.org"]


def public_addresses():
    gift = Gift.objects.published().first()
    exhibition = ExhibitionFactory(status="published")
    exhibition.items.create(gift=gift)
    return [
        "/",
        "/gifts/",
        "/gifts/?country=RUS",
        gift.get_absolute_url(),
        "/donors/",
        "/countries/RUS/",
        Showroom.objects.first().get_absolute_url(),
        exhibition.get_absolute_url(),
        "/robots.txt",
        "/sitemap.xml",
        "/sitemap-pages.xml",
        "/sitemap-gifts.xml",
        "/sitemap-exhibitions.xml",
        "/gifts/export.csv",
        "/gifts/export.json",
        "/donors/export.csv",
    ]


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_no_absolute_url_names_the_host_the_request_came_for(client, collection, site):
    for address in public_addresses():
        response = client.get(
            address, HTTP_HOST="mirror.example.net", HTTP_X_FORWARDED_HOST="evil.example"
        )
        assert response.status_code == 200, address
        text = body(response)
        assert "mirror.example.net" not in text, address
        assert "evil.example" not in text, address
        assert "testserver" not in text, address


def test_the_gift_page_names_only_the_site_address(client, collection, site):
    gift = Gift.objects.get(accession_number="IFE-0001")
    page = client.get(gift.get_absolute_url(), HTTP_HOST="mirror.example.net").content.decode()
    assert f'<link rel="canonical" href="{SITE}/gifts/IFE-0001/">' in page
    assert f'<meta property="og:url" content="{SITE}/gifts/IFE-0001/">' in page
    assert f'<meta property="og:image" content="{SITE}/' in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page)[1])
    assert data["@id"] == data["url"] == f"{SITE}/gifts/IFE-0001/"
    assert data["image"].startswith(SITE)


def test_robots_and_sitemaps_point_at_the_site_address(client, collection, site):
    robots = client.get("/robots.txt", HTTP_HOST="mirror.example.net").content.decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in robots
    index = client.get("/sitemap.xml", HTTP_HOST="mirror.example.net").content.decode()
    assert f"<loc>{SITE}/sitemap-gifts.xml</loc>" in index
    gifts = client.get("/sitemap-gifts.xml", HTTP_HOST="mirror.example.net").content.decode()
    assert f"<loc>{SITE}/gifts/IFE-0001/</loc>" in gifts


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600


def test_a_page_cached_for_one_host_is_not_given_to_another(client, collection, site, page_cache):
    assert client.get("/", HTTP_HOST="mirror.example.net")["X-Cache"] == "miss"
    assert client.get("/", HTTP_HOST="mirror.example.net")["X-Cache"] == "hit"
    assert client.get("/", HTTP_HOST="mirror.example.net:8443")["X-Cache"] == "miss"
    assert client.get("/")["X-Cache"] == "miss"
    assert client.get("/", secure=True)["X-Cache"] == "miss"


def test_a_disallowed_host_gets_400_even_for_a_cached_page(client, collection, site, page_cache):
    assert client.get("/")["X-Cache"] == "miss"
    assert client.get("/")["X-Cache"] == "hit"
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "X-Cache" not in response


def test_x_forwarded_host_changes_nothing(client, collection, site, page_cache):
    first = client.get("/", HTTP_X_FORWARDED_HOST="evil.example")
    assert "evil.example" not in first.content.decode()
    again = client.get("/")
    assert again["X-Cache"] == "hit"  # the same page: the header is not trusted, nor keyed
    assert again.content == first.content


@pytest.mark.parametrize(
    "value", ["ftp://gifts.example.org", "gifts.example.org", "https://x.org/museum", "https://"]
)
def test_a_site_address_with_a_path_or_another_scheme_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SITE_URL"):
        site_url_from(value)


def test_a_site_address_keeps_scheme_host_and_port():
    assert site_url_from("https://gifts.example.org/") == "https://gifts.example.org"
    assert site_url_from("http://127.0.0.1:8000") == "http://127.0.0.1:8000"


HOSTILE = "</script><!--<script>alert(1)//&"


def test_json_ld_cannot_end_its_script_element(client, collection):
    gift = Gift.objects.get(accession_number="IFE-0001")
    gift.title = HOSTILE
    gift.save()
    gift.donor.name = HOSTILE + " donor"
    gift.donor.save()
    page = client.get(gift.get_absolute_url()).content.decode()
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    end = page.index("</script>", start)
    embedded = page[start:end]
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded
    data = json.loads(embedded)
    assert data["name"] == HOSTILE
    assert data["provider"]["name"] == HOSTILE + " donor"
