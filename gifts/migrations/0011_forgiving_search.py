"""
Search forgives word forms, scripts and sanctions words: the full-text index stems every word
(SQLite's porter tokenizer, PostgreSQL's snowball "porter" dictionary), and each gift's stored
search text gains its donor's name in Latin letters, names run together ("kimjongun") and its
sanctions assessment with the resolutions' numbers (gifts.search). The old index is dropped, the
text computed again without it, and the new index built once over the new text.
"""

from django.db import migrations

BATCH = 2000


def rebuild(apps, schema_editor):
    from gifts.search import install_search_index, reindex, uninstall_search_index

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # PostgreSQL alters no table with foreign-key checks still pending in the transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    uninstall_search_index(connection)
    Gift = apps.get_model("gifts", "Gift")
    ids = list(Gift.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        reindex(Gift.objects.filter(pk__in=ids[start : start + BATCH]))
    install_search_index(connection)


class Migration(migrations.Migration):
    dependencies = [("gifts", "0010_first_versions")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
