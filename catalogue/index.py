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
primary key. Full-text search stays in the database (gifts.search) and its matches are combined
here.

The columns are loaded once per worker and again when the collection version
(desk.models.CollectionState) moves on, which every save, import and bulk action does. Checking
the version is one primary-key query per request.
"""

import datetime
import threading
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from django.db.models.functions import Lower

from catalogue import search
from desk.models import CollectionState
from donors.models import Continent, Country, Donor
from exhibitions.models import Building, Showroom
from gifts.models import Category, Gift, GiftImage, Leader, Occasion

UNKNOWN_YEAR = 0
SORTS = {
    "relevance": "Relevance",
    "-date": "Date received, newest first",
    "date": "Date received, oldest first",
    "title": "Title, A to Z",
    "-added": "Recently added",
}
DEFAULT_SORT = "-date"


NO_EXTRA = MappingProxyType({})


@dataclass(slots=True)
class Option:
    """One value of a facet: what the query string says (key), what a visitor reads (label).
    Slotted: a million gifts bring over 100,000 donors and occasions, each an Option."""

    key: str
    label: str
    id: object = None
    extra: Mapping = field(default_factory=lambda: NO_EXTRA)  # one shared empty mapping


def code_type(size):
    """The narrowest integer type for codes 0..size-1: most facets fit 16 bits."""
    return np.int16 if size <= np.iinfo(np.int16).max else np.int32


class Dimension:
    """A column of codes 0..n-1 and the options the codes stand for (the last one: none)."""

    def __init__(self, name, options, codes):
        self.name = name
        self.options = options  # list of Option, indexed by code
        self.codes = codes.astype(code_type(len(options)), copy=False)
        self.by_key = {option.key: code for code, option in enumerate(options)}

    def codes_for(self, keys):
        return [self.by_key[key] for key in keys if key in self.by_key]


def codes_for_ids(ids, option_ids):
    """Database ids to codes: the position in the sorted option ids, or len(option_ids) if none."""
    option_ids = np.asarray(option_ids, dtype=np.int64)
    if not len(option_ids):
        return np.zeros(len(ids), dtype=np.int32)
    positions = np.searchsorted(option_ids, ids)
    clipped = np.minimum(positions, len(option_ids) - 1)
    found = option_ids[clipped] == ids
    return np.where(found, clipped, len(option_ids)).astype(np.int32)


# The columns read from the database, in order, and the array type each is kept in.
COLUMNS = [
    ("id", "q"),
    ("leader_id", "i"),  # related ids in 32 bits: no related table nears 2 billion rows
    ("country_id", "i"),
    ("donor_id", "i"),
    ("category_id", "i"),
    ("occasion_id", "i"),
    ("showroom_id", "i"),
    ("date_received", "i"),  # as a day number, 0 when unknown
    ("on_display", "b"),
    ("sanctions", "b"),
    ("confidence", "b"),
    ("donor_kind", "b"),  # the kind of donor at the time of the gift, as a code
    ("created", "d"),  # as a timestamp
]
CHUNK = 10000


class Collection:
    """The listing columns of every published holding, as loaded at one collection version."""

    def __init__(self, version):
        self.version = version
        self.load()

    def read_columns(self, gifts):
        """Stream the rows into compact arrays: a million gifts never become Python tuples."""
        sanction_codes = {value: code for code, value in enumerate(Gift.Sanctions.values)}
        confidence_codes = {value: code for code, value in enumerate(Gift.Confidence.values)}
        # A gift with no kind recorded gets the "none" code, after the kinds.
        kinds = Donor.Kind.values
        kind_codes = {value: code for code, value in enumerate(kinds)}
        arrays = [array(kind) for _, kind in COLUMNS]
        appends = [column.append for column in arrays]
        rows = gifts.order_by("id").values_list(*(name for name, _ in COLUMNS))
        for (
            id_,
            leader,
            country,
            donor,
            category,
            occasion,
            showroom,
            date,
            on_display,
            sanctions,
            confidence,
            donor_kind,
            created,
        ) in rows.iterator(chunk_size=CHUNK):
            values = (
                id_,
                leader or 0,
                country,
                donor,
                category,
                occasion or 0,
                showroom or 0,
                date.toordinal() if date else 0,
                on_display,
                sanction_codes.get(sanctions, 0),
                confidence_codes.get(confidence, 0),
                kind_codes.get(donor_kind, len(kinds)),
                created.timestamp(),
            )
            for append, value in zip(appends, values, strict=True):
                append(value)
        return {
            name: np.frombuffer(column, dtype=column.typecode)
            if len(column)
            else np.zeros(0, dtype=column.typecode)
            for (name, _), column in zip(COLUMNS, arrays, strict=True)
        }

    def load(self):
        gifts = Gift.objects.published().holdings()
        columns = self.read_columns(gifts)
        self.ids = columns.pop("id").astype(np.int64, copy=False)
        self.size = len(self.ids)
        self.dimensions = {}
        self.leader_spellings = search.leader_spellings()

        def add(name, rows, column, none_label="None"):
            """A dimension from (id, Option) rows and a column of database ids."""
            rows = sorted(rows, key=lambda row: row[0])
            options = [option for _, option in rows] + [Option("", none_label)]
            codes = codes_for_ids(column, [id_ for id_, _ in rows])
            self.dimensions[name] = Dimension(name, options, codes)
            return [id_ for id_, _ in rows]

        add(
            "leader",
            [
                (i, Option(slug, name, i))
                for i, slug, name in Leader.objects.values_list("id", "slug", "name")
            ],
            columns.pop("leader_id"),
            "An institution",
        )
        country_rows = [
            (i, Option(code, name, i, {"continent": continent}))
            for i, code, name, continent in Country.objects.values_list(
                "id", "code", "name", "continent"
            ).iterator()
        ]
        add("country", country_rows, columns.pop("country_id"))
        donor_rows = [
            (i, Option(slug, name, i, {"kind": kind, "country_id": country_id}))
            for i, slug, name, kind, country_id in Donor.objects.public()
            .values_list("id", "slug", "name", "kind", "country_id")
            .iterator()
        ]
        add("donor", donor_rows, columns.pop("donor_id"))
        add(
            "category",
            [
                (i, Option(slug, name, i))
                for i, slug, name in Category.objects.values_list("id", "slug", "name")
            ],
            columns.pop("category_id"),
        )
        add(
            "occasion",
            [
                (i, Option(slug, name, i))
                for i, slug, name in Occasion.objects.public()
                .values_list("id", "slug", "name")
                .iterator()
            ],
            columns.pop("occasion_id"),
        )
        showroom_rows = [
            (i, Option(slug, f"{code} {name}", i, {"building_id": building, "floor": floor}))
            for i, slug, code, name, building, floor in Showroom.objects.public().values_list(
                "id", "slug", "code", "name", "building_id", "floor"
            )
        ]
        add("showroom", showroom_rows, columns.pop("showroom_id"), "In storage")
        building_rows = [
            (i, Option(slug, name, i))
            for i, slug, name in Building.objects.public().values_list("id", "slug", "name")
        ]
        building_ids = sorted(i for i, _ in building_rows)

        # Derived columns: a showroom's building, a country's continent.
        def derived(source, attribute, codes_of_value):
            source_dimension = self.dimensions[source]
            lookup = np.array(
                [
                    codes_of_value(option.extra.get(attribute)) if option.key else -1
                    for option in source_dimension.options
                ],
                dtype=np.int32,
            )
            return lookup[source_dimension.codes]

        building_code = {id_: code for code, id_ in enumerate(building_ids)}
        codes = derived(
            "showroom", "building_id", lambda b: building_code.get(b, len(building_ids))
        )
        codes[codes < 0] = len(building_ids)
        options = [o for _, o in sorted(building_rows, key=lambda r: r[0])]
        self.dimensions["building"] = Dimension(
            "building", options + [Option("", "In storage")], codes
        )
        self.add_derived_choices("continent", Continent.choices, "country", "continent")
        # The kind of donor at the time of each gift (Gift.donor_kind), not the donor's kind
        # today: Xi Jinping's 2008 gift counts under government officials.
        self.dimensions["donor_kind"] = Dimension(
            "donor_kind",
            [Option(v, str(label)) for v, label in Donor.Kind.choices] + [Option("", "None")],
            columns.pop("donor_kind"),
        )
        sanctions = [(v, label) for v, label in Gift.Sanctions.choices]
        self.dimensions["sanctions"] = Dimension(
            "sanctions",
            [Option(v, str(label)) for v, label in sanctions[1:]] + [Option("", "None")],
            np.where(
                columns["sanctions"] == 0, len(sanctions) - 1, columns["sanctions"] - 1
            ).astype(np.int32),
        )
        self.dimensions["confidence"] = Dimension(
            "confidence",
            [Option(v, str(label)) for v, label in Gift.Confidence.choices] + [Option("", "None")],
            columns.pop("confidence"),
        )

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
        self.on_display = columns.pop("on_display").astype(bool)
        image_ids = np.fromiter(
            GiftImage.objects.values_list("gift_id", flat=True).distinct().iterator(),
            dtype=np.int64,
        )
        self.has_image = np.isin(self.ids, image_ids)

        # What the sorts order by; each sort's order is made when first asked for (sort_key).
        self.ordinals = ordinals
        self.created = columns.pop("created")
        title_order = np.fromiter(
            gifts.order_by(Lower("title"), "id").values_list("id", flat=True).iterator(CHUNK),
            dtype=np.int64,
        )
        self.title_ranks = np.empty(self.size, dtype=np.int32)
        self.title_ranks[np.searchsorted(self.ids, title_order)] = np.arange(len(title_order))
        self.orders = {}
        self.memo = {}

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

    def add_derived_choices(self, name, choices, source, attribute):
        options = [Option(str(key), str(label)) for key, label in choices]
        code_of = {option.key: code for code, option in enumerate(options)}
        source_dimension = self.dimensions[source]
        lookup = np.array(
            [
                code_of.get(option.extra.get(attribute), len(options))
                if option.key
                else len(options)
                for option in source_dimension.options
            ],
            dtype=np.int32,
        )
        self.dimensions[name] = Dimension(
            name, options + [Option("", "None")], lookup[source_dimension.codes]
        )

    def order(self, sort):
        """Every row, in the sort's order, ties broken by id (the order is stable)."""
        if sort not in self.orders:
            # Row numbers fit 32 bits: half the memory of numpy's default, per sort.
            self.orders[sort] = np.lexsort((self.ids, self.sort_key(sort))).astype(np.int32)
        return self.orders[sort]

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
        key = ("grouped", dimension)
        if key not in self.memo:
            codes = self.dimensions[dimension].codes
            order = self.order("-date")
            by_option = np.argsort(codes[order], kind="stable")  # stable: newest first kept
            rows = order[by_option]
            starts = np.searchsorted(
                codes[rows], np.arange(len(self.dimensions[dimension].options) + 1)
            )
            self.memo[key] = rows, starts
        return self.memo[key]

    def select(self, selection):
        return Result(self, selection)

    def counts(self, dimension, **filters):
        """How many published holdings each option of a dimension has: {option key: count}.
        Unfiltered counts are kept: they only change with the collection's version."""
        memo_key = (dimension, tuple(sorted((k, tuple(v)) for k, v in filters.items())))
        if memo_key in self.memo:
            return self.memo[memo_key]
        counts = self.select(Selection(filters=filters)).facet_array(dimension)
        options = self.dimensions[dimension].options
        result = {
            options[code].key: int(counts[code])
            for code in np.flatnonzero(counts).tolist()
            if options[code].key
        }
        if len(self.memo) < 1000:
            self.memo[memo_key] = result
        return result


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
    on_display: bool | None = None
    has_image: bool | None = None
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
        if selection.on_display is not None:
            self.masks["on_display"] = collection.on_display == selection.on_display
        if selection.has_image is not None:
            self.masks["has_image"] = collection.has_image == selection.has_image
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

    def combined(self, without=None):
        mask = np.ones(self.collection.size, dtype=bool)
        for name, part in self.masks.items():
            if name != without:
                mask &= part
        return mask

    def facet_array(self, name):
        """Counts by option code for a facet, counted with the other filters only."""
        dimension = self.collection.dimensions[name]
        others = [key for key in self.masks if key != name]
        if not others:
            # Counted without any filter: the same for every request until the version moves.
            memo = self.collection.memo.setdefault("unfiltered", {})
            if name not in memo:
                memo[name] = np.bincount(dimension.codes, minlength=len(dimension.options))
            return memo[name]
        mask = self.combined(without=name) if name in self.masks else self.mask
        return np.bincount(dimension.codes[mask], minlength=len(dimension.options))

    def distinct_count(self, name):
        """How many options of a facet have at least one result (not counting "none")."""
        return int(np.count_nonzero(self.facet_array(name)[:-1]))

    def facet_counts(self, name):
        """(option, count) for every option of a facet, counted with the other filters only."""
        options = self.collection.dimensions[name].options
        return list(zip(options, self.facet_array(name).tolist(), strict=True))

    def flag_counts(self, name):
        """How many results are (True, False) for on_display or has_image, other filters kept."""
        mask = self.combined(without=name) if name in self.masks else self.mask
        flags = getattr(self.collection, name)
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
