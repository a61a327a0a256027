"""
The curator's review of pending changes (desk.revisions): the queue is the changelist, and
each change's page shows what approving would change, with Approve, Send back and Withdraw.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from desk import revisions
from desk.models import PendingChange
from desk.workflow import also_public, can_publish


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the proposer",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="What needs changing. The proposer reads it on the record's page.",
    )


class MineFilter(admin.SimpleListFilter):
    title = "proposed by"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("yes", "Me")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(author=request.user)
        return queryset


@admin.register(PendingChange)
class PendingChangeAdmin(admin.ModelAdmin):
    list_display = ["record_link", "kind", "author", "created", "state"]
    list_display_links = None
    list_filter = ["state", MineFilter, ("content_type", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["content_type", "author"]
    search_fields = ["record_name"]
    date_hierarchy = None
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # a change is proposed by saving the record

    def has_delete_permission(self, request, obj=None):
        return False  # kept, as the record of what was proposed and decided

    @admin.display(description="record", ordering="record_name")
    def record_link(self, change):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:desk_pendingchange_change", args=[change.pk]),
            change.record_name,
        )

    @admin.display(description="kind of record", ordering="content_type")
    def kind(self, change):
        return change.content_type.name

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        change = (
            PendingChange.objects.select_related("content_type", "author", "reviewer")
            .filter(pk=unquote(object_id))
            .first()
        )
        model = change.content_type.model_class() if change is not None else None
        if model is None or model not in self.admin_site._registry:
            raise Http404("No such change.")
        reviewer = can_publish(request.user, model)
        waiting = change.state == PendingChange.State.PENDING
        send_back_form = SendBackForm()
        if request.method == "POST":
            if not waiting:
                self.message_user(request, "This change is no longer waiting.", messages.ERROR)
                return HttpResponseRedirect(request.path)
            if "withdraw" in request.POST:
                if change.author_id != request.user.pk:
                    raise PermissionDenied("Only its author withdraws a change.")
                revisions.withdraw(change, request.user)
                self.message_user(request, "Your change was withdrawn.", messages.SUCCESS)
                return HttpResponseRedirect(revisions.record_url(change))
            if not reviewer:
                raise PermissionDenied("Only a curator approves or sends back a change.")
            if "send_back" in request.POST:
                send_back_form = SendBackForm(request.POST)
                if send_back_form.is_valid():
                    revisions.send_back(
                        change, request.user, send_back_form.cleaned_data["comment"]
                    )
                    self.message_user(
                        request,
                        f"The change to “{change.record_name}” was sent back with your comment.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self.queue_url())
            elif "approve" in request.POST:
                response = self.approve(request, change, model)
                if response is not None:
                    return response
        return self.review_page(request, change, model, reviewer, send_back_form)

    def queue_url(self):
        return reverse("admin:desk_pendingchange_changelist") + "?state__exact=pending"

    def approve(self, request, change, model):
        record_admin = self.admin_site._registry[model]
        live = model._base_manager.filter(pk=change.object_id).first()
        if live is None or not record_admin.has_change_permission(request, live):
            raise PermissionDenied
        try:
            obj = revisions.approve(request, change, self.admin_site)
        except revisions.Conflict:
            self.message_user(request, conflict_message(change), messages.ERROR)
            return None
        except revisions.Invalid as error:
            self.message_user(
                request,
                f"The change cannot be applied as it is: {error}. Send it back with a comment.",
                messages.ERROR,
            )
            return None
        self.message_user(
            request,
            f"The change to the {model._meta.verbose_name} “{obj}” proposed by "
            f"{revisions.person(change.author)} was approved: visitors see it now.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self.queue_url())

    def review_page(self, request, change, model, reviewer, send_back_form):
        record_admin = self.admin_site._registry[model]
        live = model._base_manager.filter(pk=change.object_id).first()
        waiting = change.state == PendingChange.State.PENDING
        conflict = live is not None and waiting and revisions.is_conflict(change, live)
        diff, also = None, ""
        if live is not None and waiting:
            form, formsets = revisions.bind(record_admin, request, live, change)
            diff = revisions.describe(form, formsets)
            also = also_public(getattr(form, "companions", []))
            if conflict:
                diff["errors"] = []  # the edit lock's own words: said once, below, for review
        context = {
            **self.admin_site.each_context(request),
            "title": f"Review: change to {change.content_type.name} “{change.record_name}”",
            "opts": self.model._meta,
            "record_opts": model._meta,
            "change": change,
            "live": live,
            "record_url": revisions.record_url(change) if live is not None else "",
            "diff": diff,
            "also_public": also,
            "waiting": waiting,
            "conflict": conflict_message(change) if conflict else "",
            "reviewer": reviewer and waiting,
            "mine": change.author_id == request.user.pk and waiting,
            "note": (change.data.get("review_comment") or [""])[0],
            "send_back_form": send_back_form,
            "queue_url": self.queue_url(),
        }
        return TemplateResponse(request, "admin/desk/pendingchange_review.html", context)


def conflict_message(change):
    return (
        f"The record was saved after {revisions.person(change.author)} proposed this change, so "
        "approving it would overwrite that newer version. The change cannot be approved: send it "
        "back, and the proposer makes it again on the record as it is now."
    )
