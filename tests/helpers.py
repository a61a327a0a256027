import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from gifts.models import Gift

ROOT = Path(__file__).resolve().parents[1]


def listed(response):
    """The gifts a listing page shows, in its order."""
    ids = response.context["page_ids"]
    gifts = Gift.objects.in_bulk(ids)
    return [gifts[i] for i in ids]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url):
    """(status, headers, body) of a GET, following redirects as a browser does."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def run_command_server(folder, steps, **settings):
    """
    The site as the run command (scripts/run.sh) serves it: each of ``steps`` (python arguments
    run from the project folder: manage.py commands, scripts) on a database in ``folder``, then
    gunicorn from the project folder (so with gunicorn.conf.py) with one worker, DEBUG off and
    development settings otherwise (``settings``: more DJANGO_ variables). Yields its address.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="museum.settings",
        DJANGO_DEBUG="0",
        DJANGO_VAR_DIR=str(folder),
        DJANGO_LOG_LEVEL="WARNING",
        **settings,
    )
    python = Path(sys.executable)
    for step in steps:
        done = subprocess.run(
            [str(python), *step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(python.parent / "gunicorn"), "museum.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
