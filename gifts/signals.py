"""A gift's search text follows the names it is built from (cached pages: desk.renewal)."""

from django.db.models.signals import m2m_changed, post_save

from desk.writing import records_written
from donors.models import Country, Donor
from gifts.models import Category, Gift, Leader, Occasion
from gifts.search import reindex

# A gift's search text carries its donor's, country's, occasion's, category's and leader's names:
# when one of those records is saved, or changed by an import, its gifts' search text is brought
# up to date.
SEARCHED_THROUGH = {
    Donor: "donor",
    Country: "country",
    Occasion: "occasion",
    Category: "category",
    Leader: "leader",
}
# Records per look-up of their gifts (well under the databases' parameter limits).
BATCH = 2000


def refresh_search_text(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    reindex(Gift.objects.filter(**{SEARCHED_THROUGH[sender]: instance}))


def refresh_after_import(sender, updated, **kwargs):
    for start in range(0, len(updated), BATCH):
        batch = updated[start : start + BATCH]
        reindex(Gift.objects.filter(**{f"{SEARCHED_THROUGH[sender]}__in": batch}))


for model in SEARCHED_THROUGH:
    post_save.connect(refresh_search_text, sender=model, dispatch_uid=f"search-{model.__name__}")
    records_written.connect(
        refresh_after_import, sender=model, dispatch_uid=f"search-import-{model.__name__}"
    )


# A gift's search text carries the numbers of the resolutions it is said to contravene ("1718"),
# and the links are written after the gift: in the admin (m2m_changed) and by the importers
# (records_written of the link table).
RESOLUTION_LINKS = Gift.resolutions.through


def refresh_after_resolution_links(sender, instance, action, pk_set, **kwargs):
    if isinstance(instance, Gift):
        if action in ("post_add", "post_remove", "post_clear"):
            reindex(Gift.objects.filter(pk=instance.pk))
    elif action == "pre_clear":  # a resolution's links cleared: which gifts, asked before
        instance._cleared_gifts = list(instance.gifts.values_list("pk", flat=True))
    elif action == "post_clear":
        reindex(Gift.objects.filter(pk__in=instance.__dict__.pop("_cleared_gifts", ())))
    elif action in ("post_add", "post_remove"):
        reindex(Gift.objects.filter(pk__in=pk_set))


def refresh_after_imported_links(sender, created, updated, **kwargs):
    links = list(created) + list(updated)
    for start in range(0, len(links), BATCH):
        batch = links[start : start + BATCH]
        gift_ids = RESOLUTION_LINKS.objects.filter(pk__in=batch).values("gift_id")
        reindex(Gift.objects.filter(pk__in=gift_ids))


m2m_changed.connect(
    refresh_after_resolution_links, sender=RESOLUTION_LINKS, dispatch_uid="search-resolutions"
)
records_written.connect(
    refresh_after_imported_links,
    sender=RESOLUTION_LINKS,
    dispatch_uid="search-import-resolutions",
)
