"""
"Show counts" on every changelist (desk.facets): the same numbers Django's own filters give, in
one query per filter rather than one count per option.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.filters import FieldListFilter
from django.db import connection
from django.test.utils import CaptureQueriesContext

from desk import facets
from gifts.models import Gift
from tests.desk.test_admin import MODEL_IDS, REGISTERED, admin_url
from tests.factories import GiftFactory, ShowroomFactory

OURS = (facets.GroupedRelatedFilter, facets.GroupedBooleanFilter, facets.GroupedChoicesFilter)


def shown(model_admin, rf, admin_user, model, query):
    """What each filter of the changelist offers, with its count: [(title, [display, ...])]."""
    request = rf.get(admin_url(model, "changelist"), {"_facets": "True", **query})
    request.user = admin_user
    changelist = model_admin.get_changelist_instance(request)
    return [
        (str(spec.title), [str(choice["display"]) for choice in spec.choices(changelist)])
        for spec in changelist.filter_specs
    ]


@pytest.fixture
def messy(collection):
    """Drafts, gifts waiting for review, gifts in no showroom, some on display."""
    GiftFactory.create_batch(3, status="draft", occasion=None)
    room = ShowroomFactory()
    GiftFactory.create_batch(
        2, status="review", showroom=room, on_display=True, sanctions="possible"
    )


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_count_is_the_one_djangos_own_filters_give(
    messy, rf, admin_user, monkeypatch, model, model_admin
):
    ours = shown(model_admin, rf, admin_user, model, {})
    if model is Gift:
        request = rf.get(admin_url(model, "changelist"))
        request.user = admin_user
        kinds = {type(spec) for spec in model_admin.get_changelist_instance(request).filter_specs}
        assert set(OURS) <= kinds
    djangos = [(test, cls) for test, cls in FieldListFilter._field_list_filters if cls not in OURS]
    monkeypatch.setattr(FieldListFilter, "_field_list_filters", djangos)
    assert ours == shown(model_admin, rf, admin_user, model, {})


def test_counts_under_a_filter_are_djangos_too(messy, rf, admin_user, monkeypatch):
    model_admin = admin.site._registry[Gift]
    query = {"status__exact": "published", "review": "waiting", "quality": "no_image"}
    for asked in ({"status__exact": "draft"}, {"on_display__exact": "1"}, query):
        ours = shown(model_admin, rf, admin_user, Gift, asked)
        djangos = [
            (test, cls) for test, cls in FieldListFilter._field_list_filters if cls not in OURS
        ]
        with monkeypatch.context() as patched:
            patched.setattr(FieldListFilter, "_field_list_filters", djangos)
            assert ours == shown(model_admin, rf, admin_user, Gift, asked)
    counted = dict(shown(model_admin, rf, admin_user, Gift, {"status__exact": "draft"}))
    # Each filter's counts leave its own choice out: the other statuses are still offered.
    assert counted["status"] == ["All", "Draft (3)", "In review (2)", "Published (72)"]


def test_show_counts_costs_one_query_per_filter_whatever_the_options(messy, admin_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(admin_url(Gift, "changelist"), {"_facets": "True"})
            assert response.status_code == 200
        return len(captured)

    before = queries()
    for number in range(5):  # five more countries, showrooms and categories to count
        GiftFactory(country__name=f"Land {number}")
    assert queries() == before
