import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gifts.models import Gift
from tests.factories import GiftFactory


def test_home_shows_the_collection_in_numbers(client, collection):
    page = client.get(reverse("home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "69 of them from 25 countries" in text
    assert "Kim Jong Un" in text


def test_the_listing_shows_published_holdings(client, collection):
    Gift.objects.filter(accession_number="IFE-0007").update(status="draft")
    page = client.get(reverse("gifts:list"))
    assert page.status_code == 200
    assert page.context["paginator"].count == 68
    text = page.content.decode()
    assert "68 gifts" in text
    assert "Rifle made by North Korean craftsmen" not in text  # given away, not held


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"leader": "kim-jong-un"}, 22),
        ({"country": "USA"}, 6),
        ({"donor": "vladimir-putin"}, 11),
        ({"category": "vehicles"}, 6),
        ({"building": "kim-il-sung-building"}, 29),
    ],
)
def test_the_listing_filters_by_the_query_string(client, collection, query, count):
    page = client.get(reverse("gifts:list"), query)
    assert page.status_code == 200
    assert page.context["paginator"].count == count


def test_an_unknown_filter_value_is_a_clear_400(client, collection):
    page = client.get(reverse("gifts:list"), {"leader": "kim-jong-nam"})
    assert page.status_code == 400
    assert "not valid" in page.content.decode()
    assert not page.context["object_list"]


def test_the_listing_runs_the_same_queries_for_any_page_size(client, db):
    def listing_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("gifts:list")).status_code == 200
        return len(queries)

    GiftFactory.create_batch(3)
    few = listing_queries()
    GiftFactory.create_batch(30)
    assert listing_queries() == few


def test_a_gift_page_says_who_gave_what_when_and_how_we_know(client, collection):
    page = client.get(reverse("gifts:detail", args=["IFE-0034"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Basketball signed by Michael Jordan" in text
    assert "Madeleine Albright, Secretary of State" in text
    assert "October 2000" in text
    assert "The Wall Street Journal" not in text
    assert "Reason" in text
    assert "No photograph of this object is available" in text


def test_the_detail_page_runs_a_fixed_number_of_queries(
    client, collection, django_assert_num_queries
):
    with django_assert_num_queries(6):
        client.get(reverse("gifts:detail", args=["IFE-0056"]))
    with django_assert_num_queries(6):
        client.get(reverse("gifts:detail", args=["IFE-0017"]))


def test_drafts_are_hidden_from_visitors_and_previewed_by_curators(curator_client, db):
    draft = GiftFactory(status="draft")
    url = draft.get_absolute_url()
    assert Client().get(url).status_code == 404
    page = curator_client.get(url)
    assert page.status_code == 200
    assert "Draft: only curators can see this page" in page.content.decode()


def test_a_received_gift_names_the_gift_given_in_return(client, collection):
    page = client.get(reverse("gifts:detail", args=["IFE-0056"])).content.decode()
    assert "Answered with" in page
    assert 'href="/gifts/IFE-0070/"' in page
    answer = client.get(reverse("gifts:detail", args=["IFE-0070"])).content.decode()
    assert "Given in return for" in answer
    assert 'href="/gifts/IFE-0056/"' in answer
    assert "Where to see it" not in answer
