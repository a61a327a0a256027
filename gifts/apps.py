from django.apps import AppConfig
from django.db.models.signals import post_migrate


def check_search_index(using, **kwargs):
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    # Imported when the signal fires: apps.py is loaded before the app registry is ready.
    from gifts.search import install_search_index

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("gifts", "0004_search_index") in applied:
        install_search_index(connection)


class GiftsConfig(AppConfig):
    name = "gifts"
    verbose_name = "Collection"

    def ready(self):
        from gifts import signals  # noqa: F401  (keeps the search text up to date)

        post_migrate.connect(check_search_index, sender=self)
