"""
The builder: prepares the exports that are too large to make within a request (exports.models).

It is `manage.py build_exports`, a process of its own: a gunicorn worker that hands out an export
starts one when none is running (start()), so neither the run command nor a deployment has a
service more to run, and no web worker ever spends more than a moment on an export. One builder at
a time per machine, held by a lock file in EXPORTS_ROOT; it prepares the waiting exports one after
another, oldest first, tells how far it got every few seconds (so an export whose builder died,
its heartbeat stale, is taken up again by the next one, at most MAX_ATTEMPTS times), forgets
exports older than EXPORT_KEEP_SECONDS with their files, and ends when nothing is left to do.
"""

import contextlib
import datetime
import fcntl
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string

from exports import formats
from exports.models import Export

logger = logging.getLogger(__name__)

LOCK_NAME = ".builder.lock"
# A running export not heard of for this long is taken to have lost its builder.
STALE = datetime.timedelta(seconds=120)
HEARTBEAT_SECONDS = 5
MAX_ATTEMPTS = 3
# A starting builder takes about a second to hold the lock: a worker does not start another
# within this many seconds of its last.
START_INTERVAL = 10

_started = {"at": 0.0, "children": []}


def root():
    folder = Path(settings.EXPORTS_ROOT)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(export):
    return root() / export.stored_name


@contextlib.contextmanager
def lock():
    """True inside the block when this process is the machine's builder, False when another is."""
    handle = os.open(root() / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o640)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(handle)  # also releases the lock


def running():
    """Whether a builder holds the lock on this machine now."""
    with lock() as held:
        return not held


def start():
    """Starts a builder in a process of its own unless one is running (EXPORT_BUILDER='process');
    with any other value the exports wait for `manage.py build_exports` to be run."""
    children = _started["children"]
    children[:] = [child for child in children if child.poll() is None]  # reaps finished ones
    if settings.EXPORT_BUILDER != "process":
        return
    if time.monotonic() - _started["at"] < START_INTERVAL or running():
        return
    _started["at"] = time.monotonic()
    children.append(
        subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "build_exports"],
            stdin=subprocess.DEVNULL,
            # Its own session: a signal to the web worker's process group does not reach it.
            start_new_session=True,
            close_fds=True,
        )
    )


def claim():
    """The oldest export waiting (or abandoned by a dead builder), now marked running; or None."""
    now = timezone.now()
    for export in Export.objects.claimable(now - STALE).order_by("created")[:20]:
        if export.attempts >= MAX_ATTEMPTS:
            fail(export, "It could not be prepared after several attempts. Ask for it again.")
            continue
        # Taken only if no one else took it since it was read.
        taken = Export.objects.filter(
            pk=export.pk, state=export.state, heartbeat=export.heartbeat
        ).update(
            state=Export.State.RUNNING,
            started=now,
            heartbeat=now,
            done=0,
            attempts=F("attempts") + 1,
        )
        if taken:
            export.refresh_from_db()
            return export
    return None


def fail(export, reason):
    Export.objects.filter(pk=export.pk).update(
        state=Export.State.FAILED, error=reason, finished=timezone.now()
    )


def make_table(kind, query, user, fmt):
    """The table of an export of ``kind`` ("gifts", "donors", "admin:..."), made by the function
    settings.EXPORT_TABLES names for it; Refused when the query asks for what is not there."""
    make = import_string(settings.EXPORT_TABLES[kind.partition(":")[0]])
    return make(query, user, fmt, kind)


def table_for(export):
    """The export's table, made as the view that asked for it made it."""
    return make_table(export.kind, QueryDict(export.query), export.owner, export.fmt)


def build(export):
    """Writes the export's file (to a partial file renamed when complete) and marks it ready."""
    final = path_of(export)
    partial = final.with_name(final.name + ".part")
    last_beat = time.monotonic()

    def progress(rows):
        nonlocal last_beat
        if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
            last_beat = time.monotonic()
            Export.objects.filter(pk=export.pk).update(done=rows, heartbeat=timezone.now())

    started = time.monotonic()
    try:
        table = table_for(export)
        with partial.open("wb") as handle:
            rows = formats.write(export.fmt, table, handle, progress)
        os.replace(partial, final)
    except formats.Refused as refusal:
        partial.unlink(missing_ok=True)
        fail(export, str(refusal))
        logger.info("export %s refused: %s", export.pk, refusal)
        return False
    except Exception:
        partial.unlink(missing_ok=True)
        logger.exception("export %s failed", export.pk)
        fail(export, "An error stopped it. It will be tried again if you ask for it again.")
        return False
    Export.objects.filter(pk=export.pk).update(
        state=Export.State.READY,
        rows=rows,
        done=rows,
        size=final.stat().st_size,
        finished=timezone.now(),
        heartbeat=timezone.now(),
        error="",
    )
    logger.info(
        "export %s ready: %s rows of %s in %.1f s",
        export.pk,
        rows,
        export.kind,
        time.monotonic() - started,
    )
    return True


def prune():
    """Forgets exports finished (or left waiting) longer ago than EXPORT_KEEP_SECONDS, and the
    oldest ready ones beyond EXPORT_KEEP_BYTES, with their files; removes files no export names
    (a partial file of a builder that was killed)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.EXPORT_KEEP_SECONDS)
    over, kept = [], 0
    ready = Export.objects.filter(state=Export.State.READY).order_by("-finished")
    for pk, size in ready.values_list("pk", "size"):
        kept += size or 0
        if kept > settings.EXPORT_KEEP_BYTES:
            over.append(pk)
    # A file being sent stays readable to the sender after it is removed.
    old = Export.objects.filter(
        Q(finished__lt=cutoff) | Q(state=Export.State.QUEUED, created__lt=cutoff) | Q(pk__in=over)
    )
    for export in old:
        path_of(export).unlink(missing_ok=True)
        export.delete()
    known = {str(pk) for pk in Export.objects.values_list("pk", flat=True)}
    an_hour_ago = time.time() - 3600
    for file in root().iterdir():
        if file.name.startswith("."):
            continue
        stem = file.name.split(".", 1)[0]
        with contextlib.suppress(OSError):
            if stem not in known and file.stat().st_mtime < an_hour_ago:
                file.unlink()


def build_waiting():
    """
    As the machine's builder: prepares every waiting export, then prunes. Returns how many it
    prepared, or None when another builder holds the lock (that one will take them).
    """
    built = 0
    while True:
        with lock() as held:
            if not held:
                return built or None
            while (export := claim()) is not None:
                build(export)
                built += 1
            prune()
        # One asked for between the last claim and the lock's release found the lock held and
        # started no builder: look once more with the lock free.
        if not Export.objects.claimable(timezone.now() - STALE).exists():
            return built
