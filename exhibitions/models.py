from django.db import models
from django.urls import reverse

from desk.history import HistoricalRecords
from desk.models import AuditedModel, PublicationStatus, reached_by_published, status_field
from donors.models import Continent

PUBLISHED = PublicationStatus.PUBLISHED


class BuildingQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status=PUBLISHED)


class FactQuerySet(models.QuerySet):
    def public(self):
        """Reviewed facts about the museum, or about a building visitors can see."""
        return self.filter(
            models.Q(building=None) | models.Q(building__status=PUBLISHED), status=PUBLISHED
        )


class ShowroomQuerySet(models.QuerySet):
    def public(self):
        """Reviewed rooms of a reviewed building."""
        return self.filter(status=PUBLISHED, building__status=PUBLISHED)

    def with_gifts(self):
        """Public rooms that hold a published gift: the ones offered as somewhere to go."""
        return self.public().filter(reached_by_published(self, "gifts"))


class Building(AuditedModel):
    """One of the exhibition's buildings; its figures are kept as facts with their sources."""

    name = models.CharField("name", max_length=200, unique=True)
    slug = models.SlugField("slug", max_length=200, unique=True)
    name_korean = models.CharField("name in Korean", max_length=100, blank=True)
    opened = models.DateField("opened", null=True, blank=True)
    storeys = models.PositiveSmallIntegerField("storeys", null=True, blank=True)
    description = models.TextField("description", blank=True)
    order = models.PositiveSmallIntegerField(
        "order", default=0, help_text="Order on the visit page."
    )
    status = status_field("buildings")

    objects = BuildingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "building"
        verbose_name_plural = "buildings"
        permissions = [
            ("publish_building", "Can publish, unpublish and send back buildings in review")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("exhibitions:visit") + f"#{self.slug}"


class Fact(AuditedModel):
    """
    A figure about the museum or one of its buildings, with the source that gives it. Sources
    disagree (the number of showrooms, the floor area), so one subject may carry several facts.
    """

    building = models.ForeignKey(
        Building,
        verbose_name="building",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="facts",
        help_text="Empty for a fact about the whole museum.",
    )
    topic = models.CharField(
        "topic", max_length=100, help_text="What the figure measures: 'Opened', 'Showrooms'."
    )
    value = models.CharField("value", max_length=300)
    source = models.ForeignKey(
        "gifts.Source",
        verbose_name="source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facts",
    )
    attribution = models.CharField(
        "attribution",
        max_length=200,
        blank=True,
        help_text="Who gives this figure, when no catalogued source fits: 'Lonely Planet'.",
    )
    order = models.PositiveSmallIntegerField("order", default=0)
    status = status_field("facts")

    objects = FactQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["building__order", "order", "id"]
        verbose_name = "fact"
        verbose_name_plural = "facts"
        permissions = [("publish_fact", "Can publish, unpublish and send back facts in review")]

    def __str__(self):
        return f"{self.topic}: {self.value}"

    @property
    def public_source(self):
        """The source, while a curator has published it: a draft source (its title, its address)
        is not shown on the fact's public pages."""
        if self.source_id and self.source.status == PUBLISHED:
            return self.source
        return None

    @property
    def cited_as(self):
        source = self.public_source
        return self.attribution or (source.publisher if source else "")


class Showroom(AuditedModel):
    """A room of the exhibition, arranged by continent, country, period or kind of object."""

    class Theme(models.TextChoices):
        CONTINENT = "continent", "Continent"
        COUNTRY = "country", "Country"
        PERIOD = "period", "Period"
        VEHICLES = "vehicles", "Vehicles"
        WAX_FIGURES = "wax_figures", "Wax figures"
        OTHER = "other", "Other"

    building = models.ForeignKey(
        Building, verbose_name="building", on_delete=models.PROTECT, related_name="showrooms"
    )
    code = models.CharField(
        "code", max_length=20, unique=True, help_text="Short room code, such as KIS-1-03."
    )
    name = models.CharField("name", max_length=200)
    slug = models.SlugField("slug", max_length=200, unique=True)
    floor = models.SmallIntegerField("floor", default=1, help_text="Ground floor is 1.")
    theme = models.CharField("theme", max_length=20, choices=Theme.choices)
    continent = models.CharField("continent", max_length=20, choices=Continent.choices, blank=True)
    country = models.ForeignKey(
        "donors.Country",
        verbose_name="country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="showrooms",
    )
    period_start = models.PositiveSmallIntegerField("period from (year)", null=True, blank=True)
    period_end = models.PositiveSmallIntegerField("period to (year)", null=True, blank=True)
    tour_order = models.PositiveSmallIntegerField(
        "tour order", default=0, help_text="Where the room comes on a visitor's tour."
    )
    description = models.TextField("description", blank=True)
    status = status_field("showrooms")

    objects = ShowroomQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["building__order", "tour_order", "code"]
        verbose_name = "showroom"
        verbose_name_plural = "showrooms"
        permissions = [
            ("publish_showroom", "Can publish, unpublish and send back showrooms in review")
        ]
        indexes = [models.Index(fields=["building", "tour_order"], name="showroom_tour")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("exhibitions:showroom", kwargs={"slug": self.slug})


class ExhibitionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)


class Exhibition(AuditedModel):
    """A curated selection of gifts around a theme, with the curator's words for each."""

    title = models.CharField("title", max_length=200)
    slug = models.SlugField("slug", max_length=200, unique=True)
    introduction = models.TextField("introduction", blank=True)
    start_date = models.DateField("opens", null=True, blank=True)
    end_date = models.DateField("closes", null=True, blank=True, help_text="Empty if permanent.")
    status = models.CharField(
        "status", max_length=10, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    gifts = models.ManyToManyField(
        "gifts.Gift", verbose_name="gifts", through="ExhibitionItem", related_name="exhibitions"
    )

    objects = ExhibitionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = "exhibition"
        verbose_name_plural = "exhibitions"
        permissions = [
            ("publish_exhibition", "Can publish, unpublish and send back exhibitions in review")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=False, end_date__gte=models.F("start_date")),
                name="exhibition_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("exhibitions:detail", kwargs={"slug": self.slug})


class ExhibitionItem(models.Model):
    """A gift in an exhibition, in the curator's order, with a caption."""

    exhibition = models.ForeignKey(
        Exhibition, verbose_name="exhibition", on_delete=models.CASCADE, related_name="items"
    )
    gift = models.ForeignKey(
        "gifts.Gift",
        verbose_name="gift",
        on_delete=models.PROTECT,
        related_name="exhibition_items",
    )
    caption = models.TextField("curator's caption", blank=True)
    order = models.PositiveSmallIntegerField("order", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "exhibition item"
        verbose_name_plural = "exhibition items"
        constraints = [
            models.UniqueConstraint(fields=["exhibition", "gift"], name="exhibition_item_unique")
        ]

    def __str__(self):
        return f"{self.exhibition}: {self.gift}"
