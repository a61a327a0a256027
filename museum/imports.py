"""
CSV and Excel import and export of curated records in the admin (django-import-export).

A curator with the ``gifts.import_records`` permission uploads a file; every row is checked in a
dry run whose preview lists what each row would do (create, update, unchanged) or what is wrong
with it (row number and reason), and nothing is written until every row is right. The commit is
one transaction: if any row fails, nothing is written. Records are matched on their natural keys
(accession number, slug) and linked records are named by theirs (leader code, donor slug,
country ISO code...). Rows are saved one by one through the models' save(), so search text,
audit fields and history are kept as for an edit in the admin; the collection version moves on
once at the end.

Export writes the same columns for the changelist's current filters and search, so an exported
file can be edited and imported again. It does not go through django-import-export's export,
which builds the whole file in memory from model instances (minutes and gigabytes at a million
gifts): rows are read as plain values, a chunk at a time in primary-key order, CSV is streamed and
XLSX is written by openpyxl's write-only mode into a temporary file. Every text cell that a
spreadsheet would take for a formula gets a leading quote (museum.exports.neutralise); the import
takes it off again (text()).

The resources are in gifts/resources.py and donors/resources.py.
"""

import datetime
import decimal
import re
import tempfile

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from import_export import resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult
from import_export.signals import post_export
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from museum.exports import csv_rows, neutralised, unneutralise
from museum.models import CollectionState, PublicationStatus

IMPORT_PERMISSION = "gifts.import_records"
# Keys per look-up query: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_BATCH = 2000
# Rows per query of an export (keyset pagination on the primary key).
EXPORT_CHUNK = 2000
# An Excel sheet holds 1,048,576 rows, the header being one of them.
XLSX_MAX_ROWS = 1_048_576 - 1


