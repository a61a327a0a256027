"""
The backup and restore drill an operator runs: back a site up, restore it into a fresh database
and media folder, and find every record and file again. The real commands run in separate
processes, each site with its own database, as they do on a server.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
IMAGE = "gifts/IFE-0031/vase.png"

ADD_IMAGE = r"""
import io, django
django.setup()
from django.core.files.base import ContentFile
from PIL import Image
from gifts.models import Gift, GiftImage
buffer = io.BytesIO()
Image.new("RGB", (400, 300), (160, 30, 30)).save(buffer, format="PNG")
image = GiftImage(gift=Gift.objects.get(accession_number="IFE-0031"), alt_text="A red vase")
image.image.save("vase.png", ContentFile(buffer.getvalue()))
"""

COUNT_EVERYTHING = r"""
import json, django
django.setup()
from django.apps import apps
print("RESULT" + json.dumps({
    model._meta.label: model._base_manager.count()
    for model in apps.get_models(include_auto_created=True)
    if model._meta.managed and not model._meta.proxy
}))
"""

# A full disk while the media archive is written, in the real command.
DISK_FULL = r"""
import errno, sys, tarfile
def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")
tarfile.TarFile.addfile = no_space
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


class Site:
    """One installation of the site: its database, media folder and var folder."""

    def __init__(self, database_url, folder):
        self.database_url = database_url
        self.media = folder / "media"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))
        }
        self.env.update(
            DATABASE_URL=database_url,
            DJANGO_MEDIA_ROOT=str(self.media),
            DJANGO_VAR_DIR=str(folder / "var"),
            DJANGO_SETTINGS_MODULE="museum.settings",
            DJANGO_LOG_LEVEL="WARNING",
        )

    def run(self, *args, env=None):
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def manage(self, *args, env=None):
        return self.run("manage.py", *args, env=env)

    def ok(self, *args):
        done = self.manage(*args)
        assert done.returncode == 0, done.stderr
        return done

    def python(self, script):
        done = self.run("-c", script)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def install(self):
        """What an operator's site holds: the documented collection and a photograph."""
        self.ok("migrate", "--noinput", "--verbosity", "0")
        self.ok("import_collection")
        self.python(ADD_IMAGE)

    def records(self):
        return json.loads(self.python(COUNT_EVERYTHING).split("RESULT", 1)[1])

    def media_files(self):
        return {
            path.relative_to(self.media).as_posix(): path.read_bytes()
            for path in self.media.rglob("*")
            if path.is_file()
        }


def sqlite_site(folder):
    return Site(f"sqlite:///{folder / 'db.sqlite3'}", folder)


def assert_restored(original, restored):
    records = restored.records()
    assert records == original.records()
    assert records["gifts.Gift"] == 72
    assert records["gifts.GiftImage"] == 1
    files = restored.media_files()
    assert files == original.media_files()
    assert files[IMAGE].startswith(b"\x89PNG")


def rewrite_archive(backup, tamper=None, extra=None):
    """Rebuild the backup's media.tar.gz: tamper(name, data) may change a file's bytes, extra
    (TarInfo, bytes) members are appended."""
    path = backup / "media.tar.gz"
    members = []
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            members.append((member, tamper(member.name, data) if tamper else data))
    with tarfile.open(path, "w:gz") as tar:
        for member, data in [*members, *(extra or [])]:
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if member.isfile() else None)


def tables_in(sqlite_file):
    with sqlite3.connect(sqlite_file) as db:
        return db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """A site on SQLite with the collection and a photograph, and its backup."""
    folder = tmp_path_factory.mktemp("site")
    site = sqlite_site(folder)
    site.install()
    backup = folder / "backups" / "drill"
    summary = site.ok("backup", str(backup)).stdout
    return site, backup, summary


@pytest.fixture
def backup_copy(drill, tmp_path):
    """A copy of the drill's backup for a test to damage."""
    return Path(shutil.copytree(drill[1], tmp_path / "backup"))


def test_a_sqlite_backup_restores_into_a_fresh_database_with_every_record_and_file(drill, tmp_path):
    site, backup, summary = drill
    assert "72 gifts" in summary
    assert "3 media files" in summary  # the photograph and its two smaller copies
    fresh = sqlite_site(tmp_path)
    done = fresh.ok("restore", str(backup))
    assert "all of it matches the manifest" in done.stdout
    assert_restored(site, fresh)


def test_a_backup_is_a_database_copy_the_media_and_a_manifest(drill):
    site, backup, _ = drill
    assert sorted(os.listdir(backup)) == ["database.sqlite3", "manifest.json", "media.tar.gz"]
    assert os.listdir(backup.parent) == ["drill"]  # no half-written folder beside it
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["created"].endswith("Z")
    latest = max(p.stem for p in (ROOT / "gifts" / "migrations").glob("[0-9]*.py"))
    assert manifest["migrations"]["gifts"] == latest
    assert manifest["records"]["gifts.Gift"] == 72
    assert manifest["records"]["donors.Donor"] == 46
    assert manifest["records"]["auth.User"] == 0
    assert {"exhibitions.Showroom", "desk.CollectionState"} <= set(manifest["records"])
    image = (site.media / IMAGE).read_bytes()
    assert manifest["media"][IMAGE] == {
        "sha256": hashlib.sha256(image).hexdigest(),
        "size": len(image),
    }
    with tarfile.open(backup / "media.tar.gz") as tar:
        assert sorted(tar.getnames()) == sorted(manifest["media"])


