"""
How a table of records is written as CSV, JSON or Excel, for a response streamed now or for a file
prepared outside the request (exports.builder); and the one rule every spreadsheet export follows
(public and admin, CSV and XLSX): a text cell that a spreadsheet would read as a formula is
neutralised (OWASP, "CSV Injection").
"""

import csv
import dataclasses
import io
import json
import tempfile
from collections.abc import Iterable, Sequence

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Ids per query when records are loaded for a list of ids (in_chunks).
CHUNK = 2000

# A spreadsheet starts a formula (or a DDE call) at a cell that begins with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
# Rows per piece of a streamed response: one piece per row cost more than writing the row.
LINES_PER_PIECE = 500
# An Excel sheet holds 1,048,576 rows, the header being one of them.
XLSX_MAX_ROWS = 1_048_576 - 1

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclasses.dataclass
class Table:
    """
    What an export writes: its column names, its rows (sequences of plain values, in the columns'
    order, read lazily so that memory does not grow with the table), how many rows there are
    (known before the first is read: it decides whether the export is streamed now or prepared
    outside the request) and the file's name without its extension.
    """

    columns: Sequence[str]
    rows: Iterable[Sequence]
    count: int
    name: str


class Refused(Exception):
    """An export that cannot be made as asked (a filter value that is not, or no longer, an
    option; a user without the permission). Its text says why, in words for the person asking."""


def neutralise(value):
    """
    A text cell that would start with = + - @ tab or carriage return, with a single quote put in
    front, as OWASP advises: the spreadsheet shows it as text and never runs it. Other values
    (numbers, dates, booleans) are left as they are. The admin import takes the quote off again
    (desk.parsers.cell_text), so an exported file imports unchanged.
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


def json_rows(columns, rows):
    """A JSON array of one object per row (the columns as keys), in pieces."""
    pieces = ["["]
    for index, row in enumerate(rows):
        record = dict(zip(columns, row, strict=True))
        pieces.append(("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False))
        if len(pieces) >= LINES_PER_PIECE:
            yield "".join(pieces)
            pieces = []
    pieces.append("\n]\n")
    yield "".join(pieces)


def _xlsx_cell(value):
    # openpyxl refuses control characters other than tab and newline in a cell.
    if value.__class__ is str:
        return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def write_xlsx(columns, rows, handle):
    """An Excel file built row by row (openpyxl's write-only mode), text cells neutralised, so no
    cell is a formula."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(neutralised(columns))
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in neutralised(row)])
    book.save(handle)


def write(fmt, table, handle, progress=None):
    """Writes ``table`` to the binary file ``handle`` as ``fmt``; returns the rows written."""
    state = {"rows": 0}

    def rows():
        for number, row in enumerate(table.rows, 1):
            state["rows"] = number
            if progress is not None and number % CHUNK == 0:
                progress(number)
            yield row

    if fmt == "xlsx":
        write_xlsx(table.columns, rows(), handle)
    else:
        pieces = (
            csv_rows(table.columns, rows()) if fmt == "csv" else json_rows(table.columns, rows())
        )
        for piece in pieces:
            handle.write(piece.encode())
    return state["rows"]


def filename(table, fmt):
    return f"{table.name}.{fmt}"


def response(fmt, table):
    """The table as a download made now: CSV and JSON streamed, Excel written to a temporary file
    first (a zip file cannot be sent before it is finished)."""
    if fmt == "xlsx":
        # Closed (and so deleted) by the FileResponse once it has been sent.
        handle = tempfile.TemporaryFile()  # noqa: SIM115
        write_xlsx(table.columns, table.rows, handle)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=filename(table, fmt),
            content_type=CONTENT_TYPES[fmt],
        )
    writer = csv_rows if fmt == "csv" else json_rows
    pieces = writer(table.columns, table.rows)
    answer = StreamingHttpResponse(
        (piece.encode() for piece in pieces), content_type=CONTENT_TYPES[fmt]
    )
    answer["Content-Disposition"] = f'attachment; filename="{filename(table, fmt)}"'
    return answer


def in_chunks(ids, load):
    """Records for ``ids`` (a list or a numpy array) in their order; ``load(chunk_of_ids)``
    returns {id: record}. One query per CHUNK ids, so memory does not grow with the export."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if hasattr(chunk, "tolist"):
            chunk = chunk.tolist()
        loaded = load(chunk)
        yield from (loaded[i] for i in chunk if i in loaded)
