from django.contrib import admin

from desk.admin import RECORD_METADATA, AuditedAdmin, PublishingAdmin
from desk.imports import RecordImportExportMixin
from donors.models import Country, Donor
from donors.resources import DonorResource
from gifts.models import Gift


@admin.register(Country)
class CountryAdmin(AuditedAdmin):
    list_display = ["code", "name", "continent", "is_historical", "successor"]
    list_display_links = ["code", "name"]
    list_filter = ["continent", "is_historical", "is_specimen"]
    list_select_related = ["successor"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["successor"]
    fieldsets = [
        (None, {"fields": ["code", "name", "continent", "is_historical", "successor"]}),
        RECORD_METADATA,
    ]


@admin.register(Donor)
class DonorAdmin(RecordImportExportMixin, PublishingAdmin):
    bulk_delete = False  # one at a time, from the record's delete page, which lists what goes too
    resource_classes = [DonorResource]
    shown_by = [(Gift, "donor")]
    list_display = ["name", "kind", "country", "status", "is_specimen"]
    list_filter = ["status", "kind", "country__continent", "is_specimen"]
    list_select_related = ["country"]
    search_fields = ["name", "name_original", "slug"]
    autocomplete_fields = ["country"]
    prepopulated_fields = {"slug": ["name"]}
    show_full_result_count = False
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "name_original",
                    "name_original_lang",
                    "slug",
                    "kind",
                    "country",
                    "biography",
                ]
            },
        ),
        ("Publication", {"fields": ["status"]}),
        RECORD_METADATA,
    ]

    def get_search_results(self, request, queryset, search_term):
        # "ceausescu" finds Ceaușescu too: the folded names (Donor.search_name) are searched
        # as well as the names as written.
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = found | queryset.search(search_term)
        return found, duplicates
