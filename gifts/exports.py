"""
The public export of the gift listing: the rows of the listing's current results (the same query
string), for a download made within the request or prepared by the exports builder.
"""

from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from catalogue import index
from catalogue.forms import ListingForm
from desk.models import format_partial_date
from exports.formats import Refused, Table, in_chunks
from gifts.models import Gift

EXPORT_COLUMNS = [
    "accession_number",
    "title",
    "recipient",
    "donor",
    "donor_title",
    "donor_kind",
    "country",
    "country_code",
    "date",
    "date_note",
    "occasion",
    "category",
    "showroom",
    "on_display",
    "sanctions",
    "confidence",
    "url",
]
# Read as plain values, not model instances: building a Gift and its six linked records for
# each row was nine tenths of an export's time.
EXPORT_VALUES = [
    "id",
    "accession_number",
    "title",
    "leader__name",
    "recipient_institution",
    "donor__name",
    "donor_title",
    "donor_kind",
    "country__name",
    "country__code",
    "date_received",
    "date_precision",
    "date_note",
    "occasion__name",
    "category__name",
    "showroom__code",
    "showroom__name",
    "on_display",
    "sanctions",
    "confidence",
]


def export_row(values, gift_url):
    (
        _,
        accession_number,
        title,
        leader,
        institution,
        donor,
        donor_title,
        donor_kind,
        country,
        country_code,
        date_received,
        date_precision,
        date_note,
        occasion,
        category,
        showroom_code,
        showroom_name,
        on_display,
        sanctions,
        confidence,
    ) = values
    # In EXPORT_COLUMNS' order.
    return (
        accession_number,
        title,
        leader if leader is not None else institution,
        donor,
        donor_title,
        donor_kind,
        country,
        country_code,
        format_partial_date(date_received, date_precision),
        date_note,
        occasion or "",
        category,
        f"{showroom_code} {showroom_name}" if showroom_code else "",
        on_display,
        sanctions,
        confidence,
        gift_url(accession_number),
    )


def detail_url_maker(base):
    """accession number -> the gift's absolute address, as get_absolute_url() gives it, without
    resolving the URL pattern once per row."""
    marker = "ACCESSION-NUMBER"
    prefix, suffix = reverse("gifts:detail", kwargs={"accession_number": marker}).split(marker)
    prefix = base + prefix
    return lambda accession_number: prefix + quote(accession_number, safe=URL_SAFE) + suffix


# What reverse() leaves unquoted in a path (django.urls.resolvers, RFC 3986 sub-delims).
URL_SAFE = "!$&'()*+,;=/~:@"


def gift_table(query, user=None, fmt="csv", kind="gifts"):
    """The listing's results for ``query`` (a QueryDict), as visitors see them; Refused when a
    filter value is not an option."""
    collection = index.collection()
    form = ListingForm(query, collection=collection)
    if not form.is_valid():
        reasons = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        raise Refused(f"Nothing exported: {reasons}")
    result = collection.select(form.selection())
    # The ids as the listing's numpy array, a chunk at a time: a list of a million Python ints
    # would be 36 MB more.
    ids = result.collection.ids[result.ordered_rows()]
    gift_url = detail_url_maker(settings.SITE_URL)
    values = Gift.objects.order_by().values_list(*EXPORT_VALUES)

    def load(chunk):
        return {row[0]: row for row in values.filter(pk__in=chunk)}

    rows = (export_row(row, gift_url) for row in in_chunks(ids, load))
    return Table(EXPORT_COLUMNS, rows, len(ids), "friendship-gifts")
