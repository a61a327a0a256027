"""
Suggestions while typing in a search box: leaders, countries, donors, occasions and gift titles
whose name has a word starting with each word typed ("mitter" finds François Mitterrand, "kim j"
Kim Jong Il and Kim Jong Un, "Путин" Vladimir Putin, "김정" the leaders by their Hangul names).

Asked on every keystroke, so its cost must not grow with the collection. For each kind, once per
collection version (kept with catalogue.index.Collection, so dropped when anything changes), the
names are numbered best first (most gifts first) and their normalised words (gifts.search.normalize:
no case, no accents, no punctuation) sorted into one vocabulary, each word with the numbers of the
names it is in (a posting list, sorted). A typed word is then a bisection of the vocabulary: the
words it starts are one run, and their names one slice of the postings. Each word also keeps its
first few names apart (``heads``), so a one-word query reads at most that many per matching word,
not every name: "s" costs the same at 115,000 gifts as at 72. A query of several words checks the
best names of its rarest word against the others, a few hundred at a time, until it has enough.

Only what a visitor may see is offered: the options of the listing's facets (published records
with published gifts, as catalogue.facets reads them) that have gifts in the index, and the titles
of the gifts in the index (published holdings). Identical titles (a thousand "Silver vase") are
one suggestion leading to a search for them; a title of one gift leads to its page.
"""

import bisect
from array import array
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.http import QueryDict
from django.urls import reverse

from catalogue.panels import QueryString
from catalogue.texts import Strings, string_arrays
from donors.models import Donor
from gifts.models import Gift
from gifts.search import normalize

LIMIT = 8  # suggestions shown at most
MAX_QUERY = 100  # characters of a query read; a longer one is cut, not refused
MAX_TERMS = 6
MAX_TERM_LENGTH = 40
CHUNK = 256  # a several-word query checks its candidates this many at a time
WORDS_KEPT = 50_000  # option names whose words are kept across versions (words_of)
ANSWERS_KEPT = 2000  # answers kept per version, by the query's words: at most about 6 MB
PREFIX = "suggest."  # of the arrays in a build of the listing index
LAST = "\U0010ffff"  # after every character: "ab" + LAST ends the run of words starting "ab"


