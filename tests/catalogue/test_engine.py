"""
catalogue.index answers a listing from each filter's matching rows, intersected: its answers
must be exactly those of the plain way (a yes/no mask over every gift per filter), for any
selection: facets, years, yes/no facets, a search, every sort, counts and pages.
"""

import io
import random

import numpy as np
import pytest
from django.core.management import call_command

from catalogue import index
from catalogue.facets import FACETS, FLAGS
from catalogue.search import matches


def masks_of(collection, selection):
    """{filter: a mask over every row}, the plain way."""
    masks = {}
    for name, keys in selection.filters.items():
        if keys:
            dimension = collection.dimensions[name]
            masks[name] = np.isin(dimension.codes, dimension.codes_for(keys))
    if selection.year_from is not None or selection.year_to is not None:
        low = selection.year_from if selection.year_from is not None else -1
        high = selection.year_to if selection.year_to is not None else 10**5
        years = collection.years
        masks["year"] = (years != 0) & (years >= low) & (years <= high)
    for key, value in selection.flags.items():
        masks[key] = collection.flags[key] == value
    if selection.search_matches is not None:
        rows, found = collection.rows_for(selection.search_matches()[0])
        masks["q"] = np.zeros(collection.size, dtype=bool)
        masks["q"][rows[found]] = True
    return masks


def combined(collection, masks, without=None):
    mask = np.ones(collection.size, dtype=bool)
    for name, part in masks.items():
        if name != without:
            mask &= part
    return mask


def expected_order(collection, selection, mask):
    sort = selection.sort
    if sort == "relevance" and selection.search_matches is not None:
        rank_of = dict(zip(*selection.search_matches(), strict=True))
        rows = np.flatnonzero(mask)
        ids = collection.ids[rows]
        ranks = np.array([rank_of[int(i)] for i in ids])
        return rows[np.lexsort((ids, -ranks))]
    order = collection.order(index.DEFAULT_SORT if sort == "relevance" else sort)
    return order[mask[order]]


@pytest.fixture
def big(collection, monkeypatch):
    # Results of 40 rows or more keep their answers: the kept answers are checked too.
    monkeypatch.setattr(index, "KEPT_FROM_ROWS", 40)
    call_command("generate_specimens", count=1500, seed=11, stdout=io.StringIO())
    return index.collection()


def random_selection(rng, collection):
    filters = {}
    for facet in rng.sample(FACETS, rng.randint(0, 3)):
        keys = [o.key for o in collection.options(facet.key)]
        filters[facet.key] = rng.sample(keys, min(len(keys), rng.randint(1, 3)))
    selection = index.Selection(filters=filters, sort=rng.choice(list(index.SORTS)))
    if rng.random() < 0.3:
        selection.year_from = rng.randint(1950, 2015)
        selection.year_to = selection.year_from + rng.randint(0, 30)
    elif rng.random() < 0.2:
        selection.year_to = rng.randint(1950, 2020)
    for flag in FLAGS:
        if rng.random() < 0.15:
            selection.flags[flag.key] = rng.random() < 0.5
    if rng.random() < 0.3:
        word = rng.choice(["vase", "porcelain", "tea", "silver", "painting", "kim", "zzzz"])
        found = matches(word)
        selection.search_matches = lambda: found
        if rng.random() < 0.7:  # kept as the listing keeps it, so its answers are kept too
            selection.search_terms = (word,)
    return selection


