from urllib.parse import quote

from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from exports import builder, formats
from exports.delivery import SeeOther, deliver
from exports.models import Export

# How often the page of an export being prepared asks again, in seconds.
REFRESH = 3


@require_safe
def listing_export(request, kind, fmt):
    """
    A public listing's current results (the same query string) as CSV or JSON: the gifts or the
    donors, as ``kind`` says; the table is made by ``settings.EXPORT_TABLES[kind]``, as the
    builder makes it for a large export. A filter value that is not an option is a 400 saying
    which, and nothing is exported.
    """
    try:
        table = builder.make_table(kind, request.GET, None, fmt)
    except formats.Refused as refusal:
        return HttpResponseBadRequest(str(refusal), content_type="text/plain; charset=utf-8")
    return deliver(request, kind, fmt, table)


def visible_export(request, pk):
    """The export, if this visitor may see it: a public one, or the curator's own (else 404)."""
    export = get_object_or_404(Export, pk=pk)
    if not export.visible_to(request.user):
        raise Http404("No such export.")
    return export


@require_safe
@never_cache
def status(request, pk):
    """
    An export being prepared: 202 and a page that asks again every few seconds (no script needed),
    with how far it got; 200 and a link to the file once it is ready; when it could not be made,
    why (422 when the export cannot be made as asked, 503 after an error: ask again).
    """
    export = visible_export(request, pk)
    if export.pending:
        builder.start()  # a builder that died is replaced
    context = {
        "export": export,
        "refresh": REFRESH if export.pending else None,
        "keep_hours": settings.EXPORT_KEEP_SECONDS // 3600,
    }
    if export.owner_id is not None:
        template = "admin/exports/status.html"
        context.update(admin.site.each_context(request), title=export.filename)
    else:
        template = "exports/status.html"
    if export.pending:
        code = 202
    elif export.ready:
        code = 200
    else:
        code = 503 if export.error.startswith("An error") else 422
    response = TemplateResponse(request, template, context, status=code)
    if export.pending:
        response["Retry-After"] = str(REFRESH)
    return response


@require_safe
def download(request, pk):
    """The prepared file; before it is ready (or if it failed), its page."""
    export = visible_export(request, pk)
    if not export.ready:
        return SeeOther(export.get_absolute_url())
    path = builder.path_of(export)
    if not path.is_file():
        # Removed by hand since it was made: prepare it again.
        Export.objects.filter(pk=export.pk).update(
            state=Export.State.QUEUED, attempts=0, done=0, finished=None
        )
        builder.start()
        return redirect(export)
    content_type = formats.CONTENT_TYPES[export.fmt]
    if settings.MEDIA_ACCEL_REDIRECT:
        # nginx sends the file from its internal location (deploy/nginx), not the worker.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.EXPORTS_ACCEL_LOCATION + quote(export.stored_name)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    else:
        response = FileResponse(
            path.open("rb"), as_attachment=True, filename=export.filename, content_type=content_type
        )
    # The file of one version of the collection never changes.
    response["Cache-Control"] = "private" if export.owner_id else "public, max-age=3600"
    return response
