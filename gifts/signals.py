"""A gift's search text follows the names it is built from (cached pages: desk.renewal)."""

from django.db.models.signals import post_save

from donors.models import Country, Donor
from gifts.models import Category, Gift, Leader, Occasion
from gifts.search import reindex

# A gift's search text carries its donor's, country's, occasion's, category's and leader's names:
# when one of those records is saved, its gifts' search text is brought up to date.
SEARCHED_THROUGH = {
    Donor: "donor",
    Country: "country",
    Occasion: "occasion",
    Category: "category",
    Leader: "leader",
}


def refresh_search_text(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    reindex(Gift.objects.filter(**{SEARCHED_THROUGH[sender]: instance}))


for model in SEARCHED_THROUGH:
    post_save.connect(refresh_search_text, sender=model, dispatch_uid=f"search-{model.__name__}")
