from django.contrib import admin

# Imported for the admin's autodiscovery: it registers the review of pending changes.
from desk import facets, revisions_admin  # noqa: F401
from desk.history_admin import CuratorHistoryAdmin
from desk.workflow import ReviewWorkflowMixin

AUDIT_FIELDS = ("created", "created_by", "updated", "updated_by")

RECORD_METADATA = ("Record metadata", {"classes": ["collapse"], "fields": AUDIT_FIELDS})


class AuditedAdmin(CuratorHistoryAdmin):
    """
    Fills created_by / updated_by from the signed-in curator (python.org's ContentManageable).
    CuratorHistoryAdmin (desk.history_admin) adds the history with revert, "Recently deleted"
    and the refusal of a save made over someone else's newer one.
    """

    # False for records the registrar deletes one at a time, from the record's own delete page
    # (which lists what else would go): the changelist then offers no "delete selected".
    bulk_delete = True

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *AUDIT_FIELDS)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.bulk_delete:
            actions.pop("delete_selected", None)
        return actions


class PublishingAdmin(ReviewWorkflowMixin, AuditedAdmin):
    """
    Records with a publication status: review before publishing (desk.workflow), and bulk
    submit for review, publish, unpublish and send back, each confirmed first.
    """

    actions = ["submit_for_review", "publish", "unpublish", "send_back"]


class LabelledTabularInline(admin.TabularInline):
    """
    A tabular inline whose inputs are named for screen readers. Django's tabular template names
    each column in a <th> but gives the inputs no <label> (axe: `label`, WCAG 4.1.2); each input
    here carries its column's name as aria-label, the delete box included.
    """

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for field in form.fields.values():
                    widget = field.widget
                    while hasattr(widget, "widget"):  # the admin's related-object wrapper
                        widget = widget.widget
                    widget.attrs.setdefault("aria-label", str(field.label))

        LabelledFormSet.__name__ = formset.__name__
        return LabelledFormSet
