import datetime
import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import get_script_prefix, reverse

from desk.history import HistoricalRecords
from desk.models import (
    AuditedModel,
    DatePrecision,
    PublicationStatus,
    format_partial_date,
    reached_by_published,
    status_field,
)
from desk.text import slugify_name
from donors.models import Donor
from gifts.images import make_renditions
from gifts.search import gift_document

# What reverse() leaves as it is (no dot segment): such an accession number is its own path part.
UNQUOTED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


@lru_cache(maxsize=8)
def _gift_address_of_zero(script_prefix):
    return reverse("gifts:detail", kwargs={"accession_number": "0"})


def gift_address(accession_number):
    """
    A gift page's address: what reverse() gives, without resolving the URL patterns again for
    every gift (a listing page links 24 of them, a related section 12 more: reverse() cost a
    card more than the rest of its HTML).
    """
    if not UNQUOTED.fullmatch(accession_number):
        return reverse("gifts:detail", kwargs={"accession_number": accession_number})
    return _gift_address_of_zero(get_script_prefix())[:-2] + accession_number + "/"


class Leader(models.Model):
    """One of the three generations of leaders to whom the gifts were given."""

    code = models.CharField(
        "code", max_length=3, unique=True, help_text="Short code used in data files: KIS, KJI, KJU."
    )
    name = models.CharField("display name", max_length=100, help_text="For example Kim Il Sung.")
    slug = models.SlugField("slug", unique=True, help_text="Used in the web address.")
    name_hyphenated = models.CharField(
        "hyphenated name", max_length=100, blank=True, help_text="For example Kim Il-sung."
    )
    name_hangul = models.CharField("name in Hangul", max_length=20, blank=True)
    name_hanja = models.CharField("name in Hanja", max_length=20, blank=True)
    name_mccune_reischauer = models.CharField("McCune-Reischauer", max_length=100, blank=True)
    name_revised_romanization = models.CharField("Revised Romanization", max_length=100, blank=True)
    generation = models.PositiveSmallIntegerField(
        "generation",
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text="1 for Kim Il Sung, 2 for Kim Jong Il, 3 for Kim Jong Un.",
    )
    born = models.DateField("born", null=True, blank=True)
    born_note = models.CharField(
        "note on the birth date",
        max_length=200,
        blank=True,
        help_text="Where sources disagree, say how: 'official biography gives 1942'.",
    )
    died = models.DateField("died", null=True, blank=True)
    died_note = models.CharField("note on the date of death", max_length=200, blank=True)
    rule_from = models.PositiveSmallIntegerField("in power from (year)", null=True, blank=True)
    rule_to = models.PositiveSmallIntegerField(
        "in power until (year)", null=True, blank=True, help_text="Empty while in power."
    )
    biography = models.TextField("short biography", blank=True)
    building = models.ForeignKey(
        "exhibitions.Building",
        verbose_name="building holding the gifts",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leaders",
        help_text="The building that sources say holds this leader's gifts. Leave empty when no "
        "source says which.",
    )
    building_source = models.ForeignKey(
        "Source",
        verbose_name="source for the building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The source that says which building holds the gifts.",
    )

    class Meta:
        ordering = ["generation"]
        verbose_name = "leader"
        verbose_name_plural = "leaders"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("gifts:leader", kwargs={"slug": self.slug})

    @property
    def public_holding(self):
        """(building, source) when sources say which building holds this leader's gifts and
        curators have published both; None otherwise."""
        building, source = self.building, self.building_source
        if building is None or source is None:
            return None
        published = PublicationStatus.PUBLISHED
        return (building, source) if published == building.status == source.status else None

    def clean(self):
        if self.building_id and not self.building_source_id:
            raise ValidationError(
                {"building_source": "Name the source that says this building holds the gifts."}
            )

    @property
    def spellings(self):
        """Every way the leader's name is written, for search."""
        names = [
            self.name,
            self.name_hyphenated,
            self.name_hangul,
            self.name_hanja,
            self.name_mccune_reischauer,
            self.name_revised_romanization,
        ]
        return [name for name in dict.fromkeys(names) if name]


