"""
Every version of a curated record (django-simple-history), however it was changed.

Saving a model records its version through simple-history's signals. The bulk writes do not send
signals (an admin action's UPDATE, the collection importer's bulk INSERT and executemany UPDATE),
so they record their versions here, in bulk: one INSERT ... SELECT per batch of ids copies the
rows as they now are into the history table, with who, when and how. 115,000 imported gifts take
a few seconds that way, without loading them into Python.

How a version was made is kept in its change reason (see ``how``): the admin form, a bulk action,
the collection import, a revert to an earlier version, a restore of a deleted record.
"""

import contextlib
import datetime

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.formats import date_format
from simple_history import models as simple_history_models

# Change reasons (history_change_reason, at most 100 characters).
FORM = "form"
IMPORT = "import_collection"
FILE = "file import"
RESTORE = "restore"
BULK_PREFIX = "bulk action: "
REVERT_PREFIX = "revert to "
APPROVAL_PREFIX = "approved change proposed by "

BATCH = 5000

HISTORY_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}


class HistoricalRecords(simple_history_models.HistoricalRecords):
    """
    simple-history's HistoricalRecords, with only what the history is looked up by indexed: the
    record's id (and the version's date and user). simple-history indexes every copied foreign
    key and unique field as well, a dozen indexes on the gifts' history that the importer's
    115,000 versions paid for and nothing reads.
    """

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if name != model._meta.pk.attname:
                field.db_index = False
        return fields


def has_history(model):
    return hasattr(model._meta, "simple_history_manager_attribute")


def history_model(model):
    return getattr(model, model._meta.simple_history_manager_attribute).model


def bulk_reason(action):
    return f"{BULK_PREFIX}{action}"[:100]


def revert_reason(record):
    return f"{REVERT_PREFIX}{record.history_date.isoformat()}"[:100]


def record_history(model, pks, history_type, user=None, reason=None, date=None, using=None):
    """
    Record the current state of the ``model`` rows ``pks`` as one version each ("+" created,
    "~" changed), made by ``user`` (None for the importer) for ``reason``, at ``date``.
    """
    if not pks or not has_history(model):
        return
    using = using or router.db_for_write(model)
    connection = connections[using]
    historical = history_model(model)
    quote = connection.ops.quote_name
    meta = model._meta
    sources, targets = [], []
    for field in historical.tracked_fields:
        sources.append(f"{quote(meta.db_table)}.{quote(field.column)}")
        targets.append(quote(historical._meta.get_field(field.name).column))
    extra = {
        "history_date": date or timezone.now(),
        "history_type": history_type,
        "history_change_reason": reason,
        "history_user": user.pk if user is not None else None,
    }
    constants, constant_params = [], []
    for name, value in extra.items():
        field = historical._meta.get_field(name)
        targets.append(quote(field.column))
        # PostgreSQL takes the type of a parameter in a SELECT list from its cast.
        cast = field.cast_db_type(connection) if connection.vendor == "postgresql" else None
        constants.append(f"CAST(%s AS {cast})" if cast else "%s")
        if field.is_relation:
            field = field.target_field
        constant_params.append(field.get_db_prep_save(value, connection))
    pks = list(pks)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for start in range(0, len(pks), BATCH):
            batch = pks[start : start + BATCH]
            cursor.execute(
                "INSERT INTO {} ({}) SELECT {} FROM {} WHERE {}.{} IN ({})".format(
                    quote(historical._meta.db_table),
                    ", ".join(targets),
                    ", ".join([*sources, *constants]),
                    quote(meta.db_table),
                    quote(meta.db_table),
                    quote(meta.pk.column),
                    ", ".join(["%s"] * len(batch)),
                ),
                [*constant_params, *batch],
            )


def update_with_history(queryset, user, reason, **changes):
    """
    ``queryset.update(**changes)`` that records a version of every row it changes, for the admin's
    bulk actions. Returns the number of rows updated.
    """
    model = queryset.model
    if not has_history(model):
        return queryset.update(**changes)
    using = queryset.db
    with transaction.atomic(using=using):
        pks = list(queryset.order_by().values_list("pk", flat=True))
        count = 0
        for start in range(0, len(pks), BATCH):
            batch = pks[start : start + BATCH]
            count += model._base_manager.using(using).filter(pk__in=batch).update(**changes)
        date = changes.get("updated")
        if not isinstance(date, datetime.datetime):
            date = timezone.now()
        record_history(model, pks, "~", user=user, reason=reason, date=date, using=using)
    return count


def approval_reason(proposer):
    name = (proposer.get_full_name() or proposer.get_username()) if proposer else "someone"
    return f"{APPROVAL_PREFIX}{name}"[:100]


def how(record):
    """How a version was made, in words: 'Form', 'Bulk action (publish)', 'Import'..."""
    reason = record.history_change_reason or ""
    kind = HISTORY_TYPES.get(record.history_type, "")
    if reason == FORM:
        return {"+": "Added in the form", "-": "Deleted in the admin"}.get(
            record.history_type, "Edited in the form"
        )
    if reason.startswith(BULK_PREFIX):
        return f"Bulk action ({reason[len(BULK_PREFIX) :]})"
    if reason == IMPORT:
        return f"Collection import ({kind.lower() or 'changed'})"
    if reason == FILE:
        return f"Imported from a file ({kind.lower() or 'changed'})"
    if reason.startswith(REVERT_PREFIX):
        when = reason[len(REVERT_PREFIX) :]
        with contextlib.suppress(ValueError):
            when = date_format(
                timezone.localtime(datetime.datetime.fromisoformat(when)), "j M Y, H:i:s"
            )
        return f"Reverted to the version of {when}"
    if reason.startswith(APPROVAL_PREFIX):
        return f"Change proposed by {reason[len(APPROVAL_PREFIX) :]}, approved in review"
    if reason == RESTORE:
        return "Restored after deletion"
    return reason or kind
