"""
The query side of full-text search: a visitor's words, normalised as the stored text is
(gifts.search builds and indexes that text), matched with PostgreSQL full-text search or SQLite
FTS5, and ranked; the listing combines the matches with its filters (catalogue.index).

A leader's name in any spelling the data lists (김일성, Kim Il-sŏng, Gim Il-seong) is rewritten in
the query to the display name the documents carry. Every word of a query must match, as a word or
a word's start.
"""

import bisect
import difflib
from array import array

import numpy as np
from django.apps import apps
from django.db import connection
from django.db.models.expressions import RawSQL

from gifts.search import normalize, run_together

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
RESPELLINGS = 3  # "did you mean" queries offered, at most
ASKED = 2000  # respelt searches kept per version
SPELLING_SAMPLE = 20  # gifts read to spell out a stem of the index as a word


def leader_spellings():
    """Normalised spelling -> normalised display name, longest spellings first; every spelling
    also run together, as people type it ('kimjongun')."""
    spellings = {}
    for leader in apps.get_model("gifts", "Leader").objects.all():
        for spelling in leader.spellings:
            spellings[normalize(spelling)] = normalize(leader.name)
            if together := run_together(spelling):
                spellings.setdefault(together, normalize(leader.name))
    return dict(sorted(spellings.items(), key=lambda item: -len(item[0])))


def query_terms(query, spellings=None):
    """The words of a visitor's query, normalised, with leaders' names in their display form."""
    text = f" {normalize(query)} "
    for spelling, name in (spellings if spellings is not None else leader_spellings()).items():
        if spelling and f" {spelling} " in text:
            text = text.replace(f" {spelling} ", f" {name} ")
    terms = [term[:MAX_TERM_LENGTH] for term in text.split()]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def matches(query, spellings=None):
    """
    Every gift matching the query, as (ids, ranks) NumPy arrays; a higher rank is more relevant.
    An empty query (or one of punctuation only) matches nothing.
    """
    terms = query_terms(query, spellings)
    if not terms:
        return as_numpy([], np.int64), as_numpy([], np.float64)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tsquery = " & ".join(f"{term}:*" for term in terms)
            cursor.execute(
                "SELECT id, ts_rank_cd(search_vector, query) FROM gifts_gift, "
                "to_tsquery('museum_search', %s) query WHERE search_vector @@ query",
                [tsquery],
            )
        else:
            fts_query = " AND ".join(f'"{term}"*' for term in terms)
            # bm25 is lower for better matches; the title counts five times the rest.
            cursor.execute(
                "SELECT rowid, -bm25(gifts_gift_fts, 5.0, 1.0) FROM gifts_gift_fts "
                "WHERE gifts_gift_fts MATCH %s",
                [fts_query],
            )
        # Read in chunks into compact arrays: a common word matches a good part of a million
        # gifts, and a Python list of them would cost several times the memory.
        ids, ranks = array("q"), array("d")
        while rows := cursor.fetchmany(10_000):
            for id_, rank in rows:
                ids.append(id_)
                ranks.append(rank)
    return as_numpy(ids, np.int64), as_numpy(ranks, np.float64)


def similarity(matcher, word):
    matcher.set_seq1(word)
    return matcher.ratio()


def as_numpy(values, dtype):
    return np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype=dtype)


def indexed(term):
    """Whether any gift, draft or published, has this word or a word starting with it, as the
    database matches it (stemmed: 'drones' is indexed when some gift has 'drone')."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM gifts_gift "
                "WHERE search_vector @@ to_tsquery('museum_search', %s) LIMIT 1",
                [f"{term}:*"],
            )
        else:
            cursor.execute(
                "SELECT 1 FROM gifts_gift_fts WHERE gifts_gift_fts MATCH %s LIMIT 1",
                [f'"{term}"*'],
            )
        return cursor.fetchone() is not None


def spelt_out(stem, typed):
    """The word as gifts write it for a stem of the index, closest to what the visitor typed
    ('limousin', typed 'limosine' -> 'limousine'; 'armour', typed 'armor' -> 'armour', not
    'armoured'): among the words starting with it in the text of some gifts that have it
    (Porter writes a final y as i: 'bodi' -> 'body'); the stem itself when no word does."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT search_title, search_body FROM gifts_gift "
                "WHERE search_vector @@ to_tsquery('museum_search', %s) LIMIT %s",
                [stem, SPELLING_SAMPLE],
            )
        else:
            cursor.execute(
                "SELECT search_title, search_body FROM gifts_gift WHERE id IN "
                "(SELECT rowid FROM gifts_gift_fts WHERE gifts_gift_fts MATCH %s LIMIT %s)",
                [f'"{stem}"', SPELLING_SAMPLE],
            )
        rows = cursor.fetchall()
    starts = (stem, stem[:-1] + "y") if stem.endswith("i") else (stem,)
    words = {
        word for row in rows for text in row for word in text.split() if word.startswith(starts)
    }
    if not words:
        return stem
    matcher = difflib.SequenceMatcher(b=typed)
    return min(words, key=lambda word: (-similarity(matcher, word), len(word), word))


