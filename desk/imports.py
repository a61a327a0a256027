"""
CSV and Excel import and export of curated records in the admin (django-import-export).

A curator with the ``gifts.import_records`` permission uploads a file; every row is checked in a
dry run whose preview lists what each row would do (create, update, unchanged) or what is wrong
with it (row number and reason), and nothing is written until every row is right. The commit is
one transaction: if any row fails, nothing is written. Records are matched on their natural keys
(accession number, slug) and linked records are named by theirs (leader code, donor slug,
country ISO code...). The checked rows are written in bulk (django-import-export's use_bulk) by
the writer the seed data's importer uses too (desk.writing): the values a model derives (search
text) are computed by the method its save() calls, audit fields are filled, every record gets a
version in its history naming the curator, and the collection version moves on once at the end.

The preview also says, for each record a row would update, which fields change from what to
what, and above the rows, in words, which records would change their publication status. What it
decided for each row is carried, signed, in the confirm form: the record a row would update and
a fingerprint of its stored columns (which moves on with every save), or that no record with the
row's key existed. The commit checks each row against that inside its transaction (the records
locked on PostgreSQL): a record created, changed or deleted by someone else since the preview is
a conflict, and then nothing is written and the page lists each conflicting row.

Export writes the same columns for the changelist's current filters and search, so an exported
file can be edited and imported again. It does not go through django-import-export's export,
which builds the whole file in memory from model instances (minutes and gigabytes at a million
gifts): rows are read as plain values, a chunk at a time in primary-key order, and written as the
public exports are (exports.formats): streamed when small, otherwise prepared outside the request
by the exports builder (exports.builder), for the curator who asked. Every text cell that a
spreadsheet would take for a formula gets a leading quote (exports.formats.neutralise); the import
takes it off again (desk.parsers.cell_text).

The resources are in gifts/resources.py and donors/resources.py.
"""

import datetime
import hashlib
import os

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import connections
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.urls import reverse
from import_export import resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm, ExportForm
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult
from import_export.signals import post_export

from desk import history, parsers, writing
from desk.models import CollectionState, PublicationStatus
from desk.parsers import cell_text
from exports.delivery import deliver
from exports.formats import XLSX_MAX_ROWS, Refused, Table

IMPORT_PERMISSION = "gifts.import_records"
# Keys per look-up query: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_BATCH = 2000
PREVIEW_SALT = "desk.imports.preview"
# A preview can be confirmed for a working day; after that, upload the file again.
PREVIEW_MAX_AGE = 24 * 60 * 60
# Longer text is cut in the preview's list of changes.
CHANGE_SHOWN = 80
# Checked rows per bulk write of an import.
WRITE_BATCH = 2000
# Rows per query of an export (keyset pagination on the primary key).
EXPORT_CHUNK = 2000


# Widgets: each turns a cell into a value or raises ValueError with a sentence a curator can act
# on (django-import-export reports a ValueError as that column's error on that row).


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        return parsers.whole_number(cell_text(value))


class IsoDateWidget(widgets.DateWidget):
    """YYYY-MM-DD (or a date cell in Excel). Partial dates go in as the first day with the
    precision column saying how much is known."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        return parsers.iso_date(cell_text(value))


class YesNoWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        return parsers.yes_no(cell_text(value))


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """
    A linked record named by its natural key (a leader's code, a donor's slug, a country's ISO
    code). The keys a file uses are looked up together, once per import (see
    RecordResource.before_import); a key that is not found gets a clear error on its row.
    """

    def __init__(self, model, field, label=None, upper=False, **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.label = label or field
        self.upper = upper
        self.known = {}

    def key(self, value):
        key = cell_text(value)
        return key.upper() if self.upper else key

    def preload(self, values):
        keys = sorted({self.key(value) for value in values} - {""} - set(self.known))
        for start in range(0, len(keys), LOOKUP_BATCH):
            batch = keys[start : start + LOOKUP_BATCH]
            for obj in self.model.objects.filter(**{f"{self.field}__in": batch}):
                self.known[getattr(obj, self.field)] = obj

    def clean(self, value, row=None, **kwargs):
        key = self.key(value)
        if not key:
            return None
        if key not in self.known:
            # Not in the file's first look-up: perhaps made earlier in this same import.
            obj = self.model.objects.filter(**{self.field: key}).first()
            if obj is None:
                raise ValueError(f"No {self.model._meta.verbose_name} with {self.label} '{key}'.")
            self.known[key] = obj
        return self.known[key]


class KeyLoader(BaseInstanceLoader):
    """Loads the existing records a file names, a batch of keys per query."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        field = resource.fields[resource.get_import_id_fields()[0]]
        self.field = field
        self.instances = {}
        if dataset is None or field.column_name not in (dataset.headers or []):
            return
        keys = sorted({cell_text(value) for value in dataset[field.column_name]} - {""})
        queryset = resource.loader_queryset()
        for start in range(0, len(keys), LOOKUP_BATCH):
            batch = keys[start : start + LOOKUP_BATCH]
            for obj in queryset.filter(**{f"{field.attribute}__in": batch}):
                self.instances[getattr(obj, field.attribute)] = obj

    def get_instance(self, row):
        return self.instances.get(cell_text(row.get(self.field.column_name)))


