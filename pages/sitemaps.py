from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from desk.models import CollectionState
from donors.models import Country, Donor
from exhibitions.models import Exhibition, Showroom
from gifts.models import Gift, Leader, Occasion


class PageSitemap(Sitemap):
    """The site's fixed pages, by URL name."""

    changefreq = "weekly"

    def items(self):
        return [
            "home",
            "gifts:list",
            "gifts:leaders",
            "donors:list",
            "donors:countries",
            "gifts:occasions",
            "exhibitions:visit",
            "exhibitions:list",
            "statistics",
        ]

    def location(self, item):
        return reverse(item)


class GiftSitemap(Sitemap):
    """
    Every published gift's page, 5,000 to a sitemap page. A page is read as rows of two columns
    in one query (and a count), never as model instances; ordered by id, so that new gifts add
    to the last page instead of shifting every page.
    """

    limit = 5000
    changefreq = "monthly"

    def items(self):
        return (
            Gift.objects.published()
            .documented()
            .order_by("id")
            .values_list("accession_number", "updated", named=True)
        )

    def location(self, item):
        return reverse("gifts:detail", kwargs={"accession_number": item.accession_number})

    def lastmod(self, item):
        return item.updated

    def get_latest_lastmod(self):
        # Django's default reads every item for the index. The collection's version moves on
        # whenever a visitor-visible record changes, which is a close enough bound: one query.
        return CollectionState.current_key()[1]


class RecordSitemap(Sitemap):
    """The pages of one kind of record, by their get_absolute_url."""

    limit = 5000
    changefreq = "monthly"

    def __init__(self, queryset):
        self.queryset = queryset

    def items(self):
        return self.queryset.order_by("pk")


SITEMAPS = {
    "pages": PageSitemap,
    "gifts": GiftSitemap,
    "leaders": RecordSitemap(Leader.objects.all()),
    "countries": RecordSitemap(Country.objects.documented()),
    "donors": RecordSitemap(Donor.objects.public().documented().only("slug")),
    "occasions": RecordSitemap(Occasion.objects.public().documented().only("slug")),
    "showrooms": RecordSitemap(Showroom.objects.with_gifts().only("slug")),
    "exhibitions": RecordSitemap(Exhibition.objects.published().only("slug")),
}
