from django.contrib import admin, messages
from django.utils import timezone

from museum.models import CollectionState, PublicationStatus

AUDIT_FIELDS = ("created", "created_by", "updated", "updated_by")

RECORD_METADATA = ("Record metadata", {"classes": ["collapse"], "fields": AUDIT_FIELDS})


class AuditedAdmin(admin.ModelAdmin):
    """Fills created_by / updated_by from the signed-in curator (python.org's ContentManageable)."""

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *AUDIT_FIELDS)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


def mark_updated(queryset, request, **changes):
    """A bulk update that keeps the audit fields and the collection version true."""
    count = queryset.update(**changes, updated=timezone.now(), updated_by=request.user)
    CollectionState.bump()
    return count


class PublishingAdmin(AuditedAdmin):
    """Bulk publish / unpublish for records with a publication status."""

    actions = ["publish", "unpublish"]

    @admin.action(
        description="Publish the selected %(verbose_name_plural)s", permissions=["change"]
    )
    def publish(self, request, queryset):
        count = mark_updated(queryset, request, status=PublicationStatus.PUBLISHED)
        self.message_user(request, f"{count} published.", messages.SUCCESS)

    @admin.action(
        description="Unpublish the selected %(verbose_name_plural)s (back to draft)",
        permissions=["change"],
    )
    def unpublish(self, request, queryset):
        count = mark_updated(queryset, request, status=PublicationStatus.DRAFT)
        self.message_user(request, f"{count} returned to draft.", messages.SUCCESS)