def test_restore_replaces_a_database_that_holds_gifts_only_when_told_to(drill, tmp_path):
    site, backup, _ = drill
    fresh = sqlite_site(tmp_path)
    fresh.ok("restore", str(backup))
    again = fresh.manage("restore", str(backup))
    assert again.returncode != 0
    assert "already holds 72 gifts" in again.stderr
    assert "--yes" in again.stderr
    fresh.ok("restore", str(backup), "--yes")
    assert_restored(site, fresh)


def test_restore_refuses_a_backup_whose_media_file_was_changed(backup_copy, tmp_path):
    rewrite_archive(backup_copy, tamper=lambda name, data: data + b"!" if name == IMAGE else data)
    fresh = sqlite_site(tmp_path)
    done = fresh.manage("restore", str(backup_copy))
    assert done.returncode != 0
    assert f"{IMAGE}: its contents differ from the manifest" in done.stderr
    assert "nothing was changed" in done.stderr
    assert tables_in(tmp_path / "db.sqlite3") == 0
    assert not fresh.media.exists()


@pytest.mark.parametrize(
    "name, kind, reason",
    [
        ("../escaped.txt", tarfile.REGTYPE, "a path that climbs out of the media folder"),
        ("/tmp/backup-drill-absolute.txt", tarfile.REGTYPE, "an absolute path"),
        ("gifts/passwords", tarfile.SYMTYPE, "a link"),
    ],
)
def test_restore_refuses_an_archive_member_that_could_land_outside_the_media_folder(
    backup_copy, tmp_path, name, kind, reason
):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else ""
    rewrite_archive(backup_copy, extra=[(member, b"" if member.issym() else b"outside")])
    fresh = sqlite_site(tmp_path)
    done = fresh.manage("restore", str(backup_copy))
    assert done.returncode != 0
    assert f"{name}: {reason}" in done.stderr
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/backup-drill-absolute.txt").exists()
    assert tables_in(tmp_path / "db.sqlite3") == 0
    assert not fresh.media.exists()


def test_a_failed_backup_leaves_no_folder_that_looks_complete(drill, tmp_path):
    site, _, _ = drill
    target = tmp_path / "backups" / "tonight"
    done = site.run("-c", DISK_FULL, "backup", str(target))
    assert done.returncode != 0
    assert "The backup failed and nothing was kept: [Errno 28] No space left" in done.stderr
    assert os.listdir(target.parent) == []


def test_backup_says_so_when_pg_dump_is_missing(tmp_path):
    site = Site("postgres://postgres@127.0.0.1:5432/museum", tmp_path)
    empty = tmp_path / "no-programs"
    empty.mkdir()
    done = site.manage("backup", str(tmp_path / "backup"), env={"PATH": str(empty)})
    assert done.returncode != 0
    assert "pg_dump was not found on PATH" in done.stderr
    assert not (tmp_path / "backup").exists()


# PostgreSQL ------------------------------------------------------------------------------------


@pytest.fixture
def postgres_databases():
    """Two new, empty databases on the test server, dropped afterwards: (site, fresh) URLs."""
    import psycopg
    from psycopg import sql

    server = settings.DATABASES["default"]
    admin = psycopg.connect(
        dbname="postgres",
        autocommit=True,
        **{
            key.lower(): str(server[key])
            for key in ("HOST", "PORT", "USER", "PASSWORD")
            if server.get(key)
        },
    )
    names = [f"backup_drill_{uuid.uuid4().hex[:10]}_{role}" for role in ("site", "fresh")]
    url = urlsplit(os.environ["DATABASE_URL"])
    try:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield [urlunsplit(url._replace(path=f"/{name}")) for name in names]
    finally:
        for name in names:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL=postgres://...")
def test_a_postgresql_backup_restores_into_a_fresh_database(postgres_databases, tmp_path):
    site_url, fresh_url = postgres_databases
    site = Site(site_url, tmp_path / "site")
    site.install()
    backup = tmp_path / "backup"
    assert "72 gifts" in site.ok("backup", str(backup)).stdout
    assert sorted(os.listdir(backup)) == ["database.dump", "manifest.json", "media.tar.gz"]
    assert json.loads((backup / "manifest.json").read_text())["database"]["vendor"] == (
        "postgresql"
    )

    fresh = Site(fresh_url, tmp_path / "fresh")
    assert "all of it matches the manifest" in fresh.ok("restore", str(backup)).stdout
    assert_restored(site, fresh)
    again = fresh.manage("restore", str(backup))
    assert again.returncode != 0
    assert "already holds 72 gifts" in again.stderr
    # pg_restore --clean over the restored tables
    assert "all of it matches the manifest" in fresh.ok("restore", str(backup), "--yes").stdout