class Category(models.Model):
    """A controlled list of kinds of object, so that visitors can browse like with like."""

    name = models.CharField("name", max_length=100, unique=True)
    slug = models.SlugField("slug", max_length=100, unique=True)
    description = models.TextField("description", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "category"
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("gifts:list") + f"?category={self.slug}"


class OccasionQuerySet(models.QuerySet):
    def documented(self):
        return self.filter(is_specimen=False)

    def public(self):
        """What visitors may see: reviewed occasions at which a published gift changed hands."""
        return self.filter(reached_by_published(self, "gifts"), status=PublicationStatus.PUBLISHED)


class Occasion(AuditedModel):
    """A visit, summit or event where gifts changed hands, often in both directions."""

    class Kind(models.TextChoices):
        STATE_VISIT = "state_visit", "State or official visit"
        SUMMIT = "summit", "Summit"
        DELEGATION = "delegation", "Delegation"
        ANNIVERSARY = "anniversary", "Anniversary or birthday"
        DELIVERY = "delivery", "Delivery"
        OTHER = "other", "Other"

    name = models.CharField("name", max_length=255, unique=True)
    slug = models.SlugField("slug", max_length=255, unique=True)
    kind = models.CharField("kind", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    start_date = models.DateField("start date", null=True, blank=True)
    end_date = models.DateField("end date", null=True, blank=True)
    date_precision = models.CharField(
        "date precision",
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How much of the start date is known.",
    )
    place = models.CharField("place", max_length=200, blank=True)
    description = models.TextField("description", blank=True)
    status = status_field("occasions")
    is_specimen = models.BooleanField("synthetic specimen", default=False, editable=False)

    objects = OccasionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "name"]
        verbose_name = "occasion"
        verbose_name_plural = "occasions"
        permissions = [
            ("publish_occasion", "Can publish, unpublish and send back occasions in review")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=False, end_date__gte=models.F("start_date")),
                name="occasion_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("gifts:occasion", kwargs={"slug": self.slug})

    @property
    def display_date(self):
        return format_partial_date(self.start_date, self.date_precision)


class Source(AuditedModel):
    """A publication that a claim about a gift rests on: every fact on the site names one."""

    class Kind(models.TextChoices):
        WIRE = "wire", "News agency"
        PRESS = "press", "Newspaper or magazine"
        TRAVEL = "travel", "Travel writing or guidebook"
        DPRK_STATE_MEDIA = "dprk_state_media", "DPRK state media"
        STATE_MEDIA_OTHER = "state_media_other", "Other state media"

    key = models.CharField(
        "key", max_length=20, unique=True, help_text="Short citation key, such as R23 or BM07."
    )
    publisher = models.CharField("publisher", max_length=200)
    title = models.CharField("title", max_length=300)
    published = models.DateField("published", null=True, blank=True)
    published_precision = models.CharField(
        "precision of the publication date",
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    kind = models.CharField("kind", max_length=20, choices=Kind.choices)
    url = models.URLField("web address", max_length=500, blank=True)
    status = status_field("sources")

    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = "source"
        verbose_name_plural = "sources"
        permissions = [("publish_source", "Can publish, unpublish and send back sources in review")]

    def __str__(self):
        date = self.display_date
        return f"{self.publisher}, {self.title}" + (f" ({date})" if date else "")

    @property
    def display_date(self):
        return format_partial_date(self.published, self.published_precision)


class Resolution(models.Model):
    """A UN Security Council resolution on the DPRK that a gift may contravene."""

    number = models.PositiveIntegerField("number", unique=True)
    adopted = models.DateField("adopted")
    measure = models.TextField("measure", help_text="What the resolution bans, in a sentence.")

    class Meta:
        ordering = ["number"]
        verbose_name = "UN Security Council resolution"
        verbose_name_plural = "UN Security Council resolutions"

    def __str__(self):
        return f"Resolution {self.number} ({self.adopted.year})"


class GiftQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)

    def holdings(self):
        """What the museum holds: received gifts. Gifts the leaders gave away are not held."""
        return self.filter(direction=Gift.Direction.RECEIVED)

    def documented(self):
        return self.filter(is_specimen=False)

    def for_listing(self, images=True):
        """What a gift card shows: its people, place, category and first image, in one query.
        ``images=False`` for gifts known to have none: their three look-ups of the first image
        cost a page of 24 cards as much as the rest of its query."""
        gifts = self.select_related("leader", "donor", "country", "category")
        if not images:
            return gifts
        first_image = GiftImage.objects.filter(gift=models.OuterRef("pk")).order_by("order", "id")
        return gifts.annotate(
            card_image_path=models.Subquery(first_image.values("image")[:1]),
            card_image_alt=models.Subquery(first_image.values("alt_text")[:1]),
            card_image_renditions=models.Subquery(
                first_image.values("renditions")[:1], output_field=models.JSONField()
            ),
        )

    def for_cards(self, images=True):
        """for_listing() with only the columns a card shows (catalogue.cards): the long texts and
        search documents stay in the database."""
        return self.for_listing(images).only(
            "accession_number",
            "title",
            "date_received",
            "date_precision",
            "sanctions",
            "recipient_institution",
            "leader__name",
            "donor__name",
            "country__name",
            "category__name",
            "category__slug",
        )

    def dates(self, field_name, kind, order="ASC"):
        """
        The admin's date hierarchy asks for the distinct years of every gift, which means a date
        function called on each of 115,000 rows. Years are answered from the first and last date
        instead (two index look-ups); months and days, asked within one year, stay exact.
        """
        if kind != "year":
            return super().dates(field_name, kind, order)
        bounds = self.aggregate(first=models.Min(field_name), last=models.Max(field_name))
        if bounds["first"] is None:
            return []
        years = range(bounds["first"].year, bounds["last"].year + 1)
        dates = [datetime.date(year, 1, 1) for year in years]
        return dates if order == "ASC" else dates[::-1]


class Gift(AuditedModel):
    """
    One object that changed hands between a leader and a counterpart: the museum's record of it,
    with how sure we are and the sources that say so.
    """

    class Direction(models.TextChoices):
        RECEIVED = "received", "Received (held by the museum)"
        GIVEN = "given", "Given by the leader in return (not held)"

    class Sanctions(models.TextChoices):
        NONE = "", "No assessment"
        POSSIBLE = "possible", "Possibly contravenes UN sanctions"
        REPORTED = "reported", "Reported as contravening UN sanctions"

    class Confidence(models.TextChoices):
        A = "A", "A: independent press"
        B = "B", "B: a single source or a travel guide"
        C = "C", "C: DPRK state media only"
        D = "D", "D: sources disagree"

    accession_number = models.CharField(
        "accession number",
        max_length=30,
        unique=True,
        help_text="The museum's permanent number for the object, such as IFE-0001. It is the web "
        "address of the record and cannot be changed once saved.",
    )
    title = models.CharField("title", max_length=300, help_text="What the object is.")
    slug = models.SlugField("slug", max_length=300, blank=True, editable=False)
    description = models.TextField("description", blank=True)
    leader = models.ForeignKey(
        Leader,
        verbose_name="leader",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gifts",
        help_text="The leader who received (or gave) the gift. Leave empty when an institution "
        "received it, and name the institution below.",
    )
    recipient_institution = models.CharField(
        "receiving institution",
        max_length=200,
        blank=True,
        help_text="When no leader received the gift: for example the Central Zoo in Pyongyang.",
    )
    donor = models.ForeignKey(
        "donors.Donor",
        verbose_name="donor",
        on_delete=models.PROTECT,
        related_name="gifts",
        help_text="Who gave the gift; for a gift the leader gave, who received it.",
    )
    donor_title = models.CharField(
        "donor's title at the time",
        max_length=200,
        blank=True,
        help_text="The title the donor held when the gift changed hands.",
    )
    donor_kind = models.CharField(
        "kind of donor at the time",
        max_length=30,
        choices=Donor.Kind.choices,
        blank=True,
        help_text="What the donor was when the gift changed hands, as the title is (Xi Jinping "
        "gave as Vice President in 2008, as head of state in 2019). Left empty, the donor's "
        "present kind is filled in.",
    )
    country = models.ForeignKey(
        "donors.Country",
        verbose_name="country",
        on_delete=models.PROTECT,
        related_name="gifts",
        help_text="The state the donor acted for at the time.",
    )
    date_received = models.DateField(
        "date received",
        null=True,
        blank=True,
        help_text="Enter the first day of the month or year when only those are known, and set "
        "the precision.",
    )
    date_precision = models.CharField(
        "date precision", max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    date_note = models.CharField(
        "date note",
        max_length=200,
        blank=True,
        help_text="Qualifies the date: 'circa', 'between 1995 and 2000', 'year inferred'.",
    )
    occasion = models.ForeignKey(
        Occasion,
        verbose_name="occasion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gifts",
    )
    category = models.ForeignKey(
        Category, verbose_name="category", on_delete=models.PROTECT, related_name="gifts"
    )
    materials = models.CharField("materials", max_length=300, blank=True)
    dimensions = models.CharField(
        "dimensions", max_length=200, blank=True, help_text="For example 120 × 80 × 40 cm."
    )
    quantity = models.PositiveIntegerField(
        "quantity", default=1, validators=[MinValueValidator(1)], help_text="Number of objects."
    )
    direction = models.CharField(
        "direction", max_length=10, choices=Direction.choices, default=Direction.RECEIVED
    )
    reciprocal_of = models.ForeignKey(
        "self",
        verbose_name="reciprocal gift",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answered_by",
        help_text="The gift this one answered, exchanged at the same occasion.",
    )
    showroom = models.ForeignKey(
        "exhibitions.Showroom",
        verbose_name="showroom",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gifts",
        help_text="Where the object is kept. Empty means in storage.",
    )
    on_display = models.BooleanField(
        "on display", default=False, help_text="Shown to visitors in its showroom."
    )
    sanctions = models.CharField(
        "sanctions assessment", max_length=10, choices=Sanctions.choices, blank=True
    )
    resolutions = models.ManyToManyField(
        Resolution,
        verbose_name="UN resolutions concerned",
        blank=True,
        related_name="gifts",
    )
    sanctions_note = models.TextField("sanctions note", blank=True)
    confidence = models.CharField(
        "confidence",
        max_length=1,
        choices=Confidence.choices,
        help_text="How well the record is supported by its sources.",
    )
    sources = models.ManyToManyField(
        Source, verbose_name="sources", through="Citation", blank=True, related_name="gifts"
    )
    note = models.TextField("note for visitors", blank=True)
    curator_note = models.TextField(
        "curator's note", blank=True, help_text="Internal: never shown to visitors."
    )
    status = models.CharField(
        "status",
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text="Visitors see published records only.",
    )
    is_specimen = models.BooleanField(
        "synthetic specimen",
        default=False,
        editable=False,
        help_text="Made by generate_specimens for scale testing; not part of the collection.",
    )
    # Normalised text for full-text search (gifts.search), kept up to date on save.
    search_title = models.TextField("search title", blank=True, editable=False)
    search_body = models.TextField("search text", blank=True, editable=False)

    objects = GiftQuerySet.as_manager()
    # Every version, with who changed what (desk.history); the search columns are derived.
    history = HistoricalRecords(excluded_fields=["search_title", "search_body"])

    class Meta:
        ordering = ["accession_number"]
        verbose_name = "gift"
        verbose_name_plural = "gifts"
        permissions = [
            # desk.workflow: curators review; cataloguers only draft and submit for review.
            ("publish_gift", "Can publish, unpublish and send back gifts in review"),
            # Checked as gifts.import_records by the admin's import (registrars).
            ("import_records", "Can import collection records"),
        ]
        indexes = [
            models.Index(fields=["status", "date_received", "id"], name="gift_status_date"),
            models.Index(fields=["status", "title"], name="gift_status_title"),
            models.Index(fields=["status", "created"], name="gift_status_created"),
            models.Index(fields=["sanctions"], name="gift_sanctions"),
            models.Index(fields=["confidence"], name="gift_confidence"),
            models.Index(fields=["is_specimen"], name="gift_is_specimen"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(leader__isnull=False) | ~models.Q(recipient_institution=""),
                name="gift_has_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(on_display=False) | models.Q(showroom__isnull=False),
                name="gift_on_display_in_showroom",
            ),
            models.CheckConstraint(
                condition=models.Q(direction="received")
                | models.Q(showroom__isnull=True, on_display=False),
                name="gift_given_not_held",
            ),
        ]

    def __str__(self):
        return f"{self.accession_number} {self.title}"

    def derived_values(self):
        """What a gift computes from its other values (AuditedModel.save, desk.writing)."""
        search_title, search_body = gift_document(self)
        values = {"slug": slugify_name(self.title)[:300]}
        if not self.donor_kind and self.donor_id:
            values["donor_kind"] = self.donor.kind
        return {**values, "search_title": search_title, "search_body": search_body}

    def get_absolute_url(self):
        return gift_address(self.accession_number)

    def clean(self):
        errors = {}
        if self.pk:
            stored = Gift.objects.filter(pk=self.pk).values_list("accession_number", flat=True)
            if stored and stored[0] != self.accession_number:
                errors["accession_number"] = "An accession number cannot be changed once saved."
        if not self.leader_id and not self.recipient_institution:
            errors["recipient_institution"] = "Name the receiving institution, or choose a leader."
        if self.on_display and not self.showroom_id:
            errors["on_display"] = "A gift on display needs a showroom."
        if self.direction == self.Direction.GIVEN and (self.showroom_id or self.on_display):
            errors["showroom"] = "A gift the leader gave away is not held by the museum."
        if self.reciprocal_of_id:
            if self.reciprocal_of_id == self.pk:
                errors["reciprocal_of"] = "A gift cannot answer itself."
            elif self.reciprocal_of.direction == self.direction:
                errors["reciprocal_of"] = (
                    "The reciprocal gift must go the other way (received for given)."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def display_date(self):
        return format_partial_date(self.date_received, self.date_precision)

    @property
    def recipient(self):
        return self.leader.name if self.leader_id else self.recipient_institution

    @property
    def is_held(self):
        return self.direction == self.Direction.RECEIVED

    @property
    def card_image_url(self):
        """The first image's address, when the gift was loaded with for_listing()."""
        path = getattr(self, "card_image_path", None)
        return GiftImage._meta.get_field("image").storage.url(path) if path else ""

    @property
    def card_image_srcset(self):
        return srcset(getattr(self, "card_image_renditions", None))


class Citation(models.Model):
    """Links a gift to a source, saying which claim the source supports where that is known."""

    gift = models.ForeignKey(
        Gift, verbose_name="gift", on_delete=models.CASCADE, related_name="citations"
    )
    source = models.ForeignKey(
        Source, verbose_name="source", on_delete=models.PROTECT, related_name="citations"
    )
    claim = models.CharField(
        "claim supported",
        max_length=300,
        blank=True,
        help_text="What this source says, for example 'the date' or 'the donor'.",
    )
    order = models.PositiveSmallIntegerField("order", default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "citation"
        verbose_name_plural = "citations"
        constraints = [
            models.UniqueConstraint(fields=["gift", "source"], name="citation_unique_gift_source")
        ]

    def __str__(self):
        return f"{self.gift.accession_number}: {self.source.key}"


def gift_image_path(instance, filename):
    return f"gifts/{instance.gift.accession_number}/{filename}"


class GiftImageQuerySet(models.QuerySet):
    def published(self):
        """Images visitors may see: those of published gifts (gifts.media serves only these)."""
        return self.filter(gift__status=PublicationStatus.PUBLISHED)


class GiftImage(models.Model):
    """A photograph of a gift. Alt text is required: every image must be describable."""

    gift = models.ForeignKey(
        Gift, verbose_name="gift", on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(
        "image", upload_to=gift_image_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField("width", editable=False, null=True)
    height = models.PositiveIntegerField("height", editable=False, null=True)
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        help_text="Describe what the picture shows for someone who cannot see it.",
    )
    caption = models.CharField("caption", max_length=300, blank=True)
    credit = models.CharField("credit", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("order", default=0)
    renditions = models.JSONField(
        "renditions",
        default=dict,
        blank=True,
        editable=False,
        help_text="Smaller WebP copies by width, made once when the image is saved.",
    )

    objects = GiftImageQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "image"
        verbose_name_plural = "images"
        indexes = [models.Index(fields=["gift", "order"], name="giftimage_gift_order")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(alt_text=""), name="giftimage_has_alt_text")
        ]

    def __str__(self):
        return self.alt_text

    def save(self, *args, **kwargs):
        made_for = self.renditions.get("source") if self.renditions else None
        super().save(*args, **kwargs)
        if self.image and made_for != self.image.name:
            self.renditions = make_renditions(self.image)
            super().save(update_fields=["renditions"])

    @property
    def srcset(self):
        return srcset(self.renditions)


def srcset(renditions):
    """'url 320w, url 640w, …' from a renditions dict (see gifts.images)."""
    if not renditions:
        return ""
    storage = GiftImage._meta.get_field("image").storage
    return ", ".join(
        f"{storage.url(path)} {width}w"
        for width, path in sorted(renditions.get("widths", {}).items(), key=lambda i: int(i[0]))
    )
