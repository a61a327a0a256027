"""
The listing's facets, one row each. From this table alone come the in-memory index's dimensions
(catalogue.index), the query string's fields and their errors (catalogue.forms), the panels with
their counts and the chips of active filters (catalogue.panels): adding a facet is adding a row.

A row names the query-string key (also the index's dimension), where the options and each gift's
code come from (a model's rows by a foreign key of Gift, a Gift column's choices, or a parent
facet's options), the ORM path the key matches (to filter a queryset the same way), what a visitor
calls one option, the panel's heading and how many options a long panel shows.

The yes/no facets (on display, with a photograph) are rows of their own table, FLAGS: where the
index reads each gift's answer (a Gift column, or the ids of the gifts that are), the ORM
condition of "yes", and the words a visitor reads. The form's fields, the index's masks, the
panels, the chips and the "remove this filter" suggestions come from it as they do from FACETS.
The date (a decade panel over a year range) is the one facet of its own kind.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from django.db.models import Exists, OuterRef, Q
from django.utils.text import capfirst

from donors.models import Continent, Country, Donor
from exhibitions.models import Building, Showroom
from gifts.models import Category, Gift, GiftImage, Leader, Occasion

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

    @property
    def none(self):
        """The code of "none": the last one."""
        return len(self.options) - 1


def codes_for_ids(ids, option_ids):
    """Database ids to codes: the position in the sorted option ids, or len(option_ids) if none."""
    option_ids = np.asarray(option_ids, dtype=np.int64)
    if not len(option_ids):
        return np.zeros(len(ids), dtype=np.int32)
    positions = np.searchsorted(option_ids, ids)
    clipped = np.minimum(positions, len(option_ids) - 1)
    found = option_ids[clipped] == ids
    return np.where(found, clipped, len(option_ids)).astype(np.int32)


@dataclass(frozen=True)
class Related:
    """Options are rows of a model; a gift's option is its foreign key ``column``."""

    column: str
    rows: Callable  # () -> iterable of (database id, Option)
    none: str = "None"
    kind = "i"  # related ids in 32 bits: no related table nears 2 billion rows

    def reader(self):
        return lambda value: value or 0

    def dimension(self, name, column):
        rows = sorted(self.rows(), key=lambda row: row[0])
        options = [option for _, option in rows] + [Option("", self.none)]
        return Dimension(name, options, codes_for_ids(column, [id_ for id_, _ in rows]))


@dataclass(frozen=True)
class Choices:
    """Options are the choices of a Gift column; the empty choice, or none recorded, is "none"."""

    column: str
    choices: Callable  # () -> [(value, label)]
    none: str = "None"
    kind = "h"

    def reader(self):
        code_of = {value: code for code, (value, _) in enumerate(self.choices())}
        missing = len(code_of)
        return lambda value: code_of.get(value, missing)

    def dimension(self, name, column):
        choices = self.choices()
        options = [Option(str(value), str(label)) for value, label in choices if value != ""]
        code_of = {option.key: code for code, option in enumerate(options)}
        none = len(options)
        # Column codes are positions in the choices (len(choices): none recorded).
        lookup = np.array([code_of.get(value, none) for value, _ in choices] + [none], np.int32)
        return Dimension(name, options + [Option("", self.none)], lookup[column])


@dataclass(frozen=True)
class Parent:
    """Options are their own (``rows``), and a gift's option is that of its option of the
    ``parent`` facet: a showroom's building, a country's continent."""

    parent: str
    attribute: str  # the parent option's ``extra`` entry naming this option's value
    rows: Callable  # () -> iterable of (value, Option), in the options' order
    none: str = "None"
    column = None

    def dimension(self, name, parent):
        rows = list(self.rows())
        code_of = {value: code for code, (value, _) in enumerate(rows)}
        none = len(rows)
        lookup = np.array(
            [
                code_of.get(option.extra.get(self.attribute), none) if option.key else none
                for option in parent.options
            ],
            dtype=np.int32,
        )
        options = [option for _, option in rows] + [Option("", self.none)]
        return Dimension(name, options, lookup[parent.codes])


@dataclass(frozen=True)
class Facet:
    key: str  # in the query string, and the index's dimension
    source: Related | Choices | Parent
    path: str  # the ORM lookup the key's values match
    label: str  # what a visitor calls one option: "There is no donor …", "Donor: …"
    title: str  # the panel's heading
    shown: int | None = None  # how many options a long panel shows (None: every one)
    plural: str = ""  # of ``label``, where adding an s is wrong

    @property
    def label_plural(self):
        return self.plural or f"{self.label}s"

    @property
    def field_label(self):
        """The query-string field's name in an error: the verbose names along ``path``
        ("Country ISO 3166 code"), as the listing has always named them."""
        model, names = Gift, []
        for part in self.path.split("__"):
            field = model._meta.get_field(part)
            names.append(str(field.verbose_name))
            model = field.related_model
        return capfirst(" ".join(names))


