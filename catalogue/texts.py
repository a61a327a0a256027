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
import json
from html import escape

import numpy as np

from catalogue.cards import Card
from desk.models import format_partial_date
from gifts.models import GiftImage

# A text of the card: the Gift column (in a values_list) it is read from.
COLUMNS = {
    "accession_number": "accession_number",
    "title": "title",
    "donor": "donor__name",
    "country": "country__name",
    "leader": "leader__name",
    "institution": "recipient_institution",
    "precision": "date_precision",
    "sanctions": "sanctions",
    "category": "category__name",
    "category_slug": "category__slug",
}
# The first image's texts, read by another query (a gift has any number of images).
IMAGE = ("image", "image_alt", "renditions")
NAMES = (*COLUMNS, *IMAGE)
# Those a card shows as they are: kept escaped for HTML, as a Card holds them.
ESCAPED = {"title", "donor", "country", "leader", "institution", "category", "image_alt"}
PREFIX = "text."
# A text with at most this many values (a category, a leader, a date's precision) is read into
# a list of strings once per version and worker, which costs less than slicing the bytes.
DECODED = 1000


class Table:
    """A text's distinct values as they are met, each given the next code."""

    def __init__(self):
        self.codes = {}

    def code(self, value):
        if value is None:
            return -1
        codes = self.codes
        return codes.setdefault(value, len(codes))

    def arrays(self, name, codes):
        """The build's arrays of this text: the rows' codes (in the narrowest type that holds
        them), the values' bytes and where each starts (one more than the values: the end)."""
        encoded = [(escape(value) if name in ESCAPED else value).encode() for value in self.codes]
        starts = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=starts[1:])
        narrow = np.int16 if len(encoded) < np.iinfo(np.int16).max else np.int32
        return {
            f"{PREFIX}{name}": np.asarray(codes).astype(narrow),
            f"{PREFIX}{name}.values": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
            f"{PREFIX}{name}.starts": starts,
        }


def column_readers():
    """(column, array type, convert) of each text read with the listing's columns
    (catalogue.index), and the tables they fill."""
    tables = {name: Table() for name in COLUMNS}
    return [(column, "i", tables[name].code) for name, column in COLUMNS.items()], tables


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


def build(columns, tables, ids):
    """The arrays of every text for a build: ``columns`` the codes read with the listing's
    columns (by text), ``tables`` their tables."""
    image_codes, image_tables = read_images(ids)
    arrays = {}
    for name in COLUMNS:
        arrays.update(tables[name].arrays(name, columns[name]))
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
