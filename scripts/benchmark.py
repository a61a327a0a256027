"""
Load-test the site as a deployment serves it, at a given collection size.

For each database asked for, it builds a fresh database (migrate, import_collection,
generate_specimens --count N), serves it with gunicorn (2 sync workers, DEBUG off, static files by
whitenoise) on a loopback port, and measures each kind of page with wrk from Debian's packages
(or, without wrk, a small threaded Python client): requests/s, p50 and p99 latency, SQL queries
per request (counted in-process), each as a ratio to /healthz measured in the same run, and the
workers' peak memory. It also times import_collection on a CSV of N synthetic gifts. Peers answer
the same questions of the same gifts in the same run: Datasette's faceted table (from a virtualenv
of its own, on a flat SQLite copy) and the Django admin's changelist; our rows are also given as a
ratio to the best of them. Given two sizes, it adds each row's p50 growth between them. It prints
one table per database and size, and writes the same as JSON.

Usage (see README, "Benchmark"): scripts/benchmark.sh --size 115000 --db postgres --seconds 10
or, for the growth too: scripts/benchmark.sh --db sqlite --size 115000 --size 1000000
"""

import argparse
import contextlib
import csv
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
CONNECTIONS = 8
SAMPLES = 400  # different addresses per scenario
CEILING = "healthz (ceiling)"  # the row every row is a ratio to
# wrk gives up on a request after this long (its default, 2 s, would drop a slow peer's answers
# from the latencies and report the few fast ones).
REQUEST_TIMEOUT = 60

WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_URLS")) do paths[#paths + 1] = line end
local counter = 0
local unique = os.getenv("BENCH_UNIQUE") == "1"
local cookie = os.getenv("BENCH_COOKIE") or ""
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
counter = math.random(0, #paths)  -- each thread starts elsewhere in the list
request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  if unique then
    local sep = path:find("?", 1, true) and "&" or "?"
    path = path .. sep .. "_n=" .. counter .. "-" .. math.random(1, 1000000000)
  end
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", path, headers)
end
"""

# The shell snippet run inside the project to learn what the data holds and to count queries.
PROBE = r"""
import json, random, sys
from django.test import Client
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.conf import settings
from catalogue import index
from catalogue.facets import FACET
from gifts.models import Gift
settings.ALLOWED_HOSTS = ["*"]
rng = random.Random(1)
c = index.collection()
keys = {name: [o.key for o in c.options(name)] for name in [*FACET, "decade"]}
gift_ids = c.ids.tolist()
sample = rng.sample(gift_ids, min(400, len(gift_ids)))
accessions = list(Gift.objects.filter(id__in=sample).values_list("accession_number", flat=True))
# Gifts nobody has asked for yet in a run: more than a run of a few seconds visits.
unseen = set(rng.sample(gift_ids, min(20000, len(gift_ids)))) - set(sample)
first_visits = list(
    Gift.objects.filter(id__in=unseen).values_list("accession_number", flat=True).iterator()
)
rng.shuffle(first_visits)
counts = c.counts("donor")
donors = sorted(counts, key=lambda k: -counts[k])[:2000]
user, _ = get_user_model().objects.get_or_create(username="benchmark-admin",
    defaults={"is_staff": True, "is_superuser": True})
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(json.dumps({"keys": keys, "accessions": accessions, "first_visits": first_visits,
                  "donors": donors,
                  "session": session.session_key, "size": c.size,
                  "admin": settings.ADMIN_URL}))
"""

COUNT_QUERIES = r"""
import json, sys
from django.test import Client
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.conf import settings
settings.ALLOWED_HOSTS = ["*"]
settings.PUBLIC_PAGE_CACHE_SECONDS = 0
urls = json.loads(sys.stdin.read())
client = Client()
result = {}
for name, (url, cookie) in urls.items():
    if cookie:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    else:
        client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    result[name] = {"queries": len(queries), "status": status}
print("RESULT" + json.dumps(result))
"""


# Suggestions while typing (catalogue.suggest), in a process that has loaded the listing as a
# worker has: how long the first suggestion of a collection version takes to build what they
# are found from, and what that keeps in memory; then, for every keystroke of a few searches, the
# time to find an answer not asked before (the engine alone, and the whole request through the
# view), and the queries a request costs.
SUGGEST_PROBE = r"""
import gc, json, statistics, time, tracemalloc
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from catalogue import index, suggest
settings.ALLOWED_HOSTS = ["*"]
settings.PUBLIC_PAGE_CACHE_SECONDS = 0
collection = index.collection()
started = time.perf_counter()
suggest.Suggester.build(collection)  # the first in this process: every name normalised
build_s = time.perf_counter() - started
started = time.perf_counter()
suggest.Suggester.build(collection)  # as after an edit: the names' words are kept
rebuild_s = time.perf_counter() - started
suggest.words_of.cache_clear()  # what is kept, both parts of it, measured from nothing
gc.collect()
tracemalloc.start()
suggester = suggest.Suggester.build(collection)
gc.collect()
kept = tracemalloc.get_traced_memory()[0]
tracemalloc.stop()
collection.suggester.set("names", suggester)
donor = collection.options("donor")[0].label
typed = [donor[:i] for i in range(1, min(len(donor), 12) + 1)]
for text in ("kim jong", "silver vase", "specimen head of state 1-0001", "mitterrand", "путин",
             "gold-plated model ship", "zz", "a"):
    typed += [text[:i] for i in range(1, len(text) + 1)]
engine, view = [], []
for text in typed:
    terms = suggest.terms(text)
    started = time.perf_counter()
    suggester.suggest(terms)
    engine.append((time.perf_counter() - started) * 1000)
client = Client()
queries = 0
for text in typed:
    collection.suggested.clear()  # an answer not kept: found afresh
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get("/gifts/suggest/", {"q": text})
        view.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200, response.status_code
    queries = max(queries, len(captured))
def summary(times):
    times = sorted(times)
    return {"p50": round(statistics.median(times), 2),
            "p99": round(times[int(len(times) * .99)], 2), "max": round(times[-1], 2)}
print("RESULT" + json.dumps({"keystrokes": len(typed), "build_s": round(build_s, 2),
    "rebuild_s": round(rebuild_s, 2),
    "memory_mb": round(kept / 1e6, 1),
    "engine_ms": summary(engine), "request_ms": summary(view), "queries": queries,
    "names": {name: len(entries) for name, entries in suggester.entries.items()}}))
"""


# One whole-collection export asked for in a fresh process, as a worker that has loaded the
# listing serves it: how long the request takes (a small export is made within it; a large one
# answers 303 to the export's page at once), and the process's peak resident memory (ru_maxrss).
EXPORT_PROBE = r"""
import json, os, resource, time
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from catalogue import index
settings.ALLOWED_HOSTS = ["*"]
index.collection()
client = Client()
user, _ = get_user_model().objects.get_or_create(username="benchmark-admin",
    defaults={"is_staff": True, "is_superuser": True})
client.force_login(user)
which = os.environ["BENCH_EXPORT"]
started = time.perf_counter()
if which.startswith("public"):
    response = client.get("/gifts/export." + which.split()[1])
else:
    fmt = {"CSV": "0", "XLSX": "1"}[which.split()[1]]
    response = client.post(reverse("admin:gifts_gift_export"), {"format": fmt, "resource": "0"})
size = lines = 0
if response.streaming:
    for piece in response.streaming_content:
        size += len(piece)
        lines += piece.count(b"\n")
seconds = time.perf_counter() - started
print("RESULT" + json.dumps({"status": response.status_code, "seconds": round(seconds, 2),
    "location": response.get("Location", ""), "mb": round(size / 1e6, 1), "lines": lines,
    "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""
# The builder, in a process of its own as a worker starts it: how long it takes to prepare the
# waiting export, its peak memory, and how long the worker then takes to send the file.
BUILD_PROBE = r"""
import json, resource, time
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from exports.builder import build_waiting
from exports.models import Export
settings.ALLOWED_HOSTS = ["*"]
started = time.perf_counter()
built = build_waiting()
seconds = time.perf_counter() - started
peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
export = Export.objects.order_by("-created").first()
client = Client()
client.force_login(get_user_model().objects.get(username="benchmark-admin"))
started = time.perf_counter()
response = client.get(export.download_url())
size = sum(len(piece) for piece in response.streaming_content)
sent = time.perf_counter() - started
print("RESULT" + json.dumps({"built": built, "state": export.state, "rows": export.rows,
    "seconds": round(seconds, 1), "peak_memory_mb": peak, "mb": round(size / 1e6, 1),
    "download_s": round(sent, 2), "download_status": response.status_code}))
"""
# The admin's CSV import of a register of existing gifts, every title changed: the preview (dry
# run) and the commit, each timed, as a curator's upload would run them (desk.imports).
ADMIN_IMPORT_PROBE = r"""
import json, sys, time
import tablib
from django.contrib.auth import get_user_model
from gifts.models import Gift
from gifts.resources import GiftResource
rows = int(sys.stdin.read())
user, _ = get_user_model().objects.get_or_create(username="benchmark-admin",
    defaults={"is_staff": True, "is_superuser": True})
resource = GiftResource()
header = resource.export_header()
title = header.index("title")
data = []
first = list(Gift.objects.order_by("pk").values_list("pk", flat=True)[:rows])
for row in resource.export_rows(Gift.objects.filter(pk__in=first)):
    row = list(row)
    row[title] = (row[title] + " (revised)")[:300]
    data.append(row)
dataset = tablib.Dataset(*data, headers=header)
figures = {"admin_import_rows": len(data)}
for name, dry_run in (("admin_import_preview_s", True), ("admin_import_commit_s", False)):
    started = time.perf_counter()
    result = GiftResource().import_data(dataset, dry_run=dry_run, use_transactions=True, user=user)
    figures[name] = round(time.perf_counter() - started, 1)
    assert not result.has_errors() and not result.has_validation_errors(), name
assert Gift.objects.filter(title__endswith=" (revised)").count() == len(data)
print("RESULT" + json.dumps(figures))
"""
ADMIN_IMPORT_ROWS = 10_000

EXPORTS = ["admin CSV", "admin XLSX", "public csv", "public json"]


# In-process: each kind of page asked for in a process that has loaded the listing as a worker
# has, timed in CPU (so other work on the machine counts less), and profiled.
PROFILE_PROBE = r"""
import cProfile, gc, io, json, os, pstats, random, time
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from catalogue import index
from catalogue.facets import FACET
from gifts.models import Gift
setup_test_environment()
settings.ALLOWED_HOSTS = ["*"]
settings.PUBLIC_PAGE_CACHE_SECONDS = 0
rng = random.Random(2)
collection = index.collection()
# As a worker does: the master froze what it loaded before forking (gunicorn.conf.py), so the
# collection's objects are not walked by every garbage collection.
gc.collect()
gc.freeze()
keys = {name: [o.key for o in collection.options(name)] for name in [*FACET, "decade"]}
sample = rng.sample(collection.ids.tolist(), min(5000, collection.size))
accessions = list(Gift.objects.filter(id__in=sample).values_list("accession_number", flat=True))
last = max(1, -(-collection.size // 24))
words = ["porcelain", "vase", "painting", "tea", "silver", "korea", "bronze", "kim"]
def listing():
    chosen = rng.sample(sorted(keys), rng.randint(1, 3))
    return "/gifts/?" + "&".join(f"{k}={rng.choice(keys[k])}" for k in chosen if keys[k])
kinds = {
    "listing, 1-3 random filters": listing,
    "search, common word": lambda: f"/gifts/?q={rng.choice(words)}",
    "listing, deep page": lambda: f"/gifts/?page={rng.randint(min(1500, last), min(4000, last))}",
    "listing, page 1": lambda: "/gifts/",
    "gift detail, first visits": lambda: f"/gifts/{accessions.pop()}/",
}
client = Client()
figures = {}
for name, make in kinds.items():
    for _ in range(20):
        client.get(make())
    times, queries = [], []
    for _ in range(int(os.environ.get("BENCH_REQUESTS", "200"))):
        path = make()
        with CaptureQueriesContext(connection) as captured:
            started = time.process_time()
            answer = client.get(path)
            times.append((time.process_time() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
        queries.append(len(captured))
    times.sort()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(50):
        client.get(make())
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(
        r"catalogue|gifts|operations|template/response|template/base.py:\d+\(render\)$", 12)
    figures[name] = {
        "p50_ms": times[len(times) // 2], "p90_ms": times[len(times) * 9 // 10],
        "queries": [min(queries), max(queries)], "profile": text.getvalue(),
    }
print("RESULT" + json.dumps(figures))
"""


def profile_figures(env, show_profile):
    """CPU time per request (p50, p90) and queries of each kind of page, in-process."""
    figures = shell(env, PROFILE_PROBE)
    for name, row in figures.items():
        low, high = row["queries"]
        print(
            f"  {name:28} CPU p50 {row['p50_ms']:5.1f} ms, p90 {row['p90_ms']:5.1f} ms, "
            f"{low}-{high} queries",
            flush=True,
        )
        if show_profile:
            print(row["profile"])
    return figures


def export_figures(env):
    """
    For each whole-collection export: the request's time and the worker's peak memory; when the
    export is large (prepared outside the request), the builder's time and peak memory, the
    file's size and the time to send it.
    """
    env = dict(env, DJANGO_EXPORT_BUILDER="none")
    figures = {}
    for which in EXPORTS:
        row = shell(dict(env, BENCH_EXPORT=which), EXPORT_PROBE)
        if row["status"] == 303:
            row["builder"] = shell(env, BUILD_PROBE)
        figures[which] = row
        print(f"  export, {export_line(which, row)}", flush=True)
    return figures


def export_line(which, row):
    """One export's figures in words."""
    request = (
        f"{which:11} request {row['status']} in {row['seconds']:.2f} s, "
        f"worker peak memory {row['peak_memory_mb']} MB"
    )
    if row["status"] != 303:
        return f"{request}, made within it: {row['mb']} MB"
    built = row["builder"]
    return (
        f"{request}; builder: {built['rows']:,} rows in {built['seconds']} s, peak memory "
        f"{built['peak_memory_mb']} MB, {built['mb']} MB sent in {built['download_s']} s "
        f"({built['state']})"
    )


def run(command, env, **kwargs):
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, cwd=ROOT, **kwargs)
    return time.monotonic() - started


def manage(env, *args, **kwargs):
    return run([PYTHON, "manage.py", *args], env, **kwargs)


def shell(env, code, stdin=""):
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        input=stdin,
    ).stdout
    for line in output.splitlines():
        if line.startswith("RESULT"):
            return json.loads(line[6:])
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no result from the shell: {output[-500:]}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(kind, work, name):
    if kind == "sqlite":
        return f"sqlite:///{work / (name + '.sqlite3')}"
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_SERVER}/{name}"


def environment(database_url, work):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_VAR_DIR=str(work),
        DJANGO_SECRET_KEY="benchmark-only",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def write_csv_collection(folder, size):
    """A copy of the shipped collection whose gifts.csv has ``size`` rows (cycled, renumbered)."""
    source = ROOT / "gifts" / "data" / "collection"
    shutil.copytree(source, folder)
    with (source / "gifts.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [r for r in reader if r["direction"] == "received"]
    with (folder / "gifts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for number in range(size):
            row = dict(rows[number % len(rows)])
            row.update(ref=f"CSV-{number:07d}", reciprocal_of="", title=f"{row['title']} {number}")
            writer.writerow(row)
    (folder / "locations.csv").write_text("ref,showroom,on_display\n", encoding="utf-8")
    (folder / "recipients.csv").write_text(
        "ref,recipient_institution\n"
        + "".join(
            f"CSV-{n:07d},Central Zoo in Pyongyang\n"
            for n in range(size)
            if not rows[n % len(rows)]["leader"]
        ),
        encoding="utf-8",
    )


def scenarios(probe, admin):
    rng = random.Random(2)
    keys = probe["keys"]
    last = max(1, -(-probe["size"] // 24))  # the listing's last page (24 gifts a page)
    low, high = min(1500, max(1, last // 2)), min(4000, last)
    filterable = {
        "leader": keys["leader"],
        "country": keys["country"],
        "continent": keys["continent"],
        "donor": probe["donors"],
        "donor_kind": keys["donor_kind"],
        "category": keys["category"],
        "building": keys["building"],
        "sanctions": keys["sanctions"],
        "confidence": keys["confidence"],
    }

    def random_listing():
        params = []
        for key in rng.sample(sorted(filterable), rng.randint(1, 3)):
            params.append(f"{key}={quote(rng.choice(filterable[key]))}")  # "North America"
        if rng.random() < 0.3:
            params.append(f"year_from={rng.randint(1950, 2000)}")
        return "/gifts/?" + "&".join(params)

    def many(make):
        return [make() for _ in range(SAMPLES)]

    accessions = probe["accessions"]
    countries = list(keys["country"])
    admin_filters = [  # one of its list filters, at random
        f"leader__id__exact={rng.randint(1, 3)}",
        "status__exact=published",
        "sanctions__exact=possible",
        "confidence__exact=C",
        "on_display__exact=1",
        "direction__exact=received",
    ]
    words = ["silver", "vase", "porcelain", "sword", "crystal", "carpet"]
    # name: (addresses, a different address every request?, admin?)
    return {
        CEILING: (["/healthz"], False, False),
        "home": (["/"], True, False),
        "listing, unfiltered": (["/gifts/"], True, False),
        "listing, 1-3 random filters": (many(random_listing), True, False),
        "search, common word": (
            [
                f"/gifts/?q=silver&{random_listing().removeprefix('/gifts/?')}"
                if i % 2
                else "/gifts/?q=silver"
                for i in range(SAMPLES)
            ],
            True,
            False,
        ),
        "search, rare word": (["/gifts/?q=mitterrand"], True, False),
        "suggestions while typing": (
            [
                "/gifts/suggest/?q=" + quote(word[:length])
                for word in ["kim jong", "silver vase", "specimen", "mitterrand", "porcelain"]
                for length in range(1, len(word) + 1)
            ],
            True,
            False,
        ),
        # Issue 15's deep pages: a page from 1,500 to 4,000 at random (or the last pages of a
        # smaller collection), whose cards nobody has asked for yet in the run.
        "listing, deep pages": (
            [f"/gifts/?page={rng.randint(low, high)}" for _ in range(SAMPLES)],
            True,
            False,
        ),
        # 400 gifts again and again: after its first visit a page is kept (gifts.views).
        "gift detail": ([f"/gifts/{a}/" for a in accessions], True, False),
        # Gifts not visited before in the run: each page rendered afresh.
        "gift detail, first visits": (
            [f"/gifts/{a}/" for a in probe.get("first_visits", accessions)],
            True,
            False,
        ),
        "donor": ([f"/donors/{d}/" for d in probe["donors"][:SAMPLES]], True, False),
        "country": ([f"/countries/{c}/" for c in countries], True, False),
        "leader": ([f"/leaders/{slug}/" for slug in keys["leader"]], True, False),
        "statistics": (["/statistics/"], True, False),
        "repeated page (cache)": (["/gifts/?country=" + countries[0]], False, False),
        # Peers: Django's own admin changelist of the same gifts, as a signed-in curator.
        "peer: Django admin changelist, filtered": (
            [f"/{admin}gifts/gift/?{rng.choice(admin_filters)}" for _ in range(SAMPLES)],
            True,
            True,
        ),
        "peer: Django admin changelist, search": (
            [f"/{admin}gifts/gift/?q={rng.choice(words)}" for _ in range(SAMPLES)],
            True,
            True,
        ),
    }


# --- Peers, measured in the same run on a copy of the same gifts --------------------------------

# Datasette lives in a virtualenv of its own under the user's cache, made on first use: it is a
# peer measured beside the site, never a dependency of it.
DATASETTE_VERSION = "0.65.1"
PEERS_HOME = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "friendship-gifts"
    / "bench-peers"
)
# Facets Datasette is asked for on every table page: the listing's panels (its yes/no flags aside).
PEER_FACETS = [
    "leader",
    "continent",
    "country",
    "donor_kind",
    "donor",
    "category",
    "occasion",
    "building",
    "showroom",
    "sanctions",
    "confidence",
    "decade",
]
# Datasette's defaults stop a query after 1 s and a facet after 200 ms: at 115,000 rows its facets
# would be cut off ("facet timed out") and it would answer less than the listing does. These let
# it answer fully; suggested facets (which the listing has no equivalent of) are switched off.
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": "20000",
    "facet_time_limit_ms": "20000",
    "suggest_facets": "off",
}
# What `_search` searches: the gift's words and the names the listing's search also finds it by
# (gifts.search.gift_document: title, description, donor, recipient, country, occasion, category).
PEER_SEARCHED = ["title", "description", "donor", "leader", "country", "occasion", "category"]
PEER_TABLE = "/peer/gifts"  # the database file peer.db, its table gifts
# Our rows measured on Datasette too: the same addresses, as its table pages (datasette_path).
DATASETTE_ROWS = {
    "listing, unfiltered": "peer: Datasette, unfiltered",
    "listing, 1-3 random filters": "peer: Datasette, 1-3 random filters",
    "search, common word": "peer: Datasette, search, common word",
    "search, rare word": "peer: Datasette, search, rare word",
}
# Our row: the peers' rows that answer the same question, the best of which it is compared to.
COMPARED = {
    "listing, unfiltered": ["peer: Datasette, unfiltered"],
    "listing, 1-3 random filters": [
        "peer: Datasette, 1-3 random filters",
        "peer: Django admin changelist, filtered",
    ],
    "search, common word": [
        "peer: Datasette, search, common word",
        "peer: Django admin changelist, search",
    ],
    "search, rare word": ["peer: Datasette, search, rare word"],
}

# A flat copy of the published gifts, written from the listing's own index so that it holds
# exactly what the listing shows: one row per gift, each facet's option as its label (NULL for
# "none"), the year and decade, with an index on every facet column (as `sqlite-utils
# create-index` would make) and an FTS5 table for `_search` over PEER_SEARCHED.
PEER_EXPORT = r"""
import json, sqlite3, sys
import numpy as np
from catalogue import index
from gifts.models import Gift
asked = json.loads(sys.stdin.read())
path, facets, searched = asked["path"], asked["facets"], asked["searched"]
c = index.collection()
labels, columns = {}, {}
for name in facets:
    dimension = c.dimensions[name]
    labels[name] = {o.key: o.label for o in dimension.options if o.key}
    named = np.array([o.label if o.key else None for o in dimension.options], dtype=object)
    columns[name] = named[dimension.codes]
texts = Gift.objects.published().holdings().order_by("id").values_list(
    "id", "accession_number", "title", "description")
db = sqlite3.connect(path)
db.execute("create table gifts (id integer primary key, accession_number text, title text, "
           "description text, year integer, " + ", ".join(f"[{n}] text" for n in facets) + ")")
rows = (
    (id_, accession, title, description, int(c.years[i]) or None,
     *(columns[n][i] for n in facets))
    for i, (id_, accession, title, description) in enumerate(texts.iterator(chunk_size=5000))
)
db.executemany(f"insert into gifts values ({', '.join('?' * (5 + len(facets)))})", rows)
# Row i of the index is the i-th gift by id: the facet columns belong to the right gifts.
assert [id_ for id_, in db.execute("select id from gifts order by id")] == c.ids.tolist()
for name in [*facets, "year"]:
    db.execute(f"create index gifts_{name} on gifts([{name}])")
db.execute(f'create virtual table gifts_fts using fts5({", ".join(searched)}, content="gifts", '
           'content_rowid="id")')
db.execute("insert into gifts_fts(gifts_fts) values ('rebuild')")
db.commit()
db.execute("vacuum")
db.close()
print("RESULT" + json.dumps({"labels": labels, "rows": c.size}))
"""


def datasette_program():
    """The datasette command of the peers' own virtualenv, made (python3 -m venv, pip install
    datasette==DATASETTE_VERSION from PyPI) when missing; None when it cannot be made."""
    home = PEERS_HOME / f"datasette-{DATASETTE_VERSION}"
    program = home / "bin" / "datasette"
    if program.exists():
        return program
    print(f"  installing datasette {DATASETTE_VERSION} into {home}", flush=True)
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["python3", "-m", "venv", str(home)], check=True)
        subprocess.run(
            [str(home / "bin" / "pip"), "install", "-q", f"datasette=={DATASETTE_VERSION}"],
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        print(f"  Datasette could not be installed ({error}): its rows are not measured")
        shutil.rmtree(home, ignore_errors=True)
        return None
    return program


def datasette_path(path, labels):
    """
    The Datasette table page that answers what a listing address asks: the same filters (each
    option's key in the listing, its label in the copy), year_from as year__gte, q as _search,
    every facet of PEER_FACETS and a page of the listing's 24 gifts.
    """
    query = parse_qsl(urlsplit(path).query)
    params = [("_facet", name) for name in PEER_FACETS]
    for key, value in query:
        if key == "q":
            params.append(("_search", value))
        elif key == "year_from":
            params.append(("year__gte", value))
        elif key in labels:
            params.append((f"{key}__exact", labels[key][value]))
        else:
            raise ValueError(f"no Datasette equivalent of {key}={value}")
    params.append(("_size", "24"))
    return f"{PEER_TABLE}?{urlencode(params)}"


def datasette_scenarios(plans, labels):
    """The peer's rows: the listing's and search's scenarios, the same addresses, as Datasette
    table pages."""
    return {
        peer: [datasette_path(path, labels) for path in plans[ours][0]]
        for ours, peer in DATASETTE_ROWS.items()
    }


def datasette_answer(port, path):
    """A Datasette table page's JSON twin: what it counted."""
    table, _, query = path.partition("?")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{table}.json?{query}", timeout=120) as r:
        return json.loads(r.read())


def measure_datasette(env, plans, seconds, work, load):
    """Datasette's rows, on a flat copy of the gifts of the database just measured, served alone
    on the machine (gunicorn has stopped) by one process, as `datasette serve` does."""
    program = datasette_program()
    if program is None:
        return {}
    database = work / "peer.db"
    database.unlink(missing_ok=True)
    asked = {"path": str(database), "facets": PEER_FACETS, "searched": PEER_SEARCHED}
    exported = shell(env, PEER_EXPORT, json.dumps(asked))
    port = free_port()
    settings = [
        arg for name, value in DATASETTE_SETTINGS.items() for arg in ("--setting", name, value)
    ]
    server = subprocess.Popen(
        [
            str(program),
            "serve",
            "-i",
            str(database),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *settings,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    rows = {}
    try:
        wait_for(port, path="/-/versions.json")
        for name, urls in datasette_scenarios(plans, exported["labels"]).items():
            # Its first answer, as JSON, is not timed: it shows that the facets were all counted
            # (none cut off by a time limit) and that the filters matched.
            answer = datasette_answer(port, urls[0])
            missing = [facet for facet in PEER_FACETS if facet not in answer["facet_results"]]
            if missing:  # a facet past its time limit is left out of the answer
                print(f"  {name}: facets timed out: {', '.join(missing)}", flush=True)
            row = measure(name, load, port, urls, True, "", seconds, work)
            if row:
                print(f"  {'':40} its first answer: {answer['filtered_table_rows_count']:,} gifts")
                rows[name] = row | {
                    "matches": answer["filtered_table_rows_count"],
                    "facets_timed_out": missing,
                }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {name: row for name, row in rows.items() if row}


def parse_duration(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def load_wrk(port, urls, unique, cookie, seconds, work):
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    script = work / "bench.lua"
    script.write_text(WRK_SCRIPT)
    env = dict(
        os.environ,
        BENCH_URLS=str(url_file),
        BENCH_UNIQUE="1" if unique else "0",
        BENCH_COOKIE=cookie,
    )
    output = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(CONNECTIONS),
            "-d",
            f"{seconds}s",
            "--latency",
            "--timeout",
            f"{REQUEST_TIMEOUT}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + REQUEST_TIMEOUT + 60,
    ).stdout
    return parse_wrk(output)


def parse_wrk(output):
    """wrk's report (with --latency) as the row's figures."""
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    if "99" not in percentiles:
        raise RuntimeError(f"wrk gave no latencies:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)$", output, re.M)
    timeouts = re.search(r"timeout (\d+)", socket_errors[1]) if socket_errors else None
    if not parse_duration(percentiles["99"]):  # not one answer in time: nothing to report
        raise RuntimeError(f"no answer within {REQUEST_TIMEOUT} s:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": parse_duration(percentiles["50"]),
        "p99": parse_duration(percentiles["99"]),
        # A request past the timeout is left out of the latencies: it counts as an error.
        "errors": (int(errors[1]) if errors else 0) + (int(timeouts[1]) if timeouts else 0),
        "socket_errors": socket_errors[1] if socket_errors else "",
    }


def load_python(port, urls, unique, cookie, seconds, work):
    """The fallback when wrk is missing: CONNECTIONS threads with keep-alive connections."""
    deadline = time.monotonic() + seconds
    latencies, errors, lock = [], [0], threading.Lock()

    def client(number):
        rng = random.Random(number)
        connection = HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        counter = 0
        while time.monotonic() < deadline:
            counter += 1
            path = rng.choice(urls)
            if unique:
                path += ("&" if "?" in path else "?") + f"_n={number}-{counter}-{rng.random()}"
            headers = {"Cookie": cookie} if cookie else {}
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status >= 400:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "errors": errors[0],
        "socket_errors": "",
    }


# The deployment's gunicorn.conf.py (a master that loads and prepares the site, then forks the
# workers), with the command line's bind, workers and timeout, and without what would disturb a
# measurement: restarts after max_requests (each would fill its caches again) and the access log.
GUNICORN_CONFIG = """
import runpy
globals().update(
    (name, value) for name, value in runpy.run_path({deployment!r}).items()
    if not name.startswith("__")
)
max_requests = 0
accesslog = None
loglevel = "warning"
"""


def worker_memory(master_pid):
    """Peak resident memory (VmHWM) of each gunicorn worker, in MB. A worker's resident pages
    include those it shares with the master and the other workers (the site loaded before the
    fork, the mapped index): machine_memory counts each once."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            text = status.read_text()
            if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
                peaks.append(int(re.search(r"^VmHWM:\s+(\d+)", text, re.M)[1]) / 1024)
    return peaks


def machine_memory(master_pid):
    """The memory gunicorn's master and workers hold together, in MB: the sum of their
    proportional set sizes (a page shared by n processes counts 1/n in each)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            pid = int(status.parent.name)
            if pid != master_pid and not re.search(
                rf"^PPid:\s+{master_pid}$", status.read_text(), re.M
            ):
                continue
            rollup = (status.parent / "smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+)", rollup, re.M)[1])
    return total / 1024


def warm_up(port):
    """Both workers load the collection (seconds at this size), and what suggestions are found
    from, before anything is measured."""

    def fetch(number):
        for path in ("/gifts/", "/", "/statistics/", "/gifts/suggest/?q=a"):
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}{path}?warm={number}", timeout=300
            ) as response:
                response.read()

    threads = [threading.Thread(target=fetch, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# Pages whose size is reported: a listing's HTML must stay small (before compression) however
# many donors and occasions its panels could list.
SIZED_PAGES = {
    "listing": "/gifts/",
    "listing as a list": "/gifts/?view=list",
    "listing, 1-3 random filters": None,  # the scenario's first address
    "search, common word": None,
}


def page_sizes(port, plans):
    """{page: its HTML in KB, uncompressed} for SIZED_PAGES."""
    sizes = {}
    for name, path in SIZED_PAGES.items():
        path = path or plans[name][0][0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
            sizes[name] = round(len(response.read()) / 1024, 1)
    return sizes


def wait_for(port, timeout=120, path="/healthz"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} did not start")


def benchmark(kind, size, seconds, work, load, csv_rows):
    print(f"\n== {kind}, {size:,} synthetic gifts", flush=True)
    database = fresh_database(kind, work, f"museum_bench_{size}")
    env = environment(database, work)
    figures = {"database": kind, "size": size, "load_generator": load.__name__[5:]}
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "import_collection", stdout=subprocess.DEVNULL)
    figures["generate_specimens_s"] = round(
        manage(env, "generate_specimens", "--count", str(size), "--seed", "1"), 1
    )
    manage(env, "collectstatic", "--noinput", "-v", "0")
    probe = shell(env, PROBE)
    figures["suggestions"] = shell(env, SUGGEST_PROBE)
    print(f"  suggestions while typing: {suggest_line(figures['suggestions'])}", flush=True)
    admin = probe["admin"]
    cookie = f"sessionid={probe['session']}"
    plans = scenarios(probe, admin)

    sample_urls = {
        name: (urls[0], probe["session"] if is_admin else "")
        for name, (urls, _, is_admin) in plans.items()
    }
    queries = shell(env, COUNT_QUERIES, json.dumps(sample_urls))

    port = free_port()
    config = work / "gunicorn-benchmark.conf.py"
    config.write_text(GUNICORN_CONFIG.format(deployment=str(ROOT / "gunicorn.conf.py")))
    server = subprocess.Popen(
        [
            GUNICORN,
            "museum.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--access-logfile",
            "/dev/null",
            "--config",
            str(config),
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        wait_for(port)
        warm_up(port)
        figures["page_kb"] = page_sizes(port, plans)
        print(
            "  HTML, uncompressed: "
            + ", ".join(f"{name} {kb} KB" for name, kb in figures["page_kb"].items()),
            flush=True,
        )
        rows = {}
        for name, (urls, unique, is_admin) in plans.items():
            result = measure(
                name, load, port, urls, unique, cookie if is_admin else "", seconds, work
            )
            if result:
                rows[name] = result | queries.get(name, {})
        figures["worker_peak_memory_mb"] = [round(m, 1) for m in worker_memory(server.pid)]
        figures["machine_pss_mb"] = round(machine_memory(server.pid), 1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rows.update(measure_datasette(env, plans, seconds, work, load))
    figures["peers"] = {
        "datasette": DATASETTE_VERSION,
        "datasette_settings": DATASETTE_SETTINGS,
        "datasette_facets": PEER_FACETS,
    }
    figures["scenarios"] = compare(rows)
    figures["exports"] = export_figures(env)

    csv_folder = work / f"csv-{kind}-{csv_rows}"
    write_csv_collection(csv_folder, csv_rows)
    figures["csv_rows"] = csv_rows
    import_env = environment(fresh_database(kind, work, f"museum_bench_import_{size}"), work)
    manage(import_env, "migrate", "--noinput", "-v", "0")
    figures["csv_import_s"] = round(
        manage(
            import_env,
            "import_collection",
            "--data-dir",
            str(csv_folder),
            stdout=subprocess.DEVNULL,
        ),
        1,
    )
    print(f"  import_collection of {csv_rows:,} CSV rows: {figures['csv_import_s']} s", flush=True)
    figures.update(shell(import_env, ADMIN_IMPORT_PROBE, str(ADMIN_IMPORT_ROWS)))
    print(
        f"  admin import of {figures['admin_import_rows']:,} changed gifts: preview "
        f"{figures['admin_import_preview_s']} s, commit {figures['admin_import_commit_s']} s",
        flush=True,
    )
    return figures


def measure(name, load, port, urls, unique, cookie, seconds, work):
    """One row's figures, printed as they come; None when the load generator failed."""
    try:
        result = load(port, urls, unique, cookie, seconds, work)
    except (RuntimeError, subprocess.SubprocessError) as error:
        print(f"  {name}: not measured ({error})", flush=True)
        return None
    print(
        f"  {name:40} {result['rps']:9.1f} req/s  p50 {result['p50']:7.1f} ms  "
        f"p99 {result['p99']:7.1f} ms",
        flush=True,
    )
    return result


def compare(rows):
    """
    Each row's requests/s as a ratio to the ceiling (/healthz, the same run), and each of our
    rows that has peers (COMPARED) as a ratio to the best of them (the one with the most
    requests/s): 20.0 means twenty times the best peer's throughput.
    """
    ceiling = rows.get(CEILING, {}).get("rps")
    for name, row in rows.items():
        row["ratio_to_ceiling"] = round(row["rps"] / ceiling, 3) if ceiling else None
        peers = [rows[peer] | {"name": peer} for peer in COMPARED.get(name, []) if peer in rows]
        best = max(peers, key=lambda peer: peer["rps"], default=None)
        if best and best["rps"]:
            row["best_peer"] = best["name"]
            row["ratio_to_best_peer"] = round(row["rps"] / best["rps"], 2)
    return rows


def growth(smaller, larger):
    """{row: p50 at the larger size / p50 at the smaller} for the rows both runs measured."""
    return {
        name: round(row["p50"] / smaller[name]["p50"], 2)
        for name, row in larger.items()
        if name in smaller and smaller[name]["p50"]
    }


def suggest_line(row):
    engine, request = row["engine_ms"], row["request_ms"]
    return (
        f"{row['keystrokes']} keystrokes, an answer not asked before found in p50 "
        f"{engine['p50']} ms, max {engine['max']} ms (the request: p50 {request['p50']} ms, "
        f"max {request['max']} ms, {row['queries']} query); built once per version in "
        f"{row['build_s']} s ({row['rebuild_s']} s after an edit), keeping {row['memory_mb']} MB"
    )


def print_table(figures):
    print(
        f"\n{figures['database']} at {figures['size']:,} gifts "
        f"(load: {figures['load_generator']}, {CONNECTIONS} connections, 2 sync workers)"
    )
    print(
        f"{'scenario':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'queries':>7} "
        f"{'x ceiling':>9} {'x best peer':>11} {'errors':>6}"
    )
    for name, row in figures["scenarios"].items():
        versus = row.get("ratio_to_best_peer")
        print(
            f"{name:40} {row['rps']:9.1f} {row['p50']:8.1f} {row['p99']:8.1f} "
            f"{row.get('queries', '-'):>7} {row['ratio_to_ceiling']:9.3f} "
            f"{'-' if versus is None else f'{versus:.2f}':>11} {row['errors']:>6}"
        )
    print("x ceiling: requests/s over /healthz's; x best peer: over the best peer's of:")
    for ours, peers in COMPARED.items():
        best = figures["scenarios"].get(ours, {}).get("best_peer", "none measured")
        named = " or ".join(peer.removeprefix("peer: ") for peer in peers)
        print(f"  {ours}: {named} (best: {best.removeprefix('peer: ')})")
    if "peers" in figures:
        peers = figures["peers"]
        print(
            f"peers: Datasette {peers['datasette']} (one process, `datasette serve -i`, settings "
            + ", ".join(f"{k}={v}" for k, v in peers["datasette_settings"].items())
            + f"; facets {', '.join(peers['datasette_facets'])}; 24 rows a page) on a flat SQLite "
            "copy of the same gifts, measured after gunicorn stopped; the Django admin changelist "
            "as a signed-in superuser, in the same gunicorn"
        )
    print(
        f"worker peak memory (MB): {figures['worker_peak_memory_mb']}; master and workers "
        f"together (PSS): {figures['machine_pss_mb']} MB"
    )
    print(
        "HTML, uncompressed (KB): "
        + ", ".join(f"{name} {kb}" for name, kb in figures.get("page_kb", {}).items())
    )
    if "suggestions" in figures:
        print(f"suggestions while typing: {suggest_line(figures['suggestions'])}")
    for which, row in figures.get("exports", {}).items():
        print(f"whole-collection export, {export_line(which, row)}")
    print(
        f"generate_specimens: {figures['generate_specimens_s']} s; "
        f"import_collection of {figures['csv_rows']:,} CSV rows: {figures['csv_import_s']} s; "
        f"admin import of {figures['admin_import_rows']:,} changed gifts: preview "
        f"{figures['admin_import_preview_s']} s, commit {figures['admin_import_commit_s']} s"
    )


def grow(results):
    """For each database run at several sizes, each larger size's p50 growth from the smallest,
    kept in its figures as {"from_size": ..., "p50": {row: ratio}}."""
    for kind in dict.fromkeys(figures["database"] for figures in results):
        runs = sorted(
            (figures for figures in results if figures["database"] == kind),
            key=lambda figures: figures["size"],
        )
        for figures in runs[1:]:
            figures["growth"] = {
                "from_size": runs[0]["size"],
                "p50": growth(runs[0]["scenarios"], figures["scenarios"]),
            }


def print_growth(results):
    """The p50 of every row at each size, and its growth from the smallest."""
    for figures in results:
        if "growth" not in figures:
            continue
        smaller = next(
            run
            for run in results
            if run["database"] == figures["database"]
            and run["size"] == figures["growth"]["from_size"]
        )
        print(
            f"\n{figures['database']}: growth of p50 from {smaller['size']:,} to "
            f"{figures['size']:,} gifts"
        )
        sizes = [f"p50 ms, {run['size']:,}" for run in (smaller, figures)]
        print(f"{'scenario':40} {sizes[0]:>18} {sizes[1]:>18} {'growth':>7}")
        for name, ratio in figures["growth"]["p50"].items():
            print(
                f"{name:40} {smaller['scenarios'][name]['p50']:18.1f} "
                f"{figures['scenarios'][name]['p50']:18.1f} {ratio:7.2f}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size",
        type=int,
        action="append",
        help="synthetic gifts (115000); give it twice (--size 115000 --size 1000000) for the "
        "growth of each row's p50 between the sizes",
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10, help="per scenario (10)")
    parser.add_argument(
        "--output", default=None, help="JSON file (var/benchmark-<size>[-<size>].json)"
    )
    parser.add_argument(
        "--csv-rows", type=int, default=115_000, help="rows in the timed CSV import (115000)"
    )
    parser.add_argument(
        "--exports-only",
        metavar="DATABASE_URL",
        default=None,
        help="only time the whole-collection exports of an existing database",
    )
    parser.add_argument(
        "--profile",
        metavar="DATABASE_URL",
        default=None,
        help="only time each kind of page in-process (CPU per request) on an existing database, "
        "and print where the time goes",
    )
    arguments = parser.parse_args()
    if arguments.profile:
        with tempfile.TemporaryDirectory(prefix="museum-bench-") as folder:
            env = environment(arguments.profile, Path(folder))
            env["DJANGO_LISTING_INDEX_DIR"] = str(Path(folder) / "listing-index")
            manage(env, "collectstatic", "--noinput", "-v0")  # DEBUG off: the manifest's names
            profile_figures(env, show_profile=True)
        return
    if arguments.exports_only:
        with tempfile.TemporaryDirectory(prefix="museum-bench-") as folder:
            env = environment(arguments.exports_only, Path(folder))
            print(json.dumps(export_figures(env), indent=2))
        return

    load = load_wrk if shutil.which("wrk") else load_python
    if load is load_python:
        print("wrk not found (apt-get install wrk): using the threaded Python client")
    kinds = ["sqlite", "postgres"] if arguments.db == "both" else [arguments.db]
    sizes = sorted(set(arguments.size or [115_000]))
    results = []
    for size in sizes:
        for kind in kinds:
            # A folder per run: the larger run's databases don't sit beside the smaller's.
            with tempfile.TemporaryDirectory(prefix="museum-bench-") as folder:
                results.append(
                    benchmark(kind, size, arguments.seconds, Path(folder), load, arguments.csv_rows)
                )
    grow(results)
    for figures in results:
        print_table(figures)
    print_growth(results)
    name = "-".join(str(size) for size in sizes)
    output = Path(arguments.output or ROOT / "var" / f"benchmark-{name}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    print(f"\nWritten to {output}")


if __name__ == "__main__":
    sys.exit(main())
