"""The word index behind suggestions (catalogue.suggest.WordIndex): names found by the starts of
their words, best first, with work bounded by what is shown rather than by the collection."""

import numpy as np

from catalogue.suggest import LIMIT, WordIndex, terms


def test_the_best_names_come_first_however_many_share_a_word():
    names = [("specimen", f"{n:05d}") for n in range(20_000)]
    index = WordIndex.of(names)
    assert index.find(("spec",)) == list(range(LIMIT))
    assert index.find(("s",)) == list(range(LIMIT))
    assert index.find(("00042",)) == [42]
    assert index.find(("0004",)) == list(range(40, 40 + LIMIT))


def test_a_one_word_query_reads_a_few_names_per_word_not_every_name():
    index = WordIndex.of([("specimen", "vase")] * 50_000)
    # What "spec" reads: each matching word's best names, whatever the number of names.
    assert int(np.diff(index.head_offsets).max()) == LIMIT
    assert len(index.heads) == 2 * LIMIT


def test_every_word_of_the_query_must_start_a_word_of_the_name():
    names = [("silver", "vase")] * 1000 + [("silver", "tray")] + [("golden", "vase")]
    index = WordIndex.of(names)
    # The one silver tray is found past the first few hundred candidates of "silver".
    assert index.find(("silver", "tr")) == [1000]
    assert index.find(("tr", "silver")) == [1000]
    assert index.find(("vase", "gold")) == [1001]
    assert index.find(("silver", "gold")) == []
    assert index.find(("silverware",)) == []


def test_nothing_to_look_for_finds_nothing():
    index = WordIndex.of([("kim", "il", "sung")])
    assert index.find(()) == []
    assert WordIndex.of([]).find(("kim",)) == []
    assert terms("  ¿¡!!  ") == ()
    assert terms("\x00\x1b") == ()
    assert terms("Kim  Jŏng-il kim") == ("kim", "jong", "il")
