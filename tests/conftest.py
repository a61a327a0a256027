import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from gifts.importer import CollectionImporter
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Pages are rendered for every request (the cache has tests of its own, which turn it on)."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def exports_in_a_test_folder(settings, tmp_path):
    """Prepared exports go to the test's own folder and wait for the test to build them: a
    builder process would not see a test database."""
    settings.EXPORTS_ROOT = tmp_path / "exports"
    settings.EXPORT_BUILDER = "none"


@pytest.fixture(autouse=True)
def listing_index_in_a_test_folder(settings, tmp_path):
    """The listing index's builds (catalogue.store) go to the test's own folder, made at once
    (tests/catalogue/test_store.py tries the background build)."""
    settings.LISTING_INDEX_DIR = tmp_path / "listing-index"
    settings.LISTING_INDEX_BUILD_IN_BACKGROUND = False


@pytest.fixture
def collection(db):
    """The documented collection, imported as the site ships it."""
    return CollectionImporter().run()


@pytest.fixture
def curator(db):
    user = UserFactory(username="curator", is_staff=True)
    user.groups.add(Group.objects.get(name="Curator"))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client
