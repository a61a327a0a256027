import re

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html

from catalogue import search
from desk.admin import RECORD_METADATA, LabelledTabularInline, PublishingAdmin
from desk.imports import RecordImportExportMixin
from donors.models import Donor
from gifts.desk import GiftDeskMixin
from gifts.forms import GiftAdminForm, GiftImageForm
from gifts.models import Category, Citation, Gift, GiftImage, Leader, Occasion, Resolution, Source
from gifts.resources import GiftResource, OccasionResource

ACCESSION_NUMBER = re.compile(r"^[A-Za-z]{2,6}-\d[\d-]*$")


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ["name", "name_hangul", "generation", "born", "died", "rule_from", "rule_to"]
    search_fields = ["name", "name_hyphenated", "name_hangul", "name_revised_romanization"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["code", "name", "slug", "generation", "biography"]}),
        (
            "Names",
            {
                "fields": [
                    "name_hyphenated",
                    "name_hangul",
                    "name_hanja",
                    "name_mccune_reischauer",
                    "name_revised_romanization",
                ]
            },
        ),
        (
            "Life and rule",
            {"fields": ["born", "born_note", "died", "died_note", "rule_from", "rule_to"]},
        ),
        ("Where the gifts are kept", {"fields": ["building", "building_source"]}),
    ]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Occasion)
class OccasionAdmin(RecordImportExportMixin, PublishingAdmin):
    bulk_delete = False  # one at a time, from the record's delete page, which lists what goes too
    resource_classes = [OccasionResource]
    shown_by = [(Gift, "occasion")]
    list_display = ["name", "kind", "display_date", "place", "status"]
    list_filter = ["status", "kind", "is_specimen"]
    search_fields = ["name", "place"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "place", "description"]}),
        ("Dates", {"fields": ["start_date", "end_date", "date_precision"]}),
        ("Publication", {"fields": ["status"]}),
        RECORD_METADATA,
    ]

    @admin.display(description="date", ordering="start_date")
    def display_date(self, occasion):
        return occasion.display_date


@admin.register(Source)
class SourceAdmin(PublishingAdmin):
    list_display = ["key", "publisher", "title", "display_date", "kind", "status"]
    list_display_links = ["key", "publisher"]
    list_filter = ["status", "kind"]
    search_fields = ["key", "publisher", "title"]
    fieldsets = [
        (None, {"fields": ["key", "publisher", "title", "kind", "url"]}),
        ("Date", {"fields": ["published", "published_precision"]}),
        ("Publication", {"fields": ["status"]}),
        RECORD_METADATA,
    ]

    @admin.display(description="published", ordering="published")
    def display_date(self, source):
        return source.display_date


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = ["number", "adopted", "measure"]
    search_fields = ["number", "measure"]


class CitationInline(LabelledTabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["order", "source", "claim"]


class GiftImageInline(admin.StackedInline):
    model = GiftImage
    form = GiftImageForm  # real JPEG, PNG or WebP only, re-encoded without metadata
    extra = 0
    fields = ["image", "preview", "alt_text", "caption", "credit", "order"]
    readonly_fields = ["preview"]

    @admin.display(description="preview")
    def preview(self, image):
        if not image.pk or not image.image:
            return "-"
        return format_html('<img src="{}" alt="" class="image-preview">', image.image.url)


@admin.register(Gift)
class GiftAdmin(RecordImportExportMixin, GiftDeskMixin, PublishingAdmin):
    bulk_delete = False  # one at a time, from the record's delete page, which lists what goes too
    resource_classes = [GiftResource]
    form = GiftAdminForm
    list_display = [
        "thumbnail",
        "accession_number",
        "title",
        "leader",
        "donor",
        "country",
        "display_date",
        "category",
        "showroom",
        "status",
        "confidence",
    ]
    list_display_links = ["accession_number", "title"]
    list_select_related = ["leader", "donor", "country", "category", "showroom"]
    list_filter = [
        "status",
        "leader",
        "category",
        "country",
        "showroom",
        "sanctions",
        "confidence",
        "direction",
        "on_display",
        "is_specimen",
    ]
    search_fields = ["=accession_number", "title", "donor__name"]
    date_hierarchy = "date_received"
    autocomplete_fields = ["donor", "country", "occasion", "showroom", "reciprocal_of"]
    inlines = [CitationInline, GiftImageInline]
    show_full_result_count = False
    list_per_page = 50
    # What a published gift shows visitors is published with it (desk.workflow).
    published_with = [(Donor, "gifts"), (Occasion, "gifts"), (Source, "gifts")]
    # Review (desk.workflow) and bulk work (gifts.desk), each confirmed before writing.
    actions = [
        "submit_for_review",
        "publish",
        "unpublish",
        "send_back",
        "move_to_showroom",
        "set_on_display",
        "set_in_storage",
        "change_category",
        "add_to_exhibition",
    ]
    fieldsets = [
        (
            "Object",
            {
                "fields": [
                    "accession_number",
                    "title",
                    "category",
                    "description",
                    "materials",
                    "dimensions",
                    "quantity",
                ]
            },
        ),
        (
            "Exchange",
            {
                "fields": [
                    "direction",
                    "leader",
                    "recipient_institution",
                    "donor",
                    "donor_title",
                    "donor_kind",
                    "country",
                    "occasion",
                    "reciprocal_of",
                ]
            },
        ),
        ("Date", {"fields": ["date_received", "date_precision", "date_note"]}),
        ("Location", {"fields": ["showroom", "on_display"]}),
        ("Evidence", {"fields": ["confidence", "sanctions", "resolutions", "sanctions_note"]}),
        ("Notes", {"fields": ["note", "curator_note"]}),
        ("Publication", {"fields": ["status"]}),
        RECORD_METADATA,
    ]

    def get_queryset(self, request):
        first_image = GiftImage.objects.filter(gift=OuterRef("pk")).order_by("order", "id")
        return (
            super()
            .get_queryset(request)
            .annotate(thumbnail_path=Subquery(first_image.values("image")[:1]))
        )

    def get_search_results(self, request, queryset, search_term):
        # An accession number is looked up by its unique index, not by scanning every title.
        # Words go through the full-text index (title, donor, country, occasion, notes...)
        # rather than a LIKE scan of every row.
        term = search_term.strip()
        if not term:
            return queryset, False
        if ACCESSION_NUMBER.match(term):
            return queryset.filter(accession_number__in={term, term.upper()}), False
        return search.filter_queryset(queryset, term), False

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # The accession number is the permanent web address: fixed once saved.
        return (*readonly, "accession_number", "is_specimen") if obj else readonly

    @admin.display(description="image")
    def thumbnail(self, gift):
        if not gift.thumbnail_path:
            return "-"
        url = GiftImage._meta.get_field("image").storage.url(gift.thumbnail_path)
        return format_html(
            '<img src="{}" alt="" width="48" height="48" class="changelist-thumbnail">', url
        )

    @admin.display(description="date", ordering="date_received")
    def display_date(self, gift):
        return gift.display_date
