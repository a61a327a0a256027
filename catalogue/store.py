"""
One copy of the listing's index per machine (catalogue.index), whatever the number of workers.

The index of a collection version is built once, by one process, into a folder of
LISTING_INDEX_DIR: an uncompressed .npy file per array (the columns, and the sort orders and
groups a worker would otherwise work out for itself) and a small pickle of the rest (each
dimension's options, the leaders' spellings). Every process then maps the arrays read-only
(``np.load(mmap_mode="r")``): their pages sit once in the operating system's page cache, shared
by every worker that maps them, and a new worker (at start, after max_requests, on a reload) only
maps files, which takes milliseconds where reading the collection took seconds.

- The folder is named by the format of its files (FORMAT), the database it was read from and the
  collection version, so a build is never mistaken for another's.
- It is written under a temporary name and renamed into place: a folder with the final name is
  complete. One that cannot be read all the same (a disk fault, a hand that meddled) is removed
  and built again.
- Building takes the machine-wide lock of the database (fcntl.flock on a file beside the
  builds), so one process builds a version while the others keep answering with the version they
  have mapped; one that has nothing mapped waits for the build.
- The builder then removes every other build of its database but the newest KEEP. A worker that
  still maps a removed one keeps working (an unlinked file stays readable while mapped) until it
  moves on to the new version.
"""

import contextlib
import datetime
import fcntl
import hashlib
import logging
import os
import pickle
import shutil
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

# Raised whenever what is written changes (a new array, a new meaning): builds of another format
# are never read, and are removed by the next build.
FORMAT = 6
KEEP = 2  # builds of a database kept: the newest, and the one before it
META = "meta.pickle"
TEMPORARY = ".building-"  # prefix of a build being written
SHARED_PER_KIND = 2000  # answers kept per build of each kind (shared)
ABANDONED_SECONDS = 3600  # a temporary folder this old was left by a builder that died


class Unreadable(Exception):
    """A build folder that exists but cannot be used."""


def root():
    return Path(settings.LISTING_INDEX_DIR)


def database_tag():
    """A short name of the database the collection is read from: two sites (or a site and its
    tests) sharing the folder never read each other's builds."""
    database = connection.settings_dict
    identity = "|".join(
        str(database.get(part) or "") for part in ("ENGINE", "NAME", "HOST", "PORT")
    )
    return hashlib.blake2b(identity.encode(), digest_size=5).hexdigest()


def build_name(version):
    """The folder of a version: v<format>-<database>-<number>-<when it changed, UTC>."""
    number, changed = version
    stamp = "none"
    if changed is not None:
        stamp = changed.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"v{FORMAT}-{database_tag()}-{number}-{stamp}"


