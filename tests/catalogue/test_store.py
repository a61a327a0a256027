"""One listing index per machine: each version built once into files that every process maps."""

import datetime
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from django.db.utils import OperationalError

from catalogue import index, search, store, suggest
from desk.models import CollectionState
from gifts.models import Gift

LIST = "/gifts/"


@pytest.fixture(autouse=True)
def a_fresh_process(monkeypatch):
    """Each test starts as a worker that holds no collection yet, and leaves none behind."""
    monkeypatch.setattr(index, "_loaded", None)


def mapped_file(array):
    """The file an array of a build maps (None: the array is the process's own memory)."""
    filename = getattr(array.base, "filename", None)
    return str(filename) if filename else None


def builds():
    return sorted(path.name for path in store.root().iterdir() if path.name.startswith("v"))


def another_process(monkeypatch):
    """What a new worker of the same machine holds: nothing, and no way to read the database
    for the arrays (it must map them)."""
    monkeypatch.setattr(index, "_loaded", None)
    monkeypatch.setattr(index.Collection, "load", lambda self: pytest.fail("read the database"))


def test_two_workers_map_the_same_files_built_once(collection, monkeypatch):
    first = index.collection()
    assert builds() == [store.build_name(first.version)]
    another_process(monkeypatch)
    second = index.collection()
    assert second is not first
    for a, b in [(first.ids, second.ids), (first.order("title"), second.order("title"))]:
        assert mapped_file(a) is not None
        assert mapped_file(a) == mapped_file(b)
    assert mapped_file(second.dimensions["donor"].codes).endswith("codes.donor.npy")
    assert mapped_file(second.grouped("donor")[0]).endswith("rows.donor.npy")
    assert second.counts("country") == first.counts("country")


def test_a_new_worker_suggests_from_the_build_without_making_its_own(
    collection, monkeypatch, django_assert_num_queries
):
    first = index.collection()
    typed = ["kim j", "vase", "Путин", "fr"]
    expected = [first.suggest(text) for text in typed]
    assert any(answer["count"] for answer in expected)
    another_process(monkeypatch)
    monkeypatch.setattr(suggest.Suggester, "arrays", lambda collection: pytest.fail("built"))
    second = index.collection()
    with django_assert_num_queries(0):
        assert [second.suggest(text) for text in typed] == expected
    suggester = second.suggester.get("names")
    for kind in ("Donor", "Gift"):
        assert mapped_file(suggester.indexes[kind].postings).endswith(".npy")
        assert mapped_file(suggester.entries[kind].counts).endswith(".npy")


def test_a_common_words_matches_are_ranked_once_per_machine(client, collection, monkeypatch):
    monkeypatch.setattr(index, "SHARED_FROM_ROWS", 5)
    asked = []
    matches = search.matches
    monkeypatch.setattr(search, "matches", lambda *a: asked.append(a[0]) or matches(*a))
    first = client.get(LIST, {"q": "Kim"}).content
    rare = client.get(LIST, {"q": "Mitterrand"}).content
    assert asked == ["Kim", "Mitterrand"]
    another_process(monkeypatch)  # a worker started by a reload, say
    assert client.get(LIST, {"q": "Kim"}).content == first
    assert asked == ["Kim", "Mitterrand"]
    assert mapped_file(index.collection().searched.get(("kim",))[0]).endswith("rows.npy")
    # Fewer matches than SHARED_FROM_ROWS: cheap to find again, not written.
    assert client.get(LIST, {"q": "Mitterrand"}).content == rare
    assert asked == ["Kim", "Mitterrand", "Mitterrand"]


def test_shared_answers_are_bounded_and_a_damaged_one_is_made_again(collection, monkeypatch):
    monkeypatch.setattr(store, "SHARED_PER_KIND", 3)
    version = index.collection().version
    made = []

    def make(number):
        made.append(number)
        return {"rows": np.arange(number, dtype=np.int32)}

    def ask(number):
        found = store.shared(version, "test", number, lambda: make(number), lambda found: True)
        return found["rows"].tolist()

    for number in range(5):
        assert ask(number) == list(range(number))
    folder = store.root() / store.build_name(version) / "test"
    assert len(list(folder.iterdir())) == 3
    assert ask(2) == [0, 1] and ask(4) == [0, 1, 2, 3]
    assert made == [0, 1, 2, 3, 4, 4]
    for path in folder.iterdir():
        (path / "rows.npy").write_bytes(b"damaged")
    assert ask(2) == [0, 1] and ask(2) == [0, 1]
    assert made == [0, 1, 2, 3, 4, 4, 2]  # made again once, and written again


def test_the_mapped_arrays_are_read_only(collection):
    ids = index.collection().ids
    with pytest.raises(ValueError, match="read-only"):
        ids[0] = 1