def fingerprint(stored):
    """
    A short digest of a record's stored columns, as the preview and the commit each loaded them.
    Any save changes it (the audit field `updated` moves on), and so does a change made by a
    queryset update or in the database.
    """
    return hashlib.blake2b(repr(stored).encode(), digest_size=8).hexdigest()


class ImportConflict(ValidationError):
    """A row whose record was created, changed or deleted by someone else since the preview."""

    def __init__(self, message, user_id=None, when=None):
        super().__init__(message, code="conflict")
        self.user_id = user_id
        self.when = when
        self.user = None  # named once for all conflicts (RecordResource.name_conflicting_users)


def in_words(model_field, value, related, choices):
    """A stored value in words: a choice's label, a linked record's name, yes or no."""
    if value is None or value == "":
        return "(empty)"
    if model_field.is_relation:
        return str(related) if related is not None else f"#{value}"
    if choices:
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    value = str(value)
    return value if len(value) <= CHANGE_SHOWN else value[: CHANGE_SHOWN - 1] + "…"


def status_warnings(result, model):
    """
    Sentences for the status changes a preview's rows would make, for any model with a status
    field: '3 published gifts would return to draft', '2 gifts would be published'.
    """
    opts = model._meta
    try:
        choices = dict(opts.get_field("status").flatchoices)
    except FieldDoesNotExist:
        return []
    counts = {}
    for row in result.rows:
        change = getattr(row, "status_change", None)
        if change and row.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
            counts[change] = counts.get(change, 0) + 1

    def records(count, adjective=""):
        name = opts.verbose_name if count == 1 else opts.verbose_name_plural
        return " ".join(str(part) for part in (count, adjective, name) if part)

    def label(status):
        return str(choices.get(status, status)).lower()

    published = PublicationStatus.PUBLISHED
    sentences = []
    # Unpublishing first: it takes records off the public site.
    for (before, after), count in sorted(counts.items(), key=lambda item: str(item[0])):
        if before == published:
            sentences.append(f"{records(count, label(published))} would return to {label(after)}")
    for (before, after), count in sorted(counts.items(), key=lambda item: str(item[0])):
        if before == published:
            continue
        if before is None:  # only a new record made published is counted
            sentences.append(f"{records(count, 'new')} would be published")
        elif after == published:
            sentences.append(f"{records(count)} would be published")
        else:
            sentences.append(
                f"{records(count)} would change from {label(before)} to {label(after)}"
            )
    return sentences


def _key_or_blank(value):
    return "" if value is None else value


def _renderer(widget, force_native_type):
    def render(value):
        return widget.render(value, force_native_type=force_native_type)

    return render


def row_problems(row_result):
    """'column: reason' sentences for a row that cannot be imported."""
    problems = []
    if row_result.validation_error is not None:
        error = row_result.validation_error
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                for message in messages:
                    problems.append(message if field == NON_FIELD_ERRORS else f"{field}: {message}")
        else:
            problems.extend(error.messages)
    for error in row_result.errors:
        problems.append(f"{type(error.error).__name__}: {error.error}")
    return problems


