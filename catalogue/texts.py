"""
What each published holding's card shows (catalogue.cards.Card), kept in the listing's index.

A page of cards that no one has asked for yet in a collection version (a deep page, a rare
filter's) used to cost a query of its 24 gifts with their donor, country, leader, category and
first image, and the model instances made from it: more than everything else on the page. The
texts are read instead in the same pass as the listing's columns, and written with the index's
build (catalogue.store), so every worker maps them once per machine and a card needs no query.

Each text is a column of codes, one per row, into a table of that text's distinct values: a
donor's name, a date's precision or a category's name is kept once however many gifts share it.
A table is its values' UTF-8 bytes end to end and where each value starts; code -1 is None (no
leader). The date is not a text here: it is the index's day number and precision, formatted as
the gift formats it (desk.models.format_partial_date).

A gift's first photograph is not kept (its address, alt text and renditions would be the
largest texts of all, one per gift): the gifts of a page that have one (the index's has_image)
are looked up in one indexed query, which a page without photographs never makes.
"""

import datetime
import itertools
from array import array
from collections import defaultdict
from collections.abc import Sequence
from html import escape

import numpy as np

from catalogue.cards import Card
from desk.models import format_partial_date
from donors.models import Country, Donor
from gifts.models import Category, GiftImage, Leader

# A text of the card that is a Gift column: the column (in a values_list) it is read from.
COLUMNS = {
    "accession_number": "accession_number",
    "title": "title",
    "institution": "recipient_institution",
    "precision": "date_precision",
    "sanctions": "sanctions",
}
# A text that is a field of a related record: the foreign key the listing reads anyway
# (catalogue.facets), and the record's model and field, read from its own table (some
# thousands of donors) rather than joined to every gift.
RELATED = {
    "donor": ("donor_id", Donor, "name"),
    "country": ("country_id", Country, "name"),
    "leader": ("leader_id", Leader, "name"),
    "category": ("category_id", Category, "name"),
    "category_slug": ("category_id", Category, "slug"),
}
# A text every gift has its own of: kept as it comes rather than looked up among the others.
OWN = {"accession_number"}
NAMES = (*COLUMNS, *RELATED)
# Those a card shows as they are: kept escaped for HTML, as a Card holds them.
ESCAPED = {"title", "donor", "country", "leader", "institution", "category"}
PREFIX = "text."
# A text with at most this many values (a category, a leader, a date's precision) is read into
# a list of strings once per version and worker, which costs less than slicing the bytes.
DECODED = 1000
NO_IMAGE = ("", "", None)


class Table(defaultdict):
    """A text's distinct values as they are met, each given the next code (None: -1). Looking a
    value up gives its code: done by C code alone, a million times in a build."""

    def __init__(self):
        super().__init__(itertools.count().__next__)
        self[None] = -1

    def arrays(self, name, codes):
        """The build's arrays of this text (table_arrays)."""
        return table_arrays(name, [value for value in self if value is not None], codes)


class Own:
    """The values of a text every row has its own of, as they come: an accession number's code
    is its row. (A Table of 115,000 accession numbers held them all, in a dict, until the build
    was written.)"""

    def __init__(self):
        self.values = bytearray()
        self.ends = array("q")

    def __getitem__(self, value):
        self.values += value.encode()
        self.ends.append(len(self.values))
        return len(self.ends) - 1

    def arrays(self, name, codes):
        starts = np.zeros(len(self.ends) + 1, dtype=np.int64)
        starts[1:] = self.ends
        return {
            f"{PREFIX}{name}": np.asarray(codes, dtype=np.int32),
            f"{PREFIX}{name}.values": np.frombuffer(bytes(self.values), dtype=np.uint8).copy(),
            f"{PREFIX}{name}.starts": starts,
        }


def string_arrays(values):
    """Strings as a build keeps them: their UTF-8 bytes end to end, and where each starts (one
    more than the strings: the end)."""
    encoded = [value.encode() for value in values]
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=starts[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), starts


class Strings(Sequence):
    """The strings of string_arrays(), read one at a time where they lie (mapped from a build,
    so shared by every worker): a sequence that bisect can search, not a list of objects."""

    def __init__(self, values, starts):
        self.values = memoryview(values)
        self.starts = starts

    def __len__(self):
        return len(self.starts) - 1

    def __getitem__(self, number):
        if not -len(self) <= number < len(self):
            raise IndexError(number)
        number %= len(self)
        return str(self.values[self.starts[number] : self.starts[number + 1]], "utf-8")


def table_arrays(name, values, codes):
    """The build's arrays of a text: the rows' codes (in the narrowest type that holds them),
    the values' bytes and where each starts (string_arrays)."""
    values, starts = string_arrays(escape(value) if name in ESCAPED else value for value in values)
    narrow = np.int16 if len(starts) - 1 < np.iinfo(np.int16).max else np.int32
    return {
        f"{PREFIX}{name}": np.asarray(codes).astype(narrow),
        f"{PREFIX}{name}.values": values,
        f"{PREFIX}{name}.starts": starts,
    }


