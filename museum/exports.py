"""Listings downloaded as CSV or JSON: streamed, so a 115,000-row export never sits in memory."""

import csv
import json

from django.http import StreamingHttpResponse

CHUNK = 1000


class _Echo:
    def write(self, value):
        return value


def csv_lines(columns, records):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for record in records:
        yield writer.writerow([record[column] for column in columns])


def json_lines(records):
    yield "["
    for index, record in enumerate(records):
        yield ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def stream(fmt, columns, records, filename):
    """A download of ``records`` (dicts with ``columns`` as keys) as CSV or JSON."""
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(columns, records), content_type="text/csv")
    else:
        response = StreamingHttpResponse(json_lines(records), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def in_chunks(ids, load):
    """Records for ``ids`` in their order; ``load(chunk_of_ids)`` returns {id: record}."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        loaded = load(chunk)
        yield from (loaded[i] for i in chunk if i in loaded)
