"""
Pending changes: a cataloguer's edit of a published record waits for a curator (Wagtail's model).

A user without the record's publish permission who saves a published record does not change it:
the admin validates the form and its inlines as usual, then keeps the POST data as a
desk.models.PendingChange (propose). The live record, its history and the collection version do
not move. One change waits per record; its author may replace it (save again) or withdraw it.

The curator's review page binds the record's own admin form and inline formsets to the stored data
against the live record (bind): form.changed_data and the formsets' forms are exactly what saving
would do, and the page lists them field by field in words (describe). Approving saves them
through the same admin path as a curator's own edit (approve); a record saved by anyone after the
proposal makes the approval a conflict, and the proposer redoes the change on the new version.

File uploads cannot wait: a proposal with a new file is refused with a form error (the file would
have to be kept somewhere visitors cannot reach, and this desk keeps none).
"""

import copy
import datetime

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, router, transaction
from django.forms.formsets import all_valid
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from desk.models import PendingChange

PENDING = PendingChange.State.PENDING
PROPOSING_ATTR = "_museum_proposing"
APPROVING_ATTR = "_museum_approving"
EMPTY = "(empty)"
# Posted with every admin form, never part of a change.
NOT_DATA = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother"}
NO_UPLOADS = (
    "A new file cannot wait for a curator's review: ask a curator to add it, or have the record "
    "returned to draft first. Your other changes were not sent; remove the file and save again."
)


def content_type_of(obj):
    return ContentType.objects.get_for_model(type(obj))


def changes_for(obj):
    return PendingChange.objects.filter(content_type=content_type_of(obj), object_id=obj.pk)


def pending_for(obj):
    """The change waiting on obj, or None."""
    return changes_for(obj).filter(state=PENDING).select_related("author").first()


def person(user):
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def review_url(change):
    return reverse("admin:desk_pendingchange_change", args=[change.pk])


def record_url(change):
    opts = change.content_type.model_class()._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[change.object_id])


def record_admin(model, site=admin.site):
    return site._registry[model]


def model_fields(model, names):
    """The names among names that are fields of model (the form's other fields are the desk's)."""
    fields = []
    for name in names:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        fields.append(name)
    return fields


# Proposing --------------------------------------------------------------------------------------


def check_not_taken(obj, user):
    """Refuse a second author's change while another one waits."""
    waiting = pending_for(obj)
    if waiting is not None and waiting.author_id != user.pk:
        raise ValidationError(
            format_html(
                "{} proposed a change to this record on {} that waits for a curator’s review. "
                "Only one change waits at a time: ask them, or a curator, about it. Your changes "
                "were not sent.",
                person(waiting.author),
                date_format(timezone.localtime(waiting.created), "j M Y, H:i"),
            ),
            code="change_pending",
        )


def refuse_uploads(form):
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField) and form.files.get(form.add_prefix(name)):
            form.add_error(name, NO_UPLOADS)


def proposal_form(base, user):
    """The admin form for a proposal: no uploads, and not over another author's change."""

    class ProposalForm(base):
        def clean(self):
            cleaned = super().clean()
            refuse_uploads(self)
            if self.instance.pk is not None:
                check_not_taken(self.instance, user)
            return cleaned

    ProposalForm.__name__ = base.__name__
    return ProposalForm


def proposal_formset(base):
    class ProposalFormSet(base):
        def clean(self):
            super().clean()
            for form in self.forms:
                refuse_uploads(form)

    ProposalFormSet.__name__ = base.__name__
    return ProposalFormSet


