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