def filter_queryset(queryset, query, spellings=None):
    """The gifts of ``queryset`` matching the query, as a condition the database applies with
    its index (no list of ids travels); a query with no words matches nothing."""
    terms = query_terms(query, spellings)
    if not terms:
        return queryset.none()
    if connection.vendor == "postgresql":
        sql = "SELECT id FROM gifts_gift WHERE search_vector @@ to_tsquery('museum_search', %s)"
        parameter = " & ".join(f"{term}:*" for term in terms)
    else:
        sql = "SELECT rowid FROM gifts_gift_fts WHERE gifts_gift_fts MATCH %s"
        parameter = " AND ".join(f'"{term}"*' for term in terms)
    return queryset.filter(id__in=RawSQL(sql, [parameter]))


class Vocabulary:
    """
    Every word of the stored search text and how many gifts have it, read from the database's
    own full-text index (SQLite's fts5vocab, PostgreSQL's ts_stat): what "did you mean" chooses
    from. The index keeps stems ("limousin", "bodi"), which spelt_out() writes as the gifts do
    ("limousine", "body") before they are offered. Drafts' words are in it too, so a respelling is
    only offered once the listing has counted published gifts for it
    (catalogue.panels.respellings).
    """

    def __init__(self, counts):
        self.counts = counts
        self.words = sorted(counts)
        self.asked = {}  # terms -> their respellings: they ask the database, once per version

    @classmethod
    def read(cls):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM gifts_gift')"
                )
            else:
                cursor.execute(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.gifts_gift_vocab "
                    "USING fts5vocab(main, 'gifts_gift_fts', 'row')"
                )
                cursor.execute("SELECT term, doc FROM temp.gifts_gift_vocab")
            return cls(dict(cursor.fetchall()))

    def nearest(self, term, limit=RESPELLINGS):
        """The words spelt most like ``term`` (a plural, a British or American spelling, a
        typing slip), most gifts first among equals: those with its first letter and about its
        length, closest first (difflib's ratio), most gifts first among equals."""
        first = bisect.bisect_left(self.words, term[0])
        last = bisect.bisect_left(self.words, chr(ord(term[0]) + 1))
        candidates = [word for word in self.words[first:last] if abs(len(word) - len(term)) <= 2]
        close = difflib.get_close_matches(term, candidates, n=limit * 2, cutoff=0.75)
        ratio = difflib.SequenceMatcher(b=term)
        return sorted(
            close, key=lambda word: (-round(similarity(ratio, word), 2), -self.counts[word])
        )[:limit]

    def respellings(self, terms, limit=RESPELLINGS, indexed=indexed, spelt_out=spelt_out):
        """Queries near ``terms``: every word that no gift has (not even as a word's start, the
        database's stemming applied) swapped for its nearest spelling, then for its second
        nearest, and so on ("porcelian vaze" -> "porcelain vase")."""
        key = (tuple(terms), limit)
        if key not in self.asked:
            if len(self.asked) >= ASKED:
                self.asked.clear()
            self.asked[key] = self.respell(terms, limit, indexed, spelt_out)
        return self.asked[key]

    def respell(self, terms, limit, indexed, spelt_out):
        nearest = {
            position: words
            for position, term in enumerate(terms)
            if len(term) >= 3 and not indexed(term)
            if (words := [spelt_out(stem, term) for stem in self.nearest(term, limit)])
        }
        queries = []
        for rank in range(limit if nearest else 0):
            words = [
                nearest[position][min(rank, len(nearest[position]) - 1)]
                if position in nearest
                else term
                for position, term in enumerate(terms)
            ]
            if (query := " ".join(words)) not in queries:
                queries.append(query)
        return queries
