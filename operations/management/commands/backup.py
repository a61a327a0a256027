import contextlib
import datetime
import json
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from operations import backups


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded media into a new folder (default: "
        "var/backups/<UTC time>): database.dump (pg_dump) or database.sqlite3 (SQLite's online "
        "backup, safe while the site runs), media.tar.gz and manifest.json, which lists every "
        "model's record count and every media file's sha256 so `manage.py restore` can check "
        "it got everything back. The folder appears only once the backup is complete."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder",
            nargs="?",
            help="Where to write the backup: a new or empty folder (default: var/backups/<time>).",
        )

    def handle(self, *args, folder, **options):
        started = time.monotonic()
        now = datetime.datetime.now(datetime.UTC)
        if folder:
            target = Path(folder).absolute()
        else:
            target = Path(settings.VAR_DIR).absolute() / "backups" / f"{now:%Y%m%dT%H%M%SZ}"
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise CommandError(f"{target} already exists and is not empty; choose a new folder.")
        vendor = connection.vendor
        if vendor not in backups.DATABASE_FILES:
            raise CommandError(f"Only PostgreSQL and SQLite can be backed up, not {vendor}.")
        pg_dump = backups.find_program("pg_dump") if vendor == "postgresql" else None

        # Everything is written into a hidden folder beside the target and renamed at the end,
        # so a folder with the target's name is always a complete backup.
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            work = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
            )
        except OSError as error:
            raise CommandError(f"Cannot write a backup into {target.parent}: {error}") from error
        try:
            manifest, links = self.write_backup(work, target, vendor, pg_dump, now)
            sync_folder(work)
            os.rename(work, target)
        except BaseException as error:
            shutil.rmtree(work, ignore_errors=True)
            failures = (OSError, DatabaseError, sqlite3.Error, connection.Database.Error)
            if isinstance(error, failures):
                raise CommandError(f"The backup failed and nothing was kept: {error}") from error
            raise
        with contextlib.suppress(OSError):
            sync_folder(target.parent, files=False)  # makes the rename durable

        for link in links:
            self.stderr.write(f"  Left out {link}: a symbolic link, not a file.")
        records = manifest["records"]
        media = manifest["media"]
        media_bytes = sum(entry["size"] for entry in media.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {connection.display_name} database "
                f"({records.get('gifts.Gift', 0):,} gifts, {sum(records.values()):,} records) "
                f"and {len(media):,} media files ({media_bytes / 1e6:,.1f} MB) to {target} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def write_backup(self, work, target, vendor, pg_dump, now):
        database = work / backups.DATABASE_FILES[vendor]
        if vendor == "postgresql":
            facts = dump_postgresql(database, pg_dump)
        else:
            facts = copy_sqlite(database)
        sha256, size = backups.file_digest(database)
        media, links = backups.archive_media(
            settings.MEDIA_ROOT, work / backups.MEDIA_ARCHIVE, leave_out=[work, target]
        )
        manifest = {
            "format": backups.FORMAT,
            "created": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "django": django.get_version(),
            "database": {
                "vendor": vendor,
                "file": database.name,
                "sha256": sha256,
                "size": size,
            },
            "migrations": facts["migrations"],
            "records": facts["records"],
            "media": media,
        }
        (work / backups.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        return manifest, links


def dump_postgresql(path, pg_dump):
    """
    pg_dump in a snapshot exported from a read-only transaction that counts the records, so
    the manifest's counts are those of the dump even while curators keep working.
    """
    raw = connection.Database.connect(**connection.get_connection_params())
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            facts = {
                "migrations": backups.migration_state(cursor),
                "records": backups.record_counts(cursor),
            }
            command, env = backups.postgres_command(
                pg_dump,
                [
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                ],
            )
            backups.run_program(command, env)
        raw.rollback()
    finally:
        raw.close()
    return facts


def copy_sqlite(path):
    """
    SQLite's online backup API: a consistent copy while the site reads and writes (WAL mode).
    The copy is switched out of WAL so it is one self-contained file, then checked and counted.
    """
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise CommandError(f"The copy of the database fails SQLite's check: {verdict}")
        cursor = copy.cursor()
        facts = {
            "migrations": backups.migration_state(cursor),
            "records": backups.record_counts(cursor),
        }
    finally:
        copy.close()
    return facts


def sync_folder(folder, files=True):
    """Flush the backup to disk before it is renamed into place (a disk error shows here)."""
    if files:
        for path in Path(folder).iterdir():
            with open(path, "rb") as file:
                os.fsync(file.fileno())
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
