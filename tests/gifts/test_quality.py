"""The data quality page (gifts.quality): counts, links to exactly the records counted, and a
fixed number of queries."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gifts.models import Citation, Gift, GiftImage
from tests.factories import GiftFactory, ShowroomFactory, SourceFactory, UserFactory

ISSUES = ["no_image", "no_alt_text", "no_source", "no_location", "no_date"]


def complete(**fields):
    """A gift with everything the quality page looks for, unless fields say otherwise."""
    image = fields.pop("image", "A silver vase on a stand")
    source = fields.pop("source", True)
    fields.setdefault("showroom", ShowroomFactory())
    gift = GiftFactory(**fields)
    if image is not None:
        GiftImage.objects.bulk_create(
            [
                GiftImage(
                    gift=gift,
                    image=f"gifts/{gift.accession_number}/a.jpg",  # no file needed here
                    width=640,
                    height=480,
                    alt_text=image,
                )
            ]
        )
    if source:
        Citation.objects.create(gift=gift, source=SourceFactory())
    return gift


@pytest.fixture
def gifts(db):
    published = {
        "complete": complete(),
        "no_image": complete(image=None),
        "no_alt_text": complete(image="   "),
        "no_source": complete(source=False),
        "no_location": complete(showroom=None),
        "no_date": complete(date_received=None),
        # Given away: not held, so no showroom is expected.
        "given": complete(showroom=None, direction=Gift.Direction.GIVEN),
    }
    # Drafts and records in review lack everything but are not counted as published gifts.
    lacking = {"image": None, "source": False, "showroom": None, "date_received": None}
    complete(status="draft", **lacking)
    waiting = [complete(status="review", **lacking) for _ in range(2)]
    return published, waiting


def quality(client):
    response = client.get(reverse("admin-quality"))
    assert response.status_code == 200
    return response


def listed(client, url):
    """Every gift the changelist at url lists (all pages)."""
    response = client.get(url + "&all=")
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_the_page_counts_what_published_gifts_lack(admin_client, gifts):
    response = quality(admin_client)
    rows = {row["key"]: row for row in response.context["rows"]}
    assert {key: row["count"] for key, row in rows.items()} == dict.fromkeys(ISSUES, 1)
    assert response.context["published"] == 7
    assert response.context["review"]["count"] == 2
    page = response.content.decode()
    assert "Missing an image" in page
    assert "Drafts waiting for review" in page


@pytest.mark.parametrize("issue", ISSUES)
def test_each_count_links_to_exactly_the_gifts_counted(admin_client, gifts, issue):
    published, _ = gifts
    row = next(row for row in quality(admin_client).context["rows"] if row["key"] == issue)
    assert listed(admin_client, row["url"]) == {published[issue]}


def test_the_review_count_links_to_the_review_queue(admin_client, gifts):
    _, waiting = gifts
    review = quality(admin_client).context["review"]
    assert listed(admin_client, review["url"]) == set(waiting)


def test_the_links_list_many_records_too(admin_client, db):
    undated = [complete(date_received=None) for _ in range(60)]
    complete()
    row = next(r for r in quality(admin_client).context["rows"] if r["key"] == "no_date")
    assert row["count"] == 60
    assert listed(admin_client, row["url"]) == set(undated)


def queries_for_the_page(client):
    with CaptureQueriesContext(connection) as queries:
        quality(client)
    return len(queries)


def test_the_page_runs_a_fixed_number_of_queries(
    admin_client, gifts, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        quality(admin_client)
    few = queries_for_the_page(admin_client)
    for _ in range(10):
        complete(image=None, source=False, showroom=None, date_received=None)
        complete(image=" ")
    assert queries_for_the_page(admin_client) == few


def test_the_counts_are_one_aggregate_query(gifts, django_assert_num_queries):
    from gifts.quality import counts

    with django_assert_num_queries(1):
        found = counts()
    assert found["review"] == 2


def test_the_page_is_for_staff_who_may_view_gifts(client, gifts):
    response = client.get(reverse("admin-quality"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    client.force_login(UserFactory(username="clerk", is_staff=True))
    assert client.get(reverse("admin-quality")).status_code == 403
    cataloguer = UserFactory(username="cataloguer", is_staff=True)
    cataloguer.groups.add(Group.objects.get(name="Cataloguer"))
    client.force_login(cataloguer)
    assert client.get(reverse("admin-quality")).status_code == 200


def test_the_admin_index_links_to_the_page_and_the_queue(admin_client, gifts):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin-quality") in page
    assert "Gifts waiting for review" in page
    assert reverse("admin:gifts_gift_changelist") + "?review=waiting" in page


def test_the_page_lives_under_the_admin_address(settings):
    assert reverse("admin-quality") == "/" + settings.ADMIN_URL + "quality/"
