"""
The public export of the donor list: its current results (the same query string), for a download
made within the request or prepared by the exports builder.
"""

from django.conf import settings

from donors.filters import DonorFilter
from donors.models import Donor
from exports.formats import Refused, Table, in_chunks

COLUMNS = [
    "name",
    "name_original",
    "name_original_lang",
    "kind",
    "country",
    "country_code",
    "gifts",
    "url",
]


def donor_table(query, user=None, fmt="csv", kind="donors"):
    """The donors visitors see for ``query`` (a QueryDict); Refused when a filter value is not an
    option."""
    filterset = DonorFilter(query, queryset=Donor.objects.public())
    if not filterset.is_valid():
        reasons = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in filterset.errors.items())
        raise Refused(f"Nothing exported: {reasons}")
    ranked = filterset.ranked()
    counts = dict(ranked)
    base = settings.SITE_URL
    donors = Donor.objects.public().select_related("country")

    def load(slugs):
        return donors.in_bulk(slugs, field_name="slug")

    def rows():
        for donor in in_chunks([slug for slug, _ in ranked], load):
            country = donor.country
            yield (
                donor.name,
                donor.name_original,
                donor.name_original_lang,
                donor.kind,
                country.name if country else "",
                country.code if country else "",
                counts[donor.slug],
                base + donor.get_absolute_url(),
            )

    return Table(COLUMNS, rows(), len(ranked), "friendship-gifts-donors")
