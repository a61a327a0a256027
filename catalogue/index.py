"""
How a listing is answered fast.

A faceted listing asks, on every request, for the gifts matching up to a dozen filters, their
count, a page of them in order, and for every facet the count each option would give with the
other filters applied. Done in SQL that is a COUNT and a GROUP BY over the matching rows per facet:
at 115,000 gifts, hundreds of milliseconds a page, and it grows with the collection.

Instead each web worker keeps the listing's columns in memory as NumPy arrays, one entry per
published holding (about 60 bytes a gift: 7 MB at 115,000, 60 MB at a million), and answers
filters, counts, facets and page order with vectorised array operations (well under a
millisecond per facet at 115,000). Only the page's own gifts are then read from the database, by
primary key. Full-text search stays in the database (catalogue.search) and its matches are combined
here.

The columns are loaded once per worker and again when the collection version
(desk.models.CollectionState) moves on, which every save, import and bulk action does. Checking
the version is one primary-key query per request.
"""

import datetime
import threading
from array import array
from dataclasses import dataclass, field
from urllib.parse import quote

import numpy as np
from django.db.models.functions import Lower
from django.utils.safestring import mark_safe

from catalogue import search, suggest
from catalogue.caches import BoundedCache
from catalogue.cards import VIEWS
from catalogue.facets import FACETS, FLAGS, Dimension, Option, Parent
from desk.models import CollectionState
from desk.text import fold
from gifts.models import Gift

UNKNOWN_YEAR = 0
SORTS = {
    "relevance": "Relevance",
    "-date": "Date received, newest first",
    "date": "Date received, oldest first",
    "title": "Title, A to Z",
    "-added": "Recently added",
}
DEFAULT_SORT = "-date"


# The columns read besides the facets' own: (name, array type, how a value is stored).
COLUMNS = [
    ("id", "q", None),
    ("date_received", "i", lambda date: date.toordinal() if date else 0),  # a day number, 0: none
    ("created", "d", lambda created: created.timestamp()),
]
CHUNK = 10000
COUNTS_KEPT = 1000
# Search matches kept, counted in matched gifts rather than searches: one common word can match
# most of the collection. At most about 32 MB of arrays per worker.
SEARCH_MATCHES_KEPT = 2_000_000
CARDS_KEPT = 5000
# Whole pages rendered once per version (a gift's page for visitors, gifts.views), counted in
# bytes of deflated HTML: a gift's page is about 13 KB, 4 KB deflated, so a worker keeps about
# 8,000 of them.
PAGES_KEPT = 32 * 1024 * 1024
CONTEXT_TOKEN = "LISTINGCONTEXT"


def columns_read():
    """COLUMNS and each facet's column of the gift (its foreign key or its choice)."""
    columns = list(COLUMNS)
    for facet in FACETS:
        if facet.source.column:
            columns.append((facet.source.column, facet.source.kind, facet.source.reader()))
    columns += [(flag.column, "b", None) for flag in FLAGS if flag.column]
    return columns


