from django.core.management.base import BaseCommand

from catalogue import index, store


class Command(BaseCommand):
    help = (
        "Build the gift listing's index of the current collection version into "
        "LISTING_INDEX_DIR, unless it is built already, for every web worker of this machine to "
        "map. gunicorn's master runs it at start and on reload (gunicorn.conf.py)."
    )

    def handle(self, *args, **options):
        collection = index.collection()
        folder = store.root() / store.build_name(collection.version)
        self.stdout.write(f"{collection.size} gifts, version {collection.version[0]}: {folder}")
