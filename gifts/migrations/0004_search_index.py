"""
The full-text index behind gifts.search: a stored tsvector with a GIN index on PostgreSQL, an
external-content FTS5 table kept in step by triggers on SQLite. Existing gifts get their search
text computed here.
"""

from django.db import migrations

def install(apps, schema_editor):
    from gifts.search import install_search_index

    install_search_index(schema_editor.connection)


def uninstall(apps, schema_editor):
    from gifts.search import uninstall_search_index

    uninstall_search_index(schema_editor.connection)


def compute_search_text(apps, schema_editor):
    from gifts.search import document

    Gift = apps.get_model("gifts", "Gift")
    gifts = Gift.objects.select_related("donor", "country", "occasion", "category", "leader")
    changed = []
    for gift in gifts.iterator(chunk_size=2000):
        gift.search_title, gift.search_body = document(
            title=gift.title,
            donor=gift.donor.name,
            donor_original=gift.donor.name_original,
            donor_title=gift.donor_title,
            country=gift.country.name,
            occasion=gift.occasion.name if gift.occasion_id else "",
            category=gift.category.name,
            recipient=gift.leader.name if gift.leader_id else gift.recipient_institution,
            description=gift.description,
            note=gift.note,
            materials=gift.materials,
        )
        changed.append(gift)
    Gift.objects.bulk_update(changed, ["search_title", "search_body"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("gifts", "0003_search_text")]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(compute_search_text, migrations.RunPython.noop),
    ]
