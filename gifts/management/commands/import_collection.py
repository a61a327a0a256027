from django.core.management.base import BaseCommand, CommandError

from gifts.importer import DEFAULT_DATA_DIR, CollectionImporter, ImportFailed


class Command(BaseCommand):
    help = (
        "Load the documented collection (gifts, donors, occasions, sources, leaders, buildings, "
        "showrooms) from CSV files. Safe to run again: records are matched on their keys, nothing "
        "is duplicated or deleted, and a bad row stops the import before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            default=str(DEFAULT_DATA_DIR),
            help="Folder with the collection's CSV files (default: the copy in the project).",
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="Only add what is missing; leave existing records (and curators' edits) alone.",
        )
        parser.add_argument(
            "--keep-edits",
            action="store_true",
            help="Add what is missing and bring up to date the records no curator has changed "
            "since they were imported; leave the records curators changed as they are.",
        )

    def handle(self, *args, data_dir, keep_existing, keep_edits, **options):
        if keep_existing and keep_edits:
            raise CommandError("Choose one of --keep-existing and --keep-edits.")
        importer = CollectionImporter(
            data_dir,
            keep_existing=keep_existing,
            keep_edits=keep_edits,
            progress=lambda m: self.stdout.write(f"  {m}"),
        )
        try:
            report = importer.run()
        except ImportFailed as failure:
            message = "\n".join(f"  {error}" for error in failure.errors)
            raise CommandError(
                f"Nothing was imported: {len(failure.errors)} problem(s) found.\n{message}"
            ) from failure
        for line in report.lines():
            self.stdout.write(f"  {line}")
        verdict = "Done." if report.changed else "Done: the database already had all of it."
        self.stdout.write(self.style.SUCCESS(verdict))