class Collection:
    """The listing columns of every published holding, as loaded at one collection version."""

    def __init__(self, version):
        self.version = version
        self.load()

    def read_columns(self, gifts):
        """Stream the rows into compact arrays: a million gifts never become Python tuples."""
        read = columns_read()
        arrays = [array(kind) for _, kind, _ in read]
        steps = [
            (column.append, convert) for column, (_, _, convert) in zip(arrays, read, strict=True)
        ]
        rows = gifts.order_by("id").values_list(*(name for name, _, _ in read))
        for row in rows.iterator(chunk_size=CHUNK):
            for (append, convert), value in zip(steps, row, strict=True):
                append(value if convert is None else convert(value))
        return {
            name: np.frombuffer(column, dtype=column.typecode)
            if len(column)
            else np.zeros(0, dtype=column.typecode)
            for (name, _, _), column in zip(read, arrays, strict=True)
        }

    def load(self):
        gifts = Gift.objects.published().holdings()
        columns = self.read_columns(gifts)
        self.ids = columns.pop("id").astype(np.int64, copy=False)
        self.size = len(self.ids)
        self.dimensions = {}
        self.leader_spellings = search.leader_spellings()
        # Every facet of the table; a facet derived from another (a showroom's building) after it.
        for facet in sorted(FACETS, key=lambda facet: isinstance(facet.source, Parent)):
            if isinstance(facet.source, Parent):
                source = self.dimensions[facet.source.parent]
            else:
                source = columns.pop(facet.source.column)
            self.dimensions[facet.key] = facet.source.dimension(facet.key, source)

        ordinals = columns.pop("date_received")
        known = ordinals > 0
        years = np.zeros(self.size, dtype=np.int16)
        if known.any():
            years[known] = year_of_ordinals(ordinals[known])
        self.years = years
        decades = sorted({int(y) // 10 * 10 for y in np.unique(years) if y})
        decade_codes = np.full(self.size, len(decades), dtype=np.int32)
        if decades:
            decade_codes[known] = np.searchsorted(decades, (years[known] // 10) * 10)
        self.dimensions["decade"] = Dimension(
            "decade",
            [Option(str(d), f"{d}s") for d in decades] + [Option("", "Date unknown")],
            decade_codes,
        )
        # Each yes/no facet's answer for every gift (FLAGS).
        self.flags = {}
        for flag in FLAGS:
            if flag.column:
                self.flags[flag.key] = columns.pop(flag.column).astype(bool)
            else:
                ids = np.fromiter(flag.ids().iterator(), dtype=np.int64)
                self.flags[flag.key] = np.isin(self.ids, ids)

        # What the sorts order by; each sort's order is made when first asked for (sort_key).
        self.ordinals = ordinals
        self.created = columns.pop("created")
        title_order = np.fromiter(
            gifts.order_by(Lower("title"), "id").values_list("id", flat=True).iterator(CHUNK),
            dtype=np.int64,
        )
        self.title_ranks = np.empty(self.size, dtype=np.int32)
        self.title_ranks[np.searchsorted(self.ids, title_order)] = np.arange(len(title_order))
        # What is kept with this version, each cache with its own bound.
        self.orders = BoundedCache(len(SORTS))  # sort -> every row in its order
        self.groups = BoundedCache(len(self.dimensions))  # dimension -> grouped(): rows, starts
        self.unfiltered = BoundedCache(len(self.dimensions))  # dimension -> counts by code
        self.folded = BoundedCache(len(self.dimensions))  # dimension -> option labels, folded
        self.vocabulary = BoundedCache(1)  # the search text's words: search.Vocabulary
        self.option_counts = BoundedCache(COUNTS_KEPT)  # (dimension, filters) -> counts()
        self.searches = BoundedCache(SEARCH_MATCHES_KEPT, weight=lambda found: len(found[0]))
        self.cards = BoundedCache(CARDS_KEPT)  # (view, gift id) -> its card's or row's HTML
        # (kind, key) -> a page (anything with .deflated, its HTML compressed with zlib)
        self.pages = BoundedCache(PAGES_KEPT, weight=lambda page: len(page.deflated))
        self.lookups = BoundedCache(16)  # name -> a small curated list by id (gifts.views)
        self.suggester = BoundedCache(1)  # what suggestions are found from: suggest.Suggester
        self.suggested = BoundedCache(suggest.ANSWERS_KEPT)  # query's words -> suggestions

    def sort_key(self, sort):
        """The key a sort orders rows by. Unknown dates come after known ones either way."""
        if sort == "title":
            return self.title_ranks
        if sort == "-added":
            return -self.created
        never = np.iinfo(np.int64).max
        dates = self.ordinals.astype(np.int64)
        if sort not in ("date", "-date"):
            raise KeyError(sort)
        return np.where(dates > 0, dates if sort == "date" else -dates, never)

    def rows_for(self, ids):
        """Row positions of these gift ids, and which of the ids are in the collection at all."""
        ids = np.asarray(ids, dtype=np.int64)
        if not self.size or not len(ids):
            return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
        positions = np.minimum(np.searchsorted(self.ids, ids), self.size - 1)
        return positions, self.ids[positions] == ids

    def row_of(self, gift_id):
        rows, found = self.rows_for([gift_id])
        return int(rows[0]) if found[0] else None

    def order(self, sort):
        """Every row, in the sort's order, ties broken by id (the order is stable)."""
        # Row numbers fit 32 bits: half the memory of numpy's default, per sort.
        return self.orders.get_or_set(
            sort, lambda: np.lexsort((self.ids, self.sort_key(sort))).astype(np.int32)
        )

    # Answering ---------------------------------------------------------------------------------

    def related(self, dimension, gift_id, limit):
        """Up to ``limit`` ids sharing the gift's value of a dimension, newest first."""
        row = self.row_of(gift_id)
        if row is None:
            return []
        codes = self.dimensions[dimension].codes
        code = int(codes[row])
        if code == len(self.dimensions[dimension].options) - 1:
            return []  # the gift has no value here (no occasion, say)
        rows, starts = self.grouped(dimension)
        group = rows[starts[code] : min(starts[code + 1], starts[code] + limit + 1)]
        return self.ids[group[group != row][:limit]].tolist()

    def grouped(self, dimension):
        """
        Every row grouped by its option in a dimension, newest first within a group, and where
        each group starts: a gift page's "more from this donor" is then a slice, not a pass over
        the whole collection (which cost a million-gift page 20 ms a dimension). Made once per
        collection version: 4 bytes a gift per dimension asked for.
        """

        def group():
            codes = self.dimensions[dimension].codes
            order = self.order("-date")
            by_option = np.argsort(codes[order], kind="stable")  # stable: newest first kept
            rows = order[by_option]
            starts = np.searchsorted(
                codes[rows], np.arange(len(self.dimensions[dimension].options) + 1)
            )
            return rows, starts

        return self.groups.get_or_set(dimension, group)

    def select(self, selection):
        return Result(self, selection)

    def counts(self, dimension, **filters):
        """How many published holdings each option of a dimension has: {option key: count}.
        Unfiltered counts are kept: they only change with the collection's version."""
        key = (dimension, tuple(sorted((k, tuple(v)) for k, v in filters.items())))

        def count():
            counts = self.select(Selection(filters=filters)).facet_array(dimension)
            options = self.dimensions[dimension].options
            return {
                options[code].key: int(counts[code])
                for code in np.flatnonzero(counts).tolist()
                if options[code].key
            }

        return self.option_counts.get_or_set(key, count)

    def options(self, facet):
        """The options of a facet (or the decade), "none" left out."""
        return [option for option in self.dimensions[facet].options if option.key]

    def labels(self, facet):
        """{option key: label} of a facet."""
        return {option.key: option.label for option in self.options(facet)}

    def matching_options(self, facet, codes, text):
        """Those of ``codes`` (a facet's option codes) whose label contains ``text``, accents
        and case aside: "find a donor" over 10,000 names without a query."""
        needle = fold(text).casefold().strip()
        if not needle:
            return list(codes)
        labels = self.folded.get_or_set(
            facet,
            lambda: [fold(option.label).casefold() for option in self.dimensions[facet].options],
        )
        return [code for code in codes if needle in labels[code]]

    def suggest(self, text):
        """Suggestions while typing ``text`` in a search box (catalogue.suggest): names of
        leaders, countries, donors, occasions and gifts, grouped by kind, as JSON-ready data.
        What they are found from is made when first asked for in this version; then each
        answer is kept, and none costs a query."""
        terms = suggest.terms(text)
        return self.suggested.get_or_set(
            terms,
            lambda: self.suggester.get_or_set(
                "names", lambda: suggest.Suggester.build(self)
            ).suggest(terms),
        )

    def search_vocabulary(self):
        """Every word of the search text (catalogue.search.Vocabulary), read when a search first
        finds nothing in this version."""
        return self.vocabulary.get_or_set("words", search.Vocabulary.read)

    def kept_page(self, key, make):
        """A page rendered once for this version (``make()``, the first time it is asked for):
        something with ``.deflated``, its HTML compressed."""
        return self.pages.get_or_set(key, make)

    def lookup(self, name, read):
        """{id: record} of a small curated list (``read()``: a queryset), read once for this
        version rather than joined into every query that needs a few of its records."""
        return self.lookups.get_or_set(name, lambda: read().in_bulk())

    def flag(self, key, gift_id):
        """A yes/no facet's answer for one gift; None for a gift not in the collection (a draft,
        a gift given in return)."""
        row = self.row_of(gift_id)
        return None if row is None else bool(self.flags[key][row])

    def option(self, facet, key):
        """The option of a facet with this key (KeyError if there is none)."""
        dimension = self.dimensions[facet]
        return dimension.options[dimension.by_key[key]]

    def in_order(self, ids, queryset):
        """The records of ``queryset`` with these ids, in the ids' order (one query); an id with
        no record (unpublished since) is left out."""
        by_id = queryset.in_bulk(ids) if ids else {}
        return [by_id[i] for i in ids if i in by_id]

    def cards_html(self, ids, listing_context="", view="grid"):
        """
        The gift cards of these ids (or with ``view="list"``, their table rows). Each is rendered
        once per collection version and kept with the collection: a page of 24 cards cost more
        to load and render than the rest of the listing. The link back to the listing
        (``listing_context``) is put in after.
        """
        render = VIEWS[view]
        cards = {i: self.cards.get((view, i)) for i in ids}
        missing = [i for i, card in cards.items() if card is None]
        if missing:  # building the queryset alone costs a page of cached cards twice over
            for gift in self.in_order(missing, Gift.objects.for_cards()):
                cards[gift.pk] = self.cards.set((view, gift.pk), render(gift, CONTEXT_TOKEN))
        link = f"?in={quote(listing_context, safe='')}" if listing_context else ""
        return mark_safe(  # escaped by catalogue.cards
            "".join(cards[i].replace(f"?in={CONTEXT_TOKEN}", link) for i in ids if cards[i])
        )


def year_of_ordinals(ordinals):
    """Years of day numbers (date.toordinal), vectorised through numpy's datetime64."""
    epoch = datetime.date(1970, 1, 1).toordinal()
    days = (ordinals - epoch).astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


@dataclass
class Selection:
    """What a visitor asked for: filter values by dimension (keys as in the query string)."""

    filters: dict = field(default_factory=dict)  # dimension -> list of option keys
    year_from: int | None = None
    year_to: int | None = None
    flags: dict = field(default_factory=dict)  # yes/no facet -> True or False
    search_ids: np.ndarray | None = None  # None: no search
    search_ranks: np.ndarray | None = None
    sort: str = DEFAULT_SORT


class Result:
    def __init__(self, collection, selection):
        self.collection = collection
        self.selection = selection
        size = collection.size
        self.masks = {}
        for name, keys in selection.filters.items():
            if keys:
                dimension = collection.dimensions[name]
                wanted = np.zeros(len(dimension.options), dtype=bool)
                wanted[dimension.codes_for(keys)] = True
                self.masks[name] = wanted[dimension.codes]  # a gather: faster than np.isin
        years = collection.years
        if selection.year_from is not None or selection.year_to is not None:
            low = selection.year_from if selection.year_from is not None else -1
            high = selection.year_to if selection.year_to is not None else 10**5
            self.masks["year"] = (years != UNKNOWN_YEAR) & (years >= low) & (years <= high)
        for key, value in selection.flags.items():
            self.masks[key] = collection.flags[key] == value
        self.ranks = None
        if selection.search_ids is not None:
            rows, found = collection.rows_for(selection.search_ids)
            rank_of = np.full(size, -np.inf)
            ranks = np.asarray(selection.search_ranks, dtype=np.float64)
            rank_of[rows[found]] = ranks[found]
            self.masks["q"] = np.isfinite(rank_of)
            self.ranks = rank_of
        self.mask = self.combined()
        self.count = int(self.mask.sum())
        self.counted = {}  # facet -> facet_array(facet), for this result only

    def combined(self, without=None):
        mask = np.ones(self.collection.size, dtype=bool)
        for name, part in self.masks.items():
            if name != without:
                mask &= part
        return mask

    def facet_array(self, name):
        """Counts by option code for a facet, counted with the other filters only. Counted once
        per result: a long panel asks for them twice (its counts, then its top options)."""
        counts = self.counted.get(name)
        if counts is None:
            counts = self.counted[name] = self.count_facet(name)
        return counts

    def count_facet(self, name):
        dimension = self.collection.dimensions[name]
        others = [key for key in self.masks if key != name]
        if not others:
            # Counted without any filter: the same for every request until the version moves.
            return self.collection.unfiltered.get_or_set(
                name, lambda: np.bincount(dimension.codes, minlength=len(dimension.options))
            )
        mask = self.combined(without=name) if name in self.masks else self.mask
        return np.bincount(dimension.codes[mask], minlength=len(dimension.options))

    def top_codes(self, name, limit):
        """Codes of the options with results, most results first (ties: in code order), at most
        ``limit`` (None: all): ranked in numpy, not by sorting 10,000 donors in Python."""
        counts = self.facet_array(name)[:-1]  # the last code is "none"
        nonzero = np.flatnonzero(counts)
        order = nonzero[np.argsort(-counts[nonzero], kind="stable")]
        return order if limit is None else order[:limit]

    def top_options(self, name, limit):
        """(option, count) of the options with most results, largest first."""
        counts = self.facet_array(name)
        options = self.collection.dimensions[name].options
        return [(options[code], int(counts[code])) for code in self.top_codes(name, limit).tolist()]

    def distinct_count(self, name):
        """How many options of a facet have at least one result (not counting "none")."""
        return int(np.count_nonzero(self.facet_array(name)[:-1]))

    def facet_counts(self, name):
        """(option, count) for every option of a facet, counted with the other filters only."""
        options = self.collection.dimensions[name].options
        return list(zip(options, self.facet_array(name).tolist(), strict=True))

    def flag_counts(self, name):
        """How many results are (True, False) for a yes/no facet, other filters kept."""
        mask = self.combined(without=name) if name in self.masks else self.mask
        flags = self.collection.flags[name]
        true = int((flags & mask).sum())
        return true, int(mask.sum()) - true

    def facet_total(self, name):
        """How many results there would be without this facet's own filter."""
        return int(self.combined(without=name).sum()) if name in self.masks else self.count

    def ordered_rows(self):
        sort = self.selection.sort
        if sort == "relevance" and self.ranks is not None:
            rows = np.flatnonzero(self.mask)
            return rows[np.lexsort((self.collection.ids[rows], -self.ranks[rows]))]
        if sort == "relevance":
            sort = DEFAULT_SORT
        order = self.collection.order(sort)
        return order[self.mask[order]]

    def page_ids(self, number, per_page):
        start = (number - 1) * per_page
        rows = self.ordered_rows()[start : start + per_page]
        return self.collection.ids[rows].tolist()

    def page(self, number, per_page, queryset):
        """The records of page ``number``, in this result's order (one query)."""
        return self.collection.in_order(self.page_ids(number, per_page), queryset)

    def __len__(self):
        return self.count

    def __getitem__(self, rows):
        """The ids of a slice of this result, in its order (what a Paginator asks for)."""
        if not isinstance(rows, slice | int):
            # A template's {{ result.count }} tries result["count"] first: refuse it before
            # ordering the whole result for nothing.
            raise TypeError(f"a result is indexed by position, not {rows!r}")
        return self.collection.ids[self.ordered_rows()[rows]].tolist()

    def all_ids(self):
        return self.collection.ids[self.ordered_rows()].tolist()

    def neighbours(self, gift_id):
        """The ids before and after a gift in this result's order (None at either end)."""
        row = self.collection.row_of(gift_id)
        if row is None or not self.mask[row]:
            return None, None
        rows = self.ordered_rows()
        position = int(np.flatnonzero(rows == row)[0])
        ids = self.collection.ids
        before = int(ids[rows[position - 1]]) if position > 0 else None
        after = int(ids[rows[position + 1]]) if position + 1 < len(rows) else None
        return before, after


_loaded = None
_lock = threading.Lock()


def collection():
    """The in-memory collection at the current version, loaded again when it has moved on."""
    global _loaded
    version = CollectionState.current_key()
    loaded = _loaded
    if loaded is not None and loaded.version == version:
        return loaded
    with _lock:
        if _loaded is None or _loaded.version != version:
            _loaded = Collection(version)
        return _loaded
