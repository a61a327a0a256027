"""
What a web worker needs before it takes its first request, the work its first visitors would
otherwise wait for: done once in gunicorn's master before it forks the workers (prepare), then in
each worker what only it can do (warm). gunicorn.conf.py calls both.
"""

from pathlib import Path

from django.conf import settings
from django.db import connections
from django.template.loader import get_template
from django.urls import get_resolver
from django.urls.resolvers import get_ns_resolver

from catalogue import index


def prepare():
    """
    What every worker needs, done once in gunicorn's master before it forks them (gunicorn.conf.py,
    preload_app): map the newest build of the listing's index, import every view and compile the
    public pages' templates. Nothing here asks the database or starts a thread, which a fork would
    share or lose.
    """
    index.map_newest()
    # Reading them imports every urls and views module, and fills reverse()'s tables.
    reverse_tables(get_resolver())
    for name in public_templates():
        get_template(name)
    connections.close_all()  # none should be open; a fork must never share one


def reverse_tables(resolver, prefix="", converters=()):
    """Fill reverse()'s tables: a URL resolver's, and for each namespace under it the one that
    reverse() makes for it ("gifts:list" is looked up in a resolver of its own for "gifts/",
    django.urls.resolvers.get_ns_resolver, kept once made). Otherwise each worker fills them
    at its first request: 50 ms of it."""
    resolver.reverse_dict  # noqa: B018
    for extra, namespace in resolver.namespace_dict.values():
        pattern = prefix + extra
        found = tuple({**dict(converters), **namespace.pattern.converters}.items())
        if pattern:
            get_ns_resolver(pattern, namespace, found).reverse_dict  # noqa: B018
        reverse_tables(namespace, pattern, found)


def warm():
    """In a worker before its first request: the above if the master did not, then the current
    collection version's index (which the master built at start or another worker has)."""
    prepare()
    index.collection()


def public_templates():
    """The project's templates but the admin's: what visitors' pages are made of."""
    for folder in settings.TEMPLATES[0]["DIRS"]:
        folder = Path(folder)
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            if not name.startswith("admin/"):
                yield name
