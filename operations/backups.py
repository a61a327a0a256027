"""
What the backup and restore commands share: the backup folder's layout, the manifest that lets a
restore prove it got every record and file back, and the media archive, written with a checksum
of every file and read back only if no member could land outside the media folder.
"""

import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
COUNTED_APPS = ("gifts", "donors", "exhibitions", "desk")
FORMAT = 1


def counted_models():
    """The models whose records a restore must find again, many-to-many tables included."""
    models = [
        model
        for label in COUNTED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    return [*models, get_user_model()]


def quote(name):
    """A table name as SQL, for SQLite and PostgreSQL alike."""
    return '"' + name.replace('"', '""') + '"'


def record_counts(cursor, labels=None):
    """
    {model label: rows} counted in SQL, so the backup can count inside the very snapshot it
    dumps. A model this version of the site does not know, or a missing table, counts as None.
    """
    models = {model._meta.label: model for model in counted_models()}
    counts = {}
    for label in labels if labels is not None else models:
        model = models.get(label)
        if model is None:
            counts[label] = None
            continue
        try:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(model._meta.db_table)}")
        except Exception:  # the table is missing: each database has its own error class
            counts[label] = None
            continue
        counts[label] = cursor.fetchone()[0]
    return counts


def migration_state(cursor):
    """{app: its latest applied migration}, as the database records them."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    latest = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return dict(sorted(latest.items()))


def file_digest(path):
    """(sha256, size) of a file, read in blocks so a large one never sits in memory."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


class HashingReader:
    """Hashes what tarfile reads, so the manifest describes the archived bytes exactly even
    if a curator replaces the file while the backup runs."""

    def __init__(self, file):
        self.file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.file.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def archive_media(media_root, archive_path, leave_out=()):
    """
    Write every regular file under media_root into a gzipped tar with paths relative to it.
    Returns ({relative path: {"sha256", "size"}}, [symbolic links left out]). Folders in
    leave_out (a backup being written inside the media folder) are not archived.
    """
    media_root = Path(media_root)
    leave_out = {Path(folder).resolve() for folder in leave_out}
    files, links = {}, []
    with tarfile.open(archive_path, "w:gz") as tar:
        if not media_root.is_dir():
            return files, links
        for folder, subfolders, names in os.walk(media_root):
            folder = Path(folder)
            subfolders[:] = sorted(s for s in subfolders if (folder / s).resolve() not in leave_out)
            for name in sorted(names):
                path = folder / name
                relative = path.relative_to(media_root).as_posix()
                if path.is_symlink():
                    links.append(relative)
                    continue
                if not path.is_file():
                    continue  # sockets, pipes: nothing a restore could use
                with open(path, "rb") as file:
                    info = tar.gettarinfo(arcname=relative, fileobj=file)
                    reader = HashingReader(file)
                    tar.addfile(info, reader)
                files[relative] = {"sha256": reader.digest.hexdigest(), "size": reader.size}
    return files, links


def unsafe_member(member):
    """Why a tar member must not be extracted into the media folder, or None if it is safe."""
    path = PurePosixPath(member.name)
    if path.is_absolute():
        return "an absolute path"
    if ".." in path.parts:
        return "a path that climbs out of the media folder ('..')"
    if member.issym() or member.islnk():
        return "a link"
    if not (member.isfile() or member.isdir()):
        return "not a regular file"
    return None


def check_media_archive(archive_path, expected):
    """
    Read the archive through once before anything is restored: every member must be safe to
    extract, and every file must be in the manifest with the same sha256. Returns the problems
    found, one line each (an empty list means the archive can be extracted).
    """
    problems = []
    seen = set()
    with tarfile.open(archive_path, "r:gz") as tar:
        for member in tar:
            reason = unsafe_member(member)
            if reason:
                problems.append(f"{member.name}: {reason}; refusing to extract it")
                continue
            if member.isdir():
                continue
            seen.add(member.name)
            entry = expected.get(member.name)
            if entry is None:
                problems.append(f"{member.name}: in the archive but not in the manifest")
                continue
            digest = hashlib.sha256()
            with tar.extractfile(member) as file:
                while block := file.read(1024 * 1024):
                    digest.update(block)
            if digest.hexdigest() != entry["sha256"]:
                problems.append(
                    f"{member.name}: its contents differ from the manifest "
                    f"(sha256 {digest.hexdigest()[:12]}…, expected {entry['sha256'][:12]}…)"
                )
    problems.extend(
        f"{name}: in the manifest but missing from the archive"
        for name in sorted(set(expected) - seen)
    )
    return problems


def extract_media(archive_path, media_root):
    """Extract a checked archive (check_media_archive) into media_root, overwriting files of
    the same name. Python's "data" filter checks again where it exists (3.11.4 and later)."""
    media_root = Path(media_root)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as tar:
        members = [member for member in tar.getmembers() if unsafe_member(member) is None]
        if hasattr(tarfile, "data_filter"):
            tar.extractall(media_root, members=members, filter="data")
        else:
            tar.extractall(media_root, members=members)  # checked by unsafe_member above


def media_differences(media_root, expected):
    """Files of the manifest that are missing under media_root or differ from it."""
    media_root = Path(media_root)
    differences = []
    for name, entry in sorted(expected.items()):
        path = media_root / name
        if not path.is_file():
            differences.append(f"media file {name}: missing after the restore")
            continue
        sha256, _ = file_digest(path)
        if sha256 != entry["sha256"]:
            differences.append(f"media file {name}: its contents differ from the backup")
    return differences


def find_program(name):
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"{name} was not found on PATH. Install the PostgreSQL client programs of the "
            f"server's major version (Debian: apt install postgresql-client)."
        )
    return path


def postgres_command(program, arguments):
    """
    A pg_dump or pg_restore command line for the configured database and its environment:
    the password goes in PGPASSWORD, never on a command line other users can read.
    """
    settings_dict = connection.settings_dict
    _, extra = connection.client.settings_to_cmd_args_env(settings_dict, [])
    command = [program]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command.append(f"{option}={settings_dict[key]}")
    if settings_dict.get("NAME"):
        command.append(f"--dbname={settings_dict['NAME']}")
    return [*command, *arguments], {**os.environ, **(extra or {})}


def run_program(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        program = Path(command[0]).name
        raise CommandError(
            f"{program} failed (exit status {result.returncode}): {result.stderr.strip()}"
        )