class WordIndex:
    """
    Names 0..n-1, numbered best first, found by the starts of their words: the arrays of
    WordIndex.build(), mapped from the listing index's build (catalogue.store) or just made.
    """

    def __init__(self, arrays):
        self.words = Strings(arrays["words"], arrays["word_starts"])  # bisected, sorted
        self.postings = arrays["postings"]  # each word's names, word after word
        self.offsets = arrays["offsets"]  # where each word's names start in postings
        self.heads = arrays["heads"]  # each word's best LIMIT names, word after word
        self.head_offsets = arrays["head_offsets"]
        self.name_words = arrays["name_words"]  # each name's words, name after name
        self.name_offsets = arrays["name_offsets"]
        self.size = len(self.name_offsets) - 1

    @classmethod
    def of(cls, words_of):
        return cls(cls.build(words_of))

    @staticmethod
    def build(words_of):
        """The arrays of a word index over the names whose normalised words ``words_of`` gives,
        in the names' order."""
        vocabulary = {}
        word_ids, name_ids = array("q"), array("q")
        for name, words in enumerate(words_of):
            for word in set(words):
                word_ids.append(vocabulary.setdefault(word, len(vocabulary)))
                name_ids.append(name)
        words = sorted(vocabulary)  # bisected: the runs of words sharing a start
        position = np.empty(len(vocabulary), dtype=np.int64)
        position[[vocabulary[word] for word in words]] = np.arange(len(words))
        # (word, name) pairs sorted by word, then name: one slice per run of words.
        pairs = np.unique(
            (position[np.frombuffer(word_ids, dtype=np.int64)] << 32)
            | np.frombuffer(name_ids, dtype=np.int64)
            if len(word_ids)
            else np.zeros(0, dtype=np.int64)
        )
        pair_words = pairs >> 32
        postings = (pairs & 0xFFFFFFFF).astype(np.int32)
        every_word = np.arange(len(words) + 1)
        offsets = np.searchsorted(pair_words, every_word)
        # Each word's best LIMIT names: enough for a one-word query (a name among the best LIMIT
        # of a run is among the best LIMIT of each of its words that the run holds).
        head = np.arange(len(pairs)) - offsets[pair_words] < LIMIT
        # Each name's words (as positions in the vocabulary), to check a query's other words.
        by_name = np.argsort(postings, kind="stable")
        values, starts = string_arrays(words)
        return {
            "words": values,
            "word_starts": starts,
            "postings": postings,
            "offsets": offsets,
            "heads": postings[head],
            "head_offsets": np.searchsorted(pair_words[head], every_word),
            "name_words": pair_words[by_name].astype(np.int32),
            "name_offsets": np.searchsorted(postings[by_name], np.arange(len(words_of) + 1)),
        }

    def run(self, term):
        """The positions [low, high) of the words starting with ``term``."""
        return bisect.bisect_left(self.words, term), bisect.bisect_left(self.words, term + LAST)

    def find(self, terms, limit=LIMIT):
        """The best ``limit`` names with, for each term, a word starting with it."""
        runs = [self.run(term) for term in terms]
        if not runs or any(low == high for low, high in runs):
            return []
        # The rarest term leads; the others are checked on its names.
        lead = min(
            range(len(runs)), key=lambda i: self.offsets[runs[i][1]] - self.offsets[runs[i][0]]
        )
        low, high = runs[lead]
        others = [run for i, run in enumerate(runs) if i != lead]
        if not others:
            return np.unique(self.heads[self.head_offsets[low] : self.head_offsets[high]])[
                :limit
            ].tolist()
        candidates = np.unique(self.postings[self.offsets[low] : self.offsets[high]])
        found = []
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start : start + CHUNK]
            firsts, lasts = self.name_offsets[chunk], self.name_offsets[chunk + 1]
            lengths = lasts - firsts
            owner = np.repeat(np.arange(len(chunk)), lengths)
            # Every word of every candidate, flattened: its position, then whose it is.
            flat = self.name_words[
                np.repeat(firsts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            ]
            keep = np.ones(len(chunk), dtype=bool)
            for other_low, other_high in others:
                has = np.zeros(len(chunk), dtype=bool)
                has[owner[(flat >= other_low) & (flat < other_high)]] = True
                keep &= has
            found.extend(chunk[keep][: limit - len(found)].tolist())
            if len(found) >= limit:
                break
        return found


@dataclass(frozen=True, slots=True)
class Entry:
    """A name that can be suggested: a facet's option, or a title of one or more gifts."""

    label: str
    count: int  # gifts with this option or title
    key: str  # the option's key in the query string, or the accession number of a title's gift
    detail: str = ""  # the donor's name in its original script
    lang: str = ""  # the language of ``detail``


class Names:
    """The names of one kind, best first, kept as columns (the arrays of Names.build()) rather
    than as an Entry each: a collection's worth of gift titles as objects cost twice the memory,
    and as arrays they are mapped once per machine."""

    def __init__(self, arrays):
        self.labels = Strings(arrays["labels"], arrays["label_starts"])
        self.counts = arrays["counts"]
        self.keys = Strings(arrays["keys"], arrays["key_starts"])
        self.details = None
        if "details" in arrays:
            self.details = Strings(arrays["details"], arrays["detail_starts"])
            self.langs = Strings(arrays["langs"], arrays["lang_starts"])

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, number):
        detail = lang = ""
        if self.details is not None:
            detail, lang = self.details[number], self.langs[number]
        return Entry(self.labels[number], int(self.counts[number]), self.keys[number], detail, lang)

    @staticmethod
    def build(labels, counts, keys, details=None):
        """The arrays of names: ``details`` gives each its (detail, lang), if any has one."""
        arrays = {"counts": np.asarray(counts, dtype=np.int32)}
        arrays["labels"], arrays["label_starts"] = string_arrays(labels)
        arrays["keys"], arrays["key_starts"] = string_arrays(keys)
        if details is not None and any(detail or lang for detail, lang in details):
            arrays["details"], arrays["detail_starts"] = string_arrays(d for d, _ in details)
            arrays["langs"], arrays["lang_starts"] = string_arrays(lang for _, lang in details)
        return arrays


@dataclass(frozen=True)
class Kind:
    name: str  # the group's heading, and the JSON's "kind"
    heading: str
    facet: str | None  # the listing's facet (query-string key) its suggestions filter by


# In the order the groups are shown: the broadest first.
KINDS = [
    Kind("Leader", "Leaders", "leader"),
    Kind("Country", "Countries", "country"),
    Kind("Donor", "Donors", "donor"),
    Kind("Occasion", "Occasions", "occasion"),
    Kind("Gift", "Gifts", None),
]


def terms(text):
    """The words of a typed query, normalised as the names are; () for nothing to look for
    (empty, punctuation or control characters only). A long query is cut, not refused."""
    text = "".join(c for c in str(text)[:MAX_QUERY] if c.isprintable())
    words = (word[:MAX_TERM_LENGTH] for word in normalize(text).split())
    return tuple(dict.fromkeys(words))[:MAX_TERMS]


@lru_cache(maxsize=WORDS_KEPT)
def words_of(name):
    """An option's normalised words. Kept across versions: names seldom change when the version
    moves on, and normalising every donor again was most of the time it took to build."""
    return tuple(normalize(name).split())


