"""
How imported records are written: the one writing path of both imports, the seed data's
(gifts.importer, ``manage.py import_collection``) and the admin's CSV and Excel import
(desk.imports, which hands django-import-export's bulk mode to it).

Each import decides, row by row, what to create and what to change (and checks every row before
anything is written); this module writes those decisions in bulk, as ``Model.save()`` would have
written them one by one:

- the values a model computes from its others (``derived_values()``: a gift's slug and search
  text, a donor's search name) are computed by the same method ``save()`` calls;
- the ``auto_now`` date of every changed record moves on;
- new records are inserted in batches that fit the database's parameter limit, changed ones
  updated with one prepared UPDATE run for every row;
- ``records_written`` is sent, for what a post_save receiver would have done (gifts.signals
  brings the search text of a renamed donor's gifts up to date).

Versions (desk.history.record_history) and the collection version (desk.models.CollectionState)
are recorded once per import by its caller, after the last write.
"""

from django.db import connections, router
from django.dispatch import Signal
from django.utils import timezone

# PostgreSQL takes at most 65,535 parameters in one statement (with server-side binding, which
# the project uses), so writes are batched by their parameter count.
MAX_PARAMETERS = 60_000
# Rows per executemany() of an UPDATE.
UPDATE_BATCH = 5000

# Sent after write(): sender is the model; created and updated are lists of primary keys, fields
# the names of the fields the updates wrote.
records_written = Signal()


def create_batch(model):
    """Rows per INSERT: as many as fit the parameter limit (PostgreSQL's UNNEST insert needs one
    per column, but Django falls back to one per value for some column types)."""
    return max(100, MAX_PARAMETERS // len(model._meta.concrete_fields))


def derive(obj):
    """Set the values ``obj`` computes from its others (``derived_values()``, which
    AuditedModel.save() uses too); returns the names of those that changed."""
    values = obj.derived_values() if hasattr(obj, "derived_values") else {}
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def update_rows(model, objects, fields, using=None):
    """
    Write ``fields`` of ``objects`` with one UPDATE statement run for every row (executemany:
    psycopg pipelines it, SQLite prepares it once). Django's bulk_update builds a CASE WHEN with
    a branch per row, which PostgreSQL evaluates for every row: 82,000 changed gifts took six
    minutes that way, against seconds here.
    """
    if not objects or not fields:
        return
    connection = connections[using or router.db_for_write(model)]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(column.column)} = %s" for column in columns),
        quote(meta.pk.column),
    )
    rows = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_BATCH):
            cursor.executemany(sql, rows[start : start + UPDATE_BATCH])


def write(model, created=(), updated=(), fields=(), now=None):
    """
    Insert the ``created`` records and write ``fields`` of the ``updated`` ones (attribute names:
    ``country_id``, not ``country``), with the ``auto_now`` dates of the updated ones set to
    ``now``. Derived values must already be set (derive()). Returns (created pks, updated pks).
    """
    created, updated = list(created), list(updated)
    fields = list(dict.fromkeys(fields))
    if updated:
        now = now or timezone.now()
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False):
                for obj in updated:
                    setattr(obj, field.attname, now)
                if field.attname not in fields:
                    fields.append(field.attname)
    # bulk_create fills auto_now and auto_now_add itself (each field's pre_save).
    model.objects.bulk_create(created, batch_size=create_batch(model))
    update_rows(model, updated, fields)
    created_pks = [obj.pk for obj in created]
    updated_pks = [obj.pk for obj in updated]
    records_written.send(sender=model, created=created_pks, updated=updated_pks, fields=fields)
    return created_pks, updated_pks
