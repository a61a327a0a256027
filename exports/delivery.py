"""
How a view hands out an export: made now when it is small, prepared outside the request when it is
not (exports.builder), so that no export keeps a worker busy past a moment, whatever the
collection's size.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import urlencode

from desk.models import CollectionState
from exports import builder, formats
from exports.models import Export


class SeeOther(HttpResponseRedirect):
    status_code = 303


def canonical(query):
    """The query string with its keys in order and without the listing's page (an export has
    every result), so that the same export is the same file."""
    return urlencode(sorted((k, v) for k, v in query.lists() if k != "page"), doseq=True)


def deliver(request, kind, fmt, table, *, owner=None):
    """
    ``table`` as ``fmt``: streamed now when it has at most EXPORT_STREAM_ROWS[fmt] rows;
    otherwise a redirect (303) to the page of the export prepared for it, shared by everyone who
    asks for the same rows of the same collection version (``owner`` makes it one person's).
    """
    if table.count <= settings.EXPORT_STREAM_ROWS[fmt]:
        return formats.response(fmt, table)
    export = Export.objects.prepare(
        kind=kind,
        fmt=fmt,
        query=canonical(request.GET),
        owner=owner,
        version=CollectionState.current_key(),
        name=table.name,
        rows=table.count,
    )
    if export is None:
        response = HttpResponse(
            "Too many large downloads are being prepared right now. Ask again in a minute.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        return response
    if export.pending:
        builder.start()
    return SeeOther(export.get_absolute_url())