def test_a_new_version_is_built_into_new_files_and_old_ones_are_removed(client, collection):
    old = index.collection()
    old_ids = old.ids.copy()
    names = []
    for title in ["One", "Two", "Three"]:
        gift = Gift.objects.get(accession_number="IFE-0017")
        gift.title = title
        gift.save()
        assert title in client.get(LIST, {"country": "FRA"}).content.decode()
        names.append(store.build_name(index.collection().version))
    assert len(set(names)) == 3
    assert builds() == sorted(names[-store.KEEP :])  # the newest two
    # A worker still mapping a removed build keeps answering from it.
    assert not os.path.exists(mapped_file(old.ids))
    assert (old.ids == old_ids).all()
    assert old.select(index.Selection(filters={"country": ["FRA"]})).count == 1


def test_a_worker_answers_with_what_it_holds_while_another_builds(client, collection, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    client.get(LIST, {"country": "FRA"})
    held = index.collection()
    gift = Gift.objects.get(accession_number="IFE-0017")
    gift.status = "draft"
    gift.save()
    with store.build_lock(wait=True):  # another process is building the new version
        response = client.get(LIST, {"country": "FRA"})
        assert response.status_code == 200
        assert response.context["result"].count == 1  # the version it holds
        assert "X-Cache" not in response  # not kept under the new version
        assert index.collection() is held
    response = client.get(LIST, {"country": "FRA"})
    assert response.context["result"].count == 0
    assert response["X-Cache"] == "miss"
    assert client.get(LIST, {"country": "FRA"})["X-Cache"] == "hit"


def test_answering_from_an_older_version_is_remembered_for_the_request_only():
    with CollectionState.remembered_per_request():
        assert not CollectionState.answered_behind()
        CollectionState.answer_behind()
        assert CollectionState.answered_behind()
    assert not CollectionState.answered_behind()


def test_a_new_worker_maps_the_newest_build_without_the_database(client, collection, monkeypatch):
    built = index.collection()
    another_process(monkeypatch)

    read_key = CollectionState.read_key.__func__
    away = True

    def read_or_fail(cls):
        if away:
            raise OperationalError("the database is away")
        return read_key(cls)

    monkeypatch.setattr(CollectionState, "read_key", classmethod(read_or_fail))
    mapped = index.map_newest()  # post_worker_init, while the database is away
    assert mapped.version == built.version
    with pytest.raises(OperationalError):  # the site's 503 page
        index.collection()
    away = False  # the database is back, at the same version
    response = client.get(LIST, {"country": "FRA"})
    assert response.status_code == 200
    assert response.context["result"].count == 1
    assert index.collection() is mapped


def test_a_folder_that_cannot_be_written_leaves_each_process_its_own_copy(
    client, collection, settings, tmp_path
):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings.LISTING_INDEX_DIR = blocked / "listing-index"
    response = client.get(LIST, {"country": "FRA"})
    assert response.status_code == 200
    assert response.context["result"].count == 1
    assert mapped_file(index.collection().ids) is None


# The store alone, with a stand-in for what the database gives -----------------------------------


def version(number):
    return number, datetime.datetime(2026, 1, 1, 12, number, tzinfo=datetime.UTC)


def parts(number, size=5):
    return (
        {"ids": np.arange(size, dtype=np.int64), "codes": np.full(size, number, np.int16)},
        {"version": version(number), "size": size},
    )


def test_an_answer_shared_in_an_older_build_leaves_the_newer_one_newest(settings, tmp_path):
    settings.LISTING_INDEX_DIR = tmp_path / "listing-index"
    for number in (1, 2):
        store.open_or_build(version(number), lambda number=number: parts(number))
    old = store.root() / store.build_name(version(1))
    os.utime(old / store.META, (time.time() - 60,) * 2)  # written a minute before the other
    # A worker still answering from version 1 shares a search in its build.
    store.shared(version(1), "searches", ("kim",), lambda: {"rows": np.arange(3)}, bool)
    assert (old / "searches").is_dir()
    assert store.open_newest()[1]["version"] == version(2)


def test_a_concurrent_builder_is_waited_for_by_a_process_that_holds_nothing(settings, tmp_path):
    made = []

    def make():
        made.append(1)
        return parts(1)

    got = {}
    with store.build_lock(wait=True):
        assert store.open_or_build(version(1), make, held="the old version") is None
        waiting = threading.Thread(
            target=lambda: got.setdefault("parts", store.open_or_build(version(1), make))
        )
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive()  # waits for the lock
        store.write(store.root() / store.build_name(version(1)), *parts(1))  # the other builds
    waiting.join(5)
    arrays, meta = got["parts"]
    assert meta["version"] == version(1)
    assert made == []  # it mapped the other's build


@pytest.mark.parametrize("damage", ["no meta", "truncated array", "missing array", "bad meta"])
def test_a_damaged_build_is_ignored_and_built_again(settings, damage):
    folder = store.root() / store.build_name(version(3))
    store.write(folder, *parts(3))
    if damage == "no meta":
        (folder / store.META).unlink()
    elif damage == "truncated array":
        path = folder / "ids.npy"
        path.write_bytes(path.read_bytes()[:-8])
    elif damage == "missing array":
        (folder / "codes.npy").unlink()
    else:
        (folder / store.META).write_bytes(b"not a pickle")
    with pytest.raises(store.Unreadable):
        store.read(folder)
    assert store.open_newest() is None
    arrays, meta = store.open_or_build(version(3), lambda: parts(3))
    assert (arrays["codes"] == 3).all()
    assert meta["version"] == version(3)


def test_a_half_written_build_is_never_read_and_a_dead_builders_is_removed(settings):
    left = store.root() / f"{store.TEMPORARY}{store.build_name(version(1))}-999999"
    left.mkdir(parents=True)
    old = time.time() - 2 * store.ABANDONED_SECONDS
    os.utime(left, (old, old))
    assert store.open_newest() is None
    store.open_or_build(version(1), lambda: parts(1))
    assert not left.exists()
    assert builds() == [store.build_name(version(1))]


def test_builds_of_another_database_or_format_are_not_read(settings, monkeypatch):
    store.write(store.root() / store.build_name(version(1)), *parts(1))
    monkeypatch.setattr(store, "FORMAT", store.FORMAT + 1)
    assert store.open_newest() is None
    store.open_or_build(version(2), lambda: parts(2))
    assert builds() == [store.build_name(version(2))]  # the old format's build removed
    monkeypatch.setattr(store, "database_tag", lambda: "another")
    assert store.open_newest() is None


ANOTHER_PROCESS = """
import datetime, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "museum.settings")
django.setup()
from catalogue import store
store.database_tag = lambda: "shared"
version = (1, datetime.datetime(2026, 1, 1, 12, 1, tzinfo=datetime.UTC))
arrays, meta = store.open_or_build(version, make=lambda: 1 / 0)
path = str(arrays["codes"].base.filename)
mapped = any(line.rstrip().endswith(path) for line in open("/proc/self/maps"))
print(path, int(arrays["codes"][0]), mapped)
"""


def test_another_process_maps_the_build_this_one_made(settings, monkeypatch):
    monkeypatch.setattr(store, "database_tag", lambda: "shared")
    arrays, _ = store.open_or_build(version(1), lambda: parts(1))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(ANOTHER_PROCESS)],
        env={**os.environ, "DJANGO_LISTING_INDEX_DIR": str(store.root())},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == [mapped_file(arrays["codes"]), "1", "True"]


