"""
The curator's desk: every version of a record, revert, restore, and no silent overwrites.

CuratorHistoryAdmin is the base of desk.admin.AuditedAdmin. For the models with a history
(desk.history) it adds:

- the history page: each version with who, when, how (form, bulk action, import, revert,
  restore) and which fields changed, from what to what, in words (simple-history's diff_against);
  a version opens in simple-history's form, whose "Revert" button saves it as a new version;
- "Recently deleted" (linked from the changelist): the records deleted and not restored, each
  with a Restore button that recreates the record from its last version. Restoring asks for the
  permission to add such records.

For every audited model (one with an ``updated`` time) the change form carries the time of the
version it was opened on; when someone else saved the record after that, the save is refused
with a form error saying who and when, and linking to the history and to the latest version
(optimistic locking).
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from desk import history
from desk.history import has_history, history_model
from desk.models import PublicationStatus

LOCK_FIELD = "opened_version"
REVERT_ATTR = "_museum_reverting_to"
EMPTY = "(empty)"
SHOWN_DELETED = 200
DATETIME = "j M Y, H:i:s"


def when(value):
    return date_format(timezone.localtime(value), DATETIME) if value else ""


def person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class InWords(HistoricalRecordContextHelper):
    """Changed values as a curator reads them: choice labels, yes/no, dates, "(empty)"."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        if isinstance(value, DeletedObject):
            if value.pk is None:
                return EMPTY
            return f"a deleted {value.model._meta.verbose_name} (#{value.pk})"
        if value is None or value == "":
            return EMPTY
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, datetime.datetime):
            return when(value)
        if isinstance(value, datetime.date):
            return date_format(value, "j M Y")
        return value


class EditLockForm:
    """
    Mixed into an admin change form: the hidden LOCK_FIELD carries the ``updated`` time of the
    version the form was opened on, and clean() refuses the save when the record has been saved
    since.
    """

    lock_from_database = False  # the revert form shows an old version: lock on the current one
    lock_urls = ("", "")  # the record's history and change pages

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            updated = self.instance.updated
            if self.lock_from_database:
                updated = self.current_version()[0]
            self.fields[LOCK_FIELD].initial = updated.isoformat() if updated else ""

    def current_version(self, lock=False):
        """(updated, updated_by_id) as stored now, or (None, None) for a deleted record."""
        model = type(self.instance)
        using = router.db_for_write(model)
        # Without the model's ordering, which may join a table FOR UPDATE cannot lock (a fact's).
        rows = model._base_manager.using(using).filter(pk=self.instance.pk).order_by()
        if lock and connections[using].in_atomic_block:
            rows = rows.select_for_update()
        return rows.values_list("updated", "updated_by").first() or (None, None)

    def clean(self):
        cleaned = super().clean()
        self.check_edit_lock()
        return cleaned

    def check_edit_lock(self):
        seen = self.cleaned_data.get(LOCK_FIELD)
        if not seen or self.instance.pk is None:
            return  # not sent (a script, an old page): nothing to compare with
        opened = parse_datetime(seen)
        current, current_by = self.current_version(lock=True)
        if current is None:
            raise ValidationError(
                "This record was deleted after you opened it. Your changes were not saved.",
                code="edit_conflict",
            )
        if opened is not None and current == opened:
            return
        raise ValidationError(self.conflict_message(current, current_by), code="edit_conflict")

    def conflict_message(self, current, current_by):
        model = type(self.instance)
        who = ""
        if has_history(model):
            latest = (
                history_model(model)
                .objects.filter(**{model._meta.pk.attname: self.instance.pk})
                .select_related("history_user")
                .order_by("-history_date", "-history_id")
                .first()
            )
            if latest is not None:
                who = person(latest.history_user)
                if not who and latest.history_change_reason == history.IMPORT:
                    who = "The collection import"
        if not who and current_by:
            user_model = model._meta.get_field("updated_by").related_model
            who = person(user_model._base_manager.filter(pk=current_by).first())
        history_url, change_url = self.lock_urls
        return format_html(
            "{} saved this record at {}, after you opened it. Your changes were not saved. "
            'See what changed in <a href="{}">the record’s history</a>, then '
            '<a href="{}">open the latest version</a> to make your changes again.',
            who or "Someone",
            when(current),
            history_url,
            change_url,
        )


