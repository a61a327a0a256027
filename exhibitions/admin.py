from django.contrib import admin

from desk.admin import RECORD_METADATA, LabelledTabularInline, PublishingAdmin
from desk.workflow import PUBLISHED
from exhibitions.models import Building, Exhibition, ExhibitionItem, Fact, Showroom
from gifts.models import Gift


class FactInline(LabelledTabularInline):
    model = Fact
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["topic", "value", "source", "attribution", "order"]


class ShowroomInline(LabelledTabularInline):
    model = Showroom
    extra = 0
    fields = ["code", "name", "floor", "theme", "tour_order"]
    show_change_link = True


@admin.register(Building)
class BuildingAdmin(PublishingAdmin):
    bulk_delete = False  # one at a time, from the record's delete page, which lists what goes too
    list_display = ["name", "opened", "storeys", "order", "status"]
    list_filter = ["status"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FactInline, ShowroomInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "name_korean",
                    "opened",
                    "storeys",
                    "order",
                    "description",
                ]
            },
        ),
        ("Publication", {"fields": ["status"]}),
        RECORD_METADATA,
    ]


@admin.register(Fact)
class FactAdmin(PublishingAdmin):
    list_display = ["topic", "value", "building", "source", "attribution", "status"]
    list_filter = ["status", "building"]
    list_select_related = ["building", "source"]
    search_fields = ["topic", "value", "attribution"]
    autocomplete_fields = ["source"]
    fieldsets = [
        (None, {"fields": ["building", "topic", "value", "source", "attribution", "order"]}),
        ("Publication", {"fields": ["status"]}),
        RECORD_METADATA,
    ]


@admin.register(Showroom)
class ShowroomAdmin(PublishingAdmin):
    bulk_delete = False  # one at a time, from the record's delete page, which lists what goes too
    list_display = ["code", "name", "building", "floor", "theme", "tour_order", "status"]
    list_display_links = ["code", "name"]
    list_filter = ["status", "building", "theme", "floor"]
    list_select_related = ["building"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["country"]
    prepopulated_fields = {"slug": ["code"]}
    fieldsets = [
        (None, {"fields": ["building", "code", "name", "slug", "floor", "tour_order"]}),
        (
            "Theme",
            {
                "fields": [
                    "theme",
                    "continent",
                    "country",
                    "period_start",
                    "period_end",
                    "description",
                ]
            },
        ),
        ("Publication", {"fields": ["status"]}),
        RECORD_METADATA,
    ]


class ExhibitionItemInline(LabelledTabularInline):
    model = ExhibitionItem
    extra = 0
    autocomplete_fields = ["gift"]
    fields = ["order", "gift", "caption"]


@admin.register(Exhibition)
class ExhibitionAdmin(PublishingAdmin):
    bulk_delete = False  # one at a time, from the record's delete page, which lists what goes too
    list_display = ["title", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["title", "introduction"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "start_date"
    inlines = [ExhibitionItemInline]

    def publication_notes(self, request, records):
        # An exhibition does not publish its gifts: those not published stay hidden in it.
        hidden = (
            Gift.objects.filter(exhibition_items__exhibition__in=records)
            .exclude(status=PUBLISHED)
            .values("pk")
            .distinct()
            .count()
        )
        if not hidden:
            return []
        return [
            f"{hidden} gift(s) in them are not published: visitors do not see those in the "
            "exhibition until a curator publishes them."
        ]

    fieldsets = [
        (None, {"fields": ["title", "slug", "introduction", "start_date", "end_date", "status"]}),
        RECORD_METADATA,
    ]
