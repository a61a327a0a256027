import json
import sqlite3
import tarfile
import time
import zlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from desk.models import CollectionState
from gifts.models import Gift
from operations import backups


class Command(BaseCommand):
    help = (
        "Restore a folder written by `manage.py backup` into the configured database (which "
        "may be new and empty) and the media folder, then check every model's record count and "
        "every media file's sha256 against the backup's manifest. The backup is checked before "
        "anything is changed; a database that already holds gifts is replaced only with --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="A backup folder (with manifest.json).")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Replace the configured database even though it already holds gifts.",
        )

    def handle(self, *args, folder, yes, **options):
        started = time.monotonic()
        folder = Path(folder).absolute()
        manifest = read_manifest(folder)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
            raise CommandError(
                f"This is a backup of a {names.get(vendor, vendor)} database; the configured "
                f"database is {connection.display_name}. A restore needs the same kind."
            )
        pg_restore = backups.find_program("pg_restore") if vendor == "postgresql" else None
        gifts = gifts_in_database()
        if gifts and not yes:
            raise CommandError(
                f"The database {describe_database()} already holds {gifts:,} gifts, and a "
                "restore replaces everything in it. Run again with --yes to go ahead."
            )

        # Check the whole backup before anything is changed.
        database = folder / manifest["database"]["file"]
        if backups.file_digest(database)[0] != manifest["database"]["sha256"]:
            raise CommandError(
                f"{database.name} differs from the manifest: the backup is damaged. "
                "Nothing was changed."
            )
        archive = folder / backups.MEDIA_ARCHIVE
        try:
            problems = backups.check_media_archive(archive, manifest["media"])
        except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
            problems = [f"unreadable: {error}"]
        if problems:
            raise CommandError(
                f"{archive.name} cannot be restored; nothing was changed:\n"
                + "\n".join(f"  {problem}" for problem in problems)
            )

        connection.close()
        try:
            if vendor == "postgresql":
                command, env = backups.postgres_command(
                    pg_restore,
                    [
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--no-privileges",
                        "--single-transaction",
                        str(database),
                    ],
                )
                # Fail rather than wait for ever behind a web worker's open transaction.
                env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout=60s".strip()
                backups.run_program(command, env)
            else:
                copy_into_sqlite(database, connection.settings_dict["NAME"])
            backups.extract_media(archive, settings.MEDIA_ROOT)
        except (OSError, sqlite3.Error, tarfile.TarError) as error:
            raise CommandError(f"The restore failed: {error}") from error

        differences = self.differences(manifest)
        try:
            CollectionState.bump()  # pages cached before the restore are not served again
        except DatabaseError as error:
            self.stderr.write(f"Could not move the collection version on: {error}")
        if differences:
            raise CommandError(
                f"The restore does not match the backup in {len(differences)} place(s):\n"
                + "\n".join(f"  {difference}" for difference in differences)
            )
        executor = MigrationExecutor(connection)
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        if pending:
            self.stdout.write(
                f"  The backup predates {pending} migration(s) of this version of the site: "
                "run `manage.py migrate` next."
            )
        records = manifest["records"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {records.get('gifts.Gift', 0):,} gifts ({sum(records.values()):,} "
                f"records) and {len(manifest['media']):,} media files from {folder} into "
                f"{describe_database()} in {time.monotonic() - started:.1f} s; "
                "all of it matches the manifest."
            )
        )

    def differences(self, manifest):
        """What the restored database and media folder lack or hold differently."""
        with connection.cursor() as cursor:
            counts = backups.record_counts(cursor, manifest["records"])
            migrations = backups.migration_state(cursor)
        differences = [
            f"{label}: {expected:,} records in the backup, "
            + ("the table is missing" if counts[label] is None else f"{counts[label]:,} now")
            for label, expected in manifest["records"].items()
            if counts[label] != expected
        ]
        differences += [
            f"migrations of {app}: {name} in the backup, {migrations.get(app)} now"
            for app, name in manifest["migrations"].items()
            if migrations.get(app) != name
        ]
        return differences + backups.media_differences(settings.MEDIA_ROOT, manifest["media"])


def read_manifest(folder):
    path = folder / backups.MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise CommandError(f"{folder} is not a backup: it has no {backups.MANIFEST}.") from None
    except (OSError, ValueError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    if manifest.get("format") != backups.FORMAT:
        raise CommandError(f"{path} is of an unknown format ({manifest.get('format')}).")
    missing = [
        name
        for name in (manifest["database"]["file"], backups.MEDIA_ARCHIVE)
        if not (folder / name).is_file()
    ]
    if missing:
        raise CommandError(f"The backup in {folder} is incomplete: {', '.join(missing)} missing.")
    return manifest


def gifts_in_database():
    table = Gift._meta.db_table
    try:
        with connection.cursor() as cursor:
            if table not in connection.introspection.table_names(cursor):
                return 0
            cursor.execute(f"SELECT COUNT(*) FROM {backups.quote(table)}")
            return cursor.fetchone()[0]
    except DatabaseError as error:
        raise CommandError(f"Cannot use the database {describe_database()}: {error}") from error


def describe_database():
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(settings_dict["NAME"])
    return f"{settings_dict['NAME']} on {settings_dict.get('HOST') or 'the local server'}"


def copy_into_sqlite(source, target):
    """
    The online backup API again, into the configured file: other connections to it (a running
    site) see the restored database as a whole, never a file half copied.
    """
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(Path(source).as_uri() + "?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=20)
    try:
        origin.backup(destination)
        destination.execute("PRAGMA journal_mode=WAL")
    finally:
        destination.close()
        origin.close()
