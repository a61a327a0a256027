"""
How a listing is answered fast.

A faceted listing asks, on every request, for the gifts matching up to a dozen filters, their
count, a page of them in order, and for every facet the count each option would give with the
other filters applied. Done in SQL that is a COUNT and a GROUP BY over the matching rows per facet:
at 115,000 gifts, hundreds of milliseconds a page, and it grows with the collection.

Instead the listing's columns are kept as NumPy arrays, one entry per published holding (about 80
bytes a gift with the sort orders and groups worked out once: 9 MB at 115,000, 80 MB at a
million), and filters, counts, facets and page order are answered with vectorised
array operations (well under a millisecond per facet at 115,000). The page's cards are made from
the texts kept beside the columns (catalogue.texts: about 55 bytes a gift more, 6 MB at 115,000),
so no page reads its gifts from the database. Full-text search stays in the database
(catalogue.search) and its matches are combined here.

The arrays are built once per collection version (desk.models.CollectionState), which every save,
import and bulk action moves on, into files that every worker of the machine maps read-only
(catalogue.store): one copy in memory however many workers there are, and a new worker only maps
them. Checking the version is one primary-key query per request; when it has moved, one process
builds the new version while the others answer with the one they hold.
"""

import datetime
import logging
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from operator import getitem, itemgetter
from urllib.parse import quote

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models.functions import Lower
from django.utils.safestring import mark_safe

from catalogue import caches, search, store, suggest, texts
from catalogue.caches import BoundedCache
from catalogue.cards import VIEWS, card_of
from catalogue.facets import FACETS, FLAGS, NO_EXTRA, Dimension, Option, Parent, code_type
from desk.models import CollectionState
from desk.text import fold
from gifts.models import Gift

