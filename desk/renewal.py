"""
What renews cached pages: any write to a model of ours moves the collection version on.

The whole-page cache (operations.cache) and each worker's in-memory listing (catalogue.index) are
keyed by the collection version (desk.models.CollectionState). Every model of the project's own
apps (any app whose code lives in this repository, so a new app too) and every many-to-many table
between them moves the version on when a row is saved, deleted, added or removed, unless it is
listed in NOT_PUBLIC with the reason visitors never see it. A model added later is covered by
default; tests/desk/test_renewal.py saves an instance of each and fails if one is not.

Bulk writes send no signals (QuerySet.update, bulk_create, executemany): the code that makes
them calls CollectionState.bump() itself (desk.bulk.mark_updated, gifts.importer,
gifts.specimens, desk.imports, the restore command).
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save

from desk.models import CollectionState

# Models of ours that no public page shows, by "app_label.modelname", each with its reason.
# Add a model here only when no visitor can see any of its data.
NOT_PUBLIC = {
    "desk.collectionstate": "the collection version itself: bumping it would loop",
    "desk.reviewnote": "curators' review comments, shown only in the admin",
    "desk.pendingchange": "a change waiting for a curator's approval, shown only in the admin",
    "exports.export": "a download being prepared from the collection; it shows no record itself",
}


def is_historical(model):
    """A django-simple-history version table: read in the admin only. Saving the record itself
    (edit, revert, restore) is what renews the pages."""
    return hasattr(model, "instance_type")


def not_public_reason(model):
    if is_historical(model):
        return "versions of a record, shown only in the admin's history"
    return NOT_PUBLIC.get(model._meta.label_lower)


def our_app_configs():
    """The apps whose code is in this repository (not Django's, not third-party packages)."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and ".venv" not in Path(config.path).resolve().relative_to(base).parts
    ]


def public_models():
    """Every model of ours (many-to-many tables included) whose writes renew the pages."""
    return [
        model
        for config in our_app_configs()
        for model in config.get_models(include_auto_created=True)
        if not_public_reason(model) is None
    ]


def collection_changed(raw=False, **kwargs):
    if not raw:  # loaddata: the command that loads (restore) bumps once at the end
        CollectionState.bump()


def relations_changed(action, **kwargs):
    if action.startswith("post_"):
        CollectionState.bump()


def connect():
    """Called once, from MuseumConfig.ready(), when every model is loaded."""
    for model in public_models():
        label = model._meta.label_lower
        # By sender, not for every model: a post_delete receiver stops Django's fast delete of
        # the models it listens to (sessions, admin log entries...).
        post_save.connect(collection_changed, sender=model, dispatch_uid=f"renew-save-{label}")
        post_delete.connect(collection_changed, sender=model, dispatch_uid=f"renew-delete-{label}")
        # add(), remove(), clear() and set() on a many-to-many field write its table without
        # saving a row of it.
        m2m_changed.connect(relations_changed, sender=model, dispatch_uid=f"renew-m2m-{label}")
