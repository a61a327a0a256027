"""
End-to-end check of a production deployment, built from scratch on this machine and torn down.

    .venv/bin/python scripts/e2e.py [--keep]

It makes a fresh PostgreSQL database (postgres://postgres@127.0.0.1:5432, trust authentication)
and uses Redis database 5 on 127.0.0.1:6379 (emptied before and after), runs the release steps
with DJANGO_ENV=production, makes a self-signed certificate for localhost, starts gunicorn with
gunicorn.conf.py on a unix socket and a private nginx with deploy/nginx/friendship-gifts.conf
(ports and paths swapped, free ports on 127.0.0.1; the system nginx is not touched), then checks
the site over https as a visitor would. Each check prints PASS or FAIL with its reason; the exit
status is 0 only if every check passed. Everything it started is stopped and everything it made
is removed at the end, failure or not (--keep leaves the temporary folder for inspection).
Nothing but 127.0.0.1 is contacted. It takes under a minute on an idle 2-core machine (about
20 s), collectstatic and the slow-client check being most of it; it gives up after E2E_TIMEOUT
seconds (900) whatever happens.
"""

import argparse
import contextlib
import csv
import dataclasses
import http.client
import http.cookies
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/5"
HOST = "localhost"
ADMIN_URL = "admin/"
# The whole run, setup included, is stopped after this many seconds.
TOTAL_SECONDS = int(os.environ.get("E2E_TIMEOUT", "900"))
# The slow-client check: how long the slow clients dribble, how many of them (more than the
# workers, so gunicorn alone could not answer anybody else), and the limit for other visitors.
SLOW_SECONDS = 5
SLOW_CLIENTS = 4
WORKERS = 2
FAST_LIMIT = 2.0

REQUIRED_PAGE_HEADERS = [
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "X-Request-ID",
]


class SetupFailed(Exception):
    """A step the remaining checks depend on failed; the message says which."""


class Report:
    def __init__(self):
        self.results = []

    def check(self, name, ok, reason):
        self.results.append((name, bool(ok), reason))
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {reason}", flush=True)
        return bool(ok)

    def figure(self, name, reason):
        """A measurement printed with the checks, which passes or fails nothing."""
        print(f"INFO  {name}: {reason}", flush=True)

    def run(self, name, function):
        """Runs one check: function returns (ok, reason); an exception is a failure."""
        try:
            ok, reason = function()
        except SetupFailed:
            raise
        except Exception as error:  # a check that crashes fails, and the others still run
            ok, reason = False, f"{type(error).__name__}: {error}"
        return self.check(name, ok, reason)

    @property
    def failed(self):
        return [name for name, ok, _ in self.results if not ok]

    def stopped(self, error):
        """Records why the run ended early: a setup step failed, a signal, or the clock."""
        if isinstance(error, SetupFailed):
            print(f"Setup stopped at: {error}", flush=True)
            self.results.append((f"setup: {error}", False, ""))
        else:
            print(f"Interrupted: {error}", flush=True)
            self.results.append(("interrupted", False, str(error)))

    def summary(self, started):
        """Prints the tally; returns the exit status, 0 only if every check passed."""
        failed = self.failed
        passed = len(self.results) - len(failed)
        print(
            f"\n{passed} passed, {len(failed)} failed in {time.monotonic() - started:.0f} s"
            + (f": {', '.join(failed)}" if failed else ""),
            flush=True,
        )
        return 1 if failed else 0


def stop_after(seconds):
    """SIGTERM, or `seconds` passing, ends the run as a failure (cleaning up on the way)."""

    def stop(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    def out_of_time(signum, frame):
        raise SystemExit(f"out of time after {seconds} s")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(seconds)


# --- HTTP over TLS to 127.0.0.1, as a browser asking for https://localhost:PORT/ would ---------


def client_context():
    context = ssl.create_default_context()
    # The certificate is self-signed for this run: verification is off, TLS itself is not.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class LocalHTTPS(http.client.HTTPSConnection):
    """Connects to 127.0.0.1 but presents the site's name in SNI."""

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=HOST)


class Response:
    def __init__(self, status, headers, body, seconds):
        self.status = status
        self.headers = headers
        self.body = body
        self.seconds = seconds

    def header(self, name, default=""):
        return self.headers.get(name, default)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class Client:
    def __init__(self, http_port, https_port):
        self.http_port = http_port
        self.https_port = https_port
        self.context = client_context()
        self.cookies = {}

    @property
    def origin(self):
        return f"https://{HOST}:{self.https_port}"

    def connection(self, tls, timeout):
        """A connection to the site's nginx, over https or plain http."""
        if tls:
            return LocalHTTPS("127.0.0.1", self.https_port, timeout=timeout, context=self.context)
        return http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)

    def headers(self, tls):
        """What every request carries."""
        port = self.https_port if tls else self.http_port
        return {
            "Host": f"{HOST}:{port}",
            "User-Agent": "friendship-gifts-e2e",
            "Accept-Encoding": "identity",
        }

    def request(self, method, path, *, headers=None, body=None, tls=True, timeout=15):
        connection = self.connection(tls, timeout)
        sent = self.headers(tls)
        if self.cookies and tls:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        sent.update(headers or {})
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            content = answer.read()
        finally:
            connection.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(cookie)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return Response(answer.status, answer.headers, content, time.monotonic() - started)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)


# --- Processes ---------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path, lines=25):
    try:
        content = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return "(no file)"
    return "\n".join(content[-lines:]) or "(empty)"