class RecordResource(resources.ModelResource):
    """
    The shared rules: natural keys, clear errors, duplicate keys refused, every model
    validation run (full_clean), audit fields filled, unchanged rows skipped, the collection
    version moved on once at the end.
    """

    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "CharField": TextWidget,
        "TextField": TextWidget,
        "SlugField": TextWidget,
        "DateField": IsoDateWidget,
        "PositiveIntegerField": WholeNumberWidget,
        "PositiveSmallIntegerField": WholeNumberWidget,
        "IntegerField": WholeNumberWidget,
        "BooleanField": YesNoWidget,
    }

    validate_constraints = True

    class Meta:
        instance_loader_class = KeyLoader
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        # No deep copy of every record and no HTML diff: rows are compared with a snapshot of
        # the stored columns (after_init_instance), which also gives the preview its changes.
        skip_diff = True
        # Checked rows are written WRITE_BATCH at a time by desk.writing (bulk_create and
        # bulk_update below), not saved one by one: 10,000 changed gifts in 7 s instead of 19 s
        # (SQLite, 115,000 gifts; scripts/benchmark.py measures it).
        use_bulk = True
        batch_size = WRITE_BATCH

    def key_field(self):
        return self.fields[self.get_import_id_fields()[0]]

    def loader_queryset(self):
        """The records the file names; at a commit checked against a preview, locked."""
        queryset = self.get_queryset()
        features = connections[queryset.db].features
        if getattr(self, "preview", None) is not None and features.has_select_for_update:
            # Only the records themselves: the linked ones (select_related) stay unlocked.
            of = ("self",) if features.has_select_for_update_of else ()
            queryset = queryset.select_for_update(of=of)
        return queryset

    def export_header(self):
        return self.get_export_headers()

    def export_rows(self, queryset, force_native_type=False):
        """
        The export's rows for ``queryset``, as django-import-export's export would write them
        (each field's widget renders its value; a linked record is its natural key), read as
        plain values EXPORT_CHUNK rows per query: memory stays the same at any size. The fields
        are plain attributes (no dehydrate_ methods), which is what lets them be read as values.
        """
        fields = self.get_export_fields()
        paths, renders = [], []
        for field in fields:
            if isinstance(field.widget, NaturalKeyWidget):
                paths.append(f"{field.attribute}__{field.widget.field}")
                renders.append(_key_or_blank)
            else:
                paths.append(field.attribute)
                renders.append(_renderer(field.widget, force_native_type))
        values = queryset.order_by("pk").values_list("pk", *paths)
        last = None
        while True:
            chunk = values if last is None else values.filter(pk__gt=last)
            rows = list(chunk[:EXPORT_CHUNK])
            for row in rows:
                yield [render(value) for render, value in zip(renders, row[1:], strict=True)]
            if len(rows) < EXPORT_CHUNK:
                return
            last = rows[-1][0]

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        headers = dataset.headers or []
        # Trailing empty rows (common in spreadsheets) are not records.
        while len(dataset) and all(cell_text(cell) == "" for cell in dataset[-1]):
            del dataset[-1]
        # Linked records: one look-up per column for the whole file.
        for field in self.fields.values():
            if isinstance(field.widget, NaturalKeyWidget) and field.column_name in headers:
                field.widget.preload(dataset[field.column_name])
        # The fields the preview lists changes of: the file's columns in its order, less the key.
        opts = self._meta.model._meta
        concrete = {model_field.name: model_field for model_field in opts.concrete_fields}
        columns = {
            field.column_name: concrete[field.attribute]
            for field in self.fields.values()
            if field.attribute in concrete and field is not self.key_field()
        }
        self.diff_fields = [columns[header] for header in headers if header in columns]
        self.choice_labels = {
            model_field.name: dict(model_field.flatchoices) for model_field in self.diff_fields
        }
        self.related_by_pk = {}
        # The same key twice in a file would silently overwrite the first row.
        self.first_row_of_key = {}
        self.duplicate_rows = {}
        key = self.key_field()
        if key.column_name in headers:
            for number, value in enumerate(dataset[key.column_name], 1):
                value = cell_text(value)
                if not value:
                    continue
                if value in self.first_row_of_key:
                    self.duplicate_rows[number] = self.first_row_of_key[value]
                else:
                    self.first_row_of_key[value] = number

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        first = getattr(self, "duplicate_rows", {}).get(kwargs.get("row_number"))
        if first:
            key = self.key_field()
            raise ValidationError(
                {
                    key.attribute: f"'{cell_text(row.get(key.column_name))}' is already on row "
                    f"{first + 1} of this file: each record may appear only once."
                }
            )

    def import_instance(self, instance, row, **kwargs):
        status_before = getattr(instance, "status", None) if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        if hasattr(instance, "status"):
            status_after = instance.status
            if status_before is None:
                # A new record is worth a warning only when it goes straight on the site.
                changed = status_after == PublicationStatus.PUBLISHED
            else:
                changed = status_after != status_before
            self.status_change = (status_before, status_after) if changed else None
        # The review workflow (desk.workflow) holds for imports too: without the publish
        # permission, only drafts are changed and nothing is published.
        user = kwargs.get("user")
        opts = self._meta.model._meta
        if (
            user is None
            or not hasattr(instance, "status")
            or user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")
        ):
            return
        if status_before not in (None, PublicationStatus.DRAFT):
            raise ValidationError(
                {"status": "This record is no longer a draft: only a curator may change it."}
            )
        if instance.status == PublicationStatus.PUBLISHED:
            raise ValidationError({"status": "Only a curator may publish a record."})

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """
        full_clean(), less what costs a query per field and row to no purpose: a linked record
        named by its key was found by NaturalKeyWidget, so Django's check that it exists is
        skipped (only whether one is required is checked here). A resource whose model's
        clean() already says in words what its check constraints say (Gift.clean) sets
        validate_constraints = False: Django checks each constraint with a query, and the
        database enforces them anyway.
        """
        errors = dict(import_validation_errors or {})
        opts = self._meta.model._meta
        linked = {
            field.attribute: field
            for field in self.fields.values()
            if isinstance(field.widget, NaturalKeyWidget)
        }
        for name, field in linked.items():
            model_field = opts.get_field(name)
            if name in errors or model_field.blank:
                continue
            if getattr(instance, model_field.attname) is None:
                related = model_field.related_model._meta.verbose_name
                errors[name] = [
                    ValidationError(
                        f"This field cannot be blank: give the {related}'s {field.widget.label}.",
                        code="blank",
                    )
                ]
        # The audit fields (created_by, updated_by) are set by the import itself.
        audit = {f.name for f in opts.concrete_fields if f.is_relation and not f.editable}
        exclude = set(errors) | set(linked) | audit
        try:
            instance.full_clean(
                exclude=exclude,
                validate_unique=False,
                validate_constraints=self.validate_constraints,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if validate_unique:
            # The key is unique already: the record was loaded by it (KeyLoader), or it is new
            # to the database and to the file (duplicates are refused in before_import_row).
            try:
                key = self.key_field().attribute
                instance.validate_unique(exclude=exclude | set(errors) | {key})
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def stored_values(self, instance):
        return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self.instance = instance
        self.stored = None if new else self.stored_values(instance)
        # The linked records as they were, for the preview's changes (loaded by select_related).
        self.stored_related = (
            {}
            if new
            else {
                model_field.name: model_field.get_cached_value(instance, None)
                for model_field in self.diff_fields
                if model_field.is_relation
            }
        )
        if getattr(self, "preview", None) is not None:
            self.check_preview(instance, new, row, kwargs["row_number"])

    def check_preview(self, instance, new, row, number):
        """At the commit: is this row's record as the preview found it? If not, a conflict."""
        key = cell_text(row.get(self.key_field().column_name))
        decided = self.preview[number - 1] if number <= len(self.preview) else None
        if decided is None or decided[0] != key:
            raise ImportConflict("This row is not the one the preview checked.")
        version = decided[1]
        if new and version:
            raise ImportConflict("Deleted by someone else since the preview.")
        if new:
            return
        who = getattr(instance, "updated_by_id", None)
        when = getattr(instance, "updated", None)
        if not version:
            raise ImportConflict(
                "Created by someone else since the preview.",
                user_id=getattr(instance, "created_by_id", who),
                when=getattr(instance, "created", when),
            )
        if fingerprint(self.stored) != version:
            raise ImportConflict("Changed by someone else since the preview.", who, when)

    def changes(self):
        """(field, before, after) in words for each field of the file the row changes."""
        instance, stored, related = self.instance, self.stored, self.stored_related
        changes = []
        for model_field in self.diff_fields:
            before, after = stored[model_field.attname], getattr(instance, model_field.attname)
            if before == after:
                continue
            choices = self.choice_labels[model_field.name]
            if model_field.is_relation:
                before_related = related.get(model_field.name) or self.related_record(
                    model_field, before
                )
                after_related = model_field.get_cached_value(instance, None)
            else:
                before_related = after_related = None
            changes.append(
                (
                    str(model_field.verbose_name),
                    in_words(model_field, before, before_related, choices),
                    in_words(model_field, after, after_related, choices),
                )
            )
        return changes

    def related_record(self, model_field, pk):
        """A linked record the loader did not join, if the file names it too (no query)."""
        if pk is None:
            return None
        if model_field.name not in self.related_by_pk:
            widget = self.fields[model_field.name].widget
            known = getattr(widget, "known", {})
            self.related_by_pk[model_field.name] = {obj.pk: obj for obj in known.values()}
        return self.related_by_pk[model_field.name].get(pk)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """An existing record the row leaves exactly as it is: nothing to save, no history."""
        if import_validation_errors or getattr(self, "stored", None) is None:
            return False
        return self.stored_values(instance) == self.stored

    def import_row(self, row, instance_loader, **kwargs):
        self.instance = self.stored = self.status_change = None
        self.stored_related = {}
        row_result = super().import_row(row, instance_loader, **kwargs)
        # Numbered as in the file, the header being row 1 (a spreadsheet's row numbers).
        row_result.number = kwargs.get("row_number", 0) + 1
        row_result.problems = row_problems(row_result)
        row_result.key = cell_text(row.get(self.key_field().column_name))
        error = row_result.validation_error
        row_result.conflict = error if isinstance(error, ImportConflict) else None
        # What the preview decided: the record's fingerprint, or '' for a key not yet used.
        row_result.version = fingerprint(self.stored) if self.stored is not None else ""
        row_result.status_change = self.status_change
        row_result.changes = (
            self.changes()
            if kwargs.get("dry_run") and row_result.import_type == RowResult.IMPORT_TYPE_UPDATE
            else []
        )
        return row_result

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        user = kwargs.get("user")
        if user is not None and getattr(user, "pk", None):
            if instance.pk is None and hasattr(instance, "created_by_id"):
                instance.created_by = user
            if hasattr(instance, "updated_by_id"):
                instance.updated_by = user

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.write(
            self.create_instances, "+", using_transactions or not dry_run, raise_errors, result
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.write(
            self.update_instances, "~", using_transactions or not dry_run, raise_errors, result
        )

    def write(self, instances, history_type, writes, raise_errors, result):
        """
        Write the checked rows pending (created "+" or updated "~") through desk.writing, with a
        version of each in its history by the importing curator. A database error is the
        import's (nothing is written: the transaction rolls back), not one row's.
        """
        if not instances or not writes:
            instances.clear()
            return
        model = self._meta.model
        try:
            for instance in instances:
                writing.derive(instance)
            if history_type == "+":
                pks, _ = writing.write(model, created=instances)
            else:
                fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
                _, pks = writing.write(model, updated=instances, fields=fields)
            user = self.user if getattr(self.user, "pk", None) else None
            history.record_history(model, pks, history_type, user=user, reason=history.FILE)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            instances.clear()

    def import_data(
        self,
        dataset,
        dry_run=False,
        use_transactions=None,
        rollback_on_validation_errors=False,
        preview=None,
        **kwargs,
    ):
        # preview: at a commit, what the preview decided per row ([key, fingerprint or ''],
        # in the file's order; see RecordImportExportMixin). Checked in after_init_instance.
        self.preview = None if dry_run else preview
        self.user = kwargs.get("user")
        # Each saved record would move the collection version on (desk.renewal): once for
        # the whole import is enough, and only when something was written.
        with CollectionState.deferred_bumps() as bumps:
            result = super().import_data(
                dataset,
                dry_run=dry_run,
                use_transactions=use_transactions,
                rollback_on_validation_errors=rollback_on_validation_errors,
                **kwargs,
            )
            if use_transactions is None:
                use_transactions = self.get_use_transactions()
            rolled_back = dry_run or (
                use_transactions
                and (
                    result.has_errors()
                    or (rollback_on_validation_errors and result.has_validation_errors())
                )
            )
            totals = result.totals
            written = totals[RowResult.IMPORT_TYPE_NEW] + totals[RowResult.IMPORT_TYPE_UPDATE]
            bumps["pending"] = bool(written) and not rolled_back
        result.decisions = [[row.key, row.version] for row in result.rows]
        self.name_conflicting_users(result)
        return result

    def name_conflicting_users(self, result):
        conflicts = [row.conflict for row in result.rows if getattr(row, "conflict", None)]
        ids = {conflict.user_id for conflict in conflicts} - {None}
        users = get_user_model().objects.in_bulk(ids) if ids else {}
        for conflict in conflicts:
            conflict.user = users.get(conflict.user_id)


class PreviewConfirmForm(ConfirmImportForm):
    """The confirm form, carrying what the preview decided per row, signed against forgery."""

    preview = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, *args, user=None, model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.model = model

    @staticmethod
    def sign(user, model, file_name, decisions):
        payload = {
            "user": user.pk,
            "model": model._meta.label_lower,
            "file": os.path.basename(file_name),  # as ConfirmImportForm cleans it
            "rows": decisions,
        }
        return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)

    def clean(self):
        cleaned = super().clean()
        token = cleaned.get("preview")
        if not token or self.errors:
            return cleaned
        try:
            payload = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This preview is more than a day old: upload the file again.", code="expired"
            ) from None
        except signing.BadSignature:
            payload = None
        if (
            not isinstance(payload, dict)
            or payload.get("user") != getattr(self.user, "pk", None)
            or payload.get("model") != self.model._meta.label_lower
            or payload.get("file") != cleaned.get("import_file_name")
            or not isinstance(payload.get("rows"), list)
        ):
            raise forms.ValidationError(
                "This confirmation does not match a preview of yours: upload the file again.",
                code="bad_preview",
            )
        cleaned["preview"] = payload["rows"]
        return cleaned


