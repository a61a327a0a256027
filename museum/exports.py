"""
Listings downloaded as CSV or JSON, streamed, so a whole-collection export never sits in memory;
and the one rule every spreadsheet export follows (public and admin, CSV and XLSX): a text cell
that a spreadsheet would read as a formula is neutralised (OWASP, "CSV Injection").
"""

import csv
import io
import json

from django.http import StreamingHttpResponse

CHUNK = 2000

# A spreadsheet starts a formula (or a DDE call) at a cell that begins with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
# Rows per piece of a streamed response: one piece per row cost more than writing the row.
LINES_PER_PIECE = 500


def neutralise(value):
    """
    A text cell that would start with = + - @ tab or carriage return, with a single quote put in
    front, as OWASP advises: the spreadsheet shows it as text and never runs it. Other values
    (numbers, dates, booleans) are left as they are. The admin import takes the quote off again
    (museum.imports.text), so an exported file imports unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(value):
    """The text as it was before neutralise() (a leading quote before one of those characters)."""
    if value[:1] == "'" and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def neutralised(row):
    """neutralise() of each value of a row (inlined: it runs for every cell of every export)."""
    return [
        "'" + value if value.__class__ is str and value[:1] in _FORMULA_FIRST else value
        for value in row
    ]


def csv_rows(header, rows):
    """CSV text for ``header`` and ``rows`` (sequences of values), every text cell neutralised
    (the csv module then quotes what needs quoting), in pieces of LINES_PER_PIECE lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(neutralised(header))
    for number, row in enumerate(rows, 1):
        writer.writerow(neutralised(row))
        if number % LINES_PER_PIECE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_lines(columns, records):
    return csv_rows(columns, ([record[column] for column in columns] for record in records))


def json_lines(records):
    pieces = ["["]
    for index, record in enumerate(records):
        pieces.append(("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False))
        if len(pieces) >= LINES_PER_PIECE:
            yield "".join(pieces)
            pieces = []
    pieces.append("\n]\n")
    yield "".join(pieces)


def stream(fmt, columns, records, filename):
    """A download of ``records`` (dicts with ``columns`` as keys) as CSV or JSON."""
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(columns, records), content_type="text/csv")
    else:
        response = StreamingHttpResponse(json_lines(records), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def in_chunks(ids, load):
    """Records for ``ids`` (a list or a numpy array) in their order; ``load(chunk_of_ids)``
    returns {id: record}. One query per CHUNK ids, so memory does not grow with the export."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if hasattr(chunk, "tolist"):
            chunk = chunk.tolist()
        loaded = load(chunk)
        yield from (loaded[i] for i in chunk if i in loaded)