def run_step(report, name, command, env, timeout, cwd=ROOT):
    """A release step: passes when the command exits 0 in time; setup stops when it does not."""
    started = time.monotonic()
    try:
        finished = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        report.check(name, False, f"still running after {timeout} s")
        raise SetupFailed(name) from None
    seconds = time.monotonic() - started
    if finished.returncode != 0:
        output = (finished.stdout + finished.stderr).strip().splitlines()
        report.check(name, False, f"exit status {finished.returncode}: " + " | ".join(output[-8:]))
        raise SetupFailed(name)
    last = finished.stdout.strip().splitlines()
    report.check(name, True, f"done in {seconds:.1f} s" + (f" ({last[-1][:100]})" if last else ""))
    return finished


class Processes:
    """Long-running children, each in its own process group so all of it can be stopped."""

    def __init__(self):
        self.children = []

    def start(self, name, command, *, env=None, cwd=ROOT, stdout=None, stderr=None):
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        self.children.append((name, process))
        return process

    def stop_all(self):
        for name, process in reversed(self.children):
            stop_group(name, process)
        self.children.clear()


def stop_group(name, process, grace=15):
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            print(f"       {name} did not stop in {grace} s: killing it", flush=True)
    # Whatever is left of the group (workers of a killed master, say).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def wait_for(what, probe, process, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupFailed(f"{what} exited with status {process.returncode}")
        with contextlib.suppress(OSError):
            if probe():
                return
        time.sleep(0.2)
    raise SetupFailed(f"{what} not ready after {seconds} s")