class RecordImportExportMixin(ImportExportMixin):
    """
    Import (CSV or Excel, gated by ``gifts.import_records``) and export of the changelist's
    current filters and search, for a ModelAdmin with ``resource_classes``.
    """

    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    export_form_class = ExportForm  # every column, so that an export imports again
    import_template_name = "admin/desk/import.html"
    export_template_name = "admin/desk/export.html"
    confirm_form_class = PreviewConfirmForm

    def has_import_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION) and (
            self.has_add_permission(request) or self.has_change_permission(request)
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_confirm_form_kwargs(self, request, import_form=None):
        kwargs = super().get_confirm_form_kwargs(request, import_form)
        return {**kwargs, "user": request.user, "model": self.model}

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        if isinstance(form, PreviewConfirmForm):
            # The commit: each row is checked against what its preview decided.
            kwargs["preview"] = form.cleaned_data["preview"]
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # All or nothing: a row that fails validation rolls the whole import back too.
        kwargs["rollback_on_validation_errors"] = True
        kwargs["use_transactions"] = True
        return kwargs

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        result = (context or {}).get("result")
        if result is not None:
            context["status_warnings"] = status_warnings(result, self.model)
            confirm_form = context.get("confirm_form")
            if confirm_form is not None:
                confirm_form.initial["preview"] = PreviewConfirmForm.sign(
                    request.user,
                    self.model,
                    confirm_form.initial["import_file_name"],
                    result.decisions,
                )
        if context is not None and not context.get("fields_list"):
            # A file that could not be read: still say which columns are expected.
            context["fields_list"] = [
                (
                    resource.get_display_name(),
                    [field.column_name for field in resource().get_user_visible_fields()],
                )
                for resource in self.get_import_resource_classes(request)
            ]
        return response

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        # The form posts back to this address, with the changelist's filters and search.
        context.setdefault("export_url", request.get_full_path())
        context.setdefault("stream_rows", settings.EXPORT_STREAM_ROWS)
        return context

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        related = [
            field.name
            for field in self.model._meta.concrete_fields
            if field.is_relation and field.name not in ("created_by", "updated_by")
        ]
        return queryset.select_related(*related)

    def process_import(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_confirm_form(request)
            if not form.is_valid():
                # A forged, foreign or stale confirmation: say so, and start again.
                problems = [message for messages_ in form.errors.values() for message in messages_]
                messages.error(request, f"Nothing was imported: {' '.join(problems)}")
                return HttpResponseRedirect(self.import_url())
        return super().process_import(request, **kwargs)

    def import_url(self):
        return reverse(
            "admin:{}_{}_import".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # django-import-export's one place where an export is turned into a response: the
        # export is made as the public ones are (exports.delivery): streamed when small,
        # prepared outside the request for this curator when not (see the module's docstring).
        if not self.has_export_permission(request):
            raise PermissionDenied
        fmt = "xlsx" if isinstance(file_format, XLSX) else "csv"
        index = self.get_export_resource_classes(request).index(
            self.choose_export_resource_class(export_form, request)
        )
        try:
            table = self.export_table(request, fmt, index, queryset)
        except Refused as refusal:
            # export_action shows a ValueError's text above the form.
            raise ValueError(str(refusal)) from refusal
        kind = f"admin:{self.model._meta.label_lower}:{index}"
        response = deliver(request, kind, fmt, table, owner=request.user)
        post_export.send(sender=None, model=self.model)
        return response

    def export_table(self, request, fmt, resource_index=0, queryset=None):
        """The changelist's current records (its filters and search, in request.GET) as the
        export's table; Refused when there are more than an Excel sheet holds."""
        if queryset is None:
            queryset = self.get_export_queryset(request)
        resource_class = self.get_export_resource_classes(request)[resource_index]
        resource = resource_class(**self.get_export_resource_kwargs(request))
        count = queryset.count()
        if fmt == "xlsx" and count > XLSX_MAX_ROWS:
            raise Refused(
                f"These {count:,} records are more than an Excel sheet holds "
                f"({XLSX_MAX_ROWS:,} rows): export them as CSV, or filter the list first."
            )
        rows = resource.export_rows(queryset, force_native_type=fmt == "xlsx")
        name = os.path.splitext(self.get_export_filename(request, queryset, CSV()))[0]
        return Table(resource.export_header(), rows, count, name)

    def process_result(self, result, request):
        conflicts = [row for row in result.rows if getattr(row, "conflict", None)]
        if conflicts:
            context = {
                **self.admin_site.each_context(request),
                "title": "Nothing was imported",
                "opts": self.model._meta,
                "conflicts": conflicts,
                "import_url": self.import_url(),
            }
            return TemplateResponse(
                request, "admin/desk/import_conflicts.html", context, status=409
            )
        if result.has_errors() or result.has_validation_errors():
            # A row that fails only at the commit (a linked record deleted since the preview):
            # nothing was written.
            problems = [
                f"row {row.number}: {problem}"
                for row in result.rows
                for problem in getattr(row, "problems", [])
            ]
            problems += [str(error.error) for error in result.base_errors]
            shown = "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
            messages.error(request, f"Nothing was imported: {shown}")
            return HttpResponseRedirect(self.import_url())
        return super().process_result(result, request)


def admin_table(query, user, fmt, kind):
    """
    A curator's export of a changelist, made again outside the request by the exports builder:
    ``kind`` is "admin:<app_label.model>:<resource index>", ``query`` the changelist's query string
    and ``user`` the curator who asked, whose permissions are checked again.
    """
    _, label, index = kind.split(":")
    model = apps.get_model(label)
    model_admin = admin.site.get_model_admin(model)
    path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    request = RequestFactory().get(path + "?" + query.urlencode())
    request.user = user if user is not None else AnonymousUser()
    if not (request.user.is_active and model_admin.has_export_permission(request)):
        raise Refused("You may no longer export these records.")
    try:
        return model_admin.export_table(request, fmt, int(index))
    except IncorrectLookupParameters as error:
        raise Refused(f"The list's filters are not valid any more: {error}") from error
