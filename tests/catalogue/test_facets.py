"""The facet tables (catalogue.facets) are the one place a facet is named: the index's dimensions
and masks, the query string's fields, the panels, the chips and the suggestions for an empty
result all come from their rows."""

import threading

from django.http import QueryDict

from catalogue import forms, index, panels
from catalogue.caches import BoundedCache
from catalogue.facets import FACETS, FLAGS, Flag
from catalogue.forms import ListingForm

KEYS = [facet.key for facet in FACETS]
FLAG_KEYS = [flag.key for flag in FLAGS]


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
    assert list(form.fields)[len(KEYS) :] == [
        "year_from",
        "year_to",
        *FLAG_KEYS,
        "q",
        "sort",
        "view",
    ]

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


def test_a_yes_no_facet_is_one_row_of_the_flags_table(collection, monkeypatch):
    """Adding a yes/no facet is a row: here, "on display" asked a second way, by ids."""
    on_display = next(flag for flag in FLAGS if flag.key == "on_display")
    shown = Flag(
        "shown",
        "Shown in a room",
        on_display.condition,
        ids=lambda: index.Gift.objects.filter(on_display=True).values_list("id", flat=True),
    )
    monkeypatch.setattr("catalogue.facets.FLAGS", [*FLAGS, shown])
    for module in (index, panels, forms):
        monkeypatch.setattr(module, "FLAGS", [*FLAGS, shown])
    collection_ = index.Collection(version=("test", 0))
    query = QueryDict("shown=false")
    form = ListingForm(query, collection=collection_)
    assert form.is_valid(), form.errors
    selection = form.selection()
    result = collection_.select(selection)
    expected = form.filter_queryset(index.Gift.objects.published().holdings())
    assert result.count == expected.count() == 3
    assert result.count == collection_.select(index.Selection(flags={"on_display": False})).count
    address = panels.QueryString(query, "/gifts/")
    flag_panel = next(p for p in panels.flag_panels(result, address, selection) if p.key == "shown")
    assert flag_panel.title == "Shown in a room"
    assert [(c.label, c.count, c.selected) for c in flag_panel.choices][1] == ("No", 3, True)
    assert [chip.label for chip in panels.chips(collection_, address, selection, "")] == [
        "Shown in a room: no"
    ]
    assert not ListingForm(QueryDict("shown=maybe"), collection=collection_).is_valid()


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