def _rows(queryset, *extra):
    return lambda: (
        (id_, Option(key, label, id_, dict(zip(extra, rest, strict=True)) if extra else NO_EXTRA))
        for id_, key, label, *rest in queryset().iterator()
    )


# In the order the panels appear.
FACETS = [
    Facet(
        "leader",
        Related(
            "leader_id",
            _rows(lambda: Leader.objects.values_list("id", "slug", "name")),
            none="An institution",
        ),
        "leader__slug",
        "leader",
        "Leader",
    ),
    Facet(
        "continent",
        Parent(
            "country",
            "continent",
            lambda: [(k, Option(str(k), str(v))) for k, v in Continent.choices],
        ),
        "country__continent",
        "continent",
        "Continent",
    ),
    Facet(
        "country",
        Related(
            "country_id",
            _rows(
                lambda: Country.objects.values_list("id", "code", "name", "continent"),
                "continent",
            ),
        ),
        "country__code",
        "country",
        "Country",
        shown=12,
        plural="countries",
    ),
    # The kind of donor at the time of each gift (Gift.donor_kind), not the donor's kind today:
    # Xi Jinping's 2008 gift counts under government officials.
    Facet(
        "donor_kind",
        Choices("donor_kind", lambda: Donor.Kind.choices),
        "donor_kind",
        "kind of donor",
        "Kind of donor",
        plural="kinds of donor",
    ),
    Facet(
        "donor",
        Related(
            "donor_id",
            _rows(
                lambda: Donor.objects.public().values_list(
                    "id", "slug", "name", "kind", "country_id"
                ),
                "kind",
                "country_id",
            ),
        ),
        "donor__slug",
        "donor",
        "Donor",
        shown=12,
    ),
    Facet(
        "category",
        Related("category_id", _rows(lambda: Category.objects.values_list("id", "slug", "name"))),
        "category__slug",
        "category",
        "Category",
        plural="categories",
    ),
    Facet(
        "occasion",
        Related(
            "occasion_id",
            _rows(lambda: Occasion.objects.public().values_list("id", "slug", "name")),
        ),
        "occasion__slug",
        "occasion",
        "Occasion",
        shown=12,
    ),
    Facet(
        "building",
        Parent(
            "showroom",
            "building_id",
            lambda: sorted(
                _rows(lambda: Building.objects.public().values_list("id", "slug", "name"))()
            ),
            none="In storage",
        ),
        "showroom__building__slug",
        "building",
        "Building",
    ),
    Facet(
        "showroom",
        Related(
            "showroom_id",
            lambda: (
                (id_, Option(slug, f"{code} {name}", id_, {"building_id": b, "floor": floor}))
                for id_, slug, code, name, b, floor in Showroom.objects.public()
                .values_list("id", "slug", "code", "name", "building_id", "floor")
                .iterator()
            ),
            none="In storage",
        ),
        "showroom__slug",
        "showroom",
        "Showroom",
        shown=12,
    ),
    Facet(
        "sanctions",
        Choices("sanctions", lambda: Gift.Sanctions.choices),
        "sanctions",
        "sanctions assessment",
        "UN sanctions",
    ),
    Facet(
        "confidence",
        Choices("confidence", lambda: Gift.Confidence.choices),
        "confidence",
        "confidence mark",
        "Confidence",
    ),
]
FACET = {facet.key: facet for facet in FACETS}


@dataclass(frozen=True)
class Flag:
    """A yes/no facet: ``?key=true`` keeps the gifts that are, ``?key=false`` those that are not.
    The index reads each gift's answer from ``column`` (a boolean column of Gift, in the same pass
    as the other columns) or, without one, from ``ids()`` (the ids of the gifts that are)."""

    key: str  # in the query string
    title: str  # the panel's heading and the chip: "On display: yes"
    condition: Callable  # () -> the ORM condition of "yes" (a Q or an Exists)
    column: str | None = None
    ids: Callable | None = None

    @property
    def label(self):
        """The filter in a sentence: Remove “on display”."""
        return f"“{self.title.lower()}”"


# In the order the panels appear, after the facets and the date.
FLAGS = [
    Flag("on_display", "On display", lambda: Q(on_display=True), column="on_display"),
    Flag(
        "has_image",
        "With a photograph",
        lambda: Exists(GiftImage.objects.filter(gift=OuterRef("pk"))),
        ids=lambda: GiftImage.objects.values_list("gift_id", flat=True).distinct(),
    ),
]
