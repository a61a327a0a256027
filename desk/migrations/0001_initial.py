"""
The desk's own records: the collection version, review notes and pending changes.

They were made by the project package's app ("museum", migrations 0001-0005) before the desk had a
room of its own. Their tables keep their names (db_table), and a database made before the move
keeps every row: this migration only tells Django the models are the desk's now, creates a table
where it is missing (a new database), and hands the old content types to the desk, so the
permissions the roles hold and the admin's log entries follow the models.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["collectionstate", "reviewnote", "pendingchange"]


def adopt_content_types(apps, schema_editor):
    """museum.<model> becomes desk.<model>: its permissions (and the groups holding them) stay."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label="desk").values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label="museum", model__in=MODELS).exclude(
        model__in=taken
    ).update(app_label="desk")


def give_back_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="desk", model__in=MODELS
    ).update(app_label="museum")


def create_missing_tables(apps, schema_editor):
    """A new database gets the tables; one made before the move already has them, rows and all."""
    existing = set(schema_editor.connection.introspection.table_names())
    for name in MODELS:
        model = apps.get_model("desk", name)
        if model._meta.db_table not in existing:
            schema_editor.create_model(model)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(adopt_content_types, give_back_content_types),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CollectionState",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "version",
                            models.PositiveBigIntegerField(default=1, verbose_name="version"),
                        ),
                        ("changed", models.DateTimeField(auto_now=True, verbose_name="changed")),
                    ],
                    options={
                        "verbose_name": "collection state",
                        "verbose_name_plural": "collection state",
                        "db_table": "museum_collectionstate",
                    },
                ),
                migrations.CreateModel(
                    name="PendingChange",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("object_id", models.PositiveBigIntegerField(verbose_name="record id")),
                        (
                            "record_name",
                            models.CharField(
                                help_text="The record's name when the change was proposed.",
                                max_length=300,
                                verbose_name="record",
                            ),
                        ),
                        (
                            "created",
                            models.DateTimeField(auto_now_add=True, verbose_name="proposed"),
                        ),
                        (
                            "data",
                            models.JSONField(
                                help_text="The admin form's fields as posted: name to list of values.",
                                verbose_name="submitted form",
                            ),
                        ),
                        (
                            "fields",
                            models.JSONField(
                                default=list,
                                help_text="The record fields the proposer's form had.",
                                verbose_name="form fields",
                            ),
                        ),
                        (
                            "base_version",
                            models.DateTimeField(
                                help_text="When the live record was last saved, as the proposer saw it.",
                                null=True,
                                verbose_name="made against",
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting for review"),
                                    ("sent_back", "Sent back"),
                                    ("approved", "Approved"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "reviewed",
                            models.DateTimeField(blank=True, null=True, verbose_name="reviewed"),
                        ),
                        (
                            "comment",
                            models.TextField(
                                blank=True,
                                help_text="Why it was sent back, for the proposer.",
                                verbose_name="reviewer's comment",
                            ),
                        ),
                        (
                            "author",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="proposed by",
                            ),
                        ),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="contenttypes.contenttype",
                                verbose_name="kind of record",
                            ),
                        ),
                        (
                            "reviewer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reviewed by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "pending change",
                        "verbose_name_plural": "pending changes",
                        "db_table": "museum_pendingchange",
                        "ordering": ["-created", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["content_type", "object_id", "state"],
                                name="pendingchange_record",
                            ),
                            models.Index(fields=["state", "created"], name="pendingchange_queue"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("state", "pending")),
                                fields=("content_type", "object_id"),
                                name="pendingchange_one_per_record",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ReviewNote",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("object_id", models.PositiveBigIntegerField(verbose_name="record id")),
                        (
                            "status",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("draft", "Draft"),
                                    ("review", "In review"),
                                    ("published", "Published"),
                                ],
                                help_text="The status the record was given with this note, if it changed.",
                                max_length=10,
                                verbose_name="status set",
                            ),
                        ),
                        ("text", models.TextField(verbose_name="comment")),
                        (
                            "created",
                            models.DateTimeField(auto_now_add=True, verbose_name="written"),
                        ),
                        (
                            "author",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="author",
                            ),
                        ),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="contenttypes.contenttype",
                                verbose_name="kind of record",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "review note",
                        "verbose_name_plural": "review notes",
                        "db_table": "museum_reviewnote",
                        "ordering": ["-created", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["content_type", "object_id", "created"],
                                name="reviewnote_record",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Reversing leaves the tables: they hold the records, and were not made here on an old
        # database. (A new database that is migrated back to zero keeps three empty tables.)
        migrations.RunPython(create_missing_tables, migrations.RunPython.noop),
    ]
