"""Any change a visitor could see renews the cached pages (desk.renewal)."""

import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from PIL import Image

from desk import renewal
from desk.models import CollectionState
from exhibitions.models import ExhibitionItem, Fact
from gifts.models import Gift, GiftImage
from pages.views import HOME_FACT_TOPICS
from tests.factories import ExhibitionFactory

OUR_APPS = ("desk", "gifts", "donors", "exhibitions")


def version():
    return CollectionState.read_key()


@pytest.fixture
def collection_with_images(collection, settings, tmp_path):
    """The documented collection has no photographs: one is added."""
    settings.MEDIA_ROOT = tmp_path / "media"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (160, 30, 30)).save(buffer, "PNG")
    image = SimpleUploadedFile("vase.png", buffer.getvalue(), content_type="image/png")
    GiftImage.objects.create(gift=Gift.objects.first(), image=image, alt_text="A vase")
    # Nor exhibitions.
    exhibition = ExhibitionFactory()
    for gift in Gift.objects.published()[:2]:
        ExhibitionItem.objects.create(exhibition=exhibition, gift=gift)
    return collection


def models_of_ours():
    found = [
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    assert {model._meta.app_label for model in found} == set(OUR_APPS)
    return found


def test_every_model_of_ours_is_covered_or_excused_with_a_reason():
    covered = set(renewal.public_models())
    for model in models_of_ours():
        assert model in covered or renewal.not_public_reason(model), model._meta.label
    for reason in renewal.NOT_PUBLIC.values():
        assert len(reason) > 20


def through_field(through):
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            if field.remote_field.through is through:
                return model, field
    raise AssertionError(f"no many-to-many field goes through {through._meta.label}")


@pytest.mark.parametrize(
    "model",
    [model for model in models_of_ours() if renewal.not_public_reason(model) is None],
    ids=lambda model: model._meta.label,
)
def test_saving_deleting_or_relating_any_public_model_moves_the_version_on(
    model, collection_with_images
):
    if model._meta.auto_created:
        # A many-to-many table: written by add() and remove(), never saved row by row.
        owner, field = through_field(model)
        row = model._default_manager.first()
        assert row is not None, f"the collection has no {model._meta.label}: add one"
        instance = owner._default_manager.get(pk=getattr(row, field.m2m_field_name() + "_id"))
        target = getattr(row, field.m2m_reverse_field_name())
        related = getattr(instance, field.name)
        before = version()
        related.remove(target)
        assert version() != before, f"removing from {field} left the version"
        before = version()
        related.add(target)
        assert version() != before, f"adding to {field} left the version"
        return
    instance = model._default_manager.first()
    assert instance is not None, (
        f"the collection has no {model._meta.label}: add one to this test's fixture, or list the "
        "model in desk.renewal.NOT_PUBLIC with the reason no visitor sees it"
    )
    before = version()
    instance.save()
    assert version() != before, f"saving a {model._meta.label} left the version"
    before = version()
    deletable(model).delete()
    assert version() != before, f"deleting a {model._meta.label} left the version"


def deletable(model):
    """A row that nothing protects from deletion: an existing one, or else a copy of one."""
    for instance in model._default_manager.all()[:20]:
        try:
            Collector(using="default").collect([instance])  # what delete() would refuse
        except (ProtectedError, RestrictedError):
            continue
        return instance
    copy = model._default_manager.first()
    copy.pk = copy.id = None
    copy._state.adding = True
    for field in model._meta.concrete_fields:
        if not field.unique or field.primary_key:
            continue
        if isinstance(field, models.IntegerField):
            highest = model._default_manager.aggregate(top=models.Max(field.attname))["top"]
            setattr(copy, field.attname, (highest or 0) + 1)
        else:
            setattr(copy, field.attname, "zzrenewal-copy"[: field.max_length])
    copy.save()
    return copy


def test_a_cached_home_page_shows_a_facts_new_text_once_it_is_edited(client, collection, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    fact = Fact.objects.filter(building=None, topic__in=HOME_FACT_TOPICS).first()
    first = client.get("/")
    assert fact.value in first.content.decode()
    assert client.get("/")["X-Cache"] == "hit"
    fact.value = "A figure just corrected by a curator"
    fact.save()
    response = client.get("/")
    assert response["X-Cache"] == "miss"
    assert "A figure just corrected by a curator" in response.content.decode()
