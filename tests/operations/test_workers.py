"""operations.workers: what a new gunicorn worker does before its first request."""

import runpy
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.template import engines
from django.urls import clear_url_caches, get_resolver
from django.urls.resolvers import URLResolver

from operations import workers

CONF = str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py")


def test_the_public_templates_are_the_visitors_pages_not_the_admins():
    names = list(workers.public_templates())
    assert "gifts/gift_list.html" in names
    assert "gifts/gift_detail.html" in names
    assert "base.html" in names
    assert not [name for name in names if name.startswith("admin/")]


@pytest.mark.django_db
def test_warm_maps_the_index_imports_the_views_and_compiles_the_templates(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.cached.Loader",
                        ["django.template.loaders.filesystem.Loader"],
                    )
                ],
            },
        }
    ]
    clear_url_caches()
    assert not get_resolver()._populated
    with mock.patch("catalogue.index.collection") as collection:
        workers.warm()
    assert collection.called
    assert get_resolver()._populated
    cached = engines["django"].engine.template_loaders[0].get_template_cache
    assert set(workers.public_templates()) <= set(cached)


def test_a_prepared_worker_reverses_every_address_without_filling_a_table(
    client, collection, monkeypatch
):
    """reverse() fills a table per URL resolver, and one per namespace ("gifts:list") the first
    time it is asked: 50 ms of a new worker's first page, unless the master filled them."""
    clear_url_caches()
    # The test's connection stays open (the master closes its own before forking).
    monkeypatch.setattr(workers.connections, "close_all", lambda: None)
    workers.prepare()
    monkeypatch.setattr(URLResolver, "_populate", lambda self: pytest.fail(f"filled {self}"))
    for path in ("/", "/gifts/", "/gifts/IFE-0058/", "/donors/", "/countries/", "/statistics/"):
        assert client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_the_master_prepares_the_workers_with_no_connection_or_thread_to_share():
    """gunicorn's master runs prepare() before it forks: a database connection or a thread left
    open there would be shared by every worker, or lost in each. It asks the database nothing
    and closes whatever connection the site's loading may have opened."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    threads = threading.active_count()
    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch("operations.workers.connections.close_all") as close_all,
    ):
        workers.prepare()
    assert len(queries) == 0
    assert close_all.called
    assert threading.active_count() == threads


def test_gunicorn_warms_each_worker_and_logs_what_went_wrong():
    post_worker_init = runpy.run_path(CONF)["post_worker_init"]
    worker = mock.Mock()
    with mock.patch("operations.workers.warm") as warm:
        post_worker_init(worker)
    assert warm.called and not worker.log.exception.called
    with mock.patch("operations.workers.warm", side_effect=RuntimeError("database away")):
        post_worker_init(worker)  # the worker starts anyway; its first request does the work
    assert worker.log.exception.called
