"""Import and export columns for gifts and occasions (see desk/imports.py for the rules)."""

from import_export.fields import Field

from desk.imports import NaturalKeyWidget, RecordResource
from donors.models import Country, Donor
from exhibitions.models import Showroom
from gifts.models import Category, Gift, Leader, Occasion


def link(attribute, model, key, label=None, upper=False):
    return Field(
        attribute=attribute,
        column_name=attribute,
        widget=NaturalKeyWidget(model, key, label=label, upper=upper),
    )


class GiftResource(RecordResource):
    """One row per gift, keyed by accession number; linked records by their natural keys."""

    category = link("category", Category, "slug")
    leader = link("leader", Leader, "code", label="code", upper=True)
    donor = link("donor", Donor, "slug")
    country = link("country", Country, "code", label="ISO code", upper=True)
    occasion = link("occasion", Occasion, "slug")
    reciprocal_of = link("reciprocal_of", Gift, "accession_number", label="accession number")
    showroom = link("showroom", Showroom, "code")

    # Gift.clean() checks what the check constraints say, in words, without a query each.
    validate_constraints = False

    class Meta:
        model = Gift
        name = "Gifts"
        import_id_fields = ["accession_number"]
        fields = [
            "accession_number",
            "title",
            "status",
            "category",
            "description",
            "materials",
            "dimensions",
            "quantity",
            "direction",
            "leader",
            "recipient_institution",
            "donor",
            "donor_title",
            "donor_kind",
            "country",
            "date_received",
            "date_precision",
            "date_note",
            "occasion",
            "reciprocal_of",
            "showroom",
            "on_display",
            "confidence",
            "sanctions",
            "sanctions_note",
            "note",
            "curator_note",
        ]
        export_order = fields

    def get_queryset(self):
        return Gift.objects.select_related(
            "category", "leader", "donor", "country", "occasion", "reciprocal_of", "showroom"
        )


class OccasionResource(RecordResource):
    class Meta:
        model = Occasion
        name = "Occasions"
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "kind",
            "start_date",
            "end_date",
            "date_precision",
            "place",
            "description",
        ]
        export_order = fields
