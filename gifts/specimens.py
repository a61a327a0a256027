"""
Synthetic gifts for scale work: the museum holds 115,000+ objects and the site must stay fast with
all of them, while the documented collection has 72.

Specimens are plausible but invented, and can never be mistaken for the collection: every record
is flagged ``is_specimen``, accession numbers start with SPEC-, and donors, occasions and countries
are specimens of their own (countries use ISO 3166's user-assigned X codes). Proportions follow the
real museum: most gifts to Kim Il Sung, few to Kim Jong Un; a few countries and donors give most of
the gifts (a power law), as China and the Soviet Union did.

The same seed and count give the same records. Writes are bulk inserts in batches.
"""

import datetime
import itertools
import random
import string

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from desk.models import (
    CollectionState,
    DatePrecision,
    PublicationStatus,
    refresh_planner_statistics,
)
from donors.models import Continent, Country, Donor, donor_search_name
from exhibitions.models import Showroom
from gifts.models import Category, Gift, Leader, Occasion
from gifts.search import document, sanctions_text

# Said on the specimen's own page, as any record says what it is: no template knows of specimens.
SPECIMEN_DESCRIPTION = (
    "A synthetic specimen, generated for testing the site at the museum's scale: not part of the "
    "documented collection."
)

BATCH_SIZE = 2000

CONTINENT_WEIGHTS = {
    Continent.AFRICA: 54,
    Continent.ASIA: 48,
    Continent.EUROPE: 44,
    Continent.NORTH_AMERICA: 23,
    Continent.SOUTH_AMERICA: 12,
    Continent.OCEANIA: 14,
}
# Share of gifts by generation, after the museum's own figures (about 5,000 of 115,000 to
# Kim Jong Un, about 40,000 to Kim Jong Il).
GENERATION_WEIGHTS = {1: 61, 2: 35, 3: 4}
GENERATION_YEARS = {1: (1948, 1994), 2: (1980, 2011), 3: (2012, 2025)}
DONOR_KIND_WEIGHTS = {
    Donor.Kind.HEAD_OF_STATE: 30,
    Donor.Kind.GOVERNMENT_OFFICIAL: 35,
    Donor.Kind.PARTY_OR_ORGANISATION: 20,
    Donor.Kind.INDIVIDUAL: 15,
}
CONFIDENCE_WEIGHTS = {"A": 30, "B": 30, "C": 35, "D": 5}
PRECISION_WEIGHTS = {
    DatePrecision.DAY: 40,
    DatePrecision.MONTH: 30,
    DatePrecision.YEAR: 24,
    DatePrecision.DECADE: 1,
    None: 5,
}

MATERIALS = [
    "Silver",
    "Gold-plated",
    "Porcelain",
    "Crystal",
    "Jade",
    "Bronze",
    "Lacquered",
    "Ivory",
    "Carved wooden",
    "Embroidered",
    "Ceramic",
    "Copper",
    "Leather",
    "Mother-of-pearl",
    "Glass",
    "Enamelled",
    "Woven",
    "Marble",
    "Brass",
    "Amber",
]
OBJECTS = [
    "vase",
    "tea set",
    "sword",
    "plate",
    "clock",
    "bowl",
    "casket",
    "model ship",
    "screen",
    "figurine",
    "rifle",
    "cigarette case",
    "tray",
    "lamp",
    "carpet",
    "painting",
    "bust",
    "goblet",
    "medal",
    "globe",
    "briefcase",
    "jug",
    "dagger",
    "album",
    "chess set",
    "radio",
    "camera",
    "model tank",
    "bear skin",
    "horse statue",
]
DETAILS = [
    "",
    "",
    "",
    " with a dove",
    " with a red star",
    " with cranes",
    " with the donor's portrait",
    " with a map of the donor's country",
    " in a presentation case",
    " with gemstones",
    " with a dedication",
    " with national emblems",
]
SYLLABLES = [
    "ka",
    "lo",
    "ri",
    "ma",
    "ven",
    "tor",
    "sa",
    "bel",
    "un",
    "dor",
    "mi",
    "ra",
    "ze",
    "lan",
]


def weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def zipf_weights(count, exponent=1.1):
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


class SpecimensExist(Exception):
    pass


class RowInserter:
    """
    Inserts plain rows with one executemany per batch. The ORM's bulk_create spends most of its
    time preparing each value of each field; specimen values are already plain, so only dates are
    adapted for the database.
    """

    def __init__(self, model):
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        now = timezone.now()
        for name in ("created", "updated"):
            self.defaults[name] = connection.ops.adapt_datetimefield_value(now)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({placeholders})"

    def insert(self, rows):
        names = [f.attname for f in self.fields]
        values = [tuple({**self.defaults, **row}[name] for name in names) for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values)


