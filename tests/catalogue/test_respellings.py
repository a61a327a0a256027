"""A search that finds nothing offers the same search with a word respelt, when that finds gifts:
the same on SQLite and PostgreSQL (CI runs this file on both)."""

import pytest
from django.db import connection

from catalogue import index
from catalogue.search import Vocabulary
from tests.factories import GiftFactory, LeaderFactory

LIST = "/gifts/"


def offered(client, **query):
    response = client.get(LIST, query)
    assert response.status_code == 200
    return [(r.text, r.count, r.url) for r in response.context["respellings"]]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("Mitterand", "mitterrand"), ("body armor", "body armour"), ("limosine", "limousine")],
)
def test_a_misspelt_search_is_offered_the_spelling_that_finds_gifts(
    client, collection, typed, meant
):
    suggestions = offered(client, q=typed)
    assert suggestions, typed
    text, count, url = suggestions[0]
    assert text == meant
    assert count == client.get(LIST, {"q": meant}).context["result"].count > 0
    page = client.get(LIST, {"q": typed}).content.decode()
    assert f'Did you mean <a href="/gifts/?q={meant.replace(" ", "+")}"' in page


def test_a_respelling_keeps_the_filters_and_counts_within_them(client, db):
    kju = LeaderFactory(code="KJU", name="Kim Jong Un", slug="kim-jong-un", generation=3)
    GiftFactory(title="Drone of lacquered wood", leader=kju)
    GiftFactory(title="Drone in silver")
    leader = "kim-jong-un"
    ((text, count, url),) = offered(client, q="dronse", leader=leader)
    assert (text, count) == ("drone", 1)
    assert url == f"/gifts/?q=drone&leader={leader}" or url == f"/gifts/?leader={leader}&q=drone"
    assert offered(client, q="dronse") == [("drone", 2, "/gifts/?q=drone")]


def test_every_misspelt_word_is_respelt_at_once(client, db):
    GiftFactory(title="Porcelain vase with cranes")
    GiftFactory(title="Porcelain bowl")
    assert offered(client, q="porcelian vaze")[0][:2] == ("porcelain vase", 1)
    assert offered(client, q="porcelian bowl")[0][:2] == ("porcelain bowl", 1)


def test_nothing_is_offered_when_the_search_finds_gifts_or_no_spelling_is_near(client, collection):
    assert offered(client, q="limousine") == []
    assert offered(client, q="qqqqzzzz") == []
    assert offered(client, q="ab") == []  # too short to guess


def test_a_draft_never_lends_its_words_to_a_suggestion(client, db):
    GiftFactory(title="Secretive samovar", status="draft")
    assert offered(client, q="secretiv") == []  # a word's start: a match, but only in a draft
    assert offered(client, q="secretivx") == []  # near the draft's word, which finds nothing


def test_the_vocabulary_comes_from_the_databases_own_index(db):
    GiftFactory(title="Porcelain vase")
    GiftFactory(title="Porcelain bowl")
    words = index.collection().search_vocabulary()
    assert isinstance(words, Vocabulary)
    assert words.counts["porcelain"] == 2
    assert words.nearest("porcelian") == ["porcelain"]


def test_a_search_that_finds_nothing_costs_a_fixed_number_of_queries(
    client, collection, django_assert_num_queries
):
    client.get(LIST)  # the collection's columns, loaded once per version
    # The version, the search, the vocabulary (read once per version; SQLite first makes its
    # fts5vocab table), whether the database has the word (stemmed), the spelling of the index's
    # stem as a word, the respelling's search.
    with django_assert_num_queries(7 if connection.vendor == "sqlite" else 6):
        client.get(LIST, {"q": "Mitterand"})
    # Then the version alone: the words and every search's matches are kept with the version.
    with django_assert_num_queries(1):
        client.get(LIST, {"q": "Mitterand", "sort": "title"})