def unix_socket_accepts(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        sock.connect(str(path))
    return True


def tcp_port_accepts(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


# --- The deployment ----------------------------------------------------------------------------


def render_site(
    template, *, socket_paths, media, exports, acme, cert, key, logs, http_port, https_port
):
    """
    deploy/nginx/friendship-gifts.conf with this run's paths and ports; every swap must hit.
    With several sockets (one per web machine), the upstream lists each, as a site with several
    web machines lists their addresses.
    """
    site = template
    upstream = "server unix:/run/friendship-gifts/gunicorn.sock fail_timeout=0;"
    servers = "\n    ".join(f"server unix:{path} fail_timeout=0;" for path in socket_paths)
    swaps = [
        (upstream, servers),
        ("/var/lib/friendship-gifts/media/", f"{media}/"),
        ("/var/lib/friendship-gifts/exports/", f"{exports}/"),
        ("/var/www/letsencrypt", str(acme)),
        ("/etc/letsencrypt/live/gifts.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/gifts.example.org/privkey.pem", str(key)),
        ("/var/log/nginx/friendship-gifts.access.log", str(logs / "access.log")),
        ("/var/log/nginx/friendship-gifts.error.log", str(logs / "error.log")),
        ("server_name gifts.example.org;", f"server_name {HOST};"),
    ]
    for old, new in swaps:
        if old not in site:
            raise SetupFailed(f"the nginx site no longer contains {old!r}: update scripts/e2e.py")
        site = site.replace(old, new)
    patterns = [
        # IPv6 listeners are dropped: only 127.0.0.1 is used.
        (r"(?m)^[ \t]*listen \[::\]:\d+[^;]*;\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl\b", f"listen 127.0.0.1:{https_port} ssl"),
    ]
    for pattern, replacement in patterns:
        site, count = re.subn(pattern, replacement, site)
        if not count:
            raise SetupFailed(f"the nginx site has no {pattern!r}: update scripts/e2e.py")
    return site


def main_nginx_conf(prefix, site_path):
    """The parts of nginx.conf a site file relies on, all inside this run's folder."""
    mime = Path("/etc/nginx/mime.types")
    types = (
        f"include {mime};"
        if mime.exists()
        else "types { text/html html; text/css css; image/png png; image/jpeg jpg jpeg; }"
    )
    # nginx started as root hands requests to workers running as `user`. Here they run as the
    # user that runs gunicorn (and owns the temporary folder), as the service's group does in
    # production; unprivileged, nginx ignores the directive, so it is left out.
    user = ""
    if os.geteuid() == 0:
        import grp
        import pwd

        user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    temp = prefix / "temp"
    return f"""{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    {types}
    default_type application/octet-stream;
    sendfile on;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site_path};
}}
"""


def first_received_gift():
    """(accession number, title) of the first received gift in the documented collection."""
    path = ROOT / "gifts" / "data" / "collection" / "gifts.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("direction", "received") == "received":
                return row["ref"], row["title"]
    raise SetupFailed(f"no received gift in {path}")


def collected_css(static_root):
    """A hashed stylesheet that whitenoise has brotli and gzip variants of, ours before admin's."""
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    candidates = []
    for name, hashed in manifest["paths"].items():
        file = static_root / hashed
        if (
            name.endswith(".css")
            and file.with_name(file.name + ".br").exists()
            and file.with_name(file.name + ".gz").exists()
        ):
            candidates.append((name.startswith("admin/"), -file.stat().st_size, hashed))
    if not candidates:
        raise SetupFailed("no compressed stylesheet in staticfiles.json")
    return sorted(candidates)[0][2]


# --- Checks ------------------------------------------------------------------------------------


def check_json(client, path, expected):
    answer = client.get(path)
    if answer.status != 200:
        return False, f"{answer.status}: {answer.text[:200]}"
    data = answer.json()
    wrong = {key: data.get(key) for key, value in expected.items() if data.get(key) != value}
    return not wrong, f"200 {data}" if not wrong else f"200 but {wrong} in {data}"


def check_page(client, path, *, contains=(), status=200):
    answer = client.get(path)
    if answer.status != status:
        return False, f"{answer.status}, wanted {status}"
    kind = answer.header("Content-Type")
    if not kind.startswith("text/html"):
        return False, f"{answer.status} but Content-Type {kind!r}"
    missing = [text for text in contains if text not in answer.text]
    if missing:
        return False, f"{answer.status} but the page lacks {missing}"
    return (
        True,
        f"{answer.status} {kind}, {len(answer.body)} bytes in {answer.seconds * 1000:.0f} ms",
    )


def check_not_found(client):
    answer = client.get("/gifts/NO-SUCH-GIFT-0/")
    if answer.status != 404:
        return False, f"{answer.status}, wanted 404"
    if "URLconf" in answer.text or "Traceback" in answer.text:
        return False, "404 with Django's debug page: DEBUG is on"
    return True, f"404 {answer.header('Content-Type')}, the site's own page (DEBUG off)"


def check_security_headers(client, path, views=2):
    """
    Django's security headers on a page, asked for `views` times: the first answer is rendered,
    the next ones may come from the page cache (operations.cache), and each must carry them.
    """
    problems, seen = [], []
    for view in range(1, views + 1):
        answer = client.get(path)
        if answer.status != 200:
            problems.append(f"view {view}: status {answer.status}")
            continue
        missing = [name for name in REQUIRED_PAGE_HEADERS if not answer.header(name)]
        if missing:
            problems.append(f"view {view}: missing {', '.join(missing)}")
        frame = answer.header("X-Frame-Options")
        if frame and frame.upper() != "DENY":
            problems.append(f"view {view}: X-Frame-Options {frame!r}")
        sniff = answer.header("X-Content-Type-Options")
        if sniff and sniff != "nosniff":
            problems.append(f"view {view}: X-Content-Type-Options {sniff!r}")
        hsts = answer.header("Strict-Transport-Security")
        if hsts and not re.search(r"max-age=[1-9]", hsts):
            problems.append(f"view {view}: HSTS {hsts!r}")
        seen = [f"{name}: {answer.header(name)[:40]}" for name in REQUIRED_PAGE_HEADERS]
    if problems:
        return False, f"{path}: " + "; ".join(problems)
    return True, f"{path}, {views} views: " + "; ".join(seen)


def check_security_headers_404(client):
    answer = client.get("/gifts/NO-SUCH-GIFT-1/")
    missing = [name for name in REQUIRED_PAGE_HEADERS if not answer.header(name)]
    if answer.status != 404 or missing:
        return False, f"{answer.status}, missing {', '.join(missing) or 'nothing'}"
    return True, "404 page carries all of them"


def check_request_id(client):
    ours = f"e2e-{secrets.token_hex(8)}"
    echoed = client.get("/gifts/", headers={"X-Request-ID": ours}).header("X-Request-ID")
    generated = client.get("/gifts/").header("X-Request-ID")
    insane = client.get("/gifts/", headers={"X-Request-ID": 'bad id"<x>'}).header("X-Request-ID")
    problems = []
    if echoed != ours:
        problems.append(f"sent {ours}, got {echoed!r}")
    if not re.fullmatch(r"[A-Za-z0-9._:-]{8,64}", generated or ""):
        problems.append(f"none sent, got {generated!r}")
    if not insane or "<" in insane or " " in insane:
        problems.append(f"an invalid one sent, got {insane!r}")
    if problems:
        return False, "; ".join(problems)
    return True, f"kept {ours}; generated {generated}; replaced an invalid one with {insane}"


def check_static(client, hashed):
    path = f"/static/{hashed}"
    problems, seen = [], []
    for encoding in ("br", "gzip"):
        answer = client.get(path, headers={"Accept-Encoding": encoding})
        cache = answer.header("Cache-Control")
        got = answer.header("Content-Encoding")
        seen.append(f"{encoding}: {answer.status} {got or 'no encoding'}")
        if answer.status != 200:
            problems.append(f"{encoding}: status {answer.status}")
        if got != encoding:
            problems.append(f"asked for {encoding}, Content-Encoding {got!r}")
        if "immutable" not in cache or "max-age=315360000" not in cache:
            problems.append(f"Cache-Control {cache!r}")
    plain = client.get(path)
    if plain.status != 200 or plain.header("Content-Encoding"):
        problems.append(f"identity: {plain.status} {plain.header('Content-Encoding')!r}")
    if problems:
        return False, f"{path}: " + "; ".join(problems)
    cache = plain.header("Cache-Control")
    return True, f"{path}: {', '.join(seen)}; Cache-Control {cache}"


# Two gifts of the collection get a photograph each, uploaded as the admin stores one (renditions
# made); one of them is then a draft. A curator account lets the check sign in.
MEDIA_SETUP = r"""
import io, json
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from gifts.images import clean_upload
from gifts.models import Gift, GiftImage
from desk.models import PublicationStatus

def photograph(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (700, 500), colour).save(buffer, format="PNG")
    return clean_upload(SimpleUploadedFile("e2e.png", buffer.getvalue(), "image/png"))

names = {}
gifts = Gift.objects.published().exclude(accession_number=%(keep)r).order_by("-accession_number")
for kind, gift, colour in zip(["published", "draft"], gifts[:2], [(180, 40, 40), (40, 40, 180)]):
    image = GiftImage.objects.create(gift=gift, image=photograph(colour), alt_text="A red box")
    if kind == "draft":
        gift.status = PublicationStatus.DRAFT
        gift.save()
    names[kind] = {
        "gift": gift.accession_number,
        "files": [image.image.name, *image.renditions["widths"].values()],
    }
get_user_model().objects.create_user(
    "e2e-curator", password=%(password)r, is_staff=True, is_superuser=True
)
print("MEDIA" + json.dumps(names))
"""

MEDIA_UNPUBLISH = r"""
from gifts.models import Gift
from desk.models import PublicationStatus
gift = Gift.objects.get(accession_number=%(gift)r)
gift.status = PublicationStatus.DRAFT
gift.save()
"""


def manage_shell(env, script):
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py shell: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout


def signed_in(client, username, password):
    """`client` signed in to the admin, or an error saying why not."""
    login = f"/{ADMIN_URL}login/"
    page = client.get(login)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if not token:
        raise RuntimeError(f"GET {login}: {page.status}, no CSRF token")
    form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    answer = client.request(
        "POST",
        login,
        body=urllib.parse.urlencode({**form, "next": f"/{ADMIN_URL}"}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": client.origin,
            "Referer": client.origin + login,
        },
    )
    if answer.status != 302:
        raise RuntimeError(f"signing in: {answer.status}")
    return client


def media_answers(client, media_root, files, *, headers=None):
    """For each stored file: (status, problems) of GET /media/<name> through nginx."""
    answers = []
    for name in files:
        answer = client.get(f"/media/{name}", headers=headers)
        problems = []
        if answer.status == 200:
            kind = "image/png" if name.endswith(".png") else "image/webp"
            if answer.header("Content-Type") != kind:
                problems.append(f"Content-Type {answer.header('Content-Type')!r}")
            if answer.body != (media_root / name).read_bytes():
                problems.append("not the file on disk")
            if answer.header("X-Content-Type-Options") != "nosniff":
                problems.append("no nosniff")
            if "sandbox" not in answer.header("Content-Security-Policy"):
                problems.append(f"CSP {answer.header('Content-Security-Policy')!r}")
            if "no-cache" not in answer.header("Cache-Control"):
                problems.append(f"Cache-Control {answer.header('Cache-Control')!r}")
            if not answer.header("ETag") or answer.header("X-Accel-Redirect"):
                problems.append("no ETag, or the X-Accel-Redirect header leaked")
        answers.append((name, answer, problems))
    return answers


def check_media(client, site, keep):
    """
    Uploaded images through nginx: a published gift's image and renditions are 200 (Django's
    check, then nginx sends the file), a draft's are 404 to visitors and 200 to a curator,
    and after the published gift is unpublished its files are 404 too.
    """
    media_root = site.media
    password = secrets.token_urlsafe(16)
    output = manage_shell(site.env, MEDIA_SETUP % {"keep": keep, "password": password})
    names = json.loads(output.split("MEDIA", 1)[1])
    published, draft = names["published"], names["draft"]
    problems = []

    def expect(answers, status, who):
        for name, answer, wrong in answers:
            if answer.status != status:
                problems.append(f"{who}: {name} {answer.status}, wanted {status}")
            problems.extend(f"{who}: {name}: {problem}" for problem in wrong)

    shown = media_answers(client, media_root, published["files"])
    expect(shown, 200, "published")
    first = shown[0][1]
    revalidate = {"If-None-Match": first.header("ETag")}
    again = client.get(f"/media/{published['files'][0]}", headers=revalidate)
    if again.status != 304:
        problems.append(f"a browser's copy revalidated: {again.status}, wanted 304")
    expect(media_answers(client, media_root, draft["files"]), 404, "draft")
    folder = media_root / "gifts" / published["gift"]
    (folder / "stray.png").write_bytes((media_root / published["files"][0]).read_bytes())
    odd = {
        f"/media/gifts/{published['gift']}/stray.png": (404,),
        f"/media/gifts/{published['gift']}/": (404,),
        f"/media/gifts/{published['gift']}/nothing.png": (404,),
        f"/protected-media/{published['files'][0]}": (404,),
        "/media/gifts/%2e%2e/%2e%2e/etc/passwd": (400, 404),
        "/media/../gunicorn.conf.py": (400, 404),  # nginx refuses to climb above /
    }
    for path, wanted in odd.items():
        status = client.get(path).status
        if status not in wanted:
            problems.append(f"{path}: {status}, wanted {' or '.join(map(str, wanted))}")

    curator = signed_in(Client(client.http_port, client.https_port), "e2e-curator", password)
    staff = media_answers(curator, media_root, draft["files"])
    expect(staff, 200, "a curator, the draft")
    private = staff[0][1].header("Cache-Control")
    if "private" not in private:
        problems.append(f"a draft shown to a curator is cacheable: {private!r}")

    manage_shell(site.env, MEDIA_UNPUBLISH % {"gift": published["gift"]})
    expect(media_answers(client, media_root, published["files"]), 404, "unpublished")
    gone = client.get(f"/media/{published['files'][0]}", headers=revalidate)
    if gone.status != 404:
        problems.append(f"an unpublished image revalidated: {gone.status}, wanted 404")
    if problems:
        return False, "; ".join(problems)
    return True, (
        f"{published['gift']}: {len(shown)} files 200 ({first.header('Content-Type')}, "
        f"Cache-Control {first.header('Cache-Control')!r}, CSP "
        f"{first.header('Content-Security-Policy')!r}), 304 with its ETag; draft "
        f"{draft['gift']}: {len(draft['files'])} files 404, 200 to a curator ({private!r}); "
        f"stray file, folder, missing file, /protected-media/, traversal refused; after "
        f"unpublishing {published['gift']}: 404"
    )


def check_http_redirect(client):
    answer = client.get("/gifts/?page=2", tls=False)
    location = answer.header("Location")
    wanted = f"https://{HOST}/gifts/?page=2"
    ok = answer.status == 301 and location == wanted
    return ok, f"{answer.status} to {location!r}" + ("" if ok else f", wanted 301 to {wanted!r}")


def check_acme(client, acme):
    token = secrets.token_urlsafe(16)
    challenge = acme / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / token).write_text("e2e-" + token)
    answer = client.get(f"/.well-known/acme-challenge/{token}", tls=False)
    ok = answer.status == 200 and answer.text == "e2e-" + token
    return ok, f"{answer.status} over plain http" + ("" if ok else f": {answer.text[:80]!r}")


def check_admin_login(client):
    login = f"/{ADMIN_URL}login/"
    page = client.get(login)
    if page.status != 200:
        return False, f"GET {login}: {page.status}"
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if not match:
        return False, f"GET {login}: 200 but no CSRF token in the form"
    if not client.cookies:
        return False, f"GET {login}: 200 but no CSRF cookie"
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": match.group(1),
            "username": "e2e-nobody",
            "password": "wrong-" + secrets.token_hex(6),
            "next": f"/{ADMIN_URL}",
        }
    )
    answer = client.request(
        "POST",
        login,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": client.origin,
            "Referer": client.origin + login,
        },
    )
    text = answer.text
    if "CSRF" in text and answer.status == 403:
        return False, f"POST refused by the CSRF check: {text[:160]!r}"
    if answer.status >= 500:
        return False, f"POST: {answer.status}"
    form_again = 'id="login-form"' in text
    error = "errornote" in text or "Please enter the correct" in text
    locked = answer.status in (403, 429) and "lock" in text.lower()
    ok = (answer.status == 200 and form_again and error) or locked
    detail = f"cookies {sorted(client.cookies)}; POST with a wrong password: {answer.status}"
    if ok:
        return True, detail + (", the form again with its error" if not locked else ", locked")
    return False, f"{detail}, form again: {form_again}, error shown: {error}"


