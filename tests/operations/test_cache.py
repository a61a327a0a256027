import pytest
from django.test import Client

from gifts.models import Gift


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600


def test_a_repeated_page_comes_from_the_cache_in_one_query(
    client, collection, page_cache, django_assert_num_queries
):
    first = client.get("/gifts/", {"country": "RUS"})
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(1):  # the collection version
        again = client.get("/gifts/", {"country": "RUS"})
    assert again["X-Cache"] == "hit"
    assert again.content == first.content


def test_an_edit_is_seen_at_once(client, collection, page_cache):
    assert "Tea cup set" in client.get("/gifts/", {"country": "FRA"}).content.decode()
    gift = Gift.objects.get(accession_number="IFE-0017")
    gift.title = "Porcelain tea cup set"
    gift.save()
    response = client.get("/gifts/", {"country": "FRA"})
    assert response["X-Cache"] == "miss"
    assert "Porcelain tea cup set" in response.content.decode()


def test_signed_in_curators_always_get_a_fresh_page(curator_client, collection, page_cache):
    Client().get("/gifts/IFE-0001/")
    response = curator_client.get("/gifts/IFE-0001/")
    assert "X-Cache" not in response


def test_errors_and_downloads_are_not_kept(client, collection, page_cache):
    assert "X-Cache" not in client.get("/gifts/", {"country": "ATLANTIS"})
    assert "X-Cache" not in client.get("/gifts/export.csv")
    assert "X-Cache" not in client.get("/admin/login/")


def test_healthz_answers_without_the_database(client, db, django_assert_num_queries, page_cache):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
