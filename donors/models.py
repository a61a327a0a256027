from django.db import models
from django.urls import reverse

from museum.history import HistoricalRecords
from museum.models import AuditedModel, PublicationStatus


class Continent(models.TextChoices):
    AFRICA = "Africa", "Africa"
    ASIA = "Asia", "Asia"
    EUROPE = "Europe", "Europe"
    NORTH_AMERICA = "North America", "North America"
    SOUTH_AMERICA = "South America", "South America"
    OCEANIA = "Oceania", "Oceania"


class CountryQuerySet(models.QuerySet):
    def documented(self):
        return self.filter(is_specimen=False)


class Country(AuditedModel):
    """
    The state a donor acted for when the gift changed hands. Gifts came from states that no longer
    exist (the Soviet Union, the GDR), so historical countries are kept with their successors.
    """

    code = models.CharField(
        "ISO 3166 code",
        max_length=3,
        unique=True,
        help_text="ISO 3166-1 alpha-3 code (RUS), or ISO 3166-3 for a former state (SUN).",
    )
    name = models.CharField("name", max_length=120)
    continent = models.CharField("continent", max_length=20, choices=Continent.choices)
    is_historical = models.BooleanField(
        "historical", default=False, help_text="A state that no longer exists."
    )
    successor = models.ForeignKey(
        "self",
        verbose_name="successor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="The state that took its place, if there is one.",
    )
    is_specimen = models.BooleanField(
        "synthetic specimen",
        default=False,
        editable=False,
        help_text="Made by generate_specimens for scale testing; not part of the collection.",
    )

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "country"
        verbose_name_plural = "countries"
        indexes = [models.Index(fields=["continent", "name"], name="country_continent_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("donors:country", kwargs={"code": self.code})


class DonorQuerySet(models.QuerySet):
    def documented(self):
        return self.filter(is_specimen=False)


class Donor(AuditedModel):
    """
    A person or body that gave a gift to one of the leaders (or received one from them). Titles
    change over time, so the title held at the time is recorded on each gift, not here.
    """

    class Kind(models.TextChoices):
        HEAD_OF_STATE = "head_of_state", "Head of state"
        GOVERNMENT_OFFICIAL = "government_official", "Government official"
        PARTY_OR_ORGANISATION = "party_or_organisation", "Party or organisation"
        INDIVIDUAL = "individual", "Individual"

    name = models.CharField("name", max_length=200, help_text="As commonly written in English.")
    name_original = models.CharField(
        "name in the original script",
        max_length=200,
        blank=True,
        help_text="For example Владимир Путин or 習近平.",
    )
    slug = models.SlugField(
        "slug", max_length=200, unique=True, help_text="Used in the web address."
    )
    kind = models.CharField("kind", max_length=30, choices=Kind.choices)
    country = models.ForeignKey(
        Country,
        verbose_name="country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donors",
        help_text="The state the donor acted for.",
    )
    biography = models.TextField("biography", blank=True)
    status = models.CharField(
        "status",
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text="Visitors see published donors only; a change to a published donor waits for a "
        "curator's review.",
    )
    is_specimen = models.BooleanField(
        "synthetic specimen",
        default=False,
        editable=False,
        help_text="Made by generate_specimens for scale testing; not part of the collection.",
    )

    objects = DonorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "donor"
        verbose_name_plural = "donors"
        permissions = [("publish_donor", "Can publish, unpublish and send back donors in review")]
        indexes = [models.Index(fields=["name"], name="donor_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("donors:detail", kwargs={"slug": self.slug})