class CuratorHistoryAdmin(SimpleHistoryAdmin):
    object_history_list_template = "admin/history/object_history_list.html"
    object_history_form_template = "simple_history/object_history_form.html"

    @property
    def tracks_history(self):
        return has_history(self.model)

    @property
    def object_history_template(self):
        # Models without a history keep Django's page (the admin's log entries).
        return "admin/history/object_history.html" if self.tracks_history else None

    def url_name(self, view):
        opts = self.model._meta
        return f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}"

    # Pages -------------------------------------------------------------------------------------

    def get_urls(self):
        if not self.tracks_history:
            return admin.ModelAdmin.get_urls(self)
        opts = self.model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        deleted = [
            path(
                "deleted/",
                self.admin_site.admin_view(self.recently_deleted_view),
                name=f"{prefix}_deleted",
            ),
            path(
                "deleted/<int:history_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name=f"{prefix}_restore",
            ),
        ]
        return deleted + super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        if not self.tracks_history:
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        context = {
            "recently_deleted_url": reverse(self.url_name("deleted"))
            if self.has_add_permission(request)
            else "",
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def get_historical_record_context_helper(self, request, historical_record):
        return InWords(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            record.how = history.how(record)
            record.who = person(record.history_user)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.tracks_history:
            raise Http404
        historical = history_model(self.model)
        try:
            record = historical.objects.get(
                **{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id}
            )
        except (historical.DoesNotExist, ValueError, ValidationError):
            raise Http404 from None
        # simple-history saves a posted revert for anyone who may view the record: a revert is a
        # change, allowed only to who may change the record as it is now.
        setattr(request, REVERT_ATTR, record)  # has_change_permission knows it is a revert
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        context = {
            "title": f"{record.history_object}: the version of {when(record.history_date)}"
            + (f" by {person(record.history_user)}" if record.history_user_id else ""),
            "onclick_attrib": "",  # simple_history/submit_line.html
            **(extra_context or {}),
        }
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, context)

    def changelist_view(self, request, extra_context=None):
        if self.tracks_history and self.has_add_permission(request):
            extra_context = {
                "recently_deleted_url": reverse(self.url_name("deleted")),
                **(extra_context or {}),
            }
        return super().changelist_view(request, extra_context)

    # Saving ------------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        record = getattr(request, REVERT_ATTR, None)
        approving = getattr(request, "_museum_approving", None)  # desk.revisions.approve
        if approving is not None:
            obj._change_reason = history.approval_reason(approving.author)
        else:
            obj._change_reason = history.revert_reason(record) if record else history.FORM
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._change_reason = history.FORM
        obj._history_user = request.user
        super().delete_model(request, obj)

    def response_change(self, request, obj):
        record = getattr(request, REVERT_ATTR, None)
        if record is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            f"The {obj._meta.verbose_name} “{obj}” was reverted to its version of "
            f"{when(record.history_date)}. The revert is recorded as a new version.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(self.url_name("history"), args=[obj.pk]))

    # Optimistic locking -----------------------------------------------------------------------

    def uses_edit_lock(self, request, obj):
        if obj is None or obj.pk is None:
            return False
        try:
            self.model._meta.get_field("updated")
        except FieldDoesNotExist:
            return False
        return self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not fieldsets or not self.uses_edit_lock(request, obj):
            return fieldsets
        if LOCK_FIELD in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], LOCK_FIELD]}), *rest]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not self.uses_edit_lock(request, obj):
            return super().get_form(request, obj, change=change, **kwargs)
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if name != LOCK_FIELD]
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {
            LOCK_FIELD: forms.CharField(widget=forms.HiddenInput, required=False),
            "lock_from_database": getattr(request, REVERT_ATTR, None) is not None,
            "lock_urls": (
                reverse(self.url_name("history"), args=[obj.pk]) if self.tracks_history else "",
                reverse(self.url_name("change"), args=[obj.pk]),
            ),
        }
        return type(form.__name__, (EditLockForm, form), attrs)

    # Recently deleted --------------------------------------------------------------------------

    def deleted_records(self):
        """The last version of each record deleted and not restored, latest first."""
        historical = history_model(self.model)
        pk_name = self.model._meta.pk.attname
        rows = (
            historical.objects.filter(history_type="-")
            .filter(~Exists(self.model._base_manager.filter(pk=OuterRef(pk_name))))
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        records, seen = [], set()
        for record in rows[: SHOWN_DELETED * 2]:
            key = getattr(record, pk_name)
            if key not in seen:
                seen.add(key)
                records.append(record)
        return records[:SHOWN_DELETED]

    def recently_deleted_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        records = self.deleted_records()
        for record in records:
            record.who = person(record.history_user)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Recently deleted {opts.verbose_name_plural}",
            "opts": opts,
            "records": records,
            "shown": SHOWN_DELETED,
            "restore_url_name": self.url_name("restore"),
            "history_url_name": self.url_name("history"),
        }
        return TemplateResponse(request, "admin/history/recently_deleted.html", context)

    def restore_view(self, request, history_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        model = self.model
        opts = model._meta
        record = get_object_or_404(history_model(model), history_id=history_id, history_type="-")
        pk = getattr(record, opts.pk.attname)
        deleted_url = reverse(self.url_name("deleted"))
        if model._base_manager.filter(pk=pk).exists():
            self.message_user(
                request,
                f"The {opts.verbose_name} “{record.history_object}” is already back.",
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse(self.url_name("change"), args=[pk]))
        obj = record.instance
        missing = self.clear_missing_links(obj)
        if missing:
            self.message_user(
                request,
                f"The {opts.verbose_name} “{obj}” cannot be restored: its "
                f"{', '.join(missing)} no longer exist(s). Restore that first.",
                messages.ERROR,
            )
            return HttpResponseRedirect(deleted_url)
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
        demoted = (
            hasattr(obj, "status")
            and obj.status != PublicationStatus.DRAFT
            and not (request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}"))
        )
        if demoted:
            # Only a curator publishes: whoever else restores it gets it back as a draft.
            obj.status = PublicationStatus.DRAFT
        obj.skip_history_when_saving = True
        using = router.db_for_write(model)
        try:
            with transaction.atomic(using=using):
                obj.save(force_insert=True, using=using)
                if hasattr(record, "created"):
                    # Keep when the record was first made (auto_now_add stamped it anew).
                    model._base_manager.using(using).filter(pk=pk).update(created=record.created)
                history.record_history(
                    model, [pk], "+", user=request.user, reason=history.RESTORE, using=using
                )
        except IntegrityError as error:
            self.message_user(
                request,
                f"The {opts.verbose_name} “{obj}” cannot be restored: another record now has "
                f"the same number or address ({error}).",
                messages.ERROR,
            )
            return HttpResponseRedirect(deleted_url)
        finally:
            del obj.skip_history_when_saving
        self.log_addition(request, obj, [{"added": {}}])
        deleted_by = person(record.history_user)
        self.message_user(
            request,
            f"The {opts.verbose_name} “{obj}” was restored from its last version (deleted on "
            f"{when(record.history_date)}{' by ' + deleted_by if deleted_by else ''}). "
            "Anything deleted along with it (such as citations or images) is not restored."
            + (" It is back as a draft, for a curator to review." if demoted else ""),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(self.url_name("change"), args=[pk]))

    def clear_missing_links(self, obj):
        """Names of the records obj points to that are gone; links to deleted users are
        emptied."""
        missing = []
        for field in obj._meta.concrete_fields:
            if not field.many_to_one:
                continue
            value = getattr(obj, field.attname)
            related = field.related_model
            if value is None or related._base_manager.filter(pk=value).exists():
                continue
            if field.null and field.remote_field.on_delete is models.SET_NULL:
                setattr(obj, field.attname, None)
            else:
                missing.append(str(field.verbose_name))
        return missing
