"""
A database made before the desk had a room of its own (its models were the project package's
app, "museum") keeps every row and permission when it is migrated: tests/desk/data holds such a
database, built by main at a138502 (migrate, import_collection, a cataloguer with a review note
and a pending change on the first gift).
"""

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, fetch, run_command_server

BEFORE = Path(__file__).parent / "data" / "before-relayout.sqlite3.gz"

CHECK = """
from django.contrib.auth.models import Group
from desk.models import CollectionState, PendingChange, ReviewNote
from gifts.models import Gift
change = PendingChange.objects.get()
assert change.data == {"title": ["A new title"]}, change.data
assert change.record == Gift.objects.order_by("id").first()
assert ReviewNote.objects.get().text == "Check the date against the source."
assert CollectionState.objects.get().version == 1
cataloguer = Group.objects.get(name="Cataloguer").user_set.get()
assert cataloguer.has_perm("desk.add_pendingchange"), "the cataloguer may still propose changes"
assert cataloguer.has_perm("desk.view_reviewnote")
assert not cataloguer.has_perm("gifts.publish_gift")
"""


def test_a_database_from_before_the_move_keeps_its_rows_and_roles(tmp_path):
    with gzip.open(BEFORE) as source, open(tmp_path / "db.sqlite3", "wb") as target:
        shutil.copyfileobj(source, target)
    steps = [
        ["manage.py", "migrate", "--noinput"],
        ["manage.py", "shell", "-c", CHECK],
        ["manage.py", "migrate", "--check"],
        ["manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
    ]
    with run_command_server(tmp_path, steps) as address:
        status, _, body = fetch(f"{address}/gifts/")
        assert status == 200
        assert "69 gifts" in body.decode()  # the 72 records less the 3 given in return

    database = sqlite3.connect(tmp_path / "db.sqlite3")
    rows = dict(
        database.execute(
            "SELECT app_label || '.' || model, id FROM django_content_type "
            "WHERE model IN ('collectionstate', 'reviewnote', 'pendingchange')"
        ).fetchall()
    )
    # The content types were handed over, not made again: the permissions kept their ids.
    assert set(rows) == {"desk.collectionstate", "desk.reviewnote", "desk.pendingchange"}
    tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
    assert {"museum_collectionstate", "museum_reviewnote", "museum_pendingchange"} <= tables
    assert not {name for name in tables if name.startswith("desk_")}
    database.close()


def test_going_back_to_the_earlier_release_gives_its_app_the_records_again(tmp_path):
    """The README's rollback: `migrate desk zero` with this release's code, before switching."""
    with gzip.open(BEFORE) as source, open(tmp_path / "db.sqlite3", "wb") as target:
        shutil.copyfileobj(source, target)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_DEBUG="1", DJANGO_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="museum.settings"
    )
    database = sqlite3.connect(tmp_path / "db.sqlite3")
    permissions = database.execute("SELECT COUNT(*) FROM auth_group_permissions").fetchone()
    for step in (["migrate", "--noinput"], ["migrate", "desk", "zero", "--noinput"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *step], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    labels = database.execute(
        "SELECT DISTINCT app_label FROM django_content_type "
        "WHERE model IN ('collectionstate', 'reviewnote', 'pendingchange')"
    ).fetchall()
    assert labels == [("museum",)]
    assert database.execute("SELECT COUNT(*) FROM museum_pendingchange").fetchone() == (1,)
    # The roles were the earlier release's: neither redone nor removed.
    assert database.execute("SELECT COUNT(*) FROM auth_group_permissions").fetchone() == permissions
    database.close()