class SpecimenGenerator:
    def __init__(self, count, seed=1, progress=None):
        self.count = count
        self.seed = seed
        self.rng = random.Random(seed)
        self.progress = progress or (lambda message: None)
        self.prefix = f"SPEC-{seed}-"

    def run(self):
        if Gift.objects.filter(accession_number__startswith=self.prefix).exists():
            raise SpecimensExist(
                f"Specimens for seed {self.seed} exist already: use --clear, or another --seed."
            )
        leaders = {leader.generation: leader for leader in Leader.objects.all()}
        categories = list(Category.objects.order_by("slug"))
        if not leaders or not categories:
            raise SpecimensExist("No leaders or categories yet: run import_collection first.")
        showrooms = list(Showroom.objects.select_related("building").order_by("code"))
        with transaction.atomic():
            countries = self.make_countries()
            donors = self.make_donors(countries)
            occasions = self.make_occasions(countries)
            created = self.make_gifts(leaders, categories, showrooms, donors, occasions, countries)
            CollectionState.bump()
        refresh_planner_statistics(Gift, Donor, Occasion, Country)
        return {
            "countries": len(countries),
            "donors": len(donors),
            "occasions": sum(len(o) for o in occasions.values()),
            "gifts": created,
        }

    def make_countries(self):
        """About 200 states, shared by every seed (ISO 3166 reserves XAA-XZZ for private use)."""
        codes = ["X" + a + b for a, b in itertools.product(string.ascii_uppercase, repeat=2)][:200]
        existing = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
        rng = random.Random(0)
        new = []
        for code in codes:
            name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
            continent = weighted(rng, CONTINENT_WEIGHTS)
            if code not in existing:
                new.append(
                    Country(
                        code=code, name=f"{name} ({code})", continent=continent, is_specimen=True
                    )
                )
        Country.objects.bulk_create(new, batch_size=BATCH_SIZE)
        self.progress(f"{len(new)} specimen countries added")
        return list(Country.objects.filter(code__in=codes).order_by("code"))

    def make_donors(self, countries):
        number = max(10, self.count // 12)
        country_weights = zipf_weights(len(countries))
        donors = []
        for index in range(1, number + 1):
            country = self.rng.choices(countries, weights=country_weights)[0]
            kind = weighted(self.rng, DONOR_KIND_WEIGHTS)
            name = f"Specimen {Donor.Kind(kind).label.lower()} {self.seed}-{index:06d}"
            donors.append(
                Donor(
                    name=name,
                    slug=slugify(f"specimen-{self.seed}-donor-{index:06d}"),
                    kind=kind,
                    country=country,
                    status=PublicationStatus.PUBLISHED,
                    is_specimen=True,
                    search_name=donor_search_name(name, ""),  # bulk_create skips save()
                )
            )
        Donor.objects.bulk_create(donors, batch_size=BATCH_SIZE)
        self.progress(f"{len(donors):,} specimen donors added")
        return donors

    def make_occasions(self, countries):
        """Occasions by country, so that a gift's occasion matches its donor's country."""
        number = max(5, self.count // 25)
        occasions = []
        for index in range(1, number + 1):
            country = self.rng.choice(countries)
            kind = self.rng.choice(Occasion.Kind.values)
            start = datetime.date(self.rng.randint(1948, 2025), self.rng.randint(1, 12), 1)
            occasions.append(
                Occasion(
                    name=f"Specimen {Occasion.Kind(kind).label.lower()} {self.seed}-{index:05d}",
                    slug=f"specimen-{self.seed}-occasion-{index:05d}",
                    kind=kind,
                    start_date=start,
                    date_precision=DatePrecision.MONTH,
                    place=country.name,
                    status=PublicationStatus.PUBLISHED,
                    is_specimen=True,
                )
            )
            occasions[-1].country_code = country.code
        Occasion.objects.bulk_create(occasions, batch_size=BATCH_SIZE)
        by_country = {}
        for occasion in occasions:
            by_country.setdefault(occasion.country_code, []).append(occasion)
        self.progress(f"{len(occasions):,} specimen occasions added")
        return by_country

    def make_gifts(self, leaders, categories, showrooms, donors, occasions, countries):
        rng = self.rng
        countries_by_id = {country.pk: country for country in countries}
        donor_weights = list(itertools.accumulate(zipf_weights(len(donors), exponent=0.9)))
        category_weights = list(itertools.accumulate(zipf_weights(len(categories), exponent=0.6)))
        rooms_by_building = {}
        for room in showrooms:
            rooms_by_building.setdefault(room.building.slug, []).append(room)
        buildings = sorted(rooms_by_building)
        inserter = RowInserter(Gift)
        created = 0
        batch = []
        for index in range(1, self.count + 1):
            generation = weighted(rng, GENERATION_WEIGHTS)
            leader = leaders.get(generation) or leaders[min(leaders)]
            donor = rng.choices(donors, cum_weights=donor_weights)[0]
            category = rng.choices(categories, cum_weights=category_weights)[0]
            first, last = GENERATION_YEARS[generation]
            precision = weighted(rng, PRECISION_WEIGHTS)
            date = None
            if precision:
                date = datetime.date(
                    rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28)
                )
                if precision != DatePrecision.DAY:
                    date = date.replace(day=1)
                if precision in (DatePrecision.YEAR, DatePrecision.DECADE):
                    date = date.replace(month=1)
                if precision == DatePrecision.DECADE:
                    date = date.replace(year=date.year // 10 * 10)
            country_occasions = occasions.get(donor.country.code)
            occasion = (
                rng.choice(country_occasions) if country_occasions and rng.random() < 0.6 else None
            )
            direction = Gift.Direction.GIVEN if rng.random() < 0.03 else Gift.Direction.RECEIVED
            showroom, on_display = None, False
            if direction == Gift.Direction.RECEIVED and buildings and rng.random() < 0.9:
                building = buildings[0] if generation == 1 else buildings[-1]
                showroom = rng.choice(rooms_by_building[building])
                on_display = rng.random() < 0.85
            roll = rng.random()
            sanctions = "reported" if roll < 0.005 else "possible" if roll < 0.025 else ""
            title = f"{rng.choice(MATERIALS)} {rng.choice(OBJECTS)}{rng.choice(DETAILS)}"
            # Heads of state often gave earlier gifts in a government office (Xi Jinping as
            # Vice President): the kind at the time differs from the donor's for some.
            donor_kind = donor.kind
            if donor_kind == Donor.Kind.HEAD_OF_STATE and rng.random() < 0.1:
                donor_kind = Donor.Kind.GOVERNMENT_OFFICIAL
            search_title, search_body = document(
                title=title,
                donor=donor.name,
                country=countries_by_id[donor.country_id].name,
                occasion=occasion.name if occasion else "",
                category=category.name,
                recipient=leader.name,
                description=SPECIMEN_DESCRIPTION,
                sanctions=sanctions_text(Gift.Sanctions(sanctions).label if sanctions else ""),
            )
            batch.append(
                {
                    "accession_number": f"{self.prefix}{index:07d}",
                    "title": title,
                    "slug": slugify(title),
                    "description": SPECIMEN_DESCRIPTION,
                    "leader_id": leader.pk,
                    "donor_id": donor.pk,
                    "donor_kind": donor_kind,
                    "country_id": donor.country_id,
                    "date_received": connection.ops.adapt_datefield_value(date),
                    "date_precision": precision or DatePrecision.DAY,
                    "category_id": category.pk,
                    "occasion_id": occasion.pk if occasion else None,
                    "direction": direction,
                    "showroom_id": showroom.pk if showroom else None,
                    "on_display": on_display,
                    "sanctions": sanctions,
                    "confidence": weighted(rng, CONFIDENCE_WEIGHTS),
                    "status": (
                        PublicationStatus.DRAFT
                        if rng.random() < 0.03
                        else PublicationStatus.PUBLISHED
                    ),
                    "is_specimen": True,
                    "search_title": search_title,
                    "search_body": search_body,
                }
            )
            if len(batch) == BATCH_SIZE or index == self.count:
                inserter.insert(batch)
                created += len(batch)
                batch = []
                if created % 20000 < BATCH_SIZE or created == self.count:
                    self.progress(f"{created:,} / {self.count:,} gifts")
        return created


def clear_specimens():
    """Delete every specimen record, gifts first (the others are protected while gifts use them)."""
    counts = {}
    # Each deleted row would move the collection version on (desk.renewal): once at the end.
    with transaction.atomic(), CollectionState.deferred_bumps():
        for label, model in [
            ("gifts", Gift),
            ("occasions", Occasion),
            ("donors", Donor),
            ("countries", Country),
        ]:
            deleted, _ = model.objects.filter(is_specimen=True).delete()
            counts[label] = deleted
        CollectionState.bump()
    return counts
