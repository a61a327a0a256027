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
country, no leader, no image). The date is not a text here: it is the index's day number and
precision, formatted as the gift formats it (desk.models.format_partial_date).
"""

import datetime
import itertools
import json
from collections import defaultdict
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
# The first image's texts, read by another query (a gift has any number of images).
IMAGE = ("image", "image_alt", "renditions")
NAMES = (*COLUMNS, *RELATED, *IMAGE)
# Those a card shows as they are: kept escaped for HTML, as a Card holds them.
ESCAPED = {"title", "donor", "country", "leader", "institution", "category", "image_alt"}
PREFIX = "text."
# A text with at most this many values (a category, a leader, a date's precision) is read into
# a list of strings once per version and worker, which costs less than slicing the bytes.
DECODED = 1000


class Table(defaultdict):
    """A text's distinct values as they are met, each given the next code (None: -1). Looking a
    value up gives its code: done by C code alone, a million times in a build."""

    def __init__(self):
        super().__init__(itertools.count().__next__)
        self[None] = -1

    def code(self, value):
        return self[value]

    def arrays(self, name, codes):
        """The build's arrays of this text (table_arrays)."""
        return table_arrays(name, [value for value in self if value is not None], codes)


def table_arrays(name, values, codes):
    """The build's arrays of a text: the rows' codes (in the narrowest type that holds them),
    the values' bytes and where each starts (one more than the values: the end)."""
    encoded = [(escape(value) if name in ESCAPED else value).encode() for value in values]
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=starts[1:])
    narrow = np.int16 if len(encoded) < np.iinfo(np.int16).max else np.int32
    return {
        f"{PREFIX}{name}": np.asarray(codes).astype(narrow),
        f"{PREFIX}{name}.values": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
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
    return [(column, Table()) for column in COLUMNS.values()]


def read_images(ids):
    """Codes and tables of each row's first image (by the images' order, as Gift.for_listing
    picks it): ``ids`` are the index's sorted gift ids."""
    tables = {name: Table() for name in IMAGE}
    codes = {name: np.full(len(ids), -1, dtype=np.int32) for name in IMAGE}
    seen = None
    for gift_id, image, alt, renditions in (
        GiftImage.objects.order_by("gift_id", "order", "id")
        .values_list("gift_id", "image", "alt_text", "renditions")
        .iterator(chunk_size=10000)
    ):
        if gift_id == seen:
            continue
        seen = gift_id
        row = int(np.searchsorted(ids, gift_id))
        if row == len(ids) or int(ids[row]) != gift_id:
            continue  # a draft's, or a gift given away
        codes["image"][row] = tables["image"].code(image)
        codes["image_alt"][row] = tables["image_alt"].code(alt)
        # Stored as JSON text, and read back into what the database's JSON field gives.
        codes["renditions"][row] = tables["renditions"].code(
            None if renditions is None else json.dumps(renditions)
        )
    return codes, tables


def build(coded, codes, columns, ids):
    """The arrays of every text for a build: ``coded`` is coded_columns() as the listing's
    columns were read with it, ``codes`` what they read (a column per text), ``columns`` the
    listing's columns by name (the foreign keys among them), ``ids`` the rows' gift ids."""
    image_codes, image_tables = read_images(ids)
    arrays = {}
    for at, (name, (_, table)) in enumerate(zip(COLUMNS, coded, strict=True)):
        arrays.update(table.arrays(name, codes[:, at]))
    for name, (key, _, _) in RELATED.items():
        arrays.update(related_arrays(name, columns[key]))
    for name in IMAGE:
        arrays.update(image_tables[name].arrays(name, image_codes[name]))
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

    def cards(self, rows):
        """The Card of each of ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        texts = {name: self.column(name, rows) for name in NAMES}
        ordinals = self.ordinals[rows].tolist()
        cards = []
        for at, ordinal in enumerate(ordinals):
            leader, image = texts["leader"][at], texts["image"][at]
            renditions = texts["renditions"][at]
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
                    image=image or "",
                    image_alt=texts["image_alt"][at] or "",
                    renditions=None if renditions is None else json.loads(renditions),
                )
            )
        return cards