@pytest.mark.parametrize("tabled", [256, 30], ids=["most-tabled", "few-tabled"])
def test_every_answer_is_the_plain_ways(big, monkeypatch, tabled):
    # With 30, the donors, occasions and countries of 1,500 specimens are long dimensions whose
    # top options are read from the build's tables when one tabled facet filters.
    monkeypatch.setattr(index, "TABLED_OPTIONS", tabled)
    # Read afresh under that bound (the build's tables are made with the real one).
    collection = big if tabled == 256 else index.Collection(big.version)
    assert collection.untabled if tabled == 30 else collection.tabled
    rng = random.Random(5)
    for _ in range(150):
        selection = random_selection(rng, collection)
        result = collection.select(selection)
        masks = masks_of(collection, selection)
        mask = combined(collection, masks)
        assert result.count == int(mask.sum()), selection
        ordered = expected_order(collection, selection, mask)
        assert result.ordered_rows().tolist() == ordered.tolist(), selection
        assert result.page_ids(2, 24) == collection.ids[ordered[24:48]].tolist()
        for facet in FACETS:
            dimension = collection.dimensions[facet.key]
            counted = np.bincount(
                dimension.codes[combined(collection, masks, without=facet.key)],
                minlength=len(dimension.options),
            )
            assert result.facet_array(facet.key).tolist() == counted.tolist(), facet.key
            nonzero = np.flatnonzero(counted[:-1])
            ranked = nonzero[np.argsort(-counted[nonzero], kind="stable")]
            assert result.top_codes(facet.key, None).tolist() == ranked.tolist(), facet.key
            assert result.top_codes(facet.key, 5).tolist() == ranked[:5].tolist(), facet.key
            chosen = dimension.codes_for(selection.filters.get(facet.key, []))
            for limit in (3, 12):
                top, counts, distinct = result.summary(facet.key, limit, chosen)
                assert top.tolist() == ranked[:limit].tolist(), facet.key
                assert counts == {c: int(counted[c]) for c in [*ranked[:limit].tolist(), *chosen]}
                assert distinct == len(nonzero)
        first = collection.ids[ordered[:24]].tolist()
        assert result.page_ids(1, 24) == first
        assert result[0:24] == first and result[3:9] == first[3:9]
        for flag in FLAGS:
            others = combined(collection, masks, without=flag.key)
            true = int((collection.flags[flag.key] & others).sum())
            assert result.flag_counts(flag.key) == (true, int(others.sum()) - true)
        for name in masks:
            assert result.facet_total(name) == int(combined(collection, masks, name).sum())
        if len(ordered) > 2:
            middle = int(collection.ids[ordered[1]])
            first, last = int(collection.ids[ordered[0]]), int(collection.ids[ordered[2]])
            assert result.neighbours(middle) == (first, last)


@pytest.mark.parametrize("tabled", [256, 30], ids=["most-tabled", "few-tabled"])
def test_a_listing_filtered_by_one_small_facet_counts_nothing(big, monkeypatch, tabled):
    """Filtered by one option of a tabled facet (a leader, a category), every panel's counts and
    top options are read from the build's tables: no row is counted, and they are the plain
    way's."""
    monkeypatch.setattr(index, "TABLED_OPTIONS", tabled)
    collection = big if tabled == 256 else index.Collection(big.version)

    def counted(*args):
        raise AssertionError("counted over the rows")

    monkeypatch.setattr(index.Result, "kept", counted)
    for name in collection.tabled:
        for option in collection.options(name)[:3]:
            selection = index.Selection(filters={name: [option.key]})
            result = collection.select(selection)
            masks = masks_of(collection, selection)
            for facet in FACETS:
                dimension = collection.dimensions[facet.key]
                plain = np.bincount(
                    dimension.codes[combined(collection, masks, without=facet.key)],
                    minlength=len(dimension.options),
                )
                nonzero = np.flatnonzero(plain[:-1])
                ranked = nonzero[np.argsort(-plain[nonzero], kind="stable")]
                if facet.key in collection.untabled:
                    top, counts, distinct = result.summary(facet.key, 12, [])
                    assert top.tolist() == ranked[:12].tolist()
                    assert counts == {c: int(plain[c]) for c in ranked[:12].tolist()}
                    assert distinct == len(nonzero)
                else:
                    assert result.facet_array(facet.key).tolist() == plain.tolist()