logger = logging.getLogger(__name__)

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
# Search matches kept, counted in bytes rather than searches: one common word can match most of
# the collection (a leader's name matches every gift given to him: 12 MB of rows and ranks at a
# million gifts), and the other common words must stay kept beside it.
SEARCH_MATCHES_KEPT = 28 * 1024 * 1024
# A search matching at least this many rows is kept once per machine (Collection.shared_search).
SHARED_FROM_ROWS = 2000
# Respelt searches' matches kept as ids and ranks (catalogue.panels.respellings), in matches.
RESPELT_KEPT = 100_000
CARDS_KEPT = 5000
# Counts, orders and rows of large results kept, counted in bytes: at most 16 MB per worker.
ANSWERS_KEPT = 16 * 1024 * 1024
# A result with at least this many rows keeps them (Result.kept): counting and ordering cost what
# the rows cost, whatever the collection's size, and a few thousand take about a millisecond.
KEPT_FROM_ROWS = 4000
# A large result's page is found by reading its sort's order from the start (Result.ordered) when
# that reads less than this fraction of the collection; deeper, the result is ordered whole.
SCANNED_AT_MOST = 8
# Dimensions with at most this many options (all but donors and occasions) have their counts
# against each other tabled once per version (Collection.pair_counts): a listing filtered by one
# of them (a leader: 570,000 gifts at a million) counts its panels without reading those rows.
TABLED_OPTIONS = 256
# For each option of a tabled dimension, the long dimensions' options with most gifts among its
# gifts are kept too (Collection.top_within), this many: at least what a long panel shows.
TOP_KEPT = 12
# Tabled dimensions are counted together in groups whose options multiplied stay within this
# (Collection.joint_groups): one count over a result's rows gives six facets' counts at once.
JOINT_CELLS = 16384
# Whole pages rendered once per version (a gift's page for visitors, gifts.views), counted in
# bytes of deflated HTML: a gift's page is about 13 KB, 4 KB deflated, so a worker keeps about
# 4,000 of them (with 32 MB and the other caches, a worker passed 150 MB in the benchmark).
PAGES_KEPT = 16 * 1024 * 1024
# The listing's filter panels for a query string (catalogue.panels.kept_panels), counted in
# characters of their HTML: about 25 KB each, and as much again in their Panel objects, so at
# most about 8 MB per worker.
PANELS_KEPT = 4 * 1024 * 1024
CONTEXT_TOKEN = "LISTINGCONTEXT"
# The dimensions a gift page asks related() for: their groups are worked out in the build.
GROUPED = ("occasion", "donor", "country")


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

    def __init__(self, version, parts=None):
        """Read from the database, or from ``parts`` (the arrays and meta of parts()) that a
        build of this version left (catalogue.store)."""
        self.version = version
        if parts is None:
            self.load()
        else:
            self.adopt(*parts)
        self.keep(parts[0] if parts else {})

    def read_columns(self, gifts, coded=()):
        """Stream the rows into compact arrays: a million gifts never become Python tuples.
        Gives columns_read()'s by name, and the codes of ``coded``'s columns as a row per gift:
        (column, table) pairs, a table giving each value its code (catalogue.texts.Table), all
        looked up in one map per row. A column read twice is queried once."""
        read = columns_read()
        names = list(dict.fromkeys([name for name, _, _ in read] + [name for name, _ in coded]))
        arrays = [array(kind) for _, kind, _ in read]
        steps = [
            (column.append, convert, names.index(name))
            for column, (name, _, convert) in zip(arrays, read, strict=True)
        ]
        places = [names.index(name) for name, _ in coded]
        pick = itemgetter(*places) if len(places) > 1 else lambda row: [row[at] for at in places]
        tables = [table for _, table in coded]
        codes = array("i")
        rows = gifts.order_by("id").values_list(*names)
        for row in rows.iterator(chunk_size=CHUNK):
            for append, convert, at in steps:
                value = row[at]
                append(value if convert is None else convert(value))
            if places:
                codes.extend(map(getitem, tables, pick(row)))
        columns = {
            name: np.frombuffer(column, dtype=column.typecode)
            if len(column)
            else np.zeros(0, dtype=column.typecode)
            for (name, _, _), column in zip(read, arrays, strict=True)
        }
        codes = np.frombuffer(codes, dtype=np.int32) if len(codes) else np.zeros(0, np.int32)
        return columns, codes.reshape(-1, len(coded) or 1)

    def load(self):
        gifts = Gift.objects.published().holdings()
        coded = texts.coded_columns()
        columns, codes = self.read_columns(gifts, coded)
        self.ids = columns.pop("id").astype(np.int64, copy=False)
        self.size = len(self.ids)
        self.texts = texts.build(coded, codes, columns, self.ids)
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

    def parts(self):
        """What a build keeps on disk: (arrays by name, the rest). The sort orders and the gift
        page's groups are worked out here, once, rather than in every worker."""
        arrays = {
            "ids": self.ids,
            "years": self.years,
            "ordinals": self.ordinals,
            "created": self.created,
            "title_ranks": self.title_ranks,
            **self.texts,
        }
        for name, dimension in self.dimensions.items():
            arrays[f"codes.{name}"] = dimension.codes
        for key, flags in self.flags.items():
            arrays[f"flag.{key}"] = flags
        for sort in SORTS:
            if sort != "relevance":
                arrays[f"order.{sort}"] = self.order(sort)
        for name in GROUPED:
            arrays[f"rows.{name}"], arrays[f"starts.{name}"] = self.grouped(name)
        # What a filtered listing is answered from (Result): each option's rows, each row's
        # place in each sort, the rows in year order, each yes/no facet's rows.
        for name in self.dimensions:
            arrays[f"posted.{name}"], arrays[f"poststarts.{name}"] = self.postings(name)
        for sort in SORTS:
            if sort != "relevance":
                arrays[f"places.{sort}"] = self.places(sort)
        arrays["year_order"], arrays["year_sorted"] = self.by_year()
        for number in range(len(self.joint_groups)):
            arrays[f"joint.{number}"] = self.joint_codes(number)
        for name in self.tabled:
            arrays[f"pairs.{name}"] = self.pair_counts(name)
            for other in self.untabled:
                arrays[f"top.{name}.{other}"] = self.top_within(name, other)
        for key in self.flags:
            for value in (True, False):
                arrays[f"flagged.{key}.{int(value)}"] = self.flag_rows(key, value)
        # What suggestions while typing are found from: a worker never builds them for itself.
        arrays.update(suggest.Suggester.arrays(self))
        meta = {
            "version": self.version,
            "size": self.size,
            "options": {  # an Option's empty extra is one shared mapping, which pickle refuses
                name: [(o.key, o.label, o.id, dict(o.extra) or None) for o in dimension.options]
                for name, dimension in self.dimensions.items()
            },
            "flags": list(self.flags),
            "leader_spellings": self.leader_spellings,
        }
        return arrays, meta

    def adopt(self, arrays, meta):
        """Take the arrays (mapped read-only) and the rest of a build."""
        if meta["version"] != self.version:
            raise store.Unreadable(f"built for version {meta['version']}, not {self.version}")
        self.ids = arrays["ids"]
        self.size = meta["size"]
        self.years = arrays["years"]
        self.ordinals = arrays["ordinals"]
        self.created = arrays["created"]
        self.title_ranks = arrays["title_ranks"]
        self.texts = {
            name: array for name, array in arrays.items() if name.startswith(texts.PREFIX)
        }
        self.leader_spellings = meta["leader_spellings"]
        self.dimensions = {
            name: Dimension(
                name,
                [Option(k, label, id_, extra or NO_EXTRA) for k, label, id_, extra in options],
                arrays[f"codes.{name}"],
            )
            for name, options in meta["options"].items()
        }
        self.flags = {key: arrays[f"flag.{key}"] for key in meta["flags"]}

    def keep(self, built):
        """What is kept with this version, each cache with its own bound; the orders and groups
        a build holds are in them from the start."""
        self.orders = BoundedCache(len(SORTS))  # sort -> every row in its order
        self.groups = BoundedCache(len(self.dimensions))  # dimension -> grouped(): rows, starts
        self.posted = BoundedCache(len(self.dimensions))  # dimension -> postings(): rows, starts
        self.paired = BoundedCache(len(self.dimensions))  # dimension -> pair_counts()
        # (dimension, long dimension) -> top_within()
        self.topped = BoundedCache(len(self.dimensions) ** 2)
        self.joined = BoundedCache(len(self.dimensions))  # group number -> joint_codes()
        self.year_order = BoundedCache(1)  # rows by year, and their years: year_filter()
        self.flagged = BoundedCache(2 * len(self.flags))  # (flag, value) -> flag_rows()
        self.placed = BoundedCache(len(SORTS))  # sort -> places(): each row's place in it
        # Counts and orders of large results, by the filters that chose them (Result.kept).
        self.answers = BoundedCache(ANSWERS_KEPT, weight=lambda array: array.nbytes)
        # dimension -> counts by code, and (dimension, "ranked") -> top_codes, unfiltered
        self.unfiltered = BoundedCache(2 * len(self.dimensions))
        self.folded = BoundedCache(len(self.dimensions))  # dimension -> option labels, folded
        self.vocabulary = BoundedCache(1)  # the search text's words: search.Vocabulary
        self.option_counts = BoundedCache(COUNTS_KEPT)  # (dimension, filters) -> counts()
        self.searches = BoundedCache(RESPELT_KEPT, weight=lambda found: len(found[0]))
        # A search's matches as sorted rows, with their ranks: Result.search_rows, .ranks
        self.searched = BoundedCache(
            SEARCH_MATCHES_KEPT, weight=lambda found: found[0].nbytes + found[1].nbytes
        )
        self.cards = BoundedCache(CARDS_KEPT)  # (view, gift id) -> its card's or row's HTML
        self.card_texts = texts.CardTexts(self.texts, self.ordinals)  # what a card shows, by row
        # (kind, key) -> a page (anything with .deflated, its HTML compressed with zlib)
        self.pages = BoundedCache(PAGES_KEPT, weight=lambda page: len(page.deflated))
        self.lookups = BoundedCache(16)  # name -> a small curated list by id (gifts.views)
        self.forms = BoundedCache(1)  # the listing form's fields (catalogue.forms)
        # (path, query string) -> the listing's panels and their HTML (catalogue.panels)
        self.panels = BoundedCache(PANELS_KEPT, weight=lambda kept: len(kept[1]))
        self.suggester = BoundedCache(1)  # what suggestions are found from: suggest.Suggester
        self.suggested = BoundedCache(suggest.ANSWERS_KEPT)  # query's words -> suggestions
        for sort in SORTS:
            if f"order.{sort}" in built:
                self.orders.set(sort, built[f"order.{sort}"])
        for name in GROUPED:
            if f"rows.{name}" in built:
                self.groups.set(name, (built[f"rows.{name}"], built[f"starts.{name}"]))
        for name in self.dimensions:
            if f"posted.{name}" in built:
                self.posted.set(name, (built[f"posted.{name}"], built[f"poststarts.{name}"]))
        for sort in SORTS:
            if f"places.{sort}" in built:
                self.placed.set(sort, built[f"places.{sort}"])
        for name in self.tabled:
            if f"pairs.{name}" in built:
                self.paired.set(name, built[f"pairs.{name}"])
            for other in self.untabled:
                if f"top.{name}.{other}" in built:
                    self.topped.set((name, other), built[f"top.{name}.{other}"])
        for number in range(len(self.joint_groups)):
            if f"joint.{number}" in built:
                self.joined.set(number, built[f"joint.{number}"])
        if "year_order" in built:
            self.year_order.set("years", (built["year_order"], built["year_sorted"]))
        if f"{suggest.PREFIX}Gift.names.counts" in built:
            self.suggester.set("names", suggest.Suggester(built))
        for key in self.flags:
            for value in (True, False):
                if f"flagged.{key}.{int(value)}" in built:
                    self.flagged.set((key, value), built[f"flagged.{key}.{int(value)}"])

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

    def postings(self, dimension):
        """
        Every row grouped by its option in a dimension, in row order within each group, and where
        each group starts: the rows of an option are then a slice. Made once per collection
        version when first asked for: 4 bytes a gift per dimension.
        """

        def group():
            codes = self.dimensions[dimension].codes
            rows = np.argsort(codes, kind="stable").astype(np.int32)
            starts = np.searchsorted(
                codes[rows], np.arange(len(self.dimensions[dimension].options) + 1)
            )
            return rows, starts

        return self.posted.get_or_set(dimension, group)

    @cached_property
    def tabled(self):
        """The dimensions whose counts are tabled against each other (TABLED_OPTIONS)."""
        return [n for n, d in self.dimensions.items() if len(d.options) <= TABLED_OPTIONS]

    @cached_property
    def untabled(self):
        return [n for n, d in self.dimensions.items() if len(d.options) > TABLED_OPTIONS]

    @cached_property
    def joint_groups(self):
        """The tabled dimensions counted together: the fewest options first, a group closed
        when its options multiplied would pass JOINT_CELLS (a group of one is not kept)."""
        groups, current, cells = [], [], 1
        for name in sorted(self.tabled, key=lambda n: (len(self.dimensions[n].options), n)):
            size = len(self.dimensions[name].options)
            if cells * size > JOINT_CELLS:
                groups.append(current)
                current, cells = [], 1
            current.append(name)
            cells *= size
        groups.append(current)
        return [group for group in groups if len(group) > 1]

    def joint_codes(self, number):
        """Each row's options in a joint group as one code (the first dimension's code most
        significant), made in the build: 2 bytes a gift per group."""

        def make():
            group = self.joint_groups[number]
            sizes = [len(self.dimensions[name].options) for name in group]
            codes = np.zeros(self.size, dtype=np.int32)
            for name, size in zip(group, sizes, strict=True):
                codes = codes * size + self.dimensions[name].codes
            return codes.astype(code_type(int(np.prod(sizes))))

        return self.joined.get_or_set(number, make)

    @cached_property
    def pair_offsets(self):
        """Where each tabled dimension's columns start in a pair_counts() table."""
        offsets, start = {}, 0
        for name in self.tabled:
            offsets[name] = start
            start += len(self.dimensions[name].options)
        return offsets, start

    def pair_counts(self, dimension):
        """
        For each option of a tabled dimension, how many gifts it has of each option of every
        tabled dimension: a row per option, the columns of each other dimension from
        pair_offsets. About 300 by 300 counts per dimension at most (450 KB in all at a million
        gifts, with top_within()'s), made in the build, read by every worker from the shared
        files.
        """

        def count():
            own = self.dimensions[dimension]
            offsets, width = self.pair_offsets
            table = np.zeros((len(own.options), width), dtype=np.int32)
            for name, start in offsets.items():
                other = self.dimensions[name]
                cells = len(other.options)
                combined = own.codes.astype(np.int64) * cells + other.codes
                counted = np.bincount(combined, minlength=len(own.options) * cells)
                table[:, start : start + cells] = counted.reshape(len(own.options), cells)
            return table

        return self.paired.get_or_set(dimension, count)

    def top_within(self, dimension, other):
        """
        For each option of a tabled dimension, the TOP_KEPT options of a long one (``other``:
        donors, occasions) with most gifts among its gifts (ranked()), their counts, and how
        many of the long dimension's options it has: a row per option of TOP_KEPT codes (-1:
        none), TOP_KEPT counts and that number. A listing filtered by a leader shows its top
        donors from it rather than counting 570,000 rows by donor.
        """

        def make():
            rows, starts = self.postings(dimension)
            codes = self.dimensions[other].codes
            cells = len(self.dimensions[other].options)
            options = len(self.dimensions[dimension].options)
            table = np.full((options, 2 * TOP_KEPT + 1), -1, dtype=np.int32)
            for code in range(options):
                counts = np.bincount(codes[rows[starts[code] : starts[code + 1]]], minlength=cells)
                counts = counts[:-1]  # the last code is "none"
                top = ranked(counts, TOP_KEPT)
                table[code, : len(top)] = top
                table[code, TOP_KEPT : TOP_KEPT + len(top)] = counts[top]
                table[code, -1] = np.count_nonzero(counts)
            return table

        return self.topped.get_or_set((dimension, other), make)

    def facet_filter(self, dimension, codes):
        """The Filter of a dimension's options ``codes`` (sorted, distinct)."""
        rows, starts = self.postings(dimension)
        size = int(sum(starts[code + 1] - starts[code] for code in codes))
        column = self.dimensions[dimension].codes
        if len(codes) == 1:
            (code,) = codes
            return Filter(
                size,
                lambda: rows[starts[code] : starts[code + 1]],
                lambda given: column[given] == code,
            )
        wanted = np.zeros(len(self.dimensions[dimension].options), dtype=bool)
        wanted[codes] = True
        return Filter(
            size, lambda: self.rows_with(dimension, codes), lambda given: wanted[column[given]]
        )

    def year_filter(self, low, high):
        """The Filter of the gifts received from year ``low`` to ``high`` (either None: open); a
        gift of unknown date is in no range."""
        order, years = self.by_year()
        low = max(low if low is not None else 1, UNKNOWN_YEAR + 1)
        # As the years' own type (16 bits): searching for a Python int has numpy convert every
        # year of the collection first, 0.2 ms at a million gifts.
        top = int(np.iinfo(years.dtype).max)
        low = years.dtype.type(min(low, top))
        high = years.dtype.type(min(high if high is not None else top, top))
        first = np.searchsorted(years, low)
        last = np.searchsorted(years, high, side="right")

        def test(given):
            found = self.years[given]
            return (found >= low) & (found <= high)

        def rows():
            if (last - first) * 16 < self.size:  # a few years: their rows, sorted
                return np.sort(order[first:last])
            # Most of the collection ("from 1960" is 754,831 of 941,074 published specimens): read
            # in row order from the years themselves, rather than sorting that many rows.
            return np.flatnonzero(test(slice(None))).astype(np.int32)

        return Filter(int(max(last - first, 0)), rows, test)

    def flag_filter(self, key, value):
        """The Filter of the gifts whose yes/no facet ``key`` is ``value``."""
        rows = self.flag_rows(key, value)
        column = self.flags[key]
        return Filter(len(rows), lambda: rows, lambda given: column[given] == value)

    def rows_with(self, dimension, codes):
        """The rows (sorted) whose option in a dimension is one of ``codes``."""
        rows, starts = self.postings(dimension)
        slices = [rows[starts[code] : starts[code + 1]] for code in sorted(set(codes))]
        if len(slices) == 1:
            return slices[0]
        return np.sort(np.concatenate(slices)) if slices else np.zeros(0, dtype=np.int32)

    def by_year(self):
        """Every row in year order, and their years."""

        def sort():
            order = np.argsort(self.years, kind="stable").astype(np.int32)
            return order, self.years[order]

        return self.year_order.get_or_set("years", sort)

    def flag_rows(self, key, value):
        """The rows (sorted) whose yes/no facet is ``value``."""
        return self.flagged.get_or_set(
            (key, value),
            lambda: np.flatnonzero(self.flags[key] == value).astype(np.int32),
        )

    def places(self, sort):
        """Each row's place in the sort's order (the inverse of order(sort))."""

        def invert():
            order = self.order(sort)
            places = np.empty(self.size, dtype=np.int32)
            places[order] = np.arange(self.size, dtype=np.int32)
            return places

        return self.placed.get_or_set(sort, invert)

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

    def shared_search(self, terms, match):
        """A search's (rows, ranks) from ``match()``, made once per machine when it matches at
        least SHARED_FROM_ROWS (catalogue.store.shared): ranking a common word's matches is the
        costly part of a search (0.3 s for "kim" at 115,000 gifts), and every worker started by
        a reload would otherwise pay it again."""

        def make():
            rows, ranks = match()
            return {"rows": rows, "ranks": ranks}

        found = store.shared(
            self.version,
            "searches",
            terms,
            make,
            lambda found: len(found["rows"]) >= SHARED_FROM_ROWS,
        )
        return found["rows"], found["ranks"]

    def search_vocabulary(self):
        """Every word of the search text (catalogue.search.Vocabulary), read when a search first
        finds nothing in this version."""
        return self.vocabulary.get_or_set("words", search.Vocabulary.read)

    def kept_page(self, key, make):
        """A page rendered once for this version (``make()``, the first time it is asked for):
        something with ``.deflated``, its HTML compressed. Kept by this worker, and in the shared
        cache for the others (catalogue.caches.shared)."""
        shared_key = ("page", store.database_tag(), self.version, key)
        return self.pages.get_or_set(key, lambda: caches.shared(shared_key, make))

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
        The gift cards of these ids (or with ``view="list"``, their table rows), made from the
        texts the index keeps (catalogue.texts): no query but one for the first photographs,
        when some of the gifts have one. Each is rendered once per collection version and kept
        with the collection; the link back to the listing (``listing_context``) is put in after.
        An id that is not a published holding of this version has no card.

        A request answered from an older version than the database's (its new version still
        being built: CollectionState.answered_behind) reads its cards from the database
        instead, published gifts only: an edited title or an unpublished gift is never shown
        from the older version's texts.
        """
        render = VIEWS[view]
        if CollectionState.answered_behind():
            cards = self.cards_read_afresh(ids, render)
        else:
            cards = {i: self.cards.get((view, i)) for i in ids}
            missing = [i for i, card in cards.items() if card is None]
            if missing:
                rows, found = self.rows_for(missing)
                rows = rows[found]
                for gift_id, card in zip(
                    self.ids[rows].tolist(),
                    self.card_texts.cards(rows, self.card_images(rows)),
                    strict=True,
                ):
                    cards[gift_id] = self.cards.set((view, gift_id), render(card, CONTEXT_TOKEN))
        link = f"?in={quote(listing_context, safe='')}" if listing_context else ""
        return mark_safe(  # escaped by catalogue.cards
            "".join(cards[i].replace(f"?in={CONTEXT_TOKEN}", link) for i in ids if cards.get(i))
        )

    def card_images(self, rows):
        """{row: its first image (catalogue.texts.first_images)} of those of ``rows`` that have
        one: one query, none when no row has."""
        pictured = rows[self.flags["has_image"][rows]]
        if not len(pictured):
            return {}
        gift_ids = self.ids[pictured].tolist()
        first = texts.first_images(gift_ids)
        return {
            row: first[gift_id]
            for row, gift_id in zip(pictured.tolist(), gift_ids, strict=True)
            if gift_id in first
        }

    def cards_read_afresh(self, ids, render):
        """{id: card} of those of ``ids`` that are published holdings now, read from the
        database (one query) and not kept."""
        gifts = Gift.objects.published().holdings().for_cards().in_bulk(ids) if ids else {}
        return {gift_id: render(card_of(gift), CONTEXT_TOKEN) for gift_id, gift in gifts.items()}


def ranked(counts, limit=None):
    """Codes of the nonzero ``counts``, most first (ties: in code order), at most ``limit``
    (None: all). The top few of 80,000 donors are picked in linear time, not by sorting them."""
    nonzero = np.flatnonzero(counts)
    if limit is not None and len(nonzero) > 4 * limit:
        # The limit-th largest count; every code above it is in, those equal to it fill up.
        cut = np.partition(counts[nonzero], len(nonzero) - limit)[len(nonzero) - limit]
        above = nonzero[counts[nonzero] > cut]
        level = nonzero[counts[nonzero] == cut][: limit - len(above)]
        nonzero = np.concatenate([above, level])
        nonzero.sort()
    order = nonzero[np.argsort(-counts[nonzero], kind="stable")]
    return order if limit is None else order[:limit]


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
    # () -> (ids, ranks) NumPy arrays: the search's matches (None: no search), asked only when
    # they are not kept under search_terms
    search_matches: Callable | None = None
    # The search's words, as its matches are kept (catalogue.forms); None: not kept, so neither
    # are the result's counts and order.
    search_terms: tuple | None = None
    sort: str = DEFAULT_SORT


class Filter:
    """
    One filter of a Result: how many rows it matches (known without reading them), its rows
    (sorted; made when first asked for) and ``test``, which says which of some given rows it
    matches by reading their own columns. A result is then its smallest filter's rows, tested
    against the others: it costs what its smallest filter matches, however many rows the
    others match (a leader's 570,000 gifts at a million are never read to find a donor's 12).
    """

    __slots__ = ("size", "make", "test", "_rows")

    def __init__(self, size, make, test):
        self.size = size
        self.make = make
        self.test = test  # rows -> a mask of those this filter matches
        self._rows = None

    @property
    def rows(self):
        if self._rows is None:
            self._rows = self.make()
        return self._rows


def rows_filter(rows):
    """The Filter of some sorted rows (a search's matches): tested by binary search."""

    def test(given):
        if not len(rows):
            return np.zeros(len(given), dtype=bool)
        found = np.minimum(np.searchsorted(rows, given), len(rows) - 1)
        return rows[found] == given

    return Filter(len(rows), lambda: rows, test)


def passed(rows, filters):
    """Those of ``rows`` that every one of ``filters`` passes, their order kept, the most
    selective tested first."""
    for part in sorted(filters, key=lambda part: part.size):
        if not len(rows):
            break
        rows = rows[part.test(rows)]
    return rows


def intersection(filters):
    """The rows every one of ``filters`` matches (sorted): the smallest one's rows, kept where
    the others' tests pass them."""
    smallest = min(filters, key=lambda part: part.size)
    return passed(smallest.rows, [part for part in filters if part is not smallest])


class Result:
    """
    The gifts a Selection matches, and what the listing shows of them. Each filter is the sorted
    rows it matches (``parts``: a facet's options read from its postings, the years from the
    rows in year order, a search's matches), and the result is their intersection. So a filtered
    listing costs what its filters' matches cost rather than what the whole collection costs: a
    donor's 12 gifts are 12 rows, at 115,000 gifts or a million.
    """

    def __init__(self, collection, selection):
        self.collection = collection
        self.selection = selection
        self.parts = {}  # filter -> its Filter
        self.specs = {}  # filter -> what it asks for, as a key of what is kept per version
        for name, keys in selection.filters.items():
            if keys:
                codes = sorted(set(collection.dimensions[name].codes_for(keys)))
                self.parts[name] = collection.facet_filter(name, codes)
                self.specs[name] = tuple(codes)
        if selection.year_from is not None or selection.year_to is not None:
            low, high = selection.year_from, selection.year_to
            self.parts["year"] = collection.year_filter(low, high)
            self.specs["year"] = (low, high)
        for key, value in selection.flags.items():
            self.parts[key] = collection.flag_filter(key, value)
            self.specs[key] = value
        self.ranks = None  # a search's rank of each of self.search_rows
        if selection.search_matches is not None:

            def matched_rows():
                ids, ranks = selection.search_matches()
                rows, found = collection.rows_for(ids)
                rows = rows[found].astype(np.int32)
                ranks = np.asarray(ranks, dtype=np.float64)[found]
                order = np.argsort(rows, kind="stable")
                rows, ranks = rows[order], ranks[order]
                unique = np.ones(len(rows), dtype=bool)
                unique[1:] = rows[1:] != rows[:-1]
                return rows[unique], ranks[unique]

            if selection.search_terms is None:
                self.search_rows, self.ranks = matched_rows()
            else:  # kept as the matches are: a common word matches a tenth of the collection
                self.search_rows, self.ranks = collection.searched.get_or_set(
                    selection.search_terms,
                    lambda: collection.shared_search(selection.search_terms, matched_rows),
                )
                self.specs["q"] = selection.search_terms
            self.parts["q"] = rows_filter(self.search_rows)
        self.without_cache = {}  # filter -> rows of the other filters
        self.rows = self.intersected(list(self.parts))  # None: every row
        self.count = collection.size if self.rows is None else len(self.rows)
        self.counted = {}  # facet -> facet_array(facet), for this result only

    def intersected(self, names):
        """The rows every one of these filters matches (None: no filter, every row). Two or more
        large filters (a leader and a decade at a million gifts: 570,000 and 150,000 rows) are
        intersected once per version, like counts (kept())."""
        if not names:
            return None
        parts = [self.parts[name] for name in names]
        if len(parts) == 1:
            return parts[0].rows
        unkept = "q" in names and "q" not in self.specs
        if unkept or min(part.size for part in parts) < KEPT_FROM_ROWS:
            return intersection(parts)
        key = ("rows", tuple(sorted((name, self.specs[name]) for name in names)))
        return self.collection.answers.get_or_set(key, lambda: intersection(parts))

    def within(self, rows):
        """Those of ``rows`` (in any order) that are in the result, their order kept."""
        return passed(rows, self.parts.values())

    def rows_without(self, name):
        """The rows every filter but ``name``'s matches (None: every row)."""
        if name not in self.parts:
            return self.rows
        if name not in self.without_cache:
            self.without_cache[name] = self.intersected([key for key in self.parts if key != name])
        return self.without_cache[name]

    def facet_array(self, name):
        """Counts by option code for a facet, counted with the other filters only. Counted once
        per result: a long panel asks for them twice (its counts, then its top options)."""
        counts = self.counted.get(name)
        if counts is None:
            counts = self.counted[name] = self.count_facet(name)
        return counts

    def kept(self, key, rows, make):
        """``make()``, kept with the collection version under ``key`` (with the filters that
        chose ``rows``) when there are KEPT_FROM_ROWS or more: a page for one leader (70,000
        gifts), one decade or a common word then costs its counts and order once, not on every
        visit. A few rows are cheaper to answer again, and a search whose matches are not kept
        (a respelling tried) has no key."""
        unkept = "q" in self.parts and "q" not in self.specs
        if unkept or len(rows) < KEPT_FROM_ROWS:
            return make()
        used = tuple(sorted((name, spec) for name, spec in self.specs.items() if name != key[0]))
        return self.collection.answers.get_or_set((*key, used), make)

    def alone_besides(self, name):
        """(facet, its codes) when the only filter besides ``name``'s is one tabled facet's:
        ``name``'s counts are then read from tables made in the build, not counted."""
        others = [key for key in self.parts if key != name]
        if len(others) != 1 or others[0] not in self.collection.dimensions:
            return None
        other = others[0]
        if len(self.collection.dimensions[other].options) > TABLED_OPTIONS:
            return None
        return other, self.specs[other]

    def count_facet(self, name):
        dimension = self.collection.dimensions[name]
        rows = self.rows_without(name)
        if rows is None:
            # Counted without any filter: the same for every request until the version moves.
            return self.collection.unfiltered.get_or_set(
                name, lambda: np.bincount(dimension.codes, minlength=len(dimension.options))
            )
        alone = self.alone_besides(name)
        if alone is not None and len(dimension.options) <= TABLED_OPTIONS:
            other, codes = alone
            start = self.collection.pair_offsets[0][name]
            table = self.collection.pair_counts(other)
            return table[list(codes), start : start + len(dimension.options)].sum(
                axis=0, dtype=np.int64
            )
        if name not in self.parts:
            for number, group in enumerate(self.collection.joint_groups):
                if name in group:
                    joint = self.joint(number, group)
                    others = tuple(axis for axis in range(len(group)) if group[axis] != name)
                    return joint.sum(axis=others, dtype=np.int64)
        return self.kept(
            (name, "counts"),
            rows,
            lambda: np.bincount(dimension.codes[rows], minlength=len(dimension.options)),
        )

    def joint(self, number, group):
        """The result's rows counted by every combination of a joint group's options (an array
        of one axis per dimension): the counts of each of the group's facets that filters
        nothing, in one pass over the rows rather than one per facet."""
        key = ("joint", number)
        if key not in self.counted:
            shape = [len(self.collection.dimensions[name].options) for name in group]
            codes = self.collection.joint_codes(number)
            rows = self.rows

            def count():
                return np.bincount(codes[rows], minlength=int(np.prod(shape))).reshape(shape)

            self.counted[key] = self.kept((f"joint.{number}", "counts"), rows, count)
        return self.counted[key]

    def top_codes(self, name, limit):
        """Codes of the options with results, most results first (ties: in code order), at most
        ``limit`` (None: all): ranked in numpy, not by sorting 10,000 donors in Python. Kept
        like the counts: ranking 80,000 donors on every unfiltered page cost a million-gift
        listing more than its counts."""
        rows = self.rows_without(name)
        if rows is None:
            order = self.collection.unfiltered.get_or_set(
                (name, "ranked"), lambda: ranked(self.facet_array(name)[:-1])
            )
            return order if limit is None else order[:limit]
        if limit is not None:
            return self.kept(
                (name, "top", limit), rows, lambda: ranked(self.facet_array(name)[:-1], limit)
            )
        return self.kept((name, "ranked"), rows, lambda: ranked(self.facet_array(name)[:-1]))

    def summary(self, name, limit, chosen):
        """
        What a long panel shows: the codes of the ``limit`` options with most results (most
        first), {code: count} for those and the ``chosen`` codes, and how many options have
        results. Filtered by one tabled facet's option (a leader), it is read from the build's
        tables (Collection.top_within) rather than counted over that option's rows.
        """
        alone = self.alone_besides(name)
        long = len(self.collection.dimensions[name].options) > TABLED_OPTIONS
        if alone is not None and long and len(alone[1]) == 1 and limit <= TOP_KEPT:
            other, (code,) = alone
            table = self.collection.top_within(other, name)[code]
            top = table[:limit]
            top = top[top >= 0]
            counts = dict(
                zip(top.tolist(), table[TOP_KEPT : TOP_KEPT + len(top)].tolist(), strict=True)
            )
            rows, starts = self.collection.postings(name)
            test = self.parts[other].test
            for chosen_code in chosen:
                if chosen_code not in counts:
                    posted = rows[starts[chosen_code] : starts[chosen_code + 1]]
                    counts[chosen_code] = int(np.count_nonzero(test(posted)))
            return top, counts, int(table[-1])
        counts = self.facet_array(name)
        top = self.top_codes(name, limit)
        wanted = [*top.tolist(), *chosen]
        return top, {code: int(counts[code]) for code in wanted}, self.distinct_count(name)

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
        rows = self.rows_without(name)
        if rows is None:
            true = len(self.collection.flag_rows(name, True))
            return true, self.collection.size - true
        true = int(np.count_nonzero(self.collection.flags[name][rows]))
        return true, len(rows) - true

    def facet_total(self, name):
        """How many results there would be without this filter (a facet's, the years', a
        yes/no facet's or the search's)."""
        rows = self.rows_without(name)
        return self.collection.size if rows is None else len(rows)

    def ordered_rows(self):
        """Every row of the result in the selection's order."""
        sort = self.selection.sort
        if sort == "relevance" and self.ranks is not None:
            rows = self.rows

            def by_rank():
                ranks = self.ranks[np.searchsorted(self.search_rows, rows)]
                return rows[np.lexsort((self.collection.ids[rows], -ranks))]

            return self.kept(("", sort), rows, by_rank)
        if sort == "relevance":
            sort = DEFAULT_SORT
        order = self.collection.order(sort)
        if self.rows is None:
            return order  # everything: the sort's own order, nothing to pick out
        if len(self.rows) * 16 < self.collection.size:
            # A few rows: sorted by their places in the sort's order.
            places = self.collection.places(sort)[self.rows]
            return self.rows[np.argsort(places, kind="stable")]

        def pick():
            wanted = np.zeros(self.collection.size, dtype=bool)
            wanted[self.rows] = True
            return order[wanted[order]]

        return self.kept(("", sort), self.rows, pick)

    def ordered(self, start, stop):
        """Rows ``start`` to ``stop`` of the result in the selection's order. A large result's
        first pages are found by reading the sort's order from the start and keeping the rows
        every filter passes: a page of a leader's 570,000 gifts reads a few hundred rows, rather
        than ordering all of them (what ordered_rows() does, and is kept for, in the rest)."""
        size, count = self.collection.size, self.count
        if self.rows is None or start >= stop or not count:
            return self.ordered_rows()[start:stop]
        sort = self.selection.sort
        if sort == "relevance" or count * 16 < size:
            return self.ordered_rows()[start:stop]
        expected = stop * size // count + 64  # rows of the order to read, on average
        if expected * SCANNED_AT_MOST > size:
            return self.ordered_rows()[start:stop]
        order = self.collection.order(sort)
        found, position, chunk = [], 0, expected + expected // 4
        wanted = stop
        while wanted > 0 and position < size:
            rows = self.within(order[position : position + chunk])
            found.append(rows)
            wanted -= len(rows)
            position += chunk
            chunk *= 2
        return np.concatenate(found)[start:stop]

    def page_ids(self, number, per_page):
        start = (number - 1) * per_page
        return self.collection.ids[self.ordered(start, start + per_page)].tolist()

    def page(self, number, per_page, queryset):
        """The records of page ``number``, in this result's order (one query)."""
        return self.collection.in_order(self.page_ids(number, per_page), queryset)

    def __len__(self):
        return self.count

    def __getitem__(self, rows):
        """The ids of a slice of this result, in its order (what a Paginator asks for)."""
        if isinstance(rows, int):
            return self[rows : rows + 1][0] if rows >= 0 else self.all_ids()[rows]
        if not isinstance(rows, slice):
            # A template's {{ result.count }} tries result["count"] first: refuse it before
            # ordering the whole result for nothing.
            raise TypeError(f"a result is indexed by position, not {rows!r}")
        start, stop, step = rows.indices(self.count)
        if step != 1:
            return self.all_ids()[rows]
        return self.collection.ids[self.ordered(start, stop)].tolist()

    def all_ids(self):
        return self.collection.ids[self.ordered_rows()].tolist()

    def contains(self, row):
        if self.rows is None:
            return True
        position = int(np.searchsorted(self.rows, self.rows.dtype.type(row)))
        return position < len(self.rows) and int(self.rows[position]) == row

    def neighbours(self, gift_id):
        """The ids before and after a gift in this result's order (None at either end)."""
        row = self.collection.row_of(gift_id)
        if row is None or not self.contains(row):
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
    """
    The collection at the current version. When the version has moved on, its build is mapped
    (catalogue.store). A process with nothing mapped yet builds it or waits for it. One that holds
    a version has it built in the background (by a thread of its own, or by another process that
    got there first), and the request that starts it waits at most BUILD_WAIT: meanwhile the
    version held so far answers, and the page it makes is not kept in the page cache
    (CollectionState.answered_behind). So a
    curator's edit never holds a visitor's request for the seconds a build of the whole
    collection takes; the record's own page, read from the database, shows the edit at once.
    """
    global _loaded
    version = CollectionState.current_key()
    loaded = _loaded
    if loaded is not None and loaded.version == version:
        return loaded
    with _lock:
        if _loaded is not None and _loaded.version == version:
            return _loaded
        try:
            if _loaded is None:
                parts = store.open_or_build(version, lambda: Collection(version).parts())
            else:
                parts = store.open_built(version) or _built_in_background(version)
        except OSError:
            # The folder cannot be written (full, or not the service's): slower and larger, but
            # the site answers.
            logger.exception("Listing index not shared; this process reads its own")
            _loaded = Collection(version)
            return _loaded
        if parts is None:
            CollectionState.answer_behind()
            return _loaded
        _loaded = Collection(version, parts)
        return _loaded


# Seconds the request that starts a build waits for it before answering behind: enough for a
# small collection's (72 gifts: about 0.05 s), so it shows an edit at once.
BUILD_WAIT = 0.3
_builder = None  # the thread building a version for this process: (version, thread)


def _built_in_background(version):
    """The new version's (arrays, meta) if a background build has them within BUILD_WAIT, else
    None. The build runs in a thread that outlives the request; a later request maps it."""
    global _builder
    if not settings.LISTING_INDEX_BUILD_IN_BACKGROUND:
        return store.open_or_build(version, lambda: Collection(version).parts(), held=True)
    wait = 0  # a build under way already held one request: the others do not wait on it
    if _builder is None or not _builder[1].is_alive():
        thread = threading.Thread(
            target=_build, args=(version,), name="listing-index-build", daemon=True
        )
        _builder = (version, thread)
        thread.start()
        wait = BUILD_WAIT
    _builder[1].join(wait)
    return store.open_built(version)


def _build(version):
    try:
        store.open_or_build(version, lambda: Collection(version).parts())
    except Exception:
        logger.exception("Listing index version %s not built in the background", version)
    finally:
        connections.close_all()  # this thread's own database connections


def map_newest():
    """Map the newest build of the machine without asking the database: what a new worker does
    before its first request (gunicorn.conf.py). If the database is away meanwhile, the worker
    holds the index all the same, and a version that did not move costs nothing once it is
    back."""
    global _loaded
    with _lock:
        if _loaded is None:
            parts = store.open_newest()
            if parts is not None:
                _loaded = Collection(parts[1]["version"], parts)
        return _loaded
