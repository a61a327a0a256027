"""The facet table (catalogue.facets) is the one place a facet is named: the index's dimensions,
the query string's fields, the panels and the chips all come from its rows."""

import threading

from django.http import QueryDict

from catalogue import index, panels
from catalogue.caches import BoundedCache
from catalogue.facets import FACETS
from catalogue.forms import ListingForm

KEYS = [facet.key for facet in FACETS]


def every_option(collection):
    """A query string choosing the first option of every facet."""
    query = QueryDict(mutable=True)
    for key in KEYS:
        query.setlist(key, [collection.options(key)[0].key])
    return query


def test_the_index_the_form_the_panels_and_the_chips_all_come_from_the_table(collection):
    collection_ = index.collection()
    assert set(collection_.dimensions) == {*KEYS, "decade"}
    form = ListingForm(QueryDict(), collection=collection_)
    assert [name for name in form.fields if name in KEYS] == KEYS
    assert set(form.fields) - set(KEYS) == {
        "year_from", "year_to", "on_display", "has_image", "q", "sort"
    }  # fmt: skip

    query = every_option(collection_)
    form = ListingForm(query, collection=collection_)
    assert form.is_valid(), form.errors
    selection = form.selection()
    assert list(selection.filters) == KEYS
    result = collection_.select(selection)
    address = panels.QueryString(query, "/gifts/")
    assert [panel.key for panel in panels.panels(result, address, selection)] == KEYS
    assert [panel.title for panel in panels.panels(result, address, selection)] == [
        facet.title for facet in FACETS
    ]
    chips = panels.chips(collection_, address, selection, "")
    assert [chip.label.split(":")[0] for chip in chips] == [
        facet.label.capitalize() for facet in FACETS
    ]


def test_a_value_not_in_a_facet_is_refused_with_the_facets_own_noun(collection):
    for facet in FACETS:
        form = ListingForm(QueryDict(f"{facet.key}=no-such-thing"))
        assert not form.is_valid()
        assert form.errors[facet.key] == [
            f"There is no {facet.label} “no-such-thing” in the collection."
        ]


def test_a_bounded_cache_lets_everything_go_rather_than_pass_its_bound():
    cache = BoundedCache(3)
    for key in "abc":
        cache.set(key, key.upper())
    assert len(cache) == 3
    cache.set("d", "D")
    assert len(cache) == 1 and cache.get("d") == "D" and "a" not in cache


def test_a_bounded_cache_can_count_what_its_values_weigh():
    cache = BoundedCache(10, weight=len)
    cache.set("a", "x" * 6)
    cache.set("b", "x" * 4)
    assert len(cache) == 2
    cache.set("c", "x")
    assert list(cache.values) == ["c"]


def test_a_bounded_cache_keeps_the_first_value_made_when_threads_race():
    cache = BoundedCache(1000)
    results = []

    def make(n):
        results.append(cache.get_or_set("key", lambda: n))

    threads = [threading.Thread(target=make, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and cache.get("key") == results[0]