@pytest.mark.django_db(transaction=True)
def test_after_an_edit_a_request_answers_while_the_new_version_is_built_in_the_background(
    client, settings, monkeypatch
):
    """A worker that holds a version has the next one built by a thread and answers meanwhile
    with what it holds (not kept in the page cache); a later request maps the new build."""
    from gifts.importer import CollectionImporter

    CollectionImporter().run()
    settings.LISTING_INDEX_BUILD_IN_BACKGROUND = True
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    assert client.get(LIST, {"country": "FRA"}).context["result"].count == 1
    release, building = threading.Event(), threading.Event()
    parts = index.Collection.parts

    def slow_parts(self):
        building.set()
        assert release.wait(30), "the test never let the build finish"
        return parts(self)

    monkeypatch.setattr(index.Collection, "parts", slow_parts)
    gift = Gift.objects.get(accession_number="IFE-0017")
    gift.status = "draft"
    gift.save()
    response = client.get(LIST, {"country": "FRA"})  # would hang here if it waited for the build
    assert building.is_set()
    assert response.context["result"].count == 1  # the version held, while the build runs
    assert "X-Cache" not in response
    release.set()
    index._builder[1].join(30)
    response = client.get(LIST, {"country": "FRA"})
    assert response.context["result"].count == 0
    assert response["X-Cache"] == "miss"


def test_while_the_new_version_is_built_a_gift_page_kept_with_the_old_one_is_not_shown(
    client, collection
):
    gift = Gift.objects.get(accession_number="IFE-0017")
    assert client.get(gift.get_absolute_url()).status_code == 200  # kept with this version
    gift.status = "draft"
    gift.save()
    with store.build_lock(wait=True):  # another process is building the new version
        assert client.get(LIST, {"country": "FRA"}).context["result"].count == 1  # behind
        assert client.get(gift.get_absolute_url()).status_code == 404


def test_while_the_new_version_is_built_cards_are_read_afresh_from_the_database(client, collection):
    gift = Gift.objects.get(accession_number="IFE-0017")  # France's one gift
    assert gift.title in client.get(LIST, {"country": "FRA"}).content.decode()  # card kept
    old_title = gift.title
    gift.title = "A title edited while the index is built"
    gift.save()
    with store.build_lock(wait=True):  # another process is building the new version
        response = client.get(LIST, {"country": "FRA"})
        assert response.context["result"].count == 1  # behind
        page = response.content.decode()
        assert gift.title in page and old_title not in page
    gift.status = "draft"
    gift.save()
    with store.build_lock(wait=True):
        response = client.get(LIST, {"country": "FRA"})
        assert response.context["result"].count == 1  # behind
        page = response.content.decode()
        assert gift.title not in page and 'class="card"' not in page
