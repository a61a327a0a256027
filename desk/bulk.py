"""
Bulk changes from an admin changelist, confirmed first.

An action calls confirm_bulk_change(). The first request (from the changelist) writes nothing: it
shows how many records will change, each changed field's current values with their counts and the
value they will take, the records themselves, and a form when the change needs a choice (a
showroom, a category, a comment). The page posts back with "apply"; only then are the records
written, through mark_updated (the one helper every bulk write goes through, so audit
fields, the collection version and history stay true).
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.admin import helpers
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone

from desk.history import bulk_reason, update_with_history
from desk.models import CollectionState

SHOWN_RECORDS = 100
SHOWN_VALUES = 12


@dataclass
class FieldChange:
    """One field a bulk change writes: `to` is what it becomes ("" when chosen on the page)."""

    name: str
    to: str = ""
    label: str = ""
    empty: str = "(empty)"


@dataclass
class Outcome:
    """What apply() did: how many records it changed and what to tell the user."""

    count: int
    message: str
    warnings: list = field(default_factory=list)


def mark_updated(queryset, request, **changes):
    """A bulk update that keeps the audit fields, the history and the collection version true."""
    count = update_with_history(
        queryset,
        request.user,
        bulk_reason(request.POST.get("action", "")),
        **changes,
        updated=timezone.now(),
        updated_by=request.user,
    )
    CollectionState.bump()
    return count


def value_label(model_field, value, empty):
    if value is None or value == "":
        return empty
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.get_internal_type() == "BooleanField":
        return "yes" if value else "no"
    return str(value)


def breakdown(queryset, change):
    """The field's current values in the records, most common first: [(label, count)], and how
    many further values there are. One GROUP BY query (plus one for related records' names)."""
    model_field = queryset.model._meta.get_field(change.name)
    column = model_field.attname
    rows = list(
        queryset.order_by()
        .values_list(column)
        .annotate(records=Count("pk"))
        .order_by("-records", column)
    )
    shown, more = rows[:SHOWN_VALUES], len(rows) - SHOWN_VALUES
    if model_field.is_relation:
        names = model_field.related_model._default_manager.in_bulk(
            [value for value, _ in shown if value is not None]
        )
        labels = [(str(names[value]) if value in names else change.empty, n) for value, n in shown]
    else:
        labels = [(value_label(model_field, value, change.empty), n) for value, n in shown]
    return labels, max(more, 0)


def confirm_bulk_change(
    modeladmin,
    request,
    queryset,
    *,
    action,
    title,
    affected,
    apply,
    changes=(),
    notes=(),
    form_class=None,
    form_kwargs=None,
    skipped=None,
    button="Apply",
    verb="will change",
):
    """
    Show what a bulk change will do, or do it once confirmed.

    affected: the selected records the change applies to (a subset of queryset);
    skipped: why the others are left out (shown on the page and in a warning);
    apply(affected, cleaned_data) -> Outcome: writes, after the confirmation only.
    """
    confirmed = "apply" in request.POST
    form = None
    if form_class is not None:
        form = form_class(request.POST if confirmed else None, **(form_kwargs or {}))
    if confirmed and (form is None or form.is_valid()):
        total = queryset.count()  # before the change, which may take records out of a filter
        outcome = apply(affected, form.cleaned_data if form is not None else {})
        modeladmin.message_user(request, outcome.message, messages.SUCCESS)
        for warning in outcome.warnings:
            modeladmin.message_user(request, warning, messages.WARNING)
        left_out = total - outcome.count
        if skipped and left_out > 0:
            modeladmin.message_user(request, f"{left_out} left out: {skipped}", messages.WARNING)
        return None

    opts = modeladmin.model._meta
    count = affected.count()
    total = queryset.count()
    fields = []
    for change in changes:
        model_field = opts.get_field(change.name)
        values, more = breakdown(affected, change) if count else ([], 0)
        fields.append(
            {
                "label": change.label or model_field.verbose_name,
                "now": values,
                "more": more,
                "to": change.to,
            }
        )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "form": form,
        "action": action,
        "button": button,
        "verb": verb,
        "count": count,
        "total": total,
        "left_out": total - count,
        "skipped": skipped,
        "fields": fields,
        "notes": notes,
        "records": list(affected.select_related(None)[:SHOWN_RECORDS]),
        "more_records": max(count - SHOWN_RECORDS, 0),
        "verbose_name": opts.verbose_name if count == 1 else opts.verbose_name_plural,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "changelist_url": request.get_full_path(),
    }
    return TemplateResponse(
        request,
        [
            f"admin/{opts.app_label}/{opts.model_name}/bulk_confirm.html",
            "admin/bulk_confirm.html",
        ],
        context,
    )