def propose(request, obj, form):
    """Keep the validated submission for obj as its pending change (replacing the author's)."""
    data = {key: values for key, values in request.POST.lists() if key not in NOT_DATA}
    live = type(obj)._base_manager.filter(pk=obj.pk).values_list("updated", flat=True).first()
    values = {
        "data": data,
        "fields": model_fields(type(obj), form.fields),
        "base_version": live,
        "record_name": str(obj)[:300],
    }
    content_type = content_type_of(obj)
    with transaction.atomic(using=router.db_for_write(PendingChange)):
        mine = (
            PendingChange.objects.select_for_update()
            .filter(content_type=content_type, object_id=obj.pk, state=PENDING, author=request.user)
            .first()
        )
        if mine is not None:
            for name, value in values.items():
                setattr(mine, name, value)
            mine.created = timezone.now()
            mine.save()
            return mine, True
        try:
            with transaction.atomic(using=router.db_for_write(PendingChange)):
                change = PendingChange.objects.create(
                    content_type=content_type, object_id=obj.pk, author=request.user, **values
                )
        except IntegrityError:
            # Another author's change arrived between the form's check and this save.
            return None, False
        return change, False


def withdraw(change, user):
    updated = PendingChange.objects.filter(pk=change.pk, state=PENDING, author=user).update(
        state=PendingChange.State.WITHDRAWN, reviewed=timezone.now()
    )
    return bool(updated)


def send_back(change, user, comment):
    updated = PendingChange.objects.filter(pk=change.pk, state=PENDING).update(
        state=PendingChange.State.SENT_BACK, reviewer=user, reviewed=timezone.now(), comment=comment
    )
    return bool(updated)


# Reviewing --------------------------------------------------------------------------------------


def stored_data(change):
    data = QueryDict(mutable=True)
    for key, values in change.data.items():
        data.setlist(key, values)
    # The proposer's word for the reviewer is shown on the review page, not saved as a note.
    data.pop("review_comment", None)
    return data


def is_conflict(change, live):
    return getattr(live, "updated", None) != change.base_version


def bind(model_admin, request, live, change):
    """
    The record's admin form and inline formsets bound to the change's data against live, as the
    admin's change view builds them: (form, [(formset, inline)]). live is modified by
    validation, as a form's instance is.
    """
    data = stored_data(change)
    fields = model_fields(type(live), change.fields)
    form_class = model_admin.get_form(request, live, change=True, fields=fields)
    form = form_class(data, {}, instance=live)
    # Approving is the curator's confirmation: what publishing shows goes live with it, and the
    # review page lists it (desk.workflow's also_publish).
    form.approving = True
    formsets, prefixes = [], {}
    for formset_class, inline in model_admin.get_formsets_with_inlines(request, live):
        prefix = formset_class.get_default_prefix()
        prefixes[prefix] = prefixes.get(prefix, 0) + 1
        if prefixes[prefix] != 1 or not prefix:
            prefix = f"{prefix}-{prefixes[prefix]}"
        if f"{prefix}-TOTAL_FORMS" not in data:
            continue  # an inline the proposer's form did not have
        formset = formset_class(
            data=data,
            files={},
            instance=live,
            prefix=prefix,
            queryset=inline.get_queryset(request),
        )
        formsets.append((formset, inline))
    return form, formsets


def in_words(model_field, value):
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        names = [str(item) for item in value]
        return "; ".join(names) if names else EMPTY
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    if hasattr(value, "name") and hasattr(value, "url"):  # a stored file
        return value.name or EMPTY
    return str(value)


def live_value(obj, name):
    field = obj._meta.get_field(name)
    if field.many_to_many:
        return in_words(field, list(getattr(obj, name).all()) if obj.pk else [])
    return in_words(field, getattr(obj, name))


def proposed_value(form, name):
    field = form.instance._meta.get_field(name)
    if name in getattr(form, "cleaned_data", {}):
        return in_words(field, form.cleaned_data[name])
    return in_words(field, form.data.get(form.add_prefix(name)))


def field_changes(form, before):
    """[(label, live, proposed)] for each record field form would change."""
    rows = []
    for name in form.changed_data:
        try:
            form.instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue  # the desk's own fields (review comment, edit lock)
        rows.append((form[name].label, live_value(before, name), proposed_value(form, name)))
    return rows