class Suggester:
    """What suggestions are found from, for one collection version: the arrays of
    Suggester.arrays(), written with the listing index's build (catalogue.store) so that every
    worker of the machine maps them, or made by a process that holds no build."""

    def __init__(self, arrays):
        def part(prefix):
            return {name[len(prefix) :]: a for name, a in arrays.items() if name.startswith(prefix)}

        self.entries = {kind.name: Names(part(f"{PREFIX}{kind.name}.names.")) for kind in KINDS}
        self.indexes = {kind.name: WordIndex(part(f"{PREFIX}{kind.name}.words.")) for kind in KINDS}
        self.listing = reverse("gifts:list")

    @classmethod
    def build(cls, collection):
        return cls(cls.arrays(collection))

    @staticmethod
    def arrays(collection):
        """The arrays of every kind's names and word index, named PREFIX<kind>.names.<name> and
        PREFIX<kind>.words.<name>. Reads the database (donors' original names, gift titles)."""
        names, words = {}, {}
        for kind in KINDS:
            if kind.facet is None:
                continue
            dimension = collection.dimensions[kind.facet]
            counts = collection.counts(kind.facet)  # options with gifts in the index only
            options = sorted(
                (dimension.options[dimension.by_key[key]] for key in counts),
                key=lambda option: (-counts[option.key], words_of(option.label), option.key),
            )
            more = _more_words(kind.facet, collection, options)
            names[kind.name] = Names.build(
                [option.label for option in options],
                [counts[option.key] for option in options],
                [option.key for option in options],
                [more[option.key][1:] for option in options],
            )
            words[kind.name] = [words_of(option.label) + more[option.key][0] for option in options]
        names["Gift"], words["Gift"] = _titles()
        arrays = {}
        for kind in KINDS:
            for name, values in names[kind.name].items():
                arrays[f"{PREFIX}{kind.name}.names.{name}"] = values
            for name, values in WordIndex.build(words[kind.name]).items():
                arrays[f"{PREFIX}{kind.name}.words.{name}"] = values
        return arrays

    def suggest(self, found):
        """Up to LIMIT suggestions for a query's words (terms()), grouped by kind (the groups in
        KINDS' order), as the JSON the search boxes read."""
        picked = {kind.name: self.indexes[kind.name].find(found) if found else [] for kind in KINDS}
        # Each kind in turn gets a place, so that a thousand donors leave room for a leader.
        shown = {kind.name: 0 for kind in KINDS}
        total = 0
        while total < LIMIT and any(shown[k] < len(picked[k]) for k in shown):
            for kind in KINDS:
                if total < LIMIT and shown[kind.name] < len(picked[kind.name]):
                    shown[kind.name] += 1
                    total += 1
        groups = []
        for kind in KINDS:
            numbers = picked[kind.name][: shown[kind.name]]
            if numbers:
                entries = self.entries[kind.name]
                suggestions = [self.suggestion(kind, entries[number]) for number in numbers]
                groups.append(
                    {"kind": kind.name, "heading": kind.heading, "suggestions": suggestions}
                )
        return {"count": total, "groups": groups}

    def suggestion(self, kind, entry):
        if kind.facet is not None:
            url = QueryString(QueryDict(), self.listing).toggle(kind.facet, entry.key)
            count = entry.count
            detail = entry.detail
        elif entry.count == 1:
            url = reverse("gifts:detail", kwargs={"accession_number": entry.key})
            count, detail = None, entry.key
        else:  # several gifts with this title: the search for it
            url = QueryString(QueryDict(), self.listing).replace(q=entry.label)
            count, detail = entry.count, ""
        return {
            "label": entry.label,
            "count": count,
            "url": url,
            "detail": detail,
            "lang": entry.lang,
        }


def _more_words(facet, collection, options):
    """Per option key: (more words it is found by, detail, lang). A donor is also found by its
    name in the original script (shown beside it), a leader by every spelling of the name."""
    if facet == "donor":
        ids = {option.id for option in options}
        originals = {
            id_: (name, lang)
            for id_, name, lang in Donor.objects.public()
            .exclude(name_original="")
            .values_list("id", "name_original", "name_original_lang")
            .iterator()
            if id_ in ids
        }
        return {
            option.key: (words_of(name), name, lang)
            for option in options
            for name, lang in [originals.get(option.id, ("", ""))]
        }
    if facet == "leader":
        spellings = collection.leader_spellings  # normalised spelling -> normalised name
        return {
            option.key: (
                tuple(
                    word
                    for spelling, name in spellings.items()
                    if name == " ".join(words_of(option.label))
                    for word in spelling.split()
                ),
                "",
                "",
            )
            for option in options
        }
    return {option.key: ((), "", "") for option in options}


def _titles():
    """One name per distinct title of the gifts in the index, most gifts first, then A to Z,
    with the first such gift's accession number (where a title of one gift leads). Titles are
    normalised here, once each per build, and not kept (words_of): a collection's worth of
    titles' words would cost more memory than everything else kept for suggestions."""
    found = {}  # normalised title -> [title, accession number, gifts]
    normalised = {}  # each distinct title once: a thousand "Silver vase"
    rows = Gift.objects.published().holdings().order_by("id")  # the index's gifts
    for title, accession_number in rows.values_list("title", "accession_number").iterator(10_000):
        words = normalised.get(title)
        if words is None:
            words = normalised[title] = tuple(normalize(title).split())
        if not words:
            continue
        entry = found.get(words)
        if entry is None:
            found[words] = [title, accession_number, 1]
        else:
            entry[2] += 1
    ordered = sorted(found.items(), key=lambda item: (-item[1][2], item[0]))
    names = Names.build(
        [title for _, (title, _, _) in ordered],
        [count for _, (_, _, count) in ordered],
        [accession for _, (_, accession, _) in ordered],
    )
    return names, [words for words, _ in ordered]