def text(value):
    """A cell as stripped text ('' for an empty cell); Excel numbers lose a trailing .0, and the
    quote an export put before a formula-like cell (museum.exports.neutralise) comes off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(str(value).strip()).strip()


# Widgets: each turns a cell into a value or raises ValueError with a sentence a curator can act
# on (django-import-export reports a ValueError as that column's error on that row).


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return text(value)


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        cell = text(value)
        if cell == "":
            return None
        try:
            number = decimal.Decimal(cell.replace(",", "").replace(" ", ""))
        except decimal.InvalidOperation:
            raise ValueError(f"'{cell}' is not a number.") from None
        if not number.is_finite() or number != number.to_integral_value() or len(cell) > 12:
            raise ValueError(f"'{cell}' is not a whole number.")
        return int(number)


class IsoDateWidget(widgets.DateWidget):
    """YYYY-MM-DD (or a date cell in Excel). Partial dates go in as the first day with the
    precision column saying how much is known."""

    PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        cell = text(value)
        if cell == "":
            return None
        if not self.PATTERN.match(cell):
            raise ValueError(f"'{cell}' is not a date in the form YYYY-MM-DD.")
        try:
            return datetime.date.fromisoformat(cell)
        except ValueError:
            raise ValueError(f"'{cell}' is not a real date.") from None


class YesNoWidget(widgets.BooleanWidget):
    TRUE = {"1", "true", "yes", "y"}
    FALSE = {"0", "false", "no", "n", ""}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        cell = text(value).lower()
        if cell in self.TRUE:
            return True
        if cell in self.FALSE:
            return False
        raise ValueError(f"'{text(value)}' is not yes or no (use 1 or 0).")


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
        key = text(value)
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
        keys = sorted({text(value) for value in dataset[field.column_name]} - {""})
        queryset = resource.get_queryset()
        for start in range(0, len(keys), LOOKUP_BATCH):
            batch = keys[start : start + LOOKUP_BATCH]
            for obj in queryset.filter(**{f"{field.attribute}__in": batch}):
                self.instances[getattr(obj, field.attribute)] = obj

    def get_instance(self, row):
        return self.instances.get(text(row.get(self.field.column_name)))


def _key_or_blank(value):
    return "" if value is None else value


def _renderer(widget, force_native_type):
    def render(value):
        return widget.render(value, force_native_type=force_native_type)

    return render


def _xlsx_cell(value):
    # openpyxl refuses control characters other than tab and newline in a cell.
    if value.__class__ is str:
        return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def export_csv(header, rows, filename):
    response = StreamingHttpResponse(
        (piece.encode() for piece in csv_rows(header, rows)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_xlsx(header, rows, filename):
    """An Excel file built row by row (openpyxl's write-only mode) in a temporary file that goes
    away when the response is closed; text cells are neutralised, so no cell is a formula."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(neutralised(header))
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in neutralised(row)])
    # Closed (and so deleted) by the FileResponse once it has been sent.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    book.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=XLSX.CONTENT_TYPE,
    )


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
        # No deep copy of every record for a field-by-field diff: rows are compared with a
        # snapshot of the stored columns (skip_row), and the preview lists rows, not diffs.
        skip_diff = True

    def key_field(self):
        return self.fields[self.get_import_id_fields()[0]]

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
        while len(dataset) and all(text(cell) == "" for cell in dataset[-1]):
            del dataset[-1]
        # Linked records: one look-up per column for the whole file.
        for field in self.fields.values():
            if isinstance(field.widget, NaturalKeyWidget) and field.column_name in headers:
                field.widget.preload(dataset[field.column_name])
        # The same key twice in a file would silently overwrite the first row.
        self.first_row_of_key = {}
        self.duplicate_rows = {}
        key = self.key_field()
        if key.column_name in headers:
            for number, value in enumerate(dataset[key.column_name], 1):
                value = text(value)
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
                    key.attribute: f"'{text(row.get(key.column_name))}' is already on row "
                    f"{first + 1} of this file: each record may appear only once."
                }
            )

    def import_instance(self, instance, row, **kwargs):
        status_before = getattr(instance, "status", None) if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        # The review workflow (museum.workflow) holds for imports too: without the publish
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
        return [getattr(instance, f.attname) for f in instance._meta.concrete_fields]

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self.stored = None if new else self.stored_values(instance)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """An existing record the row leaves exactly as it is: nothing to save, no history."""
        if import_validation_errors or getattr(self, "stored", None) is None:
            return False
        return self.stored_values(instance) == self.stored

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        # Numbered as in the file, the header being row 1 (a spreadsheet's row numbers).
        row_result.number = kwargs.get("row_number", 0) + 1
        row_result.problems = row_problems(row_result)
        row_result.key = text(row.get(self.key_field().column_name))
        return row_result

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        user = kwargs.get("user")
        if user is not None and getattr(user, "pk", None):
            if instance.pk is None and hasattr(instance, "created_by_id"):
                instance.created_by = user
            if hasattr(instance, "updated_by_id"):
                instance.updated_by = user
            instance._history_user = user  # django-simple-history's way to name the author

    def import_data(
        self,
        dataset,
        dry_run=False,
        use_transactions=None,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        # Each saved record would move the collection version on (gifts.signals): once for
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
        return result


class RecordImportExportMixin(ImportExportMixin):
    """
    Import (CSV or Excel, gated by ``gifts.import_records``) and export of the changelist's
    current filters and search, for a ModelAdmin with ``resource_classes``.
    """

    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    export_form_class = ExportForm  # every column, so that an export imports again
    import_template_name = "admin/museum/import.html"

    def has_import_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION) and (
            self.has_add_permission(request) or self.has_change_permission(request)
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # All or nothing: a row that fails validation rolls the whole import back too.
        kwargs["rollback_on_validation_errors"] = True
        kwargs["use_transactions"] = True
        return kwargs

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
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
        return context

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        related = [
            field.name
            for field in self.model._meta.concrete_fields
            if field.is_relation and field.name not in ("created_by", "updated_by")
        ]
        return queryset.select_related(*related)

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # django-import-export's one place where an export is turned into a response: the
        # streaming and write-only versions above take over here (see the module's docstring).
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request))
        filename = self.get_export_filename(request, queryset, file_format)
        if isinstance(file_format, XLSX):
            count = queryset.count()
            if count > XLSX_MAX_ROWS:
                # export_action shows a ValueError's text above the form.
                raise ValueError(
                    f"These {count:,} records are more than an Excel sheet holds "
                    f"({XLSX_MAX_ROWS:,} rows): export them as CSV, or filter the list first."
                )
            rows = resource.export_rows(queryset, force_native_type=True)
            response = export_xlsx(resource.export_header(), rows, filename)
        else:
            rows = resource.export_rows(queryset)
            response = export_csv(resource.export_header(), rows, filename)
        post_export.send(sender=None, model=self.model)
        return response

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The records changed between the preview and the commit: nothing was written.
            problems = [
                f"row {row.number}: {problem}"
                for row in result.rows
                for problem in getattr(row, "problems", [])
            ]
            problems += [str(error.error) for error in result.base_errors]
            shown = "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
            messages.error(request, f"Nothing was imported: {shown}")
            return HttpResponseRedirect(
                reverse(
                    "admin:{}_{}_import".format(*self.get_model_info()),
                    current_app=self.admin_site.name,
                )
            )
        return super().process_result(result, request)
