"""
The language of a donor's original name (a BCP 47 tag, for the lang attribute pages set on it)
and both names folded for the donor list's search. Existing donors get their search name here.
"""

from django.db import migrations, models

import donors.models


def fill_search_names(apps, schema_editor):
    Donor = apps.get_model("donors", "Donor")
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} = %s WHERE {} = %s".format(
        quote(Donor._meta.db_table), quote("search_name"), quote("id")
    )
    rows = [
        (donors.models.donor_search_name(name, original), pk)
        for pk, name, original in Donor.objects.values_list("pk", "name", "name_original")
        .order_by("pk")
        .iterator(chunk_size=5000)
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


class Migration(migrations.Migration):

    dependencies = [
        ('donors', '0002_history'),
    ]

    operations = [
        migrations.AddField(
            model_name='donor',
            name='name_original_lang',
            field=models.CharField(blank=True, help_text='A BCP 47 language tag, so that browsers and screen readers read the name right: ru, zh-Hans, ko, ar, my, sr-Cyrl, de, es.', max_length=35, validators=[donors.models.validate_language_tag], verbose_name='language of the original name'),
        ),
        migrations.AddField(
            model_name='donor',
            name='search_name',
            field=models.TextField(blank=True, editable=False, verbose_name='search name'),
        ),
        migrations.AddField(
            model_name='historicaldonor',
            name='name_original_lang',
            field=models.CharField(blank=True, help_text='A BCP 47 language tag, so that browsers and screen readers read the name right: ru, zh-Hans, ko, ar, my, sr-Cyrl, de, es.', max_length=35, validators=[donors.models.validate_language_tag], verbose_name='language of the original name'),
        ),
        migrations.AlterField(
            model_name='donor',
            name='name_original',
            field=models.CharField(blank=True, help_text='For example Владимир Путин or 习近平.', max_length=200, verbose_name='name in the original script'),
        ),
        migrations.AlterField(
            model_name='historicaldonor',
            name='name_original',
            field=models.CharField(blank=True, help_text='For example Владимир Путин or 习近平.', max_length=200, verbose_name='name in the original script'),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
    ]
