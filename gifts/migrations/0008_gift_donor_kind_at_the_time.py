"""
The kind of donor at the time of each gift, as the title at the time is kept: existing gifts take
their donor's kind. The search text of gifts that carry a letter with no Unicode decomposition
(Đ, Ł, Ø ...) is computed again, now that gifts.search folds those letters.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def fill_donor_kind(apps, schema_editor):
    Gift = apps.get_model("gifts", "Gift")
    Donor = apps.get_model("donors", "Donor")
    kind = Donor.objects.filter(pk=OuterRef("donor_id")).values("kind")[:1]
    Gift.objects.filter(donor_kind="").update(donor_kind=Subquery(kind))


def refold_search_text(apps, schema_editor):
    from gifts.search import document
    from desk.text import LETTERS

    Gift = apps.get_model("gifts", "Gift")
    # The search text is stored lower case: only the lower-case letters can be in it.
    letters = [chr(code) for code in LETTERS if chr(code).islower()]
    affected = Q()
    for letter in letters:
        affected |= Q(search_title__contains=letter) | Q(search_body__contains=letter)
    gifts = Gift.objects.filter(affected).select_related(
        "donor", "country", "occasion", "category", "leader"
    )
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

    dependencies = [
        ('donors', '0003_donor_original_name_language_and_search_name'),
        ('gifts', '0007_review'),
    ]

    operations = [
        migrations.AddField(
            model_name='gift',
            name='donor_kind',
            field=models.CharField(blank=True, choices=[('head_of_state', 'Head of state'), ('government_official', 'Government official'), ('party_or_organisation', 'Party or organisation'), ('individual', 'Individual')], help_text="What the donor was when the gift changed hands, as the title is (Xi Jinping gave as Vice President in 2008, as head of state in 2019). Left empty, the donor's present kind is filled in.", max_length=30, verbose_name='kind of donor at the time'),
        ),
        migrations.AddField(
            model_name='historicalgift',
            name='donor_kind',
            field=models.CharField(blank=True, choices=[('head_of_state', 'Head of state'), ('government_official', 'Government official'), ('party_or_organisation', 'Party or organisation'), ('individual', 'Individual')], help_text="What the donor was when the gift changed hands, as the title is (Xi Jinping gave as Vice President in 2008, as head of state in 2019). Left empty, the donor's present kind is filled in.", max_length=30, verbose_name='kind of donor at the time'),
        ),
        migrations.RunPython(fill_donor_kind, migrations.RunPython.noop),
        migrations.RunPython(refold_search_text, migrations.RunPython.noop),
    ]
