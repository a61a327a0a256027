"""
Sources and facts have had a history since 0008 / exhibitions 0005: record the version each
existing row is at, so that their history pages start with the record as it was, not empty.
"""

from django.db import migrations
from django.utils import timezone

REASON = "first version"


def first_versions(apps, schema_editor):
    now = timezone.now()
    for app_label, name in (("gifts", "Source"), ("exhibitions", "Fact")):
        model = apps.get_model(app_label, name)
        historical = apps.get_model(app_label, f"Historical{name}")
        if historical.objects.exists():
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        historical.objects.bulk_create(
            (
                historical(
                    **{attname: getattr(row, attname) for attname in fields},
                    history_date=now,
                    history_type="+",
                    history_change_reason=REASON,
                )
                for row in model._base_manager.iterator()
            ),
            batch_size=1000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("gifts", "0009_review_everything"),
        ("exhibitions", "0005_review_everything"),
    ]

    operations = [migrations.RunPython(first_versions, migrations.RunPython.noop)]
