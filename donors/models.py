import contextlib

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from desk.history import HistoricalRecords
from desk.models import AuditedModel, PublicationStatus, reached_by_published, status_field
from desk.text import fold, language_tag


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


def validate_language_tag(value):
    try:
        language_tag(value)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_language") from None


def donor_search_name(name, name_original):
    """What the donor list's search looks in: both names, lower case, without diacritics."""
    return " ".join(fold(part).casefold() for part in (name, name_original) if part)


class DonorQuerySet(models.QuerySet):
    def documented(self):
        return self.filter(is_specimen=False)

    def public(self):
        """What visitors may see: reviewed donors that a published gift names."""
        return self.filter(reached_by_published(self, "gifts"), status=PublicationStatus.PUBLISHED)

    def search(self, text):
        """Donors whose name, in English or in the original script, holds every word of the
        text, with or without diacritics: "ceausescu" and "Ceaușescu" both find Ceaușescu."""
        words = donor_search_name(text, "").split()
        if not words:
            return self.none()
        return self.filter(*(models.Q(search_name__contains=word) for word in words))


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
        help_text="For example Владимир Путин or 习近平.",
    )
    name_original_lang = models.CharField(
        "language of the original name",
        max_length=35,
        blank=True,
        validators=[validate_language_tag],
        help_text="A BCP 47 language tag, so that browsers and screen readers read the name "
        "right: ru, zh-Hans, ko, ar, my, sr-Cyrl, de, es.",
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
    status = status_field("donors", "a published donor")
    is_specimen = models.BooleanField(
        "synthetic specimen",
        default=False,
        editable=False,
        help_text="Made by generate_specimens for scale testing; not part of the collection.",
    )
    # Both names folded (donor_search_name), for the donor list's search; kept up to date on save.
    search_name = models.TextField("search name", blank=True, editable=False)

    objects = DonorQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_name"])

    class Meta:
        ordering = ["name"]
        verbose_name = "donor"
        verbose_name_plural = "donors"
        permissions = [("publish_donor", "Can publish, unpublish and send back donors in review")]
        indexes = [models.Index(fields=["name"], name="donor_name")]

    def __str__(self):
        return self.name

    def derived_values(self):
        """What a donor computes from its other values (AuditedModel.save, desk.writing)."""
        return {"search_name": donor_search_name(self.name, self.name_original)}

    def get_absolute_url(self):
        return reverse("donors:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.name_original_lang:
            with contextlib.suppress(ValueError):  # the field's validator says why
                self.name_original_lang = language_tag(self.name_original_lang)
        if self.name_original and not self.name_original_lang:
            raise ValidationError(
                {"name_original_lang": "Give the language of the original name (ru, zh-Hans …)."}
            )
        if self.name_original_lang and not self.name_original:
            raise ValidationError(
                {"name_original_lang": "A language is only needed with an original name."}
            )
