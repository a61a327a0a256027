"""
What a new web worker does before it takes its first request (gunicorn.conf.py,
post_worker_init): the work its first visitors would otherwise wait for. Under gunicorn's reload
the old workers keep answering meanwhile, so this time is nobody's wait.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_resolver

from catalogue import index


def warm():
    """Map the listing's index, import every view and compile the public pages' templates."""
    # The newest build of the machine first, which needs no database; then the current
    # version's, which the master has built or another worker has.
    index.map_newest()
    index.collection()
    # Reading it imports every urls and views module, and fills reverse()'s tables.
    get_resolver().reverse_dict  # noqa: B018
    for name in public_templates():
        get_template(name)


def public_templates():
    """The project's templates but the admin's: what visitors' pages are made of."""
    for folder in settings.TEMPLATES[0]["DIRS"]:
        folder = Path(folder)
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            if not name.startswith("admin/"):
                yield name