def check_csrf_refused(client):
    answer = client.request(
        "POST",
        f"/{ADMIN_URL}login/",
        body="username=a&password=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return answer.status == 403, f"a POST without a CSRF token: {answer.status}"


def check_upload_limit(client):
    # nginx refuses on Content-Length alone; the body is never sent.
    answer = client.request(
        "POST",
        f"/{ADMIN_URL}login/",
        headers={"Content-Length": str(11 * 1024 * 1024), "Content-Type": "application/json"},
    )
    return answer.status == 413, f"an 11 MB body announced: {answer.status}"


def slow_client(port, index, seconds, body, outcome):
    """Sends its request a byte at a time over `seconds` (headers, or the body), then reads."""
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=seconds + 20)
        sock = client_context().wrap_socket(raw, server_hostname=HOST)
        if body:
            payload = b"x" * 40
            head = (
                f"POST /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                f"User-Agent: e2e-slow-body-{index}\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
            ).encode()
            sock.sendall(head)
            dribble, rest = payload[:-1], payload[-1:]
        else:
            dribble = (
                f"GET /gifts/ HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                f"User-Agent: e2e-slow-headers-{index}\r\nAccept: text/html\r\n"
                f"Connection: close\r\n"
            ).encode()
            rest = b"\r\n"
        pause = seconds / len(dribble)
        for byte in dribble:
            sock.sendall(bytes([byte]))
            time.sleep(pause)
        sock.sendall(rest)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        sock.close()
        status = received.split(b"\r\n", 1)[0].decode("latin-1")
        outcome[index] = status
    except Exception as error:
        outcome[index] = f"{type(error).__name__}: {error}"


