"""
The gift changelist's bulk work: move to a showroom, put on display or in storage, change the
category, add to an exhibition. Each shows what will change first (desk.bulk) and writes through
desk.bulk.mark_updated. A cataloguer's bulk changes reach drafts only (desk.workflow).
"""

from django import forms
from django.contrib import admin
from django.db.models import Max
from django.urls import reverse

from desk.bulk import FieldChange, Outcome, confirm_bulk_change, mark_updated
from desk.workflow import DRAFT, NOT_A_DRAFT, can_publish, editable
from exhibitions.models import Exhibition, ExhibitionItem
from gifts.forms import MoveToShowroomForm
from gifts.models import Category, Gift
from gifts.quality import QualityFilter

IN_STORAGE = "in storage"
ORDER_MAX = 32767  # ExhibitionItem.order is a small integer


class CategoryForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), label="New category", empty_label=None
    )


class ExhibitionForm(forms.Form):
    exhibition = forms.ModelChoiceField(queryset=Exhibition.objects.none(), label="Exhibition")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["exhibition"]
        field.queryset = Exhibition.objects.order_by("title")
        if not can_publish(user, Exhibition):
            # An exhibition in review or published changes only through a curator.
            field.queryset = field.queryset.filter(status=DRAFT)
            field.help_text = "Draft exhibitions only: a curator changes the others."


class GiftDeskMixin:
    """Bulk actions and quality filters for GiftAdmin."""

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), QualityFilter]

    def desk_links(self, request):
        """The data quality page, on the curators' desk (desk.templatetags.desk)."""
        if not self.has_view_permission(request):
            return []
        return [
            {
                "url": reverse("admin-quality"),
                "label": "Data quality",
                "note": "What published gifts lack: images, alt text, sources, locations, dates",
            }
        ]

    def has_add_to_exhibition_permission(self, request):
        user = request.user
        return user.has_perm("exhibitions.add_exhibitionitem") and user.has_perm(
            "exhibitions.change_exhibition"
        )

    def skipped(self, request, reason):
        if can_publish(request.user, Gift):
            return reason
        return f"{reason}; {NOT_A_DRAFT}" if reason else NOT_A_DRAFT

    @admin.action(description="Move the selected gifts to a showroom", permissions=["change"])
    def move_to_showroom(self, request, queryset):
        def apply(records, data):
            room = data["showroom"]
            held = records.filter(direction=Gift.Direction.RECEIVED)
            count = mark_updated(held, request, showroom=room, on_display=data["on_display"])
            return Outcome(count, f"{count} gift(s) moved to {room}.")

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="move_to_showroom",
            title="Move gifts to a showroom",
            affected=editable(queryset, request.user),
            apply=apply,
            changes=[
                FieldChange("showroom", empty=IN_STORAGE),
                FieldChange("on_display"),
            ],
            notes=[
                "Gifts a leader gave away are not held by the museum and will be left as they are."
            ],
            form_class=MoveToShowroomForm,
            skipped=self.skipped(
                request, "gifts given away by a leader are not held by the museum"
            ),
            button="Move them",
            verb="will be moved",
        )

    @admin.action(description="Put the selected gifts on display", permissions=["change"])
    def set_on_display(self, request, queryset):
        def apply(records, data):
            count = mark_updated(records, request, on_display=True)
            return Outcome(count, f"{count} gift(s) put on display in their showrooms.")

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="set_on_display",
            title="Put gifts on display",
            affected=editable(queryset, request.user).filter(
                direction=Gift.Direction.RECEIVED, showroom__isnull=False, on_display=False
            ),
            apply=apply,
            changes=[FieldChange("on_display", "yes"), FieldChange("showroom", empty=IN_STORAGE)],
            notes=["Each gift goes on display in the showroom it is in now."],
            skipped=self.skipped(
                request,
                "only held gifts in a showroom that are not on display yet (move gifts in "
                "storage to a showroom first)",
            ),
            button="Put them on display",
            verb="will go on display",
        )

    @admin.action(description="Put the selected gifts in storage", permissions=["change"])
    def set_in_storage(self, request, queryset):
        def apply(records, data):
            count = mark_updated(records, request, showroom=None, on_display=False)
            return Outcome(count, f"{count} gift(s) put in storage.")

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="set_in_storage",
            title="Put gifts in storage",
            affected=editable(queryset, request.user)
            .filter(direction=Gift.Direction.RECEIVED)
            .exclude(showroom__isnull=True, on_display=False),
            apply=apply,
            changes=[
                FieldChange("showroom", IN_STORAGE, empty=IN_STORAGE),
                FieldChange("on_display", "no"),
            ],
            skipped=self.skipped(
                request, "gifts in storage already, or given away and not held, stay as they are"
            ),
            button="Put them in storage",
            verb="will go to storage",
        )

    @admin.action(description="Change the category of the selected gifts", permissions=["change"])
    def change_category(self, request, queryset):
        def apply(records, data):
            category = data["category"]
            count = mark_updated(records.exclude(category=category), request, category=category)
            return Outcome(count, f"{count} gift(s) now in the category {category}.")

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="change_category",
            title="Change the category",
            affected=editable(queryset, request.user),
            apply=apply,
            changes=[FieldChange("category")],
            notes=["Gifts already in the category you choose stay as they are."],
            form_class=CategoryForm,
            skipped=self.skipped(request, "they are in that category already"),
            button="Change the category",
        )

    @admin.action(
        description="Add the selected gifts to an exhibition", permissions=["add_to_exhibition"]
    )
    def add_to_exhibition(self, request, queryset):
        def apply(records, data):
            exhibition = data["exhibition"]
            items = ExhibitionItem.objects.filter(exhibition=exhibition)
            present = set(items.values_list("gift_id", flat=True))
            last = items.aggregate(last=Max("order"))["last"] or 0
            new = [pk for pk in records.values_list("pk", flat=True) if pk not in present]
            ExhibitionItem.objects.bulk_create(
                [
                    ExhibitionItem(
                        exhibition=exhibition, gift_id=pk, order=min(last + i, ORDER_MAX)
                    )
                    for i, pk in enumerate(new, start=1)
                ],
                batch_size=500,
            )
            # The exhibition changed: its audit fields and the collection version follow.
            mark_updated(Exhibition.objects.filter(pk=exhibition.pk), request)
            return Outcome(len(new), f"{len(new)} gift(s) added to {exhibition}.")

        return confirm_bulk_change(
            self,
            request,
            queryset,
            action="add_to_exhibition",
            title="Add gifts to an exhibition",
            affected=queryset,
            apply=apply,
            notes=[
                "Each gift is added at the end of the exhibition, without a caption (write it on "
                "the exhibition's page). Gifts already in it stay where they are. Visitors see "
                "only the published gifts of a published exhibition."
            ],
            form_class=ExhibitionForm,
            form_kwargs={"user": request.user},
            skipped="they are in that exhibition already",
            button="Add them",
            verb="will be added",
        )
