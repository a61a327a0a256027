"""Any change a visitor could see moves the collection version on (see gifts.listing)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from donors.models import Country, Donor
from exhibitions.models import Building, Exhibition, ExhibitionItem, Showroom
from gifts.models import Category, Citation, Gift, GiftImage, Leader, Occasion, Source
from museum.models import CollectionState

WATCHED = [
    Gift,
    GiftImage,
    Citation,
    Leader,
    Category,
    Occasion,
    Source,
    Donor,
    Country,
    Building,
    Showroom,
    Exhibition,
    ExhibitionItem,
]


def collection_changed(**kwargs):
    if not kwargs.get("raw"):
        CollectionState.bump()


for model in WATCHED:
    post_save.connect(collection_changed, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
    post_delete.connect(
        collection_changed, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
    )


@receiver(m2m_changed, sender=Gift.resolutions.through, dispatch_uid="bump-resolutions")
def resolutions_changed(action, **kwargs):
    if action.startswith("post_"):
        CollectionState.bump()


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
    from gifts.search import reindex

    reindex(Gift.objects.filter(**{SEARCHED_THROUGH[sender]: instance}))


for model in SEARCHED_THROUGH:
    post_save.connect(refresh_search_text, sender=model, dispatch_uid=f"search-{model.__name__}")