def write(folder, arrays, meta, durable=True):
    """Write a build into ``folder`` (which must not exist) through a temporary folder beside it,
    renamed into place once every file is written (and flushed to disk, if ``durable``)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.parent / f"{TEMPORARY}{folder.name}-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        shapes = {}
        for name, values in arrays.items():
            values = np.ascontiguousarray(values)
            with open(temporary / f"{name}.npy", "wb") as file:
                np.save(file, values, allow_pickle=False)
                if durable:
                    file.flush()
                    os.fsync(file.fileno())
            shapes[name] = (values.dtype.str, values.shape)
        with open(temporary / META, "wb") as file:
            pickle.dump({**meta, "format": FORMAT, "arrays": shapes}, file, protocol=5)
            if durable:
                file.flush()
                os.fsync(file.fileno())
        os.rename(temporary, folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def shared(version, kind, key, make, worth):
    """
    The arrays ``make()`` gives for ``key`` (a dict by name), made once per machine for a build:
    mapped from <the build>/<kind>/<digest of key> when a process of the machine made them
    already, else made here and, if ``worth(arrays)``, written there for the others (a worker
    started by a reload among them). Written as a build is (write: complete once renamed), not
    flushed to disk (a damaged one is made again), and removed with the build; at most
    SHARED_PER_KIND of a kind per build, so strange queries cannot fill the disk.
    """
    build = root() / build_name(version)
    folder = build / kind / hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    try:
        return read(folder)[0]
    except FileNotFoundError:
        pass
    except Unreadable:
        shutil.rmtree(folder, ignore_errors=True)  # made again below
    arrays = make()
    if worth(arrays) and build.is_dir():
        try:
            (build / kind).mkdir(exist_ok=True)  # not its parents: a build removed stays so
            if len(os.listdir(build / kind)) < SHARED_PER_KIND:
                write(folder, arrays, {"key": key}, durable=False)
        except OSError as error:
            if not folder.is_dir():  # else another process wrote it meanwhile
                logger.warning("Not shared in %s: %s", build.name, error)
    return arrays


def read(folder):
    """(arrays, meta) of a build, each array mapped read-only; Unreadable if the folder is there
    but is not a whole build of this format, FileNotFoundError if there is none."""
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    try:
        with open(folder / META, "rb") as file:
            meta = pickle.load(file)
        if meta.get("format") != FORMAT:
            raise Unreadable(f"{folder}: format {meta.get('format')}, not {FORMAT}")
        arrays = {}
        for name, (dtype, shape) in meta["arrays"].items():
            mapped = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            if mapped.dtype.str != dtype or mapped.shape != tuple(shape):
                raise Unreadable(f"{folder}: {name} is {mapped.dtype.str} {mapped.shape}")
            # A plain read-only ndarray over the mapping: what numpy makes from it is an ndarray
            # too, and nothing can write to the shared pages.
            arrays[name] = mapped.view(np.ndarray)
    except (OSError, EOFError, ValueError, KeyError, TypeError, pickle.UnpicklingError) as error:
        if isinstance(error, FileNotFoundError) and not folder.exists():
            raise
        raise Unreadable(f"{folder}: {error}") from error
    return arrays, meta


@contextlib.contextmanager
def build_lock(wait):
    """The machine-wide lock of this database's builds: yields True when held, False when
    another process holds it and ``wait`` is false."""
    folder = root()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".lock-{database_tag()}", "a+b") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def builds():
    """This database's builds of this format, newest first (by when they were written)."""
    prefix = f"v{FORMAT}-{database_tag()}-"
    found = []
    for path in root().glob(f"{prefix}*"):
        with contextlib.suppress(FileNotFoundError):
            # By its meta, written once: a folder's own time moves when an answer is shared in
            # it (shared()), which would make an older build look the newest.
            found.append(((path / META).stat().st_mtime, path))
    return [path for _, path in sorted(found, reverse=True)]


def prune(keep):
    """Remove this database's builds but the newest KEEP (``keep`` among them), its builds of
    other formats, and temporary folders a dead builder left. Called with the lock held."""
    tag = database_tag()
    newest = [path for path in builds() if path != keep][: KEEP - 1]
    for path in root().iterdir():
        name = path.name
        if name.startswith(TEMPORARY):
            with contextlib.suppress(FileNotFoundError):
                if time.time() - path.stat().st_mtime > ABANDONED_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
        elif name.startswith("v") and f"-{tag}-" in name and path != keep and path not in newest:
            shutil.rmtree(path, ignore_errors=True)


def open_or_build(version, make, held=None):
    """
    The (arrays, meta) of ``version``: mapped from its build, built first if there is none
    (``make()`` gives the arrays and meta to write). If another process is building and this one
    ``held`` a version already, None: the caller keeps answering with what it holds.
    """
    folder = root() / build_name(version)
    with contextlib.suppress(FileNotFoundError, Unreadable):
        return read(folder)
    with build_lock(wait=held is None) as locked:
        if not locked:
            return None
        try:
            return read(folder)  # built while this process waited for the lock
        except FileNotFoundError:
            pass
        except Unreadable:
            logger.warning("Listing index build %s unreadable; building it again", folder)
            shutil.rmtree(folder, ignore_errors=True)
        started = time.monotonic()
        write(folder, *make())
        prune(keep=folder)
        logger.info("Built the listing index %s in %.1f s", folder.name, time.monotonic() - started)
        return read(folder)


def open_built(version):
    """(arrays, meta) of ``version`` if it is built, else None; never builds."""
    with contextlib.suppress(FileNotFoundError, Unreadable):
        return read(root() / build_name(version))
    return None


def open_newest():
    """(arrays, meta) of this database's newest readable build, or None: what a new worker maps
    before it can ask the database anything."""
    for folder in builds():
        with contextlib.suppress(FileNotFoundError, Unreadable):
            return read(folder)
    return None
