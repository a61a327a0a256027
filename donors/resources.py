"""Import and export columns for donors (see desk/imports.py for the rules)."""

from import_export.fields import Field

from desk.imports import NaturalKeyWidget, RecordResource
from donors.models import Country, Donor


class DonorResource(RecordResource):
    country = Field(
        attribute="country",
        column_name="country",
        widget=NaturalKeyWidget(Country, "code", label="ISO code", upper=True),
    )

    class Meta:
        model = Donor
        name = "Donors"
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "name_original",
            "name_original_lang",
            "kind",
            "country",
            "biography",
        ]
        export_order = fields

    def get_queryset(self):
        return Donor.objects.select_related("country")