def describe(form, formsets):
    """
    What saving would do: {"fields": [(label, live, proposed)], "inlines": [{"title",
    "added": [text], "removed": [text], "changed": [(row, [(label, live, proposed)])]}], "valid",
    "errors"}. Call on freshly bound forms: it validates them.
    """
    before = copy.deepcopy(form.instance)
    inline_before = []
    for formset, _inline in formsets:
        inline_before.append([copy.deepcopy(f.instance) for f in formset.forms])
    valid = form.is_valid()
    valid = all_valid([formset for formset, _ in formsets]) and valid
    inlines = []
    for (formset, _inline), originals in zip(formsets, inline_before, strict=True):
        added, removed, changed = [], [], []
        for inline_form, original in zip(formset.forms, originals, strict=True):
            deleted = formset.can_delete and formset._should_delete_form(inline_form)
            if original.pk is None:
                if inline_form.has_changed() and not deleted:
                    added.append(
                        "; ".join(
                            f"{inline_form[name].label}: {proposed_value(inline_form, name)}"
                            for name in inline_form.changed_data
                            if name in model_fields(formset.model, [name])
                        )
                    )
            elif deleted:
                removed.append(str(original))
            elif inline_form.has_changed():
                rows = field_changes(inline_form, original)
                if rows:
                    changed.append((str(original), rows))
        if added or removed or changed:
            inlines.append(
                {
                    "title": str(formset.model._meta.verbose_name_plural),
                    "added": added,
                    "removed": removed,
                    "changed": changed,
                }
            )
    errors = []
    if not valid:
        errors.extend(str(e) for e in form.non_field_errors())
        errors.extend(
            f"{form[name].label if name in form.fields else name}: {' '.join(messages)}"
            for name, messages in form.errors.items()
            if name != "__all__"
        )
        for formset, inline in formsets:
            errors.extend(str(e) for e in formset.non_form_errors())
            for inline_form in formset.forms:
                for name, messages in inline_form.errors.items():
                    errors.append(f"{inline.verbose_name}: {name}: {' '.join(messages)}")
    return {
        "fields": field_changes(form, before),
        "inlines": inlines,
        "valid": valid,
        "errors": errors,
    }


class Conflict(Exception):
    """The record was saved after the change was proposed; the proposer redoes it."""


class Invalid(Exception):
    """The change no longer passes the record's checks."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


def approve(request, change, site=admin.site):
    """Save change through its record's admin as request.user (a curator). Returns the record."""
    model = change.content_type.model_class()
    model_admin = record_admin(model, site)
    using = router.db_for_write(model)
    with transaction.atomic(using=using):
        locked = PendingChange.objects.select_for_update().filter(pk=change.pk, state=PENDING)
        if not locked.exists():
            raise Invalid(["this change is no longer waiting for review"])
        live = model._base_manager.using(using).filter(pk=change.object_id).order_by()
        live = live.select_for_update().first()
        if live is None:
            raise Invalid(["the record was deleted"])
        if is_conflict(change, live):
            raise Conflict
        form, formsets = bind(model_admin, request, live, change)
        if not (form.is_valid() and all_valid([formset for formset, _ in formsets])):
            raise Invalid(describe(*bind(model_admin, request, live, change))["errors"])
        setattr(request, APPROVING_ATTR, change)
        try:
            obj = model_admin.save_form(request, form, change=True)
            model_admin.save_model(request, obj, form, True)
            model_admin.save_related(request, form, [formset for formset, _ in formsets], True)
            message = model_admin.construct_change_message(
                request, form, [formset for formset, _ in formsets], False
            )
            model_admin.log_change(request, obj, message)
        finally:
            delattr(request, APPROVING_ATTR)
        PendingChange.objects.filter(pk=change.pk).update(
            state=PendingChange.State.APPROVED, reviewer=request.user, reviewed=timezone.now()
        )
    return obj
