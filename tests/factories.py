import datetime

import factory
from django.contrib.auth import get_user_model

from desk.models import DatePrecision, PublicationStatus
from donors.models import Country, Donor
from exhibitions.models import Building, Exhibition, Showroom
from gifts.models import Category, Gift, Leader, Occasion, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"Q{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Country {n}")
    continent = "Europe"


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Donor {n}")
    slug = factory.Sequence(lambda n: f"donor-{n}")
    kind = Donor.Kind.HEAD_OF_STATE
    country = factory.SubFactory(CountryFactory)
    status = PublicationStatus.PUBLISHED


class LeaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leader
        django_get_or_create = ["code"]

    code = "KIS"
    name = "Kim Il Sung"
    slug = "kim-il-sung"
    generation = 1


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class OccasionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occasion

    name = factory.Sequence(lambda n: f"Occasion {n}")
    slug = factory.Sequence(lambda n: f"occasion-{n}")
    status = PublicationStatus.PUBLISHED


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"S{n}")
    publisher = "Reuters"
    title = factory.Sequence(lambda n: f"Report {n}")
    kind = Source.Kind.WIRE
    status = PublicationStatus.PUBLISHED


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building
        django_get_or_create = ["slug"]

    name = "Kim Il Sung building"
    slug = "kim-il-sung-building"
    status = PublicationStatus.PUBLISHED


class ShowroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Showroom

    building = factory.SubFactory(BuildingFactory)
    code = factory.Sequence(lambda n: f"R-{n:03d}")
    name = factory.Sequence(lambda n: f"Room {n}")
    slug = factory.Sequence(lambda n: f"r-{n:03d}")
    theme = Showroom.Theme.CONTINENT
    status = PublicationStatus.PUBLISHED


class GiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gift

    accession_number = factory.Sequence(lambda n: f"TEST-{n:05d}")
    title = factory.Sequence(lambda n: f"Silver vase {n}")
    leader = factory.SubFactory(LeaderFactory)
    donor = factory.SubFactory(DonorFactory)
    country = factory.SelfAttribute("donor.country")
    category = factory.SubFactory(CategoryFactory)
    date_received = datetime.date(1985, 6, 1)
    date_precision = DatePrecision.MONTH
    confidence = Gift.Confidence.A
    status = PublicationStatus.PUBLISHED


class ExhibitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exhibition

    title = factory.Sequence(lambda n: f"Exhibition {n}")
    slug = factory.Sequence(lambda n: f"exhibition-{n}")