def related_arrays(name, keys):
    """The build's arrays of a RELATED text, from each row's foreign key (``keys``, 0: none):
    the records the rows name, each once, in the order of their ids."""
    _, model, field = RELATED[name]
    used, codes = np.unique(keys, return_inverse=True)
    values = dict(model.objects.values_list("id", field).iterator())
    codes = codes.astype(np.int32)
    if len(used) and used[0] == 0:  # no record: None
        used, codes = used[1:], codes - 1
    # (A record deleted since the columns were read has moved the version on: this build is
    # replaced by the next.)
    return table_arrays(name, [values.get(key, "") for key in used.tolist()], codes)


def coded_columns():
    """(column, table) of each text read with the listing's columns (catalogue.index)."""
    return [(column, Own() if name in OWN else Table()) for name, column in COLUMNS.items()]


def first_images(gift_ids):
    """{gift id: (storage name, alt text escaped, renditions)} of each gift's first image, as
    Gift.objects.for_listing() picks it (by the images' order): one query."""
    first = {}
    images = GiftImage.objects.filter(gift_id__in=gift_ids).order_by("gift_id", "order", "id")
    for gift_id, image, alt, renditions in images.values_list(
        "gift_id", "image", "alt_text", "renditions"
    ):
        if gift_id not in first:
            first[gift_id] = (image, escape(alt), renditions)
    return first


def build(coded, codes, columns, ids):
    """The arrays of every text for a build: ``coded`` is coded_columns() as the listing's
    columns were read with it, ``codes`` what they read (a column per text), ``columns`` the
    listing's columns by name (the foreign keys among them), ``ids`` the rows' gift ids."""
    arrays = {}
    for at, (name, (_, table)) in enumerate(zip(COLUMNS, coded, strict=True)):
        arrays.update(table.arrays(name, codes[:, at]))
    for name, (key, _, _) in RELATED.items():
        arrays.update(related_arrays(name, columns[key]))
    return arrays


class CardTexts:
    """Cards read from a build's arrays (mapped, shared by every worker)."""

    def __init__(self, arrays, ordinals):
        self.ordinals = ordinals
        self.texts = {
            name: (
                arrays[f"{PREFIX}{name}"],
                memoryview(arrays[f"{PREFIX}{name}.values"]),
                arrays[f"{PREFIX}{name}.starts"],
            )
            for name in NAMES
        }
        self.decoded = {}  # text -> its values, for those with at most DECODED

    def values(self, name):
        """Every value of a text with few, as strings (None for a text with many)."""
        if name not in self.decoded:
            _, values, starts = self.texts[name]
            starts = starts.tolist()
            self.decoded[name] = (
                [
                    str(values[begin:end], "utf-8")
                    for begin, end in zip(starts[:-1], starts[1:], strict=True)
                ]
                if len(starts) <= DECODED + 1
                else None
            )
        return self.decoded[name]

    def column(self, name, rows):
        """The text ``name`` of each of ``rows`` (None where it has none)."""
        codes, values, starts = self.texts[name]
        codes = codes[rows]
        decoded = self.values(name)
        if decoded is not None:
            return [None if code < 0 else decoded[code] for code in codes.tolist()]
        codes = codes.astype(np.int64)
        begins, ends = starts[codes].tolist(), starts[codes + 1].tolist()
        return [
            None if code < 0 else str(values[begin:end], "utf-8")
            for code, begin, end in zip(codes.tolist(), begins, ends, strict=True)
        ]

    def cards(self, rows, images):
        """The Card of each of ``rows``, with its first image from ``images`` ({row: what
        first_images() gives}, for the rows that have one)."""
        rows = np.asarray(rows, dtype=np.int64)
        texts = {name: self.column(name, rows) for name in NAMES}
        ordinals = self.ordinals[rows].tolist()
        cards = []
        for at, (row, ordinal) in enumerate(zip(rows.tolist(), ordinals, strict=True)):
            leader = texts["leader"][at]
            image, alt, renditions = images.get(row, NO_IMAGE)
            date = datetime.date.fromordinal(ordinal) if ordinal else None
            cards.append(
                Card(
                    accession_number=texts["accession_number"][at],
                    title=texts["title"][at],
                    donor=texts["donor"][at],
                    country=texts["country"][at],
                    date=escape(format_partial_date(date, texts["precision"][at])),
                    recipient=texts["institution"][at] if leader is None else leader,
                    sanctions=texts["sanctions"][at],
                    category=texts["category"][at],
                    category_slug=texts["category_slug"][at],
                    image=image,
                    image_alt=alt,
                    renditions=renditions,
                )
            )
        return cards