def check_slow_clients(client, nginx_access_log):
    outcome = {}
    threads = [
        threading.Thread(
            target=slow_client,
            args=(client.https_port, index, SLOW_SECONDS, index == SLOW_CLIENTS, outcome),
            daemon=True,
        )
        for index in range(SLOW_CLIENTS + 1)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    timings = []
    end = time.monotonic() + SLOW_SECONDS - 1
    while time.monotonic() < end or len(timings) < 4:
        answer = client.get("/gifts/", timeout=10)
        timings.append((answer.status, answer.seconds))
        time.sleep(0.5)
    still_sending = sum(thread.is_alive() for thread in threads)
    for thread in threads:
        thread.join(SLOW_SECONDS + 25)
    slow = [
        f"{status} in {seconds:.1f} s"
        for status, seconds in timings
        if status != 200 or seconds > FAST_LIMIT
    ]
    answered = [outcome.get(index, "no answer") for index in range(SLOW_CLIENTS + 1)]
    unanswered = [text for text in answered if not re.match(r"HTTP/1\.1 [1-4]\d\d", text)]
    shown = ", ".join(f"{seconds * 1000:.0f} ms" for _, seconds in timings)
    # nginx's log says how long each slow request took (rt) and how much of it gunicorn (urt).
    held = [
        f"{float(match[1]):.1f} s/{float(match[2]) * 1000:.0f} ms"
        for match in re.finditer(
            r'"e2e-slow-[a-z]+-\d+" rid=\S+ rt=([\d.]+) urt=([\d.]+)',
            Path(nginx_access_log).read_text(errors="replace"),
        )
    ]
    reason = (
        f"{SLOW_CLIENTS} clients dribbling headers and 1 a body over {SLOW_SECONDS} s "
        f"({WORKERS} workers); {len(timings)} fetches of /gifts/ meanwhile: {shown} "
        f"({still_sending} slow clients were still sending at the end); "
        f"slow clients then got: {answered}; nginx held them / gunicorn spent: {held}"
    )
    problems = []
    if slow:
        problems.append(f"fetches slower than {FAST_LIMIT} s or failed: {slow}")
    if still_sending < SLOW_CLIENTS:
        problems.append("the slow clients finished too early to prove anything")
    if unanswered:
        problems.append(f"slow clients not answered: {unanswered}")
    return not problems, ("; ".join(problems) + " | " if problems else "") + reason


def check_access_log(stdout_path, request_id):
    """gunicorn's access log: each line one JSON object, the request id and odd paths intact."""
    records, broken = [], []
    for line in Path(stdout_path).read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            broken.append(line[:120])
            continue
        # Django's own log records (level, logger, message) share stdout.
        if "duration_ms" in record and "logger" not in record:
            records.append(record)
    if broken:
        return False, f"{len(broken)} lines are not JSON, e.g. {broken[0]!r}"
    if not records:
        return False, "no JSON access records on gunicorn's stdout"
    fields = {"time", "method", "path", "query", "status", "bytes", "duration_ms"}
    fields |= {"remote_addr", "user_agent", "referer", "request_id"}
    missing = fields - set(records[-1])
    ours = [r for r in records if r.get("request_id") == request_id]
    quoted = [r for r in records if '"' in (r.get("path") or "")]
    problems = []
    if missing:
        problems.append(f"fields missing: {sorted(missing)}")
    if not ours:
        problems.append(f"no record with request_id {request_id}")
    elif ours[0].get("path") != "/gifts/" or ours[0].get("status") != 200:
        problems.append(f"record for {request_id}: {ours[0]}")
    elif ours[0].get("remote_addr") != "127.0.0.1":
        problems.append(f"remote_addr {ours[0].get('remote_addr')!r}, wanted 127.0.0.1")
    if not quoted:
        problems.append("the path with a quote was not logged")
    if problems:
        return False, "; ".join(problems)
    return True, f"{len(records)} records, e.g. {json.dumps(ours[0])}"


def check_logged_request(client):
    """Makes the requests check_access_log looks for; returns the request id used."""
    request_id = f"e2e-log-{secrets.token_hex(6)}"
    client.get("/gifts/", headers={"X-Request-ID": request_id, "Referer": "https://e.example/"})
    client.get('/gifts/"quoted"/')
    return request_id


def check_error_logs(gunicorn_err, nginx_logs):
    problems = []
    text = Path(gunicorn_err).read_text(errors="replace")
    for marker in ("Traceback", "WORKER TIMEOUT", "[CRITICAL]"):
        if marker in text:
            problems.append(f"gunicorn's stderr has {marker!r}")
    for path in nginx_logs:
        if Path(path).exists():
            for line in Path(path).read_text(errors="replace").splitlines():
                if re.search(r"\[(emerg|alert|crit)\]|upstream prematurely|connect\(\) to", line):
                    problems.append(f"{Path(path).name}: {line[:160]}")
                    break
    return not problems, "; ".join(problems) or "no tracebacks, timeouts or upstream errors"


# --- The run -----------------------------------------------------------------------------------


def empty_redis(report, url):
    """The Redis database this run uses, emptied (and emptied again at the end by the caller)."""
    try:
        cache = redis.Redis.from_url(url, socket_timeout=5)
        cache.flushdb()
    except redis.RedisError as error:
        report.check("Redis", False, f"{url}: {error}")
        raise SetupFailed("Redis") from None
    report.check("Redis", True, f"{url} reachable and emptied")
    return cache


def clean_environment():
    """This process's environment without any deployment settings it may have been given."""
    prefixes = ("DJANGO_", "GUNICORN_", "DATABASE_", "REDIS_", "CACHE_", "MEDIA_", "AWS_")
    names = ("WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "PORT")
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(prefixes) and key not in names
    }


def start_machine(report, tmp, processes, env, workers, number, machines):
    """Start one web machine's gunicorn and wait until its socket accepts (a check)."""
    name = "gunicorn" if machines == 1 else f"machine {number}"
    # One machine keeps the paths a single deployment always had; several get a folder each
    # (gunicorn puts its control socket beside the socket, so they must not share one).
    home = tmp if machines == 1 else tmp / f"machine-{number}"
    run = tmp / "run" if machines == 1 else home / "run"
    run.mkdir(parents=True, exist_ok=True)
    socket_path = run / "gunicorn.sock"
    env = env | {"GUNICORN_BIND": f"unix:{socket_path}"}
    out_path, err_path = home / "gunicorn.out", home / "gunicorn.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        gunicorn = processes.start(
            name,
            [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")],
            env=env,
            stdout=out,
            stderr=err,
        )
    try:
        wait_for(name, lambda: unix_socket_accepts(socket_path), gunicorn, 60)
    except SetupFailed as error:
        report.check(f"{name} starts", False, f"{error}\n{tail(err_path)}")
        raise
    mode = oct(socket_path.stat().st_mode & 0o777)
    report.check(
        f"{name} starts",
        mode == "0o770",
        f"listening on {socket_path} (mode {mode}, wanted 0o770), "
        f"{workers or 'the configured number of'} workers",
    )
    return Machine(name, env, gunicorn, socket_path, out_path, err_path)


@dataclasses.dataclass
class Machine:
    """One web machine: its gunicorn (and so its own listing index), on a socket of its own."""

    name: str
    env: dict
    gunicorn: subprocess.Popen
    socket: Path
    gunicorn_out: Path
    gunicorn_err: Path


@dataclasses.dataclass
class Site:
    """A running deployment: nginx in front of gunicorn, and where each part keeps its files.
    ``gunicorn`` and its logs are the first machine's; ``machines`` lists them all."""

    env: dict
    client: Client
    gunicorn: subprocess.Popen
    gunicorn_out: Path
    gunicorn_err: Path
    machines: list
    nginx_prefix: Path
    var: Path
    media: Path
    exports: Path
    acme: Path


def deploy(
    report,
    tmp,
    processes,
    database_url,
    *,
    redis_url=REDIS_URL,
    workers=WORKERS,
    extra_steps=(),
    machines=1,
):
    """
    The release steps with production settings, then gunicorn on a unix socket and a private
    nginx over https; each step is a check. `workers` None leaves gunicorn.conf.py's default;
    `extra_steps` are (name, manage.py arguments, timeout) run after the release steps.

    `machines` > 1 starts that many separate gunicorns, each as a web machine of its own (its own
    socket, control socket, logs and listing index), behind the one nginx, on the one database
    and Redis: the README's "Several web machines".
    """
    var, media, run = tmp / "var", tmp / "media", tmp / "run"
    prefix, acme, exports = tmp / "nginx", tmp / "acme", tmp / "exports"
    for folder in (var, media, run, prefix / "logs", prefix / "temp", acme, exports):
        folder.mkdir(parents=True, exist_ok=True)
    env = clean_environment() | {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_VAR_DIR": str(var),
        "DJANGO_MEDIA_ROOT": str(media),
        "DJANGO_EXPORTS_ROOT": str(exports),
        # The documented collection's listing (about 70 gifts) is then a large download, prepared
        # by the builder process and sent by nginx, as a whole collection's is on a real site.
        "DJANGO_EXPORT_STREAM_ROWS": str(E2E_STREAM_ROWS),
        "DJANGO_ADMIN_URL": ADMIN_URL,
        "GUNICORN_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)

    python = str(BIN / "python")
    manage = [python, "manage.py"]
    # As the README's release does: the site's user cannot write __pycache__ (and this machine's
    # PYTHONDONTWRITEBYTECODE forbids it), so without it every worker compiles the site afresh.
    compileall = [python, "-m", "compileall", "-q", "-x", r"/\.venv/", str(ROOT)]
    run_step(report, "release: compileall", compileall, env, 300)
    run_step(report, "release: migrate", [*manage, "migrate", "--noinput"], env, 300)
    run_step(report, "release: collectstatic", [*manage, "collectstatic", "--noinput"], env, 420)
    run_step(
        report,
        "release: import_collection",
        [*manage, "import_collection", "--keep-existing"],
        env,
        300,
    )
    for name, arguments, timeout in extra_steps:
        run_step(report, name, [*manage, *arguments], env, timeout)
    deploy_check = subprocess.run(
        [*manage, "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = (deploy_check.stdout + deploy_check.stderr).strip().splitlines()
    report.check(
        "manage.py check --deploy",
        deploy_check.returncode == 0,
        " | ".join(output[-6:]) or "no issues",
    )

    cert, key = prefix / "localhost.crt", prefix / "localhost.key"
    openssl = shutil.which("openssl") or "/usr/bin/openssl"
    run_step(
        report,
        "self-signed certificate",
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=DNS:{HOST}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        env,
        60,
    )

    started = [
        start_machine(report, tmp, processes, env, workers, number, machines)
        for number in range(1, machines + 1)
    ]

    http_port, https_port = free_port(), free_port()
    while https_port == http_port:
        https_port = free_port()
    template = (ROOT / "deploy" / "nginx" / "friendship-gifts.conf").read_text()
    site = render_site(
        template,
        socket_paths=[machine.socket for machine in started],
        media=media,
        exports=exports,
        acme=acme,
        cert=cert,
        key=key,
        logs=prefix / "logs",
        http_port=http_port,
        https_port=https_port,
    )
    site_path = prefix / "friendship-gifts.conf"
    site_path.write_text(site)
    conf = prefix / "nginx.conf"
    conf.write_text(main_nginx_conf(prefix, site_path))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    nginx_command = [
        nginx,
        "-p",
        str(prefix),
        "-c",
        str(conf),
        "-e",
        str(prefix / "logs/error.log"),
    ]
    test = subprocess.run(
        [*nginx_command, "-t", "-q"], capture_output=True, text=True, timeout=30, check=False
    )
    if not report.check(
        "nginx -t",
        test.returncode == 0,
        (test.stdout + test.stderr).strip() or "the rendered site is valid",
    ):
        raise SetupFailed("nginx -t")
    with (prefix / "logs" / "stderr.log").open("wb") as err:
        nginx_process = processes.start(
            "nginx", [*nginx_command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        wait_for("nginx", lambda: tcp_port_accepts(https_port), nginx_process, 30)
    except SetupFailed as error:
        report.check("nginx starts", False, f"{error}\n{tail(prefix / 'logs/error.log')}")
        raise
    report.check("nginx starts", True, f"http on 127.0.0.1:{http_port}, https on {https_port}")
    first = started[0]
    return Site(
        env=first.env,
        client=Client(http_port, https_port),
        gunicorn=first.gunicorn,
        gunicorn_out=first.gunicorn_out,
        gunicorn_err=first.gunicorn_err,
        machines=started,
        nginx_prefix=prefix,
        var=var,
        media=media,
        exports=exports,
        acme=acme,
    )


E2E_STREAM_ROWS = 20


def check_prepared_export(client, site):
    """
    A download larger than DJANGO_EXPORT_STREAM_ROWS: the listing's export answers 303 to the
    export's page, which answers 202 while a builder process (started by the gunicorn worker)
    prepares the file, then 200 with a link; nginx sends the file (X-Accel-Redirect), the same
    bytes as on disk, and refuses its internal location to clients.
    """
    asked = client.get("/gifts/export.csv")
    location = asked.header("Location")
    if asked.status != 303 or not location.startswith("/exports/"):
        return False, f"/gifts/export.csv: {asked.status} {location!r}, wanted 303 to /exports/"
    started = time.monotonic()
    page = client.get(location)
    first = page.status
    while page.status == 202 and time.monotonic() - started < 60:
        time.sleep(0.5)
        page = client.get(location)
    waited = time.monotonic() - started
    if page.status != 200:
        return False, f"the export's page: {page.status} after {waited:.1f} s (first {first})"
    download = location + "download"
    if download not in page.body.decode():
        return False, "the ready page has no link to the file"
    answer = client.get(download)
    files = list(site.exports.glob("*.csv"))
    problems = []
    if answer.status != 200 or len(files) != 1:
        return False, f"{download}: {answer.status}; files prepared: {[f.name for f in files]}"
    if answer.body != files[0].read_bytes():
        problems.append("not the file on disk")
    if answer.header("X-Accel-Redirect"):
        problems.append("the X-Accel-Redirect header leaked")
    if not answer.header("Content-Type").startswith("text/csv"):
        problems.append(f"Content-Type {answer.header('Content-Type')!r}")
    if "attachment" not in answer.header("Content-Disposition"):
        problems.append(f"Content-Disposition {answer.header('Content-Disposition')!r}")
    if answer.header("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    lines = answer.body.count(b"\n") - 1
    if lines <= E2E_STREAM_ROWS:
        problems.append(f"only {lines} rows")
    direct = client.get(f"/protected-exports/{files[0].name}").status
    if direct != 404:
        problems.append(f"/protected-exports/ asked for directly: {direct}, wanted 404")
    if problems:
        return False, "; ".join(problems)
    return True, (
        f"303 to the export's page, {first} then 200 after {waited:.1f} s; the file through "
        f"nginx: {lines} rows, {len(answer.body):,} bytes, the file on disk; "
        f"/protected-exports/ refused"
    )


def deploy_and_check(report, tmp, processes, database):
    site = deploy(report, tmp, processes, f"postgres://postgres@127.0.0.1:5432/{database}")
    client, prefix, acme = site.client, site.nginx_prefix, site.acme
    gunicorn_out, gunicorn_err = site.gunicorn_out, site.gunicorn_err
    http_port, https_port = client.http_port, client.https_port
    accession, title = first_received_gift()
    series = accession.split("-")[0]
    css = collected_css(site.var / "static")

    report.run("healthz", lambda: check_json(client, "/healthz", {"status": "ok"}))
    report.run(
        "readyz",
        lambda: check_json(client, "/readyz", {"status": "ok", "database": "ok", "cache": "ok"}),
    )
    report.run("home page", lambda: check_page(client, "/"))
    report.run("gift list", lambda: check_page(client, "/gifts/", contains=[f"/gifts/{series}-"]))
    report.run("gift page", lambda: check_page(client, f"/gifts/{accession}/", contains=[title]))
    report.run("404", lambda: check_not_found(client))
    # /statistics/ is asked for here first: rendered once, then from the page cache.
    report.run("security headers", lambda: check_security_headers(client, "/statistics/"))
    report.run("security headers (404)", lambda: check_security_headers_404(client))
    report.run("request id", lambda: check_request_id(client))
    report.run("static file (whitenoise)", lambda: check_static(client, css))
    report.run("media files (nginx)", lambda: check_media(client, site, accession))
    report.run("large download (builder, nginx)", lambda: check_prepared_export(client, site))
    report.run("http redirects to https", lambda: check_http_redirect(client))
    report.run("certbot challenge over http", lambda: check_acme(client, acme))
    report.run("admin login", lambda: check_admin_login(Client(http_port, https_port)))
    report.run("admin CSRF", lambda: check_csrf_refused(Client(http_port, https_port)))
    report.run("upload limit", lambda: check_upload_limit(client))
    report.run(
        "slow clients",
        lambda: check_slow_clients(client, prefix / "logs" / "access.log"),
    )
    request_id = check_logged_request(client)
    time.sleep(0.5)
    report.run("access log (JSON)", lambda: check_access_log(gunicorn_out, request_id))
    report.run(
        "error logs",
        lambda: check_error_logs(
            gunicorn_err, [prefix / "logs" / "error.log", prefix / "logs" / "stderr.log"]
        ),
    )
    return gunicorn_err, prefix


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()

    stop_after(TOTAL_SECONDS)

    report = Report()
    tmp = Path(tempfile.mkdtemp(prefix="friendship-gifts-e2e-"))
    processes = Processes()
    database = f"friendship_gifts_e2e_{secrets.token_hex(4)}"
    admin = None
    cache = None
    logs = None
    started = time.monotonic()
    print(f"Friendship Gifts end-to-end check in {tmp}", flush=True)
    try:
        try:
            admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        except psycopg.Error as error:
            report.check("PostgreSQL database", False, f"{POSTGRES_ADMIN_URL}: {error}")
            raise SetupFailed("PostgreSQL") from None
        report.check("PostgreSQL database", True, f"created {database}")
        cache = empty_redis(report, REDIS_URL)
        logs = deploy_and_check(report, tmp, processes, database)
    except (SetupFailed, SystemExit, KeyboardInterrupt) as error:
        report.stopped(error)
    finally:
        signal.alarm(0)
        if report.failed:
            gunicorn_err = logs[0] if logs else tmp / "gunicorn.err"
            nginx_err = (logs[1] if logs else tmp / "nginx") / "logs" / "error.log"
            print(f"\n--- gunicorn stderr (last lines)\n{tail(gunicorn_err)}", flush=True)
            print(f"--- nginx error log (last lines)\n{tail(nginx_err)}\n", flush=True)
        processes.stop_all()
        if admin is not None:
            try:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )
            except psycopg.Error as error:
                print(f"Could not drop the database {database}: {error}", flush=True)
            admin.close()
        if cache is not None:
            with contextlib.suppress(redis.RedisError):
                cache.flushdb()
        if options.keep:
            print(f"Kept {tmp}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    return report.summary(started)


if __name__ == "__main__":
    sys.exit(main())
